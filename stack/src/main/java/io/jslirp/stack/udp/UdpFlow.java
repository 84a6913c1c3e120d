package io.jslirp.stack.udp;

import io.jslirp.stack.flow.IdleList;

/** One guest source endpoint and the host UDP socket that speaks for it. Allocated per flow, never per datagram. */
final class UdpFlow extends IdleList.Node {
    final int guestAddr;
    final int guestPort;
    /** Forwards to the host's resolvers for network+3:53 (its own socket, so replies come back from there). */
    final boolean dns;
    final int handle;
    long guestMac;
    /** The guest's last datagram (destination as the guest addressed it, UDP length): what an ICMP error quotes. */
    int lastDstAddr;
    int lastDstPort;
    int lastLength;
    /** Where the last datagram went on the host (127.0.0.1 for network+2, the resolver for DNS). */
    int lastHostAddr;

    UdpFlow(long guestMac, int guestAddr, int guestPort, boolean dns, int handle) {
        this.guestMac = guestMac;
        this.guestAddr = guestAddr;
        this.guestPort = guestPort;
        this.dns = dns;
        this.handle = handle;
    }
}
