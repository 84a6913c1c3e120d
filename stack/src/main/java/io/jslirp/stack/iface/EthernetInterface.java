package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.FrameSink;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.wire.ArpPacket;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Frame demux, the ARP responder and IPv4 input. See the package documentation for the reasoning; each
 * branch below names the rule it applies.
 */
public final class EthernetInterface {
    public static final int DEFAULT_ARP_CACHE = 256;
    public static final int MAX_REASSEMBLY_DATAGRAMS = 16;
    /** 65535 / 1480 is 45 at MTU 1500; 128 also covers 64 KiB at MTU 576 and stops 8-byte-fragment floods. */
    public static final int MAX_FRAGMENTS_PER_DATAGRAM = 128;
    public static final int MAX_REASSEMBLY_BYTES = 1 << 20;

    private final NetConfig config;
    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Clock clock;
    private final FrameSink sink;
    private final long gatewayMac;
    private final long dnsMac;
    private final int gateway;
    private final int dns;
    private final int mtu;
    private final ArpCache arpCache = new ArpCache(DEFAULT_ARP_CACHE);
    private final Ipv4Reassembler reassembler;
    private final Ipv4Output output;
    private final IpProtocol[] protocols = new IpProtocol[256];
    /** IPv6 input, or null when IPv6 is off; and the IPv6 router's and DNS forwarder's MACs (else -1). */
    private final Ipv6Input ipv6;
    private final long router6Mac;
    private final long dns6Mac;
    /** Protocols whose handler takes datagrams for any destination (the relay), not only our addresses. */
    private final boolean[] anyDestination = new boolean[256];

    // Reused views: one frame at a time on the event loop.
    private final EthernetFrame eth = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv4Packet reassembled = new Ipv4Packet();
    /** What the transports get: one packet's metadata, refilled for each. */
    private final IpPacket packet = new IpPacket();
    /** The device vouched for the transport checksum of the frame being received. */
    private boolean checksumTrusted;
    /** The frame being received is the guest's GSO super-packet, longer than the MTU by design. */
    private boolean segmentationOffload;
    /** Fragmentation needed is the one ICMP error IPv4 input originates; limited as IPv6 input's errors are. */
    private final IcmpErrorLimiter errorLimiter;

    /** Flows and frames waiting for a guest's MAC (see {@link #resolve}), released when it is learned. */
    private final PendingNeighbors pending;
    /** The last address {@link #resolve} asked for, and when: one request per address per interval. */
    private int lastRequestedIp;
    private long lastRequestNanos;
    static final long ARP_REQUEST_INTERVAL = 100_000_000L;

    public EthernetInterface(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc,
                             FrameSink sink) {
        this.config = config;
        this.counters = counters;
        this.alloc = alloc;
        this.clock = clock;
        this.sink = sink;
        this.gateway = config.gateway();
        this.dns = config.dns();
        this.gatewayMac = config.gatewayMac();
        this.dnsMac = config.dnsMac();
        this.mtu = config.mtu();
        this.errorLimiter = new IcmpErrorLimiter(clock);
        this.reassembler = new Ipv4Reassembler(counters, alloc, clock, MAX_REASSEMBLY_DATAGRAMS,
                MAX_FRAGMENTS_PER_DATAGRAM, MAX_REASSEMBLY_BYTES);
        this.output = new Ipv4Output(config, counters, alloc, sink);
        this.pending = new PendingNeighbors(counters);
        Ipv6Config v6 = config.ipv6();
        this.ipv6 = v6 == null ? null
                : new Ipv6Input(v6, clock, counters, alloc, new Ipv6Output(v6, counters, alloc, sink), pending);
        this.router6Mac = v6 == null ? -1 : v6.routerMac();
        this.dns6Mac = v6 == null ? -1 : v6.dnsMac();
    }

    /** IPv6 input (with its Neighbor Discovery and output), or null when IPv6 is off. */
    public Ipv6Input ipv6() {
        return ipv6;
    }

    /** A handler for datagrams addressed to network+2 or network+3 only. */
    public void register(int protocol, IpProtocol handler) {
        register(protocol, handler, false);
    }

    /**
     * @param anyDestination true for a relaying handler (TCP): it gets datagrams for every destination, since
     *                       the guest uses us as its router, and decides itself what to do with each
     */
    public void register(int protocol, IpProtocol handler, boolean anyDestination) {
        protocols[protocol] = handler;
        this.anyDestination[protocol] = anyDestination;
    }

    public Ipv4Output output() {
        return output;
    }

    public ArpCache arpCache() {
        return arpCache;
    }

    /**
     * The MAC of guest address {@code ip}, or {@link ArpCache#NONE} after asking the guest for it with an ARP
     * request (RFC 826; at most one per 100 ms for the address asked last, so a burst toward one unknown guest
     * sends one; alternating between two unknown guests asks each time).
     * Needed when we speak first, as a port forward's SYN or datagram does: a guest that has not sent
     * anything yet is not in the cache. The answer reaches the cache through the ARP reply, and what waits for
     * it in {@link #pendingNeighbors()} goes then.
     */
    public long resolve(int ip) {
        long mac = arpCache.get(ip);
        if (mac != ArpCache.NONE) {
            return mac;
        }
        long now = clock.nanoTime();
        if (ip != lastRequestedIp || now - lastRequestNanos >= ARP_REQUEST_INTERVAL) {
            lastRequestedIp = ip;
            lastRequestNanos = now;
            ByteBuf out = alloc.buffer(EthernetFrame.MIN_FRAME_LENGTH, EthernetFrame.MIN_FRAME_LENGTH);
            out.setZero(0, EthernetFrame.MIN_FRAME_LENGTH);
            // From the gateway, which is what the guest will answer to; target MAC unknown, so zero.
            EthernetFrame.writeHeader(out, 0, EthernetFrame.BROADCAST, gatewayMac, EthernetFrame.TYPE_ARP);
            ArpPacket.write(out, EthernetFrame.HEADER_LENGTH, ArpPacket.OP_REQUEST, gatewayMac, gateway, 0L, ip);
            out.writerIndex(EthernetFrame.MIN_FRAME_LENGTH);
            counters.arpRequestsOut++;
            sink.sendFrame(out);
        }
        return ArpCache.NONE;
    }

    /** Where the transports park what waits for a guest's MAC; released whenever a MAC is learned anew. */
    public PendingNeighbors pendingNeighbors() {
        return pending;
    }

    public Ipv4Reassembler reassembler() {
        return reassembler;
    }

    /** Handles one frame; the caller keeps ownership and releases it afterwards. */
    public void receive(ByteBuf frame) {
        receive(frame, false);
    }

    /**
     * As {@link #receive(ByteBuf)}, for a frame whose device vouched for its transport checksum (vnet_hdr
     * NEEDS_CSUM or DATA_VALID) when {@code checksumTrusted}; the packets it carries say so to the transport.
     */
    public void receive(ByteBuf frame, boolean checksumTrusted) {
        receive(frame, checksumTrusted, false);
    }

    /**
     * As {@link #receive(ByteBuf, boolean)}, for a frame from an offloading TAP whose virtio-net header names a
     * GSO type when {@code segmentationOffload}: the guest's kernel handed over a super-packet that the device
     * would cut into packets within the MTU, so its own length is not held against the MTU.
     */
    public void receive(ByteBuf frame, boolean checksumTrusted, boolean segmentationOffload) {
        this.checksumTrusted = checksumTrusted;
        this.segmentationOffload = segmentationOffload;
        if (!eth.wrap(frame, frame.readerIndex(), frame.readableBytes())) {
            counters.ethTruncated++;
            return;
        }
        long dst = eth.destination();
        if (dst != gatewayMac && dst != dnsMac && dst != router6Mac && dst != dns6Mac && !EthernetFrame.isGroup(dst)) {
            // Another station's unicast (the TAP is a point-to-point link, so this is a misaddressed frame).
            counters.ethNotForUs++;
            return;
        }
        if (EthernetFrame.isGroup(eth.source())) {
            counters.ethBadSource++;
            return;
        }
        switch (eth.etherType()) {
            case EthernetFrame.TYPE_ARP:
                receiveArp();
                break;
            case EthernetFrame.TYPE_IPV4:
                receiveIpv4();
                break;
            case EthernetFrame.TYPE_IPV6:
                if (ipv6 == null) {
                    counters.ethUnknownType++;
                    return;
                }
                ipv6.receive(eth.buffer(), eth.payloadOffset(), eth.payloadLength(), eth.source(), checksumTrusted,
                        segmentationOffload);
                break;
            default:
                counters.ethUnknownType++;
        }
    }

    private void receiveArp() {
        if (!arp.wrap(eth.buffer(), eth.payloadOffset(), eth.payloadLength())) {
            counters.arpMalformed++;
            return;
        }
        // RFC 826 "merge" step: learn the sender whatever the operation, but only plausible guest addresses.
        learn(arp.senderIp(), arp.senderMac());
        switch (arp.operation()) {
            case ArpPacket.OP_REQUEST:
                counters.arpRequestsIn++;
                int target = arp.targetIp();
                if (target != gateway && target != dns) {
                    counters.arpNotForUs++;
                    return;
                }
                replyArp(target);
                break;
            case ArpPacket.OP_REPLY:
                counters.arpRepliesIn++;
                break;
            default:
                counters.arpUnknownOp++;
        }
    }

    private void replyArp(int target) {
        long ourMac = NetConfig.slirpMacFor(target);
        // Padded to the 60-byte Ethernet minimum as a NIC would; the pad is zero, so it leaks nothing.
        ByteBuf out = alloc.buffer(EthernetFrame.MIN_FRAME_LENGTH, EthernetFrame.MIN_FRAME_LENGTH);
        out.setZero(0, EthernetFrame.MIN_FRAME_LENGTH);
        // To the requester's frame source (RFC 826: "send the packet to the (new) target hardware address").
        EthernetFrame.writeHeader(out, 0, arp.senderMac(), ourMac, EthernetFrame.TYPE_ARP);
        ArpPacket.write(out, EthernetFrame.HEADER_LENGTH, ArpPacket.OP_REPLY, ourMac, target,
                arp.senderMac(), arp.senderIp());
        out.writerIndex(EthernetFrame.MIN_FRAME_LENGTH);
        counters.arpRepliesOut++;
        sink.sendFrame(out);
    }

    /** Caches a guest's address: inside our network, not 0.0.0.0 (RFC 5227 probes), not ours, unicast. */
    private void learn(int senderIp, long senderMac) {
        if (senderIp == 0 || senderIp == gateway || senderIp == dns || !config.contains(senderIp)
                || senderIp == config.network() || senderIp == config.broadcast()
                || EthernetFrame.isGroup(senderMac)) {
            return;
        }
        boolean news = arpCache.get(senderIp) != senderMac;
        arpCache.put(senderIp, senderMac);
        counters.arpLearned++;
        if (news) {
            pending.resolved(IpAddress.V4_HI, IpAddress.v4Lo(senderIp), senderMac);
        }
    }

    private void receiveIpv4() {
        if (!ip.wrap(eth.buffer(), eth.payloadOffset(), eth.payloadLength())) {
            countIpv4Error(ip.error());
            return;
        }
        counters.ipv4PacketsIn++;
        int src = ip.source();
        int protocol = ip.protocol();
        if (!validSource(src) && !(src == 0 && protocol == Ipv4Packet.PROTO_UDP)) {
            // RFC 1122 3.2.1.3: a host must discard datagrams from broadcast/multicast/unspecified sources
            // when a reply would be needed, and 127/8 must never appear on a network ((g)); from our own
            // address it is a spoof or a loop. The one exception
            // is 0.0.0.0 "during initialization": a DHCP client's UDP, which the UDP layer gives only to a
            // local service.
            counters.ipv4BadSource++;
            return;
        }
        // No learning here: the guest ARPs for the gateway before it sends IP through it, so ARP alone fills
        // the cache, and a hash probe per packet would buy nothing.
        int dst = ip.destination();
        if (dst != gateway && dst != dns && !anyDestination[protocol]) {
            // Beyond our own addresses only relaying handlers (TCP, UDP, ICMP) have anywhere to send it.
            counters.ipv4NoRoute++;
            return;
        }
        IpProtocol handler = protocols[protocol];
        if (handler == null) {
            counters.ipv4UnknownProtocol++;
            return;
        }
        if (ip.totalLength() > mtu && ip.dontFragment() && !segmentationOffload) {
            // RFC 1191 4: a datagram a router cannot fragment and cannot carry is dropped, and
            // the source told the MTU. Without DF a router would fragment it on; we relay its content, which
            // the host socket carries whatever its size, so it is delivered as it is.
            counters.ipv4TooBig++;
            sendFragmentationNeeded();
            return;
        }
        if (!ip.isFragment()) {
            counters.ipv4Delivered++;
            packet.setIpv4(ip, eth.source(), checksumTrusted);
            handler.receive(packet);
            return;
        }
        counters.ipv4FragmentsIn++;
        ByteBuf whole = reassembler.offer(ip);
        if (whole == null) {
            return;
        }
        try {
            if (!reassembled.wrap(whole, whole.readerIndex(), whole.readableBytes())) {
                countIpv4Error(reassembled.error());
                return;
            }
            counters.ipv4Delivered++;
            packet.setIpv4(reassembled, eth.source(), checksumTrusted);
            handler.receive(packet);
        } finally {
            whole.release();
        }
    }

    /**
     * Destination unreachable, fragmentation needed (type 3 code 4) with the MTU as the next-hop MTU (RFC 1191 4),
     * about {@link #ip}, to its source at the frame's source MAC, from the gateway: the router whose link could
     * not carry it. Quotes as much of it as keeps the error within 576 octets (RFC 1812 4.3.2.3) and within the
     * MTU. None (RFC 1122 3.2.2, RFC 1812 4.3.2.7) about an ICMP error, a non-initial fragment, a datagram to a
     * broadcast or multicast address, or from 0.0.0.0; nor beyond the rate limit.
     */
    private void sendFragmentationNeeded() {
        int src = ip.source();
        if (src == 0 || !config.isUnicastDestination(ip.destination()) || ip.fragmentOffset() != 0
                || (ip.protocol() == Ipv4Packet.PROTO_ICMP && ip.payloadLength() > 0
                        && Icmpv4Packet.isError(ip.buffer().getUnsignedByte(ip.payloadOffset())))
                || !errorLimiter.take()) {
            counters.icmpErrorsSuppressed++;
            return;
        }
        int headers = Ipv4Packet.MIN_HEADER_LENGTH + Icmpv4Packet.HEADER_LENGTH;
        int quote = Math.min(ip.totalLength(), Math.min(Icmpv4Packet.MAX_ERROR_QUOTE, mtu - headers));
        int total = headers + quote;
        int size = EthernetFrame.HEADER_LENGTH + total;
        ByteBuf f = alloc.buffer(size, size);
        EthernetFrame.writeHeader(f, 0, eth.source(), gatewayMac, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(f, EthernetFrame.HEADER_LENGTH, 0, total, output.nextIdentification(), 0,
                Ipv4Output.TTL, Ipv4Packet.PROTO_ICMP, gateway, src);
        Icmpv4Packet.writeError(f, EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH,
                Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_FRAG_NEEDED, mtu, ip.buffer(), ip.offset(), quote);
        f.writerIndex(size);
        counters.icmpErrorsToGuest++;
        output.send(f);
    }

    private boolean validSource(int src) {
        return config.isUnicastDestination(src) && src != gateway && src != dns;
    }

    private void countIpv4Error(int error) {
        switch (error) {
            case Ipv4Packet.ERR_VERSION:
                counters.ipv4BadVersion++;
                break;
            case Ipv4Packet.ERR_HEADER_LENGTH:
                counters.ipv4BadHeaderLength++;
                break;
            case Ipv4Packet.ERR_TOTAL_LENGTH:
                counters.ipv4BadTotalLength++;
                break;
            case Ipv4Packet.ERR_CHECKSUM:
                counters.ipv4BadChecksum++;
                break;
            default:
                counters.ipv4Truncated++;
        }
    }

    public long nextDeadlineNanos() {
        long next = Clock.earlier(reassembler.nextDeadline(), pending.nextDeadline());
        return ipv6 == null ? next : Clock.earlier(next, ipv6.nextDeadlineNanos());
    }

    public void runTimers(long now) {
        reassembler.expire(now);
        pending.expire(now);
        if (ipv6 != null) {
            ipv6.runTimers(now);
        }
    }

    public void close() {
        reassembler.clear();
        pending.clear();
        if (ipv6 != null) {
            ipv6.close();
        }
    }
}
