package io.jslirp.stack.services;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;

/**
 * Router advertisements (RFC 4861 6.2) that give the guest its IPv6 address by SLAAC and its default route
 * via fe80::2, field for field as libslirp sends them, plus the MTU and RDNSS options libslirp leaves out.
 *
 * <pre>
 * From fe80::2 (MAC 52:56:00:00:00:02) to ff02::1 (33:33:00:00:00:01), hop limit 255:
 *   Cur Hop Limit 64, M=0 O=0 (no DHCPv6 needed), Router Lifetime 1800 s, Reachable 0, Retrans 0
 *   Source link-layer address  52:56:00:00:00:02
 *   Prefix information         prefix/64, L=1 A=1, valid 86400 s, preferred 14400 s
 *   MTU                        the link MTU
 *   RDNSS (RFC 8106)           prefix::3, lifetime 1200 s
 * </pre>
 *
 * <p>When: one unsolicited advertisement as soon as the timers first run after start (the TAP is up then),
 * so a guest whose router solicitations went out before we were attached (RootlessKit brings tap0 up before
 * it starts us) gets its address within the second, not after minutes; then every 200 to 600 s, uniformly
 * jittered as libslirp does (RFC 4861 6.2.4 asks for the jitter so routers on a link do not synchronise).
 * Each Router Solicitation is answered at once, to all-nodes as libslirp does (RFC 4861 6.2.6 allows it).
 * The jitter comes from a generator seeded from the injected clock, never from the wall clock.
 *
 * <p>The MTU option tells the guest the link MTU (RFC 4861 4.6.4), which matters when it is not 1500. The
 * RDNSS option is always there (libslirp sends it only when the host has an IPv6 resolver), because the
 * DNS forwarder at prefix::3 relays to whatever resolvers the host has, IPv4 ones included.
 */
public final class RouterAdvertiser {
    public static final int CUR_HOP_LIMIT = 64;
    public static final int ROUTER_LIFETIME_SECONDS = 1800;
    public static final int VALID_LIFETIME_SECONDS = 86400;
    public static final int PREFERRED_LIFETIME_SECONDS = 14400;
    public static final int RDNSS_LIFETIME_SECONDS = 1200;
    /** libslirp's NDP_MinRtrAdvInterval and NDP_MaxRtrAdvInterval. */
    public static final long MIN_INTERVAL_NANOS = 200_000_000_000L;
    public static final long MAX_INTERVAL_NANOS = 600_000_000_000L;
    /** The advertisement's ICMPv6 length: fixed part, SLLA, prefix, MTU and RDNSS options. */
    public static final int LENGTH = Icmpv6Packet.RA_LENGTH + Icmpv6Packet.LINK_LAYER_OPTION_LENGTH
            + Icmpv6Packet.MTU_OPTION_LENGTH + Icmpv6Packet.PREFIX_OPTION_LENGTH + Icmpv6Packet.RDNSS_OPTION_LENGTH;

    private final Ipv6Config config;
    private final Counters counters;
    private final Ipv6Output output;
    private long nextUnsolicited;
    private long random;

    /** The first unsolicited advertisement is due at once: at the first {@link #runTimers}. */
    public RouterAdvertiser(Ipv6Config config, Clock clock, Counters counters, Ipv6Output output) {
        this.config = config;
        this.counters = counters;
        this.output = output;
        long now = clock.nanoTime();
        this.nextUnsolicited = now;
        // Any non-zero seed; the clock's reading differs from run to run, which is all the jitter needs.
        this.random = (now ^ 0x9E37_79B9_7F4A_7C15L) | 1;
    }

    /** Answers a Router Solicitation (already validated and learned from by the interface). */
    public void routerSolicited() {
        send();
    }

    public long nextDeadlineNanos() {
        return nextUnsolicited;
    }

    public void runTimers(long now) {
        if (now - nextUnsolicited < 0) {
            return;
        }
        send();
        nextUnsolicited = now + MIN_INTERVAL_NANOS + Long.remainderUnsigned(next(),
                MAX_INTERVAL_NANOS - MIN_INTERVAL_NANOS);
    }

    /** xorshift64: enough for timer jitter, and no allocation or shared state. */
    private long next() {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return x;
    }

    private void send() {
        ByteBuf f = output.icmpv6Buffer(LENGTH);
        int at = Ipv6Output.L4_OFFSET;
        at += Icmpv6Packet.writeRouterAdvertisement(f, at, CUR_HOP_LIMIT, 0, ROUTER_LIFETIME_SECONDS, 0, 0);
        at += Icmpv6Packet.writeLinkLayerOption(f, at, Icmpv6Packet.OPT_SOURCE_LINK_LAYER, config.routerMac());
        at += Icmpv6Packet.writePrefixOption(f, at, 64,
                Icmpv6Packet.PREFIX_FLAG_ON_LINK | Icmpv6Packet.PREFIX_FLAG_AUTONOMOUS,
                VALID_LIFETIME_SECONDS, PREFERRED_LIFETIME_SECONDS, config.prefixHi(), 0);
        at += Icmpv6Packet.writeMtuOption(f, at, config.mtu());
        Icmpv6Packet.writeRdnssOption(f, at, RDNSS_LIFETIME_SECONDS, config.dnsHi(), Ipv6Config.DNS_LO);
        counters.ndpRouterAdvertisementsOut++;
        output.sendIcmpv6(f, Ipv6Packet.multicastMac(Ipv6Packet.ALL_NODES_LO), Ipv6Config.LINK_LOCAL_HI,
                Ipv6Config.ROUTER_LO, Ipv6Packet.ALL_NODES_HI, Ipv6Packet.ALL_NODES_LO, LENGTH);
    }
}
