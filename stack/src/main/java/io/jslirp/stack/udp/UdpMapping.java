package io.jslirp.stack.udp;

import io.jslirp.stack.flow.IdleList;

import java.util.Arrays;

/**
 * One client of a port forward as the guest sees it ({@link #seenAddr}:{@link #seenPort}) and as it really is,
 * so that the guest's replies to the first go to the second through the forward's socket. Allocated when a
 * client first sends, never per datagram.
 */
final class UdpMapping extends IdleList.Node {
    final UdpForward forward;
    final int seenAddr;
    final int seenPort;
    /** The client's IPv4 address (host byte order), or 0 when {@link #clientAddr6} is set. */
    final int clientAddr;
    /** The client's IPv6 address (network byte order, not IPv4-mapped), or null for an IPv4 client. */
    final byte[] clientAddr6;
    final int clientPort;

    UdpMapping(UdpForward forward, int seenAddr, int seenPort, int clientAddr, byte[] clientAddr6, int clientPort) {
        this.forward = forward;
        this.seenAddr = seenAddr;
        this.seenPort = seenPort;
        this.clientAddr = clientAddr;
        this.clientAddr6 = clientAddr6;
        this.clientPort = clientPort;
    }

    /** Whether a datagram from this client on this forward (as {@code DatagramInfo} reports it) is ours. */
    boolean isClient(UdpForward fw, boolean ipv6, int addr, byte[] addr6, int port) {
        if (fw != forward || port != clientPort) {
            return false;
        }
        return ipv6 ? clientAddr6 != null && Arrays.equals(clientAddr6, addr6)
                : clientAddr6 == null && clientAddr == addr;
    }
}
