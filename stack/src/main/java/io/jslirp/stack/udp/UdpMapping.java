package io.jslirp.stack.udp;

import io.jslirp.stack.flow.IdleList;

/**
 * One client of a port forward as the guest sees it ({@link #seenAddr}:{@link #seenPort}) and as it really is,
 * so that the guest's replies to the first go to the second through the forward's socket. Allocated when a
 * client first sends, never per datagram.
 */
final class UdpMapping extends IdleList.Node {
    final UdpForward forward;
    final int seenAddr;
    final int seenPort;
    /** The client's real address, family-neutral (IpAddress): IPv4 clients, of either socket family, mapped. */
    final long clientAddrHi;
    final long clientAddrLo;
    final int clientPort;

    UdpMapping(UdpForward forward, int seenAddr, int seenPort, long clientAddrHi, long clientAddrLo,
               int clientPort) {
        this.forward = forward;
        this.seenAddr = seenAddr;
        this.seenPort = seenPort;
        this.clientAddrHi = clientAddrHi;
        this.clientAddrLo = clientAddrLo;
        this.clientPort = clientPort;
    }

    /** Whether a datagram from this client on this forward (as {@code DatagramInfo} reports it) is ours. */
    boolean isClient(UdpForward fw, long addrHi, long addrLo, int port) {
        return fw == forward && port == clientPort && addrLo == clientAddrLo && addrHi == clientAddrHi;
    }
}
