package io.jslirp.stack.relay;

import io.jslirp.stack.wire.IpAddress;

/**
 * What {@link HostDatagrams} says about a datagram or an ICMP error, and what {@link HostSockets#accept} says
 * about a client, in a holder the caller reuses so the packet path allocates nothing. Addresses are
 * family-neutral pairs of longs ({@link IpAddress}): an IPv4 peer, and a peer on a dual-stack IPv6 socket whose
 * address is IPv4-mapped ({@code ::ffff:a.b.c.d}), are both the mapped form, so the two read the same.
 */
public final class DatagramInfo {
    /** Source of a received datagram or echo reply, or the client of an accepted connection. */
    public long addrHi;
    public long addrLo;
    public int port;
    /** The datagram was longer than the room given and was cut. */
    public boolean truncated;

    /** For an ICMP error: the errno the kernel maps it to (ECONNREFUSED for port unreachable...). */
    public int errno;
    public int icmpType;
    public int icmpCode;
    /** For an ICMP error: it is ICMPv6's (SO_EE_ORIGIN_ICMP6), whose types differ from ICMP's. */
    public boolean icmpv6;
    /** For an ICMP error: the kernel's ee_info, the next-hop MTU of a Packet Too Big or fragmentation needed. */
    public int icmpInfo;
    /** For an ICMP error: the node that sent it; unspecified ({@link IpAddress#isUnspecified}) when unknown. */
    public long offenderHi;
    public long offenderLo;
    /** For an ICMP error: where the datagram that caused it was going; unspecified when the kernel did not say. */
    public long originalDstHi;
    public long originalDstLo;
    public int originalDstPort;

    /** Whether {@link #addrHi}:{@link #addrLo} is an IPv4 address (IPv4-mapped included). */
    public boolean isIpv4() {
        return IpAddress.isV4(addrHi, addrLo);
    }

    /** The source's IPv4 address, host order; meaningful when {@link #isIpv4()}. */
    public int ipv4() {
        return IpAddress.v4(addrLo);
    }

    /** The offender's IPv4 address (host order), or 0 when it is unknown or not IPv4. */
    public int offenderIpv4() {
        return IpAddress.isV4(offenderHi, offenderLo) ? IpAddress.v4(offenderLo) : 0;
    }

    /** Whether the kernel named the erring datagram's destination ({@link #originalDstHi}...). */
    public boolean hasOriginalDst() {
        return !IpAddress.isUnspecified(originalDstHi, originalDstLo);
    }

    /** That destination's IPv4 address, host order; meaningful when {@link #hasOriginalDst()} and IPv4. */
    public int originalDstIpv4() {
        return IpAddress.v4(originalDstLo);
    }

    public void clear() {
        addrHi = 0;
        addrLo = 0;
        port = 0;
        truncated = false;
        errno = 0;
        icmpType = 0;
        icmpCode = 0;
        icmpv6 = false;
        icmpInfo = 0;
        offenderHi = 0;
        offenderLo = 0;
        originalDstHi = 0;
        originalDstLo = 0;
        originalDstPort = 0;
    }
}
