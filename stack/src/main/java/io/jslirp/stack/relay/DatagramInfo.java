package io.jslirp.stack.relay;

/**
 * What {@link HostDatagrams} says about a datagram or an ICMP error, and what {@link HostSockets#accept} says
 * about a client, in a holder the caller reuses so the packet path allocates nothing. Addresses are IPv4 in
 * host byte order; a peer on an IPv6 socket whose address is IPv4-mapped ({@code ::ffff:a.b.c.d}) is reported
 * as that IPv4 address.
 */
public final class DatagramInfo {
    /** Source of a received datagram or echo reply, or the client of an accepted connection. */
    public int addr;
    public int port;
    /**
     * The source is a genuine IPv6 address (not IPv4-mapped): {@link #addr} is 0 and the address is in
     * {@link #addr6}, network byte order.
     */
    public boolean ipv6;
    public final byte[] addr6 = new byte[16];
    /** The datagram was longer than the room given and was cut. */
    public boolean truncated;

    /** For an ICMP error: the errno the kernel maps it to (ECONNREFUSED for port unreachable...). */
    public int errno;
    public int icmpType;
    public int icmpCode;
    /** For an ICMP error: the node that sent it (0 when unknown). */
    public int offenderAddr;
    /** For an ICMP error: where the datagram that caused it was going. */
    public int originalDstAddr;
    public int originalDstPort;

    public void clear() {
        addr = 0;
        port = 0;
        ipv6 = false;
        truncated = false;
        errno = 0;
        icmpType = 0;
        icmpCode = 0;
        offenderAddr = 0;
        originalDstAddr = 0;
        originalDstPort = 0;
    }
}
