package io.jslirp.bench;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.wire.IpAddress;
import io.netty.buffer.ByteBuf;

/**
 * Datagram sockets that take every datagram sent and, when {@link #pending} is positive, have that many
 * datagrams of {@link #length} bytes to read from {@link #fromAddr}:{@link #fromPort} (their content left as
 * the buffer had it: the kernel's copy is not what is measured here).
 */
final class DiscardingHostDatagrams implements HostDatagrams {
    HostSocketHandler handler;
    int lastHandle;
    long sent;
    long sentBytes;
    long pending;
    int length;
    int fromAddr;
    int fromPort;
    private int next = 10;

    @Override
    public int openUdp(long bindHi, long bindLo, int bindPort, HostSocketHandler handler) {
        this.handler = handler;
        lastHandle = next++;
        return lastHandle;
    }

    @Override
    public int sendTo(int handle, long dstHi, long dstLo, int dstPort, ByteBuf src, int index, int length) {
        sent++;
        sentBytes += length;
        return Math.max(length, 1);
    }

    @Override
    public int receiveFrom(int handle, ByteBuf dst, int maxBytes, DatagramInfo from) {
        if (pending <= 0) {
            return -HostSockets.EAGAIN;
        }
        pending--;
        dst.writerIndex(dst.writerIndex() + length);
        from.addrHi = IpAddress.V4_HI;
        from.addrLo = IpAddress.v4Lo(fromAddr);
        from.port = fromPort;
        return length;
    }

    @Override
    public int receiveError(int handle, DatagramInfo info) {
        return 0;
    }

    @Override
    public int openPing(HostSocketHandler handler) {
        return -1;
    }

    @Override
    public int openPing6(HostSocketHandler handler) {
        return -1;
    }

    @Override
    public int sendPing(int handle, long dstHi, long dstLo, ByteBuf src, int index, int length) {
        return length;
    }

    @Override
    public int receivePing(int handle, ByteBuf dst, int maxBytes, DatagramInfo from) {
        return -HostSockets.EAGAIN;
    }

    @Override
    public void close(int handle) {
    }

    /**
     * The benchmarks measure the outbound relay; they forward no port, so a forward's socket is refused as a
     * host without that operation would refuse it.
     */
    private static final int EOPNOTSUPP = 95;

    @Override
    public int listenUdp(long addrHi, long addrLo, int port, HostSocketHandler handler) {
        return -EOPNOTSUPP;
    }

    @Override
    public int localPort(int handle) {
        return -EOPNOTSUPP;
    }
}
