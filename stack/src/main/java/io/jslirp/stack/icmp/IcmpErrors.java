package io.jslirp.stack.icmp;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * ICMP error messages toward the guest (RFC 792: destination unreachable, time exceeded) about a datagram
 * the guest sent and a relay passed on. The datagram itself is long gone when the host reports the error, so
 * the quote is rebuilt from the flow: an option-less IPv4 header (guest source, the destination as the guest
 * addressed it) and the first eight bytes of the transport header, which is all a receiving kernel matches
 * (Linux finds the socket by the quoted addresses, protocol and ports, or ICMP identifier).
 *
 * <p>The UDP and echo relays pass on the errors their host sockets receive (IP_RECVERR) by the same rules,
 * which live here: which kinds go on ({@link #passedOn}) and whom the error appears from ({@link #reportedFrom}).
 */
public final class IcmpErrors {
    public static final int TTL = 64;
    /** Ethernet + IPv4 + ICMP header + quoted IPv4 header + 8 bytes. */
    public static final int FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
            + Icmpv4Packet.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + 8;

    private IcmpErrors() {
    }

    /**
     * Whether an ICMP error a host socket received is passed on to the guest: destination unreachable and time
     * exceeded with the codes RFC 792/1812 define, except fragmentation needed. DatagramInfo carries no next-hop
     * MTU, a quote with MTU 0 would make the guest drop its path MTU to 552, and the host socket fragments the
     * next datagram itself anyway. Local errors (no ICMP type) have nothing to quote.
     */
    public static boolean passedOn(int type, int code) {
        return (type == Icmpv4Packet.TYPE_DEST_UNREACHABLE && code <= 15 && code != Icmpv4Packet.CODE_FRAG_NEEDED)
                || (type == Icmpv4Packet.TYPE_TIME_EXCEEDED && code <= 1);
    }

    /**
     * The ICMPv6 twin of {@link #passedOn}: destination unreachable codes 0..6 (RFC 4443 3.1), Packet Too Big
     * (its MTU is known: the kernel's ee_info), and time exceeded codes 0..1. Parameter problems are about the
     * host's own packet, not the guest's.
     */
    public static boolean passedOn6(int type, int code) {
        return (type == Icmpv6Packet.TYPE_DEST_UNREACHABLE && code <= 6)
                || (type == Icmpv6Packet.TYPE_PACKET_TOO_BIG && code == 0)
                || (type == Icmpv6Packet.TYPE_TIME_EXCEEDED && code <= 1);
    }

    /**
     * Whom an ICMP error a host socket received appears from to the guest. No offender, or the destination
     * itself: the destination as the guest addressed it. An offender the guest must not see as itself appears as
     * the gateway, the router that forwarded the datagram: a broadcast, multicast or otherwise non-unicast
     * address (RFC 1812 4.3.2.4, RFC 1122 3.2.2: an ICMP error never has such a source, and the guest's kernel
     * may drop one that does), the host's loopback, or an address inside the virtual network
     * ({@link NetConfig#showsAsGateway}). Any other router reports as itself, as traceroute expects.
     *
     * @param offender the reporting node (IP_RECVERR's offender), 0 when there is none
     * @param hostDst  the datagram's destination as the host sent it
     * @param guestDst the same destination as the guest addressed it (network+2 for the host's loopback)
     */
    public static int reportedFrom(NetConfig config, int offender, int hostDst, int guestDst) {
        if (offender == 0 || offender == hostDst) {
            return guestDst;
        }
        if (!Ipv4Packet.isUnicast(offender) || config.showsAsGateway(offender)) {
            return config.gateway();
        }
        return offender;
    }

    /**
     * Builds the frame; the caller sends it. Its Ethernet source is our MAC for {@code from}
     * ({@link NetConfig#ourMacFor}), so the frame always comes from the station that owns its IPv4 source.
     *
     * @param from              the ICMP message's source: the router or host that reports
     * @param restOfHeader      the ICMP header's second word (next-hop MTU for 3/4, else 0)
     * @param quotedTotalLength the quoted datagram's IPv4 total length
     * @param quotedTransport   the quoted transport header's first eight bytes, big-endian
     */
    public static ByteBuf build(ByteBufAllocator alloc, NetConfig config, int identification, long guestMac,
                                int from, int guestAddr, int type, int code, int restOfHeader, int quotedProtocol,
                                int quotedTotalLength, int quotedDst, long quotedTransport) {
        int quoted = Ipv4Packet.MIN_HEADER_LENGTH + 8;
        int icmpLength = Icmpv4Packet.HEADER_LENGTH + quoted;
        int total = Ipv4Packet.MIN_HEADER_LENGTH + icmpLength;
        ByteBuf f = alloc.directBuffer(FRAME_LENGTH, FRAME_LENGTH);
        EthernetFrame.writeHeader(f, 0, guestMac, config.ourMacFor(from), EthernetFrame.TYPE_IPV4);
        int ipAt = EthernetFrame.HEADER_LENGTH;
        Ipv4Packet.writeHeader(f, ipAt, 0, total, identification, 0, TTL, Ipv4Packet.PROTO_ICMP, from, guestAddr);
        int icmpAt = ipAt + Ipv4Packet.MIN_HEADER_LENGTH;
        f.setInt(icmpAt, (type << 24) | (code << 16));
        f.setInt(icmpAt + 4, restOfHeader);
        int innerAt = icmpAt + Icmpv4Packet.HEADER_LENGTH;
        Ipv4Packet.writeHeader(f, innerAt, 0, quotedTotalLength, 0, 0, TTL, quotedProtocol, guestAddr, quotedDst);
        f.setLong(innerAt + Ipv4Packet.MIN_HEADER_LENGTH, quotedTransport);
        f.setShort(icmpAt + 2, Checksum.compute(f, icmpAt, icmpLength));
        f.writerIndex(FRAME_LENGTH);
        return f;
    }

    /**
     * Sends an ICMPv6 error (RFC 4443 2.1: type, code, a 32-bit word, then the invoking packet) toward the
     * guest, quoting an IPv6 header from the guest to {@code quotedDstHi:Lo} carrying {@code quotedPayloadLength}
     * octets of {@code quotedNextHeader}, and the first eight transport octets: what the guest's kernel needs
     * to find the socket. Rebuilt, as for IPv4, because the guest's packet is long gone.
     */
    public static void sendV6(Ipv6Output out, long guestMac, long fromHi, long fromLo, long guestHi, long guestLo,
                              int type, int code, int word, int quotedNextHeader, int quotedPayloadLength,
                              long quotedDstHi, long quotedDstLo, long quotedTransport) {
        int icmpLength = Icmpv6Packet.HEADER_LENGTH + Ipv6Packet.HEADER_LENGTH + 8;
        ByteBuf f = out.icmpv6Buffer(icmpLength);
        int at = Ipv6Output.L4_OFFSET;
        Icmpv6Packet.writeHeader(f, at, type, code, word);
        int innerAt = at + Icmpv6Packet.HEADER_LENGTH;
        Ipv6Packet.writeHeader(f, innerAt, 0, 0, quotedPayloadLength, quotedNextHeader, TTL, guestHi, guestLo,
                quotedDstHi, quotedDstLo);
        f.setLong(innerAt + Ipv6Packet.HEADER_LENGTH, quotedTransport);
        out.sendIcmpv6(f, guestMac, fromHi, fromLo, guestHi, guestLo, icmpLength);
    }
}
