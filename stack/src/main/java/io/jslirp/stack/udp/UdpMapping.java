package io.jslirp.stack.udp;

import io.jslirp.stack.flow.IdleList;

/**
 * One client of a port forward as the guest sees it ({@link #seenHi}:{@link #seenLo} port {@link #seenPort}),
 * the guest address it was sent to (which fixes the family for the mapping's life), and the client as it
 * really is, so that the guest's replies to the first go to the second through the forward's socket. All
 * addresses family-neutral ({@code IpAddress}). Allocated when a client first sends, never per datagram.
 */
final class UdpMapping extends IdleList.Node {
    final UdpForward forward;
    final long guestHi;
    final long guestLo;
    final long seenHi;
    final long seenLo;
    final int seenPort;
    /** The client's real address: IPv4 clients, of either socket family, mapped. */
    final long clientAddrHi;
    final long clientAddrLo;
    final int clientPort;

    UdpMapping(UdpForward forward, long guestHi, long guestLo, long seenHi, long seenLo, int seenPort,
               long clientAddrHi, long clientAddrLo, int clientPort) {
        this.forward = forward;
        this.guestHi = guestHi;
        this.guestLo = guestLo;
        this.seenHi = seenHi;
        this.seenLo = seenLo;
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
