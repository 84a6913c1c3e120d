package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.FrameSink;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6ExtensionHeaders;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * IPv6 toward the guest, the IPv6 {@link IpOutput}: writes the Ethernet and IPv6 headers of the frames we
 * originate and sends them, fragmenting at the source what exceeds the MTU.
 *
 * <p>Every packet leaves with hop limit 255, as libslirp sends them: Neighbor Discovery requires it (RFC 4861
 * 6.1, 7.1, a receiver drops anything else), and for the rest it shows the guest the packet came from its
 * own link. The Ethernet source is our MAC for the IPv6 source ({@link Ipv6Config#ourMacFor}).
 *
 * <p>Fragmentation (RFC 8200 4.5): only a source fragments in IPv6, and we are the source of what we send.
 * Our headers carry no extension headers, so the unfragmentable part is the 40-octet header; each fragment
 * repeats it with Next Header 44 and a Fragment header naming the original next header, then carries a
 * multiple of 8 octets (the last one the rest) so that header, fragment header and data fit the MTU.
 */
public final class Ipv6Output implements IpOutput {
    /** Ethernet and the IPv6 fixed header: where the transport header starts. */
    public static final int L4_OFFSET = EthernetFrame.HEADER_LENGTH + Ipv6Packet.HEADER_LENGTH;
    /** The hop limit of every packet we send (RFC 4861 for NDP; libslirp uses it for everything). */
    public static final int HOP_LIMIT = 255;
    private static final int FRAGMENT_HEADER = 8;

    private final Ipv6Config config;
    private final int mtu;
    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final FrameSink sink;
    private int identification;

    public Ipv6Output(Ipv6Config config, Counters counters, ByteBufAllocator alloc, FrameSink sink) {
        this.config = config;
        this.mtu = config.mtu();
        this.counters = counters;
        this.alloc = alloc;
        this.sink = sink;
    }

    @Override
    public int l4Offset() {
        return L4_OFFSET;
    }

    /** The Payload Length field's limit (no jumbograms). */
    @Override
    public int maxL4Length() {
        return Ipv6Packet.MAX_PAYLOAD_LENGTH;
    }

    /**
     * Writes the Ethernet header (to {@code dstMac}, from our MAC for the source) and the IPv6 header of a
     * frame at {@code at}; indices are not moved. IPv6 has no "don't fragment" bit (routers never fragment),
     * so {@code dontFragment} changes nothing and exists only to match IPv4's seam.
     *
     * @return where the transport header goes: {@code at + L4_OFFSET}
     */
    @Override
    public int writeHeaders(ByteBuf f, int at, long dstMac, long srcHi, long srcLo, long dstHi, long dstLo,
                            int protocol, int l4Length, boolean dontFragment) {
        EthernetFrame.writeHeader(f, at, dstMac, config.ourMacFor(srcHi, srcLo), EthernetFrame.TYPE_IPV6);
        Ipv6Packet.writeHeader(f, at + EthernetFrame.HEADER_LENGTH, 0, 0, l4Length, protocol, HOP_LIMIT,
                srcHi, srcLo, dstHi, dstLo);
        return at + L4_OFFSET;
    }

    /**
     * Builds and sends an ICMPv6 message whose {@code icmpLength} octets are already at {@link #L4_OFFSET} of
     * {@code frame} (a buffer of exactly {@code L4_OFFSET + icmpLength} octets, indices at 0): writes the
     * headers and the checksum, sets the writer index, and sends it. Takes ownership.
     */
    public void sendIcmpv6(ByteBuf frame, long dstMac, long srcHi, long srcLo, long dstHi, long dstLo,
                           int icmpLength) {
        writeHeaders(frame, 0, dstMac, srcHi, srcLo, dstHi, dstLo, Ipv6Packet.NEXT_ICMPV6, icmpLength, false);
        Icmpv6Packet.writeChecksum(frame, L4_OFFSET, icmpLength,
                Ipv6Packet.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, Ipv6Packet.NEXT_ICMPV6, icmpLength));
        frame.writerIndex(L4_OFFSET + icmpLength);
        send(frame);
    }

    /** A buffer for an ICMPv6 message of {@code icmpLength} octets, to fill at {@link #L4_OFFSET}. */
    public ByteBuf icmpv6Buffer(int icmpLength) {
        int size = L4_OFFSET + icmpLength;
        ByteBuf b = alloc.buffer(size, size);
        b.setZero(0, size);
        return b;
    }

    /** Sends a frame whose Ethernet and IPv6 headers are complete. Takes ownership. */
    @Override
    public void send(ByteBuf frame) {
        int ipAt = frame.readerIndex() + EthernetFrame.HEADER_LENGTH;
        int total = Ipv6Packet.HEADER_LENGTH + frame.getUnsignedShort(ipAt + 4);
        if (total <= mtu) {
            counters.ipv6PacketsOut++;
            sink.sendFrame(frame);
            return;
        }
        try {
            fragment(frame, ipAt, total);
        } finally {
            frame.release();
        }
    }

    /** A TCP frame built for the offloading device: never fragmented, the device cuts it. */
    @Override
    public void sendOffload(ByteBuf frame, int gsoSize) {
        counters.ipv6PacketsOut++;
        sink.sendOffloadFrame(frame, gsoSize);
    }

    private void fragment(ByteBuf frame, int ipAt, int total) {
        int dataLength = total - Ipv6Packet.HEADER_LENGTH;
        int chunkMax = (mtu - Ipv6Packet.HEADER_LENGTH - FRAGMENT_HEADER) & ~7;
        int nextHeader = frame.getUnsignedByte(ipAt + 6);
        identification++;
        int prefix = EthernetFrame.HEADER_LENGTH + Ipv6Packet.HEADER_LENGTH;
        for (int done = 0; done < dataLength; ) {
            int chunk = Math.min(chunkMax, dataLength - done);
            boolean more = done + chunk < dataLength;
            int size = prefix + FRAGMENT_HEADER + chunk;
            ByteBuf piece = alloc.buffer(size, size);
            piece.writeBytes(frame, frame.readerIndex(), prefix);
            piece.setByte(EthernetFrame.HEADER_LENGTH + 6, Ipv6Packet.NEXT_FRAGMENT);
            Ipv6Packet.setPayloadLength(piece, EthernetFrame.HEADER_LENGTH, FRAGMENT_HEADER + chunk);
            Ipv6ExtensionHeaders.writeFragmentHeader(piece, prefix, nextHeader, done, more, identification);
            piece.writerIndex(prefix + FRAGMENT_HEADER);
            piece.writeBytes(frame, ipAt + Ipv6Packet.HEADER_LENGTH + done, chunk);
            counters.ipv6FragmentsOut++;
            sink.sendFrame(piece);
            done += chunk;
        }
        counters.ipv6PacketsOut++;
    }
}
