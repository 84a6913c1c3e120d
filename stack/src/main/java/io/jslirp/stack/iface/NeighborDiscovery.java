package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;

/**
 * Neighbor Discovery (RFC 4861) for our side of the link: answers solicitations for our four addresses,
 * learns the guest's MAC, and solicits the guest when we must speak first.
 *
 * <p>Every message reaching here passed {@link Icmpv6Packet#wrap} (hop limit 255, code 0, lengths, options)
 * and {@link Icmpv6Packet#ndpAddressesValid}; what is left are the decisions.
 *
 * <p>Neighbor Solicitation, by target and source:
 * <ul>
 * <li>target not ours, source :: : a duplicate address detection probe for an address the guest wants
 *     (RFC 4862 5.4.2). Never answered, so the guest's address never collides with anything; and not
 *     learned from, since a probe carries no link-layer option and the address is still tentative.</li>
 * <li>target not ours, unicast source: not for us, silently discarded (RFC 4861 7.2.3).</li>
 * <li>target ours, source :: : the guest probes one of our addresses before taking it. We defend it with
 *     an NA to all-nodes, S=0 (RFC 4862 5.4.3 on the defending side; RFC 4861 7.2.4 for the reply to ::),
 *     and count a conflict: the guest must not use the router's or the DNS forwarder's address.</li>
 * <li>target ours, unicast source: learn the source from its source link-layer option (7.2.3), then answer
 *     with an NA to the source: R=1 (we are a router, 7.2.4), S=1 (solicited), O=1 (our MAC for this
 *     address is authoritative), target link-layer option with our MAC for the target; to the option's MAC,
 *     or the frame's source when the NS was unicast without one (allowed by 7.2.2 for a unicast NS).</li>
 * </ul>
 * <p>Neighbor Advertisement: for one of our addresses it is a conflict, counted and ignored (we keep our
 * addresses; the guest's own DAD will fail, which is right). For a guest address it teaches us the target's
 * MAC from the target link-layer option, or, for a solicited answer without one, from the frame's source
 * (RFC 4861 7.2.5 updates an entry we created by soliciting).
 * <p>Router Solicitation: learn the source from its source link-layer option (6.2.6) unless it comes from
 * ::; the answer (a router advertisement) is the advertiser's.
 *
 * <p>Learning takes only addresses that may be the guest's ({@link Ipv6Config#isGuestSource}) and unicast
 * MACs, and tells the interface's one {@link PendingNeighbors} queue (shared with ARP) about an address whose
 * MAC is new or changed, so that what waits for it there goes.
 */
public final class NeighborDiscovery {
    public static final int DEFAULT_CACHE = 64;
    /** At most one solicitation per address asked last per interval, as for ARP requests. */
    static final long SOLICIT_INTERVAL = 100_000_000L;

    private final Ipv6Config config;
    private final Clock clock;
    private final Counters counters;
    private final Ipv6Output output;
    private final Ipv6NeighborCache cache = new Ipv6NeighborCache(DEFAULT_CACHE);
    private final PendingNeighbors pending;
    /** The guest's address in our prefix, as its NDP traffic shows it (for forwards that name none). */
    private final Ipv6GuestAddress guestAddress;
    private long lastSolicitedHi;
    private long lastSolicitedLo;
    private long lastSolicitNanos;
    private boolean solicitedOnce;

    public NeighborDiscovery(Ipv6Config config, Clock clock, Counters counters, Ipv6Output output,
                             PendingNeighbors pending) {
        this.config = config;
        this.pending = pending;
        this.clock = clock;
        this.counters = counters;
        this.output = output;
        this.guestAddress = new Ipv6GuestAddress(config);
    }

    public Ipv6NeighborCache cache() {
        return cache;
    }

    /** The guest's default IPv6 address for port forwards: configured, or learned from its NDP traffic. */
    public Ipv6GuestAddress guestAddress() {
        return guestAddress;
    }

    /** The interface's queue of what waits for a guest's MAC, which learning here releases. */
    public PendingNeighbors pending() {
        return pending;
    }

    /** A Neighbor Solicitation that passed the checks; {@code frameSource} is the Ethernet source. */
    void receiveSolicitation(Ipv6Packet ip, Icmpv6Packet ns, long frameSource) {
        counters.ndpNeighborSolicitationsIn++;
        long tHi = ns.targetHi();
        long tLo = ns.targetLo();
        long sHi = ip.sourceHi();
        long sLo = ip.sourceLo();
        boolean fromUnspecified = Ipv6Packet.isUnspecified(sHi, sLo);
        if (!fromUnspecified && config.isGuestSource(sHi, sLo)) {
            // Whatever it asks for, a solicitation from the guest's own address shows that address.
            guestAddress.observe(sHi, sLo);
        }
        if (!config.isOurs(tHi, tLo)) {
            if (fromUnspecified) {
                counters.ndpDadProbes++;
                // The address the guest is about to take: tentative, but the one it will use (a failed DAD
                // would have found an owner, and we never answer one).
                guestAddress.observe(tHi, tLo);
            } else {
                counters.ndpNotForUs++;
            }
            return;
        }
        long ourMac = config.ourMacFor(tHi, tLo);
        if (fromUnspecified) {
            counters.ndpConflicts++;
            sendAdvertisement(Ipv6Packet.multicastMac(Ipv6Packet.ALL_NODES_LO), tHi, tLo, Ipv6Packet.ALL_NODES_HI,
                    Ipv6Packet.ALL_NODES_LO, Icmpv6Packet.NA_FLAG_ROUTER | Icmpv6Packet.NA_FLAG_OVERRIDE, ourMac);
            return;
        }
        long optionMac = ns.sourceLinkLayer();
        if (optionMac != Icmpv6Packet.NO_MAC) {
            learn(sHi, sLo, optionMac);
        }
        long toMac = optionMac != Icmpv6Packet.NO_MAC && !EthernetFrame.isGroup(optionMac) ? optionMac : frameSource;
        sendAdvertisement(toMac, tHi, tLo, sHi, sLo,
                Icmpv6Packet.NA_FLAG_ROUTER | Icmpv6Packet.NA_FLAG_SOLICITED | Icmpv6Packet.NA_FLAG_OVERRIDE, ourMac);
    }

    /** A Neighbor Advertisement that passed the checks. */
    void receiveAdvertisement(Icmpv6Packet na, long frameSource) {
        counters.ndpNeighborAdvertisementsIn++;
        long tHi = na.targetHi();
        long tLo = na.targetLo();
        if (config.isOurs(tHi, tLo)) {
            counters.ndpConflicts++;
            return;
        }
        long mac = na.targetLinkLayer();
        if (mac == Icmpv6Packet.NO_MAC && (na.naFlags() & Icmpv6Packet.NA_FLAG_SOLICITED) != 0) {
            mac = frameSource;
        }
        if (mac != Icmpv6Packet.NO_MAC) {
            learn(tHi, tLo, mac);
        }
    }

    /** A Router Solicitation that passed the checks: learn its sender. */
    void receiveRouterSolicitation(Ipv6Packet ip, Icmpv6Packet rs) {
        counters.ndpRouterSolicitationsIn++;
        long mac = rs.sourceLinkLayer();
        if (mac != Icmpv6Packet.NO_MAC && !Ipv6Packet.isUnspecified(ip.sourceHi(), ip.sourceLo())) {
            learn(ip.sourceHi(), ip.sourceLo(), mac);
        }
    }

    private void learn(long hi, long lo, long mac) {
        if (!config.isGuestSource(hi, lo) || EthernetFrame.isGroup(mac)) {
            return;
        }
        guestAddress.observe(hi, lo);
        boolean news = cache.get(hi, lo) != mac;
        cache.put(hi, lo, mac);
        counters.ndpLearned++;
        if (news) {
            pending.resolved(hi, lo, mac);
        }
    }

    /**
     * The MAC of guest address {@code hi:lo}, or {@link Ipv6NeighborCache#NONE} after soliciting it (RFC 4861
     * 7.2.2: an NS to the target's solicited-node group, with our source link-layer option; at most one per
     * 100 ms for the address asked last). The answer reaches the cache through the guest's NA, and what waits
     * for it in the interface's {@link PendingNeighbors} goes then.
     */
    public long resolve(long hi, long lo) {
        long mac = cache.get(hi, lo);
        if (mac != Ipv6NeighborCache.NONE) {
            return mac;
        }
        long now = clock.nanoTime();
        if (!solicitedOnce || hi != lastSolicitedHi || lo != lastSolicitedLo
                || now - lastSolicitNanos >= SOLICIT_INTERVAL) {
            solicitedOnce = true;
            lastSolicitedHi = hi;
            lastSolicitedLo = lo;
            lastSolicitNanos = now;
            sendSolicitation(hi, lo);
        }
        return Ipv6NeighborCache.NONE;
    }

    private void sendSolicitation(long tHi, long tLo) {
        // RFC 4861 7.2.2: any of our addresses may be the source; the link-local one for a link-local target,
        // the router's in the prefix otherwise, so the guest answers from the same scope.
        long srcHi = Ipv6Packet.isLinkLocal(tHi) ? Ipv6Config.LINK_LOCAL_HI : config.routerHi();
        long dstLo = Ipv6Packet.solicitedNodeLo(tLo);
        int length = Icmpv6Packet.NS_LENGTH + Icmpv6Packet.LINK_LAYER_OPTION_LENGTH;
        ByteBuf f = output.icmpv6Buffer(length);
        Icmpv6Packet.writeNeighborSolicitation(f, Ipv6Output.L4_OFFSET, tHi, tLo, config.routerMac());
        counters.ndpNeighborSolicitationsOut++;
        output.sendIcmpv6(f, Ipv6Packet.multicastMac(dstLo), srcHi, Ipv6Config.ROUTER_LO,
                Ipv6Packet.SOLICITED_NODE_HI, dstLo, length);
    }

    private void sendAdvertisement(long toMac, long tHi, long tLo, long dstHi, long dstLo, int flags, long ourMac) {
        int length = Icmpv6Packet.NA_LENGTH + Icmpv6Packet.LINK_LAYER_OPTION_LENGTH;
        ByteBuf f = output.icmpv6Buffer(length);
        Icmpv6Packet.writeNeighborAdvertisement(f, Ipv6Output.L4_OFFSET, flags, tHi, tLo, ourMac);
        counters.ndpNeighborAdvertisementsOut++;
        output.sendIcmpv6(f, toMac, tHi, tLo, dstHi, dstLo, length);
    }
}
