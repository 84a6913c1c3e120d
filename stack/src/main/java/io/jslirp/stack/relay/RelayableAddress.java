package io.jslirp.stack.relay;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;

/**
 * Whether an address may be handed to the host's sockets as it is: the one rule the TCP, UDP and ICMP relays
 * share, for a destination the guest names and for a peer or reporter the host names back (the guest may be
 * shown only an address it could have reached itself). Callers deal with our own addresses first (network+2/+3,
 * prefix::2/::3, fe80::2/::3: the host's loopback, the resolver, or answered by the stack itself); whatever
 * else fails this rule is refused, each protocol answering in its own way (a RST, an ICMP error, a drop).
 *
 * <ul>
 * <li>IPv4: an ordinary unicast address ({@link Ipv4Packet#isUnicast}: not 0.0.0.0, 127/8, multicast, 240/4
 *     or the limited broadcast) outside the virtual network (its directed broadcast and network address
 *     included), where nothing lives but us and the guest.</li>
 * <li>IPv6: not inside our /64 nor on the link (fe80::/10), where again nothing lives but us and the guest; not
 *     multicast; and not another name of the host or of IPv4: ::1 and :: would get around
 *     {@code --disable-host-loopback}, ::ffff:0:0/96 is an IPv4 address in the family-neutral flow keys
 *     ({@link io.jslirp.stack.wire.IpAddress}), and ::/96 holds the deprecated IPv4-compatible addresses
 *     (RFC 4291 2.5.5.1), IPv4 by another name.</li>
 * </ul>
 * One home, so that a relay cannot drift from the others (the ICMPv6 reporter check once missed ::/96).
 */
public final class RelayableAddress {
    private RelayableAddress() {
    }

    /** IPv4 {@code address} (host order) may be relayed as it is. */
    public static boolean isRelayable(NetConfig config, int address) {
        return Ipv4Packet.isUnicast(address) && !config.contains(address);
    }

    /** IPv6 {@code hi:lo} may be relayed as it is, with {@code config} naming our prefix. */
    public static boolean isRelayable6(Ipv6Config config, long hi, long lo) {
        return !config.inPrefix(hi) && !Ipv6Packet.isLinkLocal(hi) && !Ipv6Packet.isMulticast(hi)
                && !Ipv6Packet.isLoopback(hi, lo) && !Ipv6Packet.isUnspecified(hi, lo)
                && !Ipv6Packet.isIpv4Mapped(hi, lo) && !isIpv4Compatible(hi, lo);
    }

    /** ::/96, which holds :: and ::1 and the deprecated IPv4-compatible ::a.b.c.d. */
    private static boolean isIpv4Compatible(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0;
    }
}
