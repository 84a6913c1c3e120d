package io.jslirp.stack.icmp;

import io.jslirp.stack.wire.Checksum;
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
 */
public final class IcmpErrors {
    public static final int TTL = 64;
    /** Ethernet + IPv4 + ICMP header + quoted IPv4 header + 8 bytes. */
    public static final int FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
            + Icmpv4Packet.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + 8;

    private IcmpErrors() {
    }

    /**
     * Builds the frame; the caller sends it.
     *
     * @param from              the ICMP message's source: the router or host that reports
     * @param ourMac            the Ethernet source (the gateway's MAC, or the DNS address's for errors from it)
     * @param restOfHeader      the ICMP header's second word (next-hop MTU for 3/4, else 0)
     * @param quotedTotalLength the quoted datagram's IPv4 total length
     * @param quotedTransport   the quoted transport header's first eight bytes, big-endian
     */
    public static ByteBuf build(ByteBufAllocator alloc, int identification, long guestMac, long ourMac, int from,
                                int guestAddr, int type, int code, int restOfHeader, int quotedProtocol,
                                int quotedTotalLength, int quotedDst, long quotedTransport) {
        int quoted = Ipv4Packet.MIN_HEADER_LENGTH + 8;
        int icmpLength = Icmpv4Packet.HEADER_LENGTH + quoted;
        int total = Ipv4Packet.MIN_HEADER_LENGTH + icmpLength;
        ByteBuf f = alloc.directBuffer(FRAME_LENGTH, FRAME_LENGTH);
        EthernetFrame.writeHeader(f, 0, guestMac, ourMac, EthernetFrame.TYPE_IPV4);
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
}
