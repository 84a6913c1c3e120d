package io.jslirp.stack.flow;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.iface.Ipv6GuestAddress;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;

/**
 * Which family a port forward's client reaches the guest in, at which guest address, and from which address
 * the guest sees it come: the one decision table TCP and UDP forwards share. One instance per layer, filled by
 * {@link #choose} for each new client (no allocation) and read at once.
 *
 * <p>By the forward's guest address ({@code mode}) and the client's family:
 * <ul>
 * <li>{@link #NAMED_V4}: IPv4 to that address for every client; the client as slirp4netns shows it
 *     ({@link NetConfig#clientAsSeen}: its own IPv4 address, or network+2 for loopback, IPv6 and in-network
 *     clients).</li>
 * <li>{@link #NAMED_V6}: IPv6 to that address for every client, so an IPv6-only guest listener serves IPv4
 *     clients too; the client seen as below.</li>
 * <li>{@link #UNNAMED}: an IPv6 client (not IPv4-mapped) goes over IPv6 to the guest's address
 *     ({@link Ipv6GuestAddress}) when IPv6 is on and that address is known, with the forward's IPv4 address
 *     kept for the fallback ({@link #fallbackV4}); every other client goes over IPv4 as {@link #NAMED_V4}.</li>
 * </ul>
 * <p>The client as the guest sees it on the IPv6 path:
 * <ul>
 * <li>{@code ::1} or {@code ::}: prefix::2, the router, as libslirp shows host loopback.</li>
 * <li>other IPv6 addresses: themselves, the guest's reply routed back through us; except an address the guest
 *     would take for a neighbour on its own link (our /64, fe80::/10) or that names IPv4 (::/96), which would
 *     leave the guest soliciting a neighbour nobody answers: prefix::2, as network+2 on the IPv4 path.</li>
 * <li>IPv4 loopback (127/8) or 0.0.0.0: prefix::2.</li>
 * <li>any other IPv4 unicast a.b.c.d: {@code 64:ff9b::a.b.c.d}, the RFC 6052 well-known NAT64 prefix, which
 *     names an IPv4 host in IPv6 and routes like any global address. Not {@code ::ffff:a.b.c.d}: Linux drops
 *     a SYN from an IPv4-mapped source without answering ({@code tcp_v6_conn_request} in
 *     net/ipv6/tcp_ipv6.c counts it in Ip6InAddrErrors), and RFC 4291 2.5.5.2 keeps mapped addresses off the
 *     wire.</li>
 * <li>IPv4 or IPv6 multicast, IPv4 broadcast: refused ({@link #choose} returns false); no reply could reach it.</li>
 * </ul>
 */
public final class ForwardPath {
    /** The forward named an IPv4 guest address. */
    public static final int NAMED_V4 = 0;
    /** The forward named an IPv6 guest address. */
    public static final int NAMED_V6 = 1;
    /** The forward named none: the IPv4 default (network+100), IPv6 clients to the guest's IPv6 address. */
    public static final int UNNAMED = 2;
    /** High half of 64:ff9b::/96 (RFC 6052 2.1); the low half carries the IPv4 address in its low 32 bits. */
    public static final long NAT64_HI = 0x0064_ff9b_0000_0000L;

    private final NetConfig config;
    private Ipv6Config config6;
    private Ipv6GuestAddress guest6;

    // ---- the outcome of choose(): where the client goes, and who it is there.
    /** The path is IPv6 (else IPv4, both addresses below IPv4-mapped). */
    public boolean v6;
    public long guestHi;
    public long guestLo;
    public long seenHi;
    public long seenLo;
    /**
     * For an UNNAMED forward on the IPv6 path: the IPv4 guest address (host order) to retry at when the guest
     * refuses over IPv6; else 0.
     */
    public int fallbackV4;

    public ForwardPath(NetConfig config) {
        this.config = config;
    }

    /** IPv6 is on: its prefix, and where the guest's default IPv6 address comes from. */
    public void setIpv6(Ipv6Config config6, Ipv6GuestAddress guest6) {
        this.config6 = config6;
        this.guest6 = guest6;
    }

    /**
     * Decides for a client at {@code clientHi:clientLo} (family-neutral; IPv4 mapped) of a forward to
     * {@code fwdHi:fwdLo} (family-neutral) in {@code mode}. False when the client cannot be shown to the guest.
     */
    public boolean choose(int mode, long fwdHi, long fwdLo, long clientHi, long clientLo) {
        fallbackV4 = 0;
        if (mode == NAMED_V6) {
            if (config6 == null) {
                return false;
            }
            guestHi = fwdHi;
            guestLo = fwdLo;
            return seen6(clientHi, clientLo);
        }
        boolean clientV4 = IpAddress.isV4(clientHi, clientLo);
        if (mode == UNNAMED && !clientV4 && config6 != null && guest6.known()) {
            guestHi = guest6.hi();
            guestLo = guest6.lo();
            fallbackV4 = IpAddress.v4(fwdLo);
            return seen6(clientHi, clientLo);
        }
        v6 = false;
        guestHi = fwdHi;
        guestLo = fwdLo;
        int seen = config.clientAsSeen(!clientV4, IpAddress.v4(clientLo));
        seenHi = IpAddress.V4_HI;
        seenLo = IpAddress.v4Lo(seen);
        return seen != 0;
    }

    /**
     * The client as a guest sees it on the IPv6 path: where the TCP connection to the IPv4 default goes when
     * an IPv6 attempt falls back is {@link NetConfig#clientAsSeen}'s business, not this.
     */
    private boolean seen6(long hi, long lo) {
        v6 = true;
        if (IpAddress.isV4(hi, lo)) {
            int a = IpAddress.v4(lo);
            if (a == 0 || Ipv4Packet.isLoopback(a)) {
                return router();
            }
            if (!Ipv4Packet.isUnicast(a)) {
                return false;
            }
            seenHi = NAT64_HI;
            seenLo = a & 0xffff_ffffL;
            return true;
        }
        if (Ipv6Packet.isMulticast(hi)) {
            return false;
        }
        if (Ipv6Packet.isLoopback(hi, lo) || Ipv6Packet.isUnspecified(hi, lo) || Ipv6Packet.isLinkLocal(hi)
                || config6.inPrefix(hi) || (hi == 0 && (lo >>> 32) == 0)) {
            return router();
        }
        seenHi = hi;
        seenLo = lo;
        return true;
    }

    private boolean router() {
        seenHi = config6.routerHi();
        seenLo = Ipv6Config.ROUTER_LO;
        return true;
    }
}
