package io.jslirp.stack.icmp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Answers ICMP echo requests addressed to our own addresses; see the package documentation. */
public final class IcmpResponder {
    /** libslirp's icmp_reflect sends replies with MAXTTL; matching it keeps traceroute-style output identical. */
    public static final int REPLY_TTL = 255;
    private static final int IP_AT = EthernetFrame.HEADER_LENGTH;
    private static final int ICMP_AT = IP_AT + Ipv4Packet.MIN_HEADER_LENGTH;

    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Ipv4Output output;
    private final Icmpv4Packet icmp = new Icmpv4Packet();

    public IcmpResponder(Counters counters, ByteBufAllocator alloc, Ipv4Output output) {
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
    }

    /** An ICMP message in {@code ip}, which came from {@code sourceMac} (IPv4 input dispatches it here). */
    public void receive(Ipv4Packet ip, long sourceMac) {
        if (!icmp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength())) {
            if (icmp.error() == Icmpv4Packet.ERR_CHECKSUM) {
                counters.icmpBadChecksum++;
            } else {
                counters.icmpTruncated++;
            }
            return;
        }
        if (icmp.type() != Icmpv4Packet.TYPE_ECHO_REQUEST || icmp.code() != 0) {
            counters.icmpUnhandled++;
            return;
        }
        counters.icmpEchoRequestsIn++;
        int icmpLength = icmp.length();
        int ipTotal = Ipv4Packet.MIN_HEADER_LENGTH + icmpLength;
        int frameLength = IP_AT + ipTotal;
        int pinged = ip.destination();
        ByteBuf out = alloc.buffer(frameLength, frameLength);
        EthernetFrame.writeHeader(out, 0, sourceMac, NetConfig.slirpMacFor(pinged), EthernetFrame.TYPE_IPV4);
        // Request options (record route, timestamp) are not echoed: RFC 1122 3.2.2.6 makes that a SHOULD
        // for record route only, and Linux does not either for timestamps; a plain header is simplest.
        Ipv4Packet.writeHeader(out, IP_AT, ip.tos(), ipTotal, output.nextIdentification(), 0, REPLY_TTL,
                Ipv4Packet.PROTO_ICMP, pinged, ip.source());
        // Identifier, sequence and data are returned unchanged (RFC 792); only the type word changes, so the
        // checksum is adjusted rather than recomputed over the (possibly 64 KiB) payload.
        out.setBytes(ICMP_AT, ip.buffer(), icmp.offset(), icmpLength);
        out.setByte(ICMP_AT, Icmpv4Packet.TYPE_ECHO_REPLY);
        out.setShort(ICMP_AT + 2, Checksum.adjust(icmp.checksum(), Icmpv4Packet.TYPE_ECHO_REQUEST << 8,
                Icmpv4Packet.TYPE_ECHO_REPLY << 8));
        out.writerIndex(frameLength);
        counters.icmpEchoRepliesOut++;
        output.send(out);
    }
}
