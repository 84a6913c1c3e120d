package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.FrameSink;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * IPv4 toward the guest: sends complete frames, fragmenting datagrams that exceed the MTU.
 *
 * <p>Fragmentation (RFC 791 section 3.2): every fragment but the last carries a multiple of 8 data bytes,
 * as many as fit in {@code mtu - headerLength}; each gets a copy of the header with its own total length,
 * fragment offset and MF, and a fresh checksum. We only build option-less headers, so "copy only the
 * options with the copied flag" never arises; a header with options would be copied whole.
 *
 * <p>As the IPv4 {@link IpOutput}, it writes the headers of the frames the transports build: from our MAC for
 * the source (the DNS address's own, the gateway's for everything else, as {@code NetConfig.ourMacFor}), an
 * option-less header with TTL 64 and the next identification.
 */
public final class Ipv4Output implements IpOutput {
    /** Ethernet and an option-less IPv4 header: where the transport header starts. */
    public static final int L4_OFFSET = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
    /** The TTL of the datagrams we originate (Linux's default). */
    public static final int TTL = 64;

    private final NetConfig config;
    private final int mtu;
    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final FrameSink sink;
    private int identification;

    public Ipv4Output(NetConfig config, Counters counters, ByteBufAllocator alloc, FrameSink sink) {
        this.config = config;
        this.mtu = config.mtu();
        this.counters = counters;
        this.alloc = alloc;
        this.sink = sink;
    }

    /**
     * Identification for the next datagram we originate. A simple counter is enough: RFC 6864 only needs
     * uniqueness per (source, destination, protocol) within the reassembly lifetime, and at our rates it
     * wraps far slower than that.
     */
    public int nextIdentification() {
        identification = (identification + 1) & 0xffff;
        return identification;
    }

    @Override
    public int l4Offset() {
        return L4_OFFSET;
    }

    /** 65535 less the option-less header. */
    @Override
    public int maxL4Length() {
        return Ipv4Packet.MAX_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
    }

    @Override
    public int writeHeaders(ByteBuf f, int at, long dstMac, long srcHi, long srcLo, long dstHi, long dstLo,
                            int protocol, int l4Length, boolean dontFragment) {
        int src = IpAddress.v4(srcLo);
        EthernetFrame.writeHeader(f, at, dstMac, config.ourMacFor(src), EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(f, at + EthernetFrame.HEADER_LENGTH, 0, Ipv4Packet.MIN_HEADER_LENGTH + l4Length,
                nextIdentification(), dontFragment ? Ipv4Packet.FLAG_DF : 0, TTL, protocol, src, IpAddress.v4(dstLo));
        return at + L4_OFFSET;
    }

    /**
     * Sends {@code frame}: an Ethernet header followed by an IPv4 datagram whose header is complete and
     * checksummed. Takes ownership.
     */
    @Override
    public void send(ByteBuf frame) {
        int ipAt = frame.readerIndex() + EthernetFrame.HEADER_LENGTH;
        int total = frame.getUnsignedShort(ipAt + 2);
        if (total <= mtu) {
            counters.ipv4PacketsOut++;
            sink.sendFrame(frame);
            return;
        }
        try {
            int flagsWord = frame.getUnsignedShort(ipAt + 6);
            if ((flagsWord & Ipv4Packet.FLAG_DF) != 0) {
                // RFC 1191 would have us send "fragmentation needed"; we are the source, so it is our bug.
                counters.ipv4OutDropped++;
                return;
            }
            fragment(frame, ipAt, total, flagsWord);
        } finally {
            frame.release();
        }
    }

    /**
     * Sends a TCP frame built for the offloading device (see {@link FrameSink#sendOffloadFrame}): never
     * fragmented, since the device (or the guest's stack) cuts it into {@code gsoSize}-byte segments.
     */
    @Override
    public void sendOffload(ByteBuf frame, int gsoSize) {
        counters.ipv4PacketsOut++;
        sink.sendOffloadFrame(frame, gsoSize);
    }

    private void fragment(ByteBuf frame, int ipAt, int total, int flagsWord) {
        int headerLength = (frame.getUnsignedByte(ipAt) & 0x0f) * 4;
        int dataLength = total - headerLength;
        int chunkMax = (mtu - headerLength) & ~7;
        // If the original is itself a fragment, ours sit at its offset and keep its MF on the final piece.
        int baseOffset = (flagsWord & Ipv4Packet.FRAGMENT_OFFSET_MASK) * 8;
        boolean originalMore = (flagsWord & Ipv4Packet.FLAG_MF) != 0;
        int keepFlags = flagsWord & Ipv4Packet.FLAG_DF;
        int prefix = EthernetFrame.HEADER_LENGTH + headerLength;
        for (int done = 0; done < dataLength; ) {
            int chunk = Math.min(chunkMax, dataLength - done);
            boolean more = done + chunk < dataLength || originalMore;
            ByteBuf piece = alloc.buffer(prefix + chunk, prefix + chunk);
            piece.writeBytes(frame, frame.readerIndex(), prefix);
            piece.writeBytes(frame, ipAt + headerLength + done, chunk);
            int pieceIp = EthernetFrame.HEADER_LENGTH;
            piece.setShort(pieceIp + 2, headerLength + chunk);
            piece.setShort(pieceIp + 6, keepFlags | (more ? Ipv4Packet.FLAG_MF : 0) | ((baseOffset + done) >>> 3));
            Ipv4Packet.updateChecksum(piece, pieceIp, headerLength);
            counters.ipv4FragmentsOut++;
            sink.sendFrame(piece);
            done += chunk;
        }
        counters.ipv4PacketsOut++;
    }
}
