package io.jslirp.bench;

import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.netty.buffer.ByteBuf;

/**
 * Host sockets that connect at once, take every byte written and have {@link #readable} bytes to read
 * (their content left as the buffer had it: the kernel's copy is not what is measured here).
 */
final class DiscardingHostSockets implements HostSockets {
    HostSocketHandler handler;
    long written;
    long read;
    /** Bytes a read may return; Long.MAX_VALUE for an endless source. */
    long readable;
    private int next = 10;

    @Override
    public int connectTcp(int dstAddr, int dstPort, int bindAddr, HostSocketHandler handler) {
        this.handler = handler;
        return next++;
    }

    @Override
    public int connectResult(int handle) {
        return 0;
    }

    @Override
    public int read(int handle, ByteBuf dst, int maxBytes) {
        int n = (int) Math.min(maxBytes, readable);
        if (n <= 0) {
            return 0;
        }
        readable -= n;
        read += n;
        dst.writerIndex(dst.writerIndex() + n);
        return n;
    }

    @Override
    public int write(int handle, ByteBuf src, int index, int length) {
        written += length;
        return length;
    }

    @Override
    public void shutdownWrite(int handle) {
    }

    @Override
    public void setInterest(int handle, boolean read, boolean write) {
    }

    @Override
    public void close(int handle) {
    }

    @Override
    public void abort(int handle) {
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
