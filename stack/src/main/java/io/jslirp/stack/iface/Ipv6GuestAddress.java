package io.jslirp.stack.iface;

import io.jslirp.stack.Ipv6Config;

/**
 * The guest's IPv6 address in our prefix, for port forwards that name no guest address: where a forward sends
 * an IPv6 client when the guest has IPv6 ({@code PortForwards}' family rule).
 *
 * <p>The embedder may state it ({@link #configure}: {@code -c -6} puts prefix::100 on the TAP itself, so it
 * knows before the guest says anything). Otherwise it is learned from the guest's Neighbor Discovery traffic,
 * which every IPv6 guest sends before it can use an address: the target of its duplicate address detection
 * probes (RFC 4862 5.4.2), the source of its solicitations and router solicitations, the target of its
 * advertisements. The first such address is kept, except that prefix::100, the address {@code -c -6}
 * configures and the IPv6 twin of network+100, replaces any other the moment it is seen: it is the one a user
 * expects a forward to reach, and a SLAAC or privacy address beside it changes more often. Only unicast
 * addresses inside our /64 count, and never prefix::0 (the subnet-router anycast, RFC 4291 2.6.1) or our own
 * ::2 and ::3; link-local addresses are not learned, since a forward's frames leave from our global router
 * address. No address known means IPv4.
 */
public final class Ipv6GuestAddress {
    private final Ipv6Config config;
    private boolean configured;
    private long configuredLo;
    private boolean learned;
    private long learnedLo;

    public Ipv6GuestAddress(Ipv6Config config) {
        this.config = config;
    }

    /** Whether {@code hi:lo} may be the guest's address in our prefix: not ::0, not ours (::2, ::3). */
    public boolean isGuestUnicast(long hi, long lo) {
        return config.inPrefix(hi) && lo != 0 && lo != Ipv6Config.ROUTER_LO && lo != Ipv6Config.DNS_LO;
    }

    /** The embedder states the guest's address (it configured it); it wins over anything learned. */
    public void configure(long hi, long lo) {
        if (!isGuestUnicast(hi, lo)) {
            throw new IllegalArgumentException("not a guest address in " + config.toString() + ": "
                    + Ipv6Config.format(hi, lo));
        }
        configured = true;
        configuredLo = lo;
    }

    /** An address the guest showed in its NDP traffic (already checked as a guest source or DAD target). */
    void observe(long hi, long lo) {
        if (!isGuestUnicast(hi, lo)) {
            return;
        }
        if (!learned || (lo == Ipv6Config.GUEST_LO && learnedLo != Ipv6Config.GUEST_LO)) {
            learned = true;
            learnedLo = lo;
        }
    }

    /** Whether a default IPv6 guest address is known (configured or learned). */
    public boolean known() {
        return configured || learned;
    }

    /** The high half of the default guest address (our prefix); meaningful when {@link #known()}. */
    public long hi() {
        return config.prefixHi();
    }

    /** The low half of the default guest address; meaningful when {@link #known()}. */
    public long lo() {
        return configured ? configuredLo : learnedLo;
    }
}
