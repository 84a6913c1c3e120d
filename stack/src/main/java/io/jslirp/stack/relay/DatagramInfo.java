package io.jslirp.stack.relay;

/**
 * What {@link HostDatagrams} says about a datagram or an ICMP error, in a holder the caller reuses so the
 * packet path allocates nothing. Addresses are IPv4 in host byte order.
 */
public final class DatagramInfo {
    /** Source of a received datagram or echo reply. */
    public int addr;
    public int port;
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
        truncated = false;
        errno = 0;
        icmpType = 0;
        icmpCode = 0;
        offenderAddr = 0;
        originalDstAddr = 0;
        originalDstPort = 0;
    }
}
