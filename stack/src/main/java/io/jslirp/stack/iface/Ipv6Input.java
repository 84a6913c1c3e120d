package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6ExtensionHeaders;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * IPv6 input: validates a packet from the guest, walks its extension headers, reassembles fragments, and
 * hands ICMPv6 to Neighbor Discovery and the registered handlers; sends the ICMPv6 errors the RFCs ask for.
 *
 * <p>Decision table, in order (first match decides):
 * <ol>
 * <li>{@link Ipv6Packet#wrap} refuses it (short, version, Payload Length): drop, counted by reason.</li>
 * <li>source multicast, loopback, IPv4-mapped or one of ours (RFC 4291 2.5.3, 2.7; RFC 4038; a spoof or a
 *     loop): drop (ipv6BadSource). The unspecified source :: passes here and is allowed further on only for
 *     a Router or Neighbor Solicitation (RFC 4861 6.1.1, 7.1.1: a host without an address, a DAD probe).</li>
 * <li>destination a multicast group other than all-nodes, all-routers and the solicited-node groups (MLD
 *     reports, mDNS): nobody here is a member; drop (ipv6OtherMulticast).</li>
 * <li>longer than the MTU ({@code -m}, the guest's link's): drop (ipv6TooBig) with Packet Too Big carrying the
 *     MTU (RFC 8200 5, RFC 4443 3.2), so the guest lowers its path MTU instead of resending what never passes. Not
 *     for a GSO super-packet from an offloading TAP: that is the guest's kernel handing over many packets at
 *     once, each within the MTU. Fragments are measured one by one, as they crossed the link.</li>
 * <li>extension headers refused by {@link Ipv6ExtensionHeaders} (see its table): drop, counted by reason,
 *     with the Parameter Problem it names unless the destination was multicast (RFC 4443 2.4 (e); the
 *     walker already leaves out code 2 where the option asks so).</li>
 * <li>a fragment: into {@link Ipv6Reassembler} (libslirp drops them all); the reassembled packet is walked
 *     again and a fragment found then is dropped, never reassembled twice (ipv6FragNested). The reassembler's
 *     Parameter Problems and reassembly Time Exceeded are sent.</li>
 * <li>Next Header 59: nothing follows (ipv6NoNextHeader).</li>
 * <li>ICMPv6 with a bad checksum or, for NDP, hop limit, code, length, options or addresses, or NDP that came
 *     in fragments (RFC 6980: a node must ignore it; fragments are how RA-guard is evaded): drop by reason.
 *     Otherwise by type: RS, NS, NA to {@link NeighborDiscovery} (and RS also to its handler, the router
 *     advertiser); an echo request to one of our unicast addresses to its handler, to another unicast address to the echo
 *     relay ({@link #registerEchoRelay}), to a group icmpv6EchoNotForUs; anything else icmpv6Unhandled.</li>
 * <li>TCP or UDP to a unicast address (UDP also to ff02::1:2, the DHCPv6 servers' group): to the handler
 *     registered for it (the Stack registers both); without one, Destination Unreachable, code 0 "no route
 *     to destination" (RFC 4443 3.1), which makes a guest's connect fail at once (Linux reports
 *     ENETUNREACH) instead of waiting out a timeout.</li>
 * <li>any other Next Header to one of our addresses: Parameter Problem code 1 at the field that named it
 *     (RFC 8200 4); to another address: Destination Unreachable code 0 (we have no route for it).</li>
 * <li>anything but ICMPv6 from ::, or to a multicast group: dropped as above without an error.</li>
 * </ol>
 *
 * <p>Errors (RFC 4443 2.4): never about an ICMPv6 error message, a packet from :: or to a multicast group
 * (except what the walker allows), and at most {@link #ERROR_BURST} at once, refilled one per
 * {@link #ERROR_INTERVAL_NANOS} (2.4 (f) requires a limit, so a flood of garbage cannot turn us into a flood
 * of errors). An error goes from the packet's destination when that is ours, else (and Packet Too Big always,
 * a router's message) from the router's address of the source's scope (prefix::2, or fe80::2 for a link-local
 * source), to the packet's source, at the frame's source MAC, quoting as much as fits 1280 octets.
 */
public final class Ipv6Input {
    public static final int MAX_REASSEMBLY_PACKETS = 16;
    public static final int MAX_FRAGMENTS_PER_PACKET = 128;
    public static final int MAX_REASSEMBLY_BYTES = 1 << 20;
    static final int ERROR_BURST = IcmpErrorLimiter.BURST;
    static final long ERROR_INTERVAL_NANOS = IcmpErrorLimiter.INTERVAL_NANOS;

    private final Ipv6Config config;
    private final Counters counters;
    private final Ipv6Output output;
    private final NeighborDiscovery ndp;
    private final Ipv6Reassembler reassembler;
    private final Icmpv6Handler[] icmpHandlers = new Icmpv6Handler[256];
    /** Echo requests to anywhere but us (the relay), or null: then counted in icmpv6EchoNotForUs. */
    private Icmpv6Handler echoRelay;
    /** Transport handlers fed over IPv6 (none yet: TCP and UDP are not relayed over IPv6). */
    private final IpProtocol[] protocols = new IpProtocol[256];
    private final IpPacket packet = new IpPacket();

    // Reused views: one packet at a time on the event loop.
    private final Ipv6Packet ip = new Ipv6Packet();
    private final Ipv6Packet whole = new Ipv6Packet();
    private final Ipv6ExtensionHeaders chain = new Ipv6ExtensionHeaders();
    private final Icmpv6Packet icmp = new Icmpv6Packet();

    private final IcmpErrorLimiter errorLimiter;
    private final int mtu;

    /** @param pending the interface's one queue of what waits for a guest's MAC, shared with ARP */
    public Ipv6Input(Ipv6Config config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv6Output output,
                     PendingNeighbors pending) {
        this.config = config;
        this.counters = counters;
        this.output = output;
        this.ndp = new NeighborDiscovery(config, clock, counters, output, pending);
        this.reassembler = new Ipv6Reassembler(alloc, clock, MAX_REASSEMBLY_PACKETS, MAX_FRAGMENTS_PER_PACKET,
                MAX_REASSEMBLY_BYTES, this::reassemblyExpired);
        this.errorLimiter = new IcmpErrorLimiter(clock);
        this.mtu = config.mtu();
    }

    public NeighborDiscovery ndp() {
        return ndp;
    }

    public Ipv6Output output() {
        return output;
    }

    /**
     * Registers the handler of one ICMPv6 type: {@link Icmpv6Packet#TYPE_ROUTER_SOLICITATION} (after Neighbor
     * Discovery learned from it) and {@link Icmpv6Packet#TYPE_ECHO_REQUEST} (only those to our addresses).
     */
    public void registerIcmpv6(int type, Icmpv6Handler handler) {
        icmpHandlers[type] = handler;
    }

    /** The handler of echo requests to unicast addresses not ours (the ICMPv6 echo relay); null for none. */
    public void registerEchoRelay(Icmpv6Handler handler) {
        this.echoRelay = handler;
    }

    /**
     * A transport handler for IPv6 packets to any unicast destination, fed through the same {@link IpPacket} seam
     * as IPv4 (the payload after the extension headers, IPv6's pseudo-header address sum, the device's checksum
     * word). Without one, TCP and UDP get Destination Unreachable (see the table).
     */
    public void register(int protocol, IpProtocol handler) {
        protocols[protocol] = handler;
    }

    /**
     * Handles the IPv6 packet in {@code buf[offset, offset + length)}, the payload of a frame from
     * {@code sourceMac}; the caller keeps the buffer.
     *
     * @param checksumTrusted     the device vouched for the upper-layer checksum (vnet_hdr)
     * @param segmentationOffload the frame is the guest's GSO super-packet (vnet_hdr gso_type other than NONE),
     *                            which the link carries whatever its length: never "too big"
     */
    public void receive(ByteBuf buf, int offset, int length, long sourceMac, boolean checksumTrusted,
                        boolean segmentationOffload) {
        if (!ip.wrap(buf, offset, length)) {
            countWrapError(ip.error());
            return;
        }
        counters.ipv6PacketsIn++;
        long sHi = ip.sourceHi();
        long sLo = ip.sourceLo();
        if (!Ipv6Packet.isUnspecified(sHi, sLo) && !config.isGuestSource(sHi, sLo)) {
            counters.ipv6BadSource++;
            return;
        }
        long dHi = ip.destinationHi();
        long dLo = ip.destinationLo();
        if (Ipv6Packet.isMulticast(dHi) && !isOurGroup(dHi, dLo)) {
            counters.ipv6OtherMulticast++;
            return;
        }
        if (ip.totalLength() > mtu && !segmentationOffload) {
            counters.ipv6TooBig++;
            sendError(ip, sourceMac, Icmpv6Packet.TYPE_PACKET_TOO_BIG, 0, mtu, false);
            return;
        }
        if (!chain.walk(ip)) {
            countChainError(chain.error());
            if (chain.errorIcmpCode() >= 0) {
                boolean allowedToMulticast = chain.errorIcmpCode() == Icmpv6Packet.CODE_UNRECOGNIZED_OPTION;
                sendError(ip, sourceMac, Icmpv6Packet.TYPE_PARAMETER_PROBLEM, chain.errorIcmpCode(),
                        chain.errorPointer(), allowedToMulticast);
            }
            return;
        }
        if (!chain.isFragment()) {
            deliver(ip, sourceMac, checksumTrusted, false);
            return;
        }
        ByteBuf assembled = reassembler.offer(ip, chain);
        syncReassemblyCounters();
        if (assembled == null) {
            if (reassembler.icmpCode() >= 0) {
                sendError(ip, sourceMac, Icmpv6Packet.TYPE_PARAMETER_PROBLEM, reassembler.icmpCode(),
                        reassembler.icmpPointer(), false);
            }
            return;
        }
        try {
            if (!whole.wrap(assembled, assembled.readerIndex(), assembled.readableBytes())) {
                countWrapError(whole.error());
                return;
            }
            if (!chain.walk(whole)) {
                countChainError(chain.error());
                return;
            }
            if (chain.isFragment() || chain.atomicFragment()) {
                counters.ipv6FragNested++;
                return;
            }
            // The reassembled packet's checksum was never seen by the device: verify it ourselves.
            deliver(whole, sourceMac, false, true);
        } finally {
            assembled.release();
        }
    }

    /** A packet whose chain {@link #chain} walked to its upper layer. */
    private void deliver(Ipv6Packet p, long sourceMac, boolean checksumTrusted, boolean reassembled) {
        int protocol = chain.upperProtocol();
        boolean fromUnspecified = Ipv6Packet.isUnspecified(p.sourceHi(), p.sourceLo());
        boolean toMulticast = Ipv6Packet.isMulticast(p.destinationHi());
        if (protocol == Ipv6Packet.NEXT_ICMPV6) {
            receiveIcmpv6(p, sourceMac, checksumTrusted, fromUnspecified, toMulticast, reassembled);
            return;
        }
        if (fromUnspecified) {
            counters.ipv6BadSource++;
            return;
        }
        if (toMulticast && !(protocol == Ipv6Packet.NEXT_UDP && isDhcpGroup(p.destinationHi(), p.destinationLo()))) {
            counters.ipv6OtherMulticast++;
            return;
        }
        if (protocol == Ipv6Packet.NEXT_NONE) {
            counters.ipv6NoNextHeader++;
            return;
        }
        IpProtocol handler = protocols[protocol];
        if (handler != null) {
            counters.ipv6Delivered++;
            packet.setIpv6(p, chain.upperOffset(), chain.upperLength(), protocol, sourceMac, checksumTrusted);
            handler.receive(packet);
            return;
        }
        if (protocol == Ipv6Packet.NEXT_TCP || protocol == Ipv6Packet.NEXT_UDP) {
            counters.ipv6TransportUnavailable++;
            sendError(p, sourceMac, Icmpv6Packet.TYPE_DEST_UNREACHABLE, Icmpv6Packet.CODE_NO_ROUTE, 0, false);
            return;
        }
        if (config.isOurs(p.destinationHi(), p.destinationLo())) {
            counters.ipv6UnknownNextHeader++;
            sendError(p, sourceMac, Icmpv6Packet.TYPE_PARAMETER_PROBLEM, Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER,
                    chain.nextHeaderPointer(), false);
            return;
        }
        counters.ipv6NoRoute++;
        sendError(p, sourceMac, Icmpv6Packet.TYPE_DEST_UNREACHABLE, Icmpv6Packet.CODE_NO_ROUTE, 0, false);
    }

    private void receiveIcmpv6(Ipv6Packet p, long sourceMac, boolean checksumTrusted, boolean fromUnspecified,
                               boolean toMulticast, boolean reassembled) {
        int at = chain.upperOffset();
        int len = chain.upperLength();
        boolean ok = checksumTrusted
                ? icmp.wrapChecksumTrusted(p.buffer(), at, len, p.hopLimit())
                : icmp.wrap(p.buffer(), at, len, p.hopLimit(), p.pseudoHeaderSum(Ipv6Packet.NEXT_ICMPV6, len));
        if (!ok) {
            countIcmpError(icmp.error());
            return;
        }
        counters.ipv6Delivered++;
        int type = icmp.type();
        if (type == Icmpv6Packet.TYPE_ROUTER_SOLICITATION || type == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION
                || type == Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT) {
            if (reassembled) {
                counters.ndpFragmented++; // RFC 6980 5: fragmented Neighbor Discovery is silently ignored
                return;
            }
            if (!icmp.ndpAddressesValid(p.sourceHi(), p.sourceLo(), p.destinationHi(), p.destinationLo())) {
                counters.ndpBadAddresses++;
                return;
            }
            if (fromUnspecified && type == Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT) {
                counters.ipv6BadSource++; // RFC 4861 4.4: an advertisement comes from an assigned address
                return;
            }
        } else if (fromUnspecified) {
            counters.ipv6BadSource++;
            return;
        }
        switch (type) {
            case Icmpv6Packet.TYPE_ROUTER_SOLICITATION:
                ndp.receiveRouterSolicitation(p, icmp);
                Icmpv6Handler rs = icmpHandlers[type];
                if (rs != null) {
                    rs.receive(p, icmp, sourceMac);
                }
                return;
            case Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION:
                ndp.receiveSolicitation(p, icmp, sourceMac);
                return;
            case Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT:
                ndp.receiveAdvertisement(icmp, sourceMac);
                return;
            case Icmpv6Packet.TYPE_ECHO_REQUEST:
                Icmpv6Handler echo = config.isOurs(p.destinationHi(), p.destinationLo()) ? icmpHandlers[type]
                        : echoRelay;
                if (toMulticast || echo == null) {
                    counters.icmpv6EchoNotForUs++;
                    return;
                }
                echo.receive(p, icmp, sourceMac);
                return;
            default:
                Icmpv6Handler other = icmpHandlers[type];
                if (other == null || toMulticast) {
                    counters.icmpv6Unhandled++;
                    return;
                }
                // Errors from the guest about what we sent it (a forward's SYN refused): the transport's.
                other.receive(p, icmp, sourceMac);
        }
    }

    /** ff02::1, ff02::2 and every solicited-node group (where NS for us, and the guest's DAD probes, go). */
    private static boolean isOurGroup(long hi, long lo) {
        return (hi == Ipv6Packet.ALL_NODES_HI && (lo == Ipv6Packet.ALL_NODES_LO || lo == 2))
                || Ipv6Packet.isSolicitedNode(hi, lo) || isDhcpGroup(hi, lo);
    }

    /** ff02::1:2, All_DHCP_Relay_Agents_and_Servers (RFC 8415 7.1): UDP to it goes to the DHCPv6 server. */
    private static boolean isDhcpGroup(long hi, long lo) {
        return hi == Ipv6Packet.ALL_NODES_HI && lo == 0x1_0002L;
    }

    /**
     * Sends an ICMPv6 error about packet {@code p} (RFC 4443 2.4 rules in the class comment).
     *
     * @param allowedToMulticast the packet's destination may be multicast (Parameter Problem code 2)
     */
    private void sendError(Ipv6Packet p, long toMac, int type, int code, int word, boolean allowedToMulticast) {
        sendError(p.buffer(), p.offset(), p.totalLength(), toMac, type, code, word, allowedToMulticast);
    }

    private void sendError(ByteBuf buf, int offset, int length, long toMac, int type, int code, int word,
                           boolean allowedToMulticast) {
        long sHi = buf.getLong(offset + 8);
        long sLo = buf.getLong(offset + 16);
        long dHi = buf.getLong(offset + 24);
        long dLo = buf.getLong(offset + 32);
        if (Ipv6Packet.isUnspecified(sHi, sLo) || (Ipv6Packet.isMulticast(dHi) && !allowedToMulticast)
                || isIcmpv6Error(buf, offset, length) || !errorLimiter.take()) {
            counters.icmpv6ErrorsSuppressed++;
            return;
        }
        long fromHi;
        long fromLo;
        // Packet Too Big is the router's word (RFC 4443 3.2: the node that could not carry it on), whatever the
        // destination; the other errors come from the destination when that is ours, as a host's would.
        if (config.isOurs(dHi, dLo) && type != Icmpv6Packet.TYPE_PACKET_TOO_BIG) {
            fromHi = dHi;
            fromLo = dLo;
        } else {
            fromHi = Ipv6Packet.isLinkLocal(sHi) ? Ipv6Config.LINK_LOCAL_HI : config.routerHi();
            fromLo = Ipv6Config.ROUTER_LO;
        }
        int icmpLength = Icmpv6Packet.HEADER_LENGTH + Icmpv6Packet.errorQuoteLength(length);
        ByteBuf f = output.icmpv6Buffer(icmpLength);
        Icmpv6Packet.writeError(f, Ipv6Output.L4_OFFSET, type, code, word, buf, offset, length);
        counters.icmpv6ErrorsOut++;
        output.sendIcmpv6(f, toMac, fromHi, fromLo, sHi, sLo, icmpLength);
    }

    /**
     * True when the packet carries an ICMPv6 error message right after the fixed header (RFC 4443 2.4 (e.1):
     * never answer an error with an error). Errors behind extension headers are not looked for: we only
     * ever answer those packets with errors about the headers themselves, which 2.4 permits.
     */
    private static boolean isIcmpv6Error(ByteBuf buf, int offset, int length) {
        return length > Ipv6Packet.HEADER_LENGTH && buf.getUnsignedByte(offset + 6) == Ipv6Packet.NEXT_ICMPV6
                && buf.getUnsignedByte(offset + Ipv6Packet.HEADER_LENGTH) < 128;
    }

    /** RFC 8200 4.5: the source of a packet whose reassembly timed out gets Time Exceeded code 1. */
    private void reassemblyExpired(ByteBuf first, int offset, int length) {
        long sHi = first.getLong(offset + 8);
        long sLo = first.getLong(offset + 16);
        long mac = ndp.cache().get(sHi, sLo);
        if (mac == Ipv6NeighborCache.NONE) {
            counters.icmpv6ErrorsSuppressed++;
            return;
        }
        sendError(first, offset, length, mac, Icmpv6Packet.TYPE_TIME_EXCEEDED,
                Icmpv6Packet.CODE_REASSEMBLY_TIME_EXCEEDED, 0, false);
    }

    private void syncReassemblyCounters() {
        counters.ipv6FragmentsIn = reassembler.fragmentsIn;
        counters.ipv6Reassembled = reassembler.reassembled;
        counters.ipv6FragAtomic = reassembler.atomic;
        counters.ipv6FragDuplicate = reassembler.duplicate;
        counters.ipv6FragOverlap = reassembler.overlap;
        counters.ipv6FragAfterOverlap = reassembler.afterOverlap;
        counters.ipv6FragOversize = reassembler.oversize;
        counters.ipv6FragMalformed = reassembler.malformed;
        counters.ipv6FragTooMany = reassembler.tooMany;
        counters.ipv6FragEvicted = reassembler.evicted;
        counters.ipv6FragTimeout = reassembler.timeout;
    }

    private void countWrapError(int error) {
        switch (error) {
            case Ipv6Packet.ERR_VERSION:
                counters.ipv6BadVersion++;
                break;
            case Ipv6Packet.ERR_PAYLOAD_LENGTH:
                counters.ipv6BadPayloadLength++;
                break;
            default:
                counters.ipv6Truncated++;
        }
    }

    private void countChainError(int error) {
        switch (error) {
            case Ipv6ExtensionHeaders.ERR_TOO_MANY:
                counters.ipv6ExtTooMany++;
                break;
            case Ipv6ExtensionHeaders.ERR_HOP_BY_HOP_POSITION:
                counters.ipv6ExtHopByHopPosition++;
                break;
            case Ipv6ExtensionHeaders.ERR_OPTION:
                counters.ipv6ExtBadOption++;
                break;
            case Ipv6ExtensionHeaders.ERR_ROUTING:
                counters.ipv6ExtRoutingSegmentsLeft++;
                break;
            case Ipv6ExtensionHeaders.ERR_SECOND_FRAGMENT:
                counters.ipv6ExtSecondFragment++;
                break;
            default:
                counters.ipv6ExtTruncated++;
        }
    }

    private void countIcmpError(int error) {
        switch (error) {
            case Icmpv6Packet.ERR_CHECKSUM:
                counters.icmpv6BadChecksum++;
                break;
            case Icmpv6Packet.ERR_NDP_HEADER:
                counters.ndpBadHeader++;
                break;
            case Icmpv6Packet.ERR_NDP_OPTION:
                counters.ndpBadOption++;
                break;
            case Icmpv6Packet.ERR_NDP_TARGET:
                counters.ndpBadTarget++;
                break;
            default:
                counters.icmpv6Truncated++;
        }
    }

    public long nextDeadlineNanos() {
        return reassembler.nextDeadline();
    }

    public void runTimers(long now) {
        reassembler.expire(now);
        syncReassemblyCounters();
    }

    public void close() {
        reassembler.clear();
    }
}
