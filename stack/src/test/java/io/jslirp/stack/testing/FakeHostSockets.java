package io.jslirp.stack.testing;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.netty.buffer.ByteBuf;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory host sockets: scripted connect results, a byte pipe per handle each way with a settable
 * capacity toward the host (to force partial writes and EAGAIN), EOF and error injection, and event delivery
 * by calling the stack's handler, as the Linux event loop would. Listening sockets for port forwards: a test
 * {@link #connectClient connects a client} with the peer address it chooses; once the stack accepts it, the
 * client's socket is an ordinary {@link Sock} (hostSends is the client sending, closed/aborted what the
 * client sees).
 */
public final class FakeHostSockets implements HostSockets {
    /** What the host peer sent and the stack has not read yet; read in place, not copied per read. */
    public static final class Unread extends ByteArrayOutputStream {
        byte[] array() {
            return buf;
        }
    }

    /** One fake socket. Public fields: tests read and poke them directly. */
    public static final class Sock {
        public int handle;
        public int dstAddr;
        public int dstPort;
        public int bindAddr;
        /** The destination and bind address as given, family-neutral (IPv6 connects set only these). */
        public long dstHi;
        public long dstLo;
        public long bindHi;
        public long bindLo;
        public HostSocketHandler handler;
        /** connectResult(): 0 connected, errno otherwise, EINPROGRESS until the test settles it. */
        public int connectResult = EINPROGRESS;
        /** Bytes the guest's side wrote to the host. */
        public final ByteArrayOutputStream written = new ByteArrayOutputStream();
        /** How many more bytes write() accepts before it reports a full buffer (0). */
        public long writeRoom = Long.MAX_VALUE;
        /** Bytes waiting to be read (sent by the host peer). */
        public final Unread toRead = new Unread();
        public int readPos;
        public boolean eof;
        /** -errno that read()/write() return once set (e.g. ECONNRESET). */
        public int error;
        /** Thrown by the next read: stands in for a bug in the code that reads. */
        public RuntimeException throwOnRead;
        /** Sets {@link #error} to {@link #failAfterError} once this many bytes have been written. */
        public long failAfterWritten = Long.MAX_VALUE;
        public int failAfterError;
        public boolean shutdownWrite;
        public boolean closed;
        public boolean aborted;
        public boolean readInterest;
        public boolean writeInterest;
        public int interestCalls;
        /** A listener from listenTcp: its address and port, and the clients waiting for accept(). */
        public boolean listening;
        public byte[] listenAddr;
        public int localPort;
        public final ArrayDeque<Sock> backlog = new ArrayDeque<>();
        /** An accepted client: how accept() describes it (peerAddr6 non-null for a genuine IPv6 client). */
        public int peerAddr;
        public int peerPort;
        public byte[] peerAddr6;

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
    /** When non-zero, the next listenTcp fails at once with -this (EADDRINUSE...). */
    public int failNextListen;
    /** When non-zero, the next accept fails with -this (EMFILE, ECONNABORTED...). */
    public int failNextAccept;
    /** Count of every call the stack makes, for "no I/O happened" assertions. */
    public int calls;

    @Override
    public int connectTcp(long dstHi, long dstLo, int dstPort, long bindHi, long bindLo,
                          HostSocketHandler handler) {
        calls++;
        if (failNextConnect != 0) {
            int e = failNextConnect;
            failNextConnect = 0;
            return -e;
        }
        Sock s = new Sock();
        s.handle = nextHandle++;
        s.dstHi = dstHi;
        s.dstLo = dstLo;
        s.bindHi = bindHi;
        s.bindLo = bindLo;
        if (IpAddress.isV4(dstHi, dstLo)) {
            s.dstAddr = IpAddress.v4(dstLo);
        }
        if (IpAddress.isV4(bindHi, bindLo)) {
            s.bindAddr = IpAddress.v4(bindLo);
        }
        s.dstPort = dstPort;
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
        if (s.throwOnRead != null) {
            RuntimeException e = s.throwOnRead;
            s.throwOnRead = null;
            throw e;
        }
        if (s.error != 0) {
            return -s.error;
        }
        int avail = s.pendingRead();
        if (avail > 0) {
            int n = Math.min(avail, maxBytes);
            if (dst.writableBytes() < n) {
                throw new IllegalStateException("read buffer too small");
            }
            dst.writeBytes(s.toRead.array(), s.readPos, n);
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
        Sock s = live(handle);
        s.closed = true;
        // Closing a listener resets the clients still queued on it, as the kernel does.
        for (Sock c : s.backlog) {
            c.aborted = true;
        }
        s.backlog.clear();
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

    /**
     * The event loop's next turn for {@code s}: epoll is level-triggered, so a socket with unread bytes, a
     * pending EOF or an error is reported again while read interest is set.
     */
    public void pollReadable(Sock s) {
        if (s.readInterest && !s.released() && (s.pendingRead() > 0 || s.eof || s.error != 0)) {
            s.handler.onSocketEvent(s.handle, READABLE | (s.eof ? READ_HANGUP : 0));
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
    public int listenTcp(long addrHi, long addrLo, int port, HostSocketHandler handler) {
        calls++;
        byte[] addr = FakeHostDatagrams.bytesOf(addrHi, addrLo);
        if (failNextListen != 0) {
            int e = failNextListen;
            failNextListen = 0;
            return -e;
        }
        Sock s = new Sock();
        s.handle = nextHandle++;
        s.listening = true;
        s.listenAddr = addr.clone();
        // Port 0: the kernel picks an ephemeral port; any fixed one will do here.
        s.localPort = port != 0 ? port : 32768 + s.handle;
        s.handler = handler;
        // As the SPI says: a listener starts with read interest (READABLE = a client waits).
        s.readInterest = true;
        sockets.add(s);
        return s.handle;
    }

    @Override
    public int accept(int listenHandle, HostSocketHandler handler, DatagramInfo peer) {
        calls++;
        Sock l = live(listenHandle);
        if (!l.listening) {
            return -22; // EINVAL, as accept(2) on a socket that is not listening
        }
        if (failNextAccept != 0) {
            int e = failNextAccept;
            failNextAccept = 0;
            return -e;
        }
        Sock c = l.backlog.poll();
        if (c == null) {
            return -EAGAIN;
        }
        c.handle = nextHandle++;
        c.handler = handler;
        c.localPort = l.localPort;
        if (c.peerAddr6 != null) {
            peer.addrHi = IpAddress.hi(c.peerAddr6);
            peer.addrLo = IpAddress.lo(c.peerAddr6);
        } else {
            peer.addrHi = IpAddress.V4_HI;
            peer.addrLo = IpAddress.v4Lo(c.peerAddr);
        }
        peer.port = c.peerPort;
        sockets.add(c);
        return c.handle;
    }

    @Override
    public int localPort(int handle) {
        calls++;
        return live(handle).localPort;
    }

    // ---- test side: clients of listeners

    /**
     * A client connects from {@code addr:port} (IPv4, host byte order) and the listener reports READABLE. The
     * returned socket gets its handle when the stack accepts it. Null when the listener is closed (the kernel
     * would refuse the connection).
     */
    public Sock connectClient(Sock listener, int addr, int port) {
        Sock c = enqueueClient(listener, addr, port);
        if (c != null) {
            notifyListener(listener);
        }
        return c;
    }

    /** Same from a genuine IPv6 address (16 bytes, network order). */
    public Sock connectClient6(Sock listener, byte[] addr6, int port) {
        Sock c = enqueueClient(listener, 0, port);
        if (c != null) {
            c.peerAddr6 = addr6.clone();
            notifyListener(listener);
        }
        return c;
    }

    /** A client joins the backlog without the listener being told yet (to queue several per event). */
    public Sock enqueueClient(Sock listener, int addr, int port) {
        if (!listener.listening) {
            throw new IllegalArgumentException("handle " + listener.handle + " is not a listener");
        }
        if (listener.released()) {
            return null;
        }
        Sock c = new Sock();
        c.handle = -1;
        c.peerAddr = addr;
        c.peerPort = port;
        // Connected already: the stack watches it for nothing until the guest has accepted.
        c.connectResult = 0;
        listener.backlog.add(c);
        return c;
    }

    /** The event loop reports the listener READABLE (only with read interest, as epoll would). */
    public void notifyListener(Sock listener) {
        if (listener.readInterest && !listener.released()) {
            listener.handler.onSocketEvent(listener.handle, READABLE);
        }
    }

    /** Listeners open now. */
    public List<Sock> listeners() {
        List<Sock> out = new ArrayList<>();
        for (Sock s : sockets) {
            if (s.listening && !s.released()) {
                out.add(s);
            }
        }
        return out;
    }
}
