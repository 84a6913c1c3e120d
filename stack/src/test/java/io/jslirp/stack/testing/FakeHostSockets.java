package io.jslirp.stack.testing;

import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.netty.buffer.ByteBuf;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory host sockets: scripted connect results, a byte pipe per handle each way with a settable
 * capacity toward the host (to force partial writes and EAGAIN), EOF and error injection, and event delivery
 * by calling the stack's handler, as the Linux event loop would.
 */
public final class FakeHostSockets implements HostSockets {
    /** One fake socket. Public fields: tests read and poke them directly. */
    public static final class Sock {
        public int handle;
        public int dstAddr;
        public int dstPort;
        public int bindAddr;
        public HostSocketHandler handler;
        /** connectResult(): 0 connected, errno otherwise, EINPROGRESS until the test settles it. */
        public int connectResult = EINPROGRESS;
        /** Bytes the guest's side wrote to the host. */
        public final ByteArrayOutputStream written = new ByteArrayOutputStream();
        /** How many more bytes write() accepts before it reports a full buffer (0). */
        public long writeRoom = Long.MAX_VALUE;
        /** Bytes waiting to be read (sent by the host peer). */
        public final ByteArrayOutputStream toRead = new ByteArrayOutputStream();
        public int readPos;
        public boolean eof;
        /** -errno that read()/write() return once set (e.g. ECONNRESET). */
        public int error;
        /** Sets {@link #error} to {@link #failAfterError} once this many bytes have been written. */
        public long failAfterWritten = Long.MAX_VALUE;
        public int failAfterError;
        public boolean shutdownWrite;
        public boolean closed;
        public boolean aborted;
        public boolean readInterest;
        public boolean writeInterest;
        public int interestCalls;

        public byte[] written() {
            return written.toByteArray();
        }

        public int pendingRead() {
            return toRead.size() - readPos;
        }

        public boolean released() {
            return closed || aborted;
        }
    }

    private final List<Sock> sockets = new ArrayList<>();
    private int nextHandle = 5;
    /** When non-zero, the next connectTcp fails at once with -this. */
    public int failNextConnect;
    /** Count of every call the stack makes, for "no I/O happened" assertions. */
    public int calls;

    @Override
    public int connectTcp(int dstAddr, int dstPort, int bindAddr, HostSocketHandler handler) {
        calls++;
        if (failNextConnect != 0) {
            int e = failNextConnect;
            failNextConnect = 0;
            return -e;
        }
        Sock s = new Sock();
        s.handle = nextHandle++;
        s.dstAddr = dstAddr;
        s.dstPort = dstPort;
        s.bindAddr = bindAddr;
        s.handler = handler;
        // As NativeHostSockets does: a connecting socket is watched for WRITABLE, which reports the outcome.
        s.writeInterest = true;
        sockets.add(s);
        return s.handle;
    }

    public Sock sock(int handle) {
        for (Sock s : sockets) {
            if (s.handle == handle) {
                return s;
            }
        }
        throw new IllegalArgumentException("no handle " + handle);
    }

    public List<Sock> sockets() {
        return sockets;
    }

    public Sock last() {
        return sockets.isEmpty() ? null : sockets.get(sockets.size() - 1);
    }

    private Sock live(int handle) {
        Sock s = sock(handle);
        if (s.closed || s.aborted) {
            throw new IllegalStateException("use of released handle " + handle);
        }
        return s;
    }

    @Override
    public int connectResult(int handle) {
        calls++;
        return live(handle).connectResult;
    }

    @Override
    public int read(int handle, ByteBuf dst, int maxBytes) {
        calls++;
        Sock s = live(handle);
        if (s.error != 0) {
            return -s.error;
        }
        int avail = s.pendingRead();
        if (avail > 0) {
            int n = Math.min(avail, maxBytes);
            if (dst.writableBytes() < n) {
                throw new IllegalStateException("read buffer too small");
            }
            dst.writeBytes(s.toRead.toByteArray(), s.readPos, n);
            s.readPos += n;
            return n;
        }
        return s.eof ? EOF : 0;
    }

    /** Calls of {@link #writeGather} (the default implementation's one-by-one writes do the work). */
    public int gatherCalls;

    @Override
    public long writeGather(int handle, ByteBuf[] ring, int head, int count, int mask) {
        gatherCalls++;
        return HostSockets.super.writeGather(handle, ring, head, count, mask);
    }

    @Override
    public int write(int handle, ByteBuf src, int index, int length) {
        calls++;
        Sock s = live(handle);
        if (s.error == 0 && s.written.size() >= s.failAfterWritten) {
            s.error = s.failAfterError;
        }
        if (s.error != 0) {
            return -s.error;
        }
        if (s.shutdownWrite) {
            throw new IllegalStateException("write after shutdownWrite");
        }
        int n = (int) Math.min(length, s.writeRoom);
        byte[] b = new byte[n];
        src.getBytes(index, b);
        s.written.write(b, 0, n);
        s.writeRoom -= n;
        return n;
    }

    @Override
    public void shutdownWrite(int handle) {
        calls++;
        live(handle).shutdownWrite = true;
    }

    @Override
    public void setInterest(int handle, boolean read, boolean write) {
        calls++;
        Sock s = live(handle);
        s.readInterest = read;
        s.writeInterest = write;
        s.interestCalls++;
    }

    @Override
    public void close(int handle) {
        calls++;
        live(handle).closed = true;
    }

    @Override
    public void abort(int handle) {
        calls++;
        live(handle).aborted = true;
    }

    // ---- test side

    /** The kernel settles the connect: result 0 or an errno; the event loop reports it. */
    public void settleConnect(Sock s, int result) {
        s.connectResult = result;
        s.handler.onSocketEvent(s.handle, result == 0 ? WRITABLE : WRITABLE | ERROR | HANGUP);
    }

    /** The host peer sends bytes; reported READABLE (as epoll would, only with read interest). */
    public void hostSends(Sock s, byte[] data) {
        s.toRead.write(data, 0, data.length);
        if (s.readInterest) {
            s.handler.onSocketEvent(s.handle, READABLE);
        }
    }

    /** The host peer shuts its write side (EOF after the data). */
    public void hostEof(Sock s) {
        s.eof = true;
        if (s.readInterest) {
            s.handler.onSocketEvent(s.handle, READABLE | READ_HANGUP);
        }
    }

    /** The host peer resets the connection. */
    public void hostReset(Sock s) {
        s.error = ECONNRESET;
        s.handler.onSocketEvent(s.handle, ERROR | HANGUP | (s.readInterest ? READABLE : 0));
    }

    /** The host's socket buffer frees {@code room} bytes: WRITABLE when write interest is set. */
    public void drain(Sock s, long room) {
        s.writeRoom = room;
        if (s.writeInterest) {
            s.handler.onSocketEvent(s.handle, WRITABLE);
        }
    }

    @Override
    public int listenTcp(byte[] addr, int port, io.jslirp.stack.relay.HostSocketHandler handler) {
        throw new UnsupportedOperationException("WIP");
    }

    @Override
    public int accept(int listenHandle, io.jslirp.stack.relay.HostSocketHandler handler,
                      io.jslirp.stack.relay.DatagramInfo peer) {
        throw new UnsupportedOperationException("WIP");
    }

    @Override
    public int localPort(int handle) {
        throw new UnsupportedOperationException("WIP");
    }
}
