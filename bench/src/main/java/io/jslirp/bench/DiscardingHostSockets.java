package io.jslirp.bench;

import io.jslirp.stack.relay.DatagramInfo;
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
    public int connectTcp(long dstHi, long dstLo, int dstPort, long bindHi, long bindLo,
                          HostSocketHandler handler) {
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

    /**
     * The benchmarks measure the outbound relay; they forward no port, so listening is refused as a host
     * without that operation would refuse it.
     */
    private static final int EOPNOTSUPP = 95;

    @Override
    public int listenTcp(long addrHi, long addrLo, int port, HostSocketHandler handler) {
        return -EOPNOTSUPP;
    }

    @Override
    public int accept(int listenHandle, HostSocketHandler handler, DatagramInfo peer) {
        return -EOPNOTSUPP;
    }

    @Override
    public int localPort(int handle) {
        return -EOPNOTSUPP;
    }
}
