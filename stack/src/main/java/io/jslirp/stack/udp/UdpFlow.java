package io.jslirp.stack.udp;

import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.wire.IpAddress;

/**
 * One guest source endpoint and the host UDP socket that speaks for it. Allocated per flow, never per datagram.
 * Addresses are family-neutral ({@link IpAddress}); an IPv6 guest's flow has an AF_INET6 socket.
 */
final class UdpFlow extends IdleList.Node {
    final long guestAddrHi;
    final long guestAddrLo;
    final int guestPort;
    /** Forwards to the host's resolvers for network+3:53 (its own socket, so replies come back from there). */
    final boolean dns;
    /** The host socket is AF_INET6 (dual-stack): it reaches IPv6 and IPv4 destinations alike. */
    final boolean v6Socket;
    final int handle;
    long guestMac;
    /** The guest's last datagram (destination as the guest addressed it, UDP length): what an ICMP error quotes. */
    long lastDstHi;
    long lastDstLo;
    int lastDstPort;
    int lastLength;
    /** Where the last datagram went on the host (127.0.0.1 or ::1 for the router, the resolver for DNS). */
    long lastHostHi;
    long lastHostLo;

    UdpFlow(long guestMac, long guestAddrHi, long guestAddrLo, int guestPort, boolean dns, boolean v6Socket,
            int handle) {
        this.guestMac = guestMac;
        this.guestAddrHi = guestAddrHi;
        this.guestAddrLo = guestAddrLo;
        this.guestPort = guestPort;
        this.dns = dns;
        this.v6Socket = v6Socket;
        this.handle = handle;
    }

    boolean guestIsV4() {
        return IpAddress.isV4(guestAddrHi, guestAddrLo);
    }
}
