package io.jslirp.stack.udp;

import io.jslirp.stack.wire.IpAddress;

/**
 * The host's resolvers, as the Linux side reads them from /etc/resolv.conf, and which one network+3 (and
 * prefix::3) forwards to now. Addresses are family-neutral ({@link IpAddress}): an IPv4 resolver serves IPv6
 * guests and an IPv6 one IPv4 guests, the host socket is of the resolver's family. The choice moves to the next
 * server (round robin) when the current one has left a query without any reply for {@link #SWITCH_AFTER_NANOS}
 * by the time another query comes (the guest's retry): simple, bounded, and it needs no timer. Any reply from
 * the current server shows it alive.
 */
public final class DnsServers {
    public static final long SWITCH_AFTER_NANOS = 2_000_000_000L;

    /** hi, lo of each server in turn. */
    private long[] servers = new long[0];
    private int count;
    private int current;
    /** Clock time of the oldest query the current server has not answered since its last reply, when {@link #unanswered}. */
    private long unansweredSince;
    private boolean unanswered;

    /** IPv4 addresses in host order, in preference order; copied. Resets the choice to the first one. */
    public void set(int[] ipv4Servers) {
        int n = ipv4Servers == null ? 0 : ipv4Servers.length;
        long[] pairs = new long[2 * n];
        for (int i = 0; i < n; i++) {
            pairs[2 * i] = IpAddress.V4_HI;
            pairs[2 * i + 1] = IpAddress.v4Lo(ipv4Servers[i]);
        }
        setNeutral(pairs);
    }

    /**
     * Family-neutral addresses as {@code hi, lo} pairs, in preference order; copied. The unspecified address
     * (0.0.0.0, ::) is skipped. Resets the choice to the first one.
     */
    public void setNeutral(long[] hiLoPairs) {
        int n = hiLoPairs == null ? 0 : hiLoPairs.length / 2;
        long[] copy = new long[2 * n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            long hi = hiLoPairs[2 * i];
            long lo = hiLoPairs[2 * i + 1];
            if (!IpAddress.isUnspecified(hi, lo)) {
                copy[2 * k] = hi;
                copy[2 * k + 1] = lo;
                k++;
            }
        }
        servers = copy;
        count = k;
        current = 0;
        unanswered = false;
    }

    public boolean hasCurrent() {
        return count > 0;
    }

    /** The server to use now ({@link #hasCurrent} first). */
    public long currentHi() {
        return servers[2 * current];
    }

    public long currentLo() {
        return servers[2 * current + 1];
    }

    /** The IPv4 server to use now, or 0 when there is none or it is an IPv6 one (for IPv4-only callers). */
    public int current() {
        return count == 0 || !IpAddress.isV4(currentHi(), currentLo()) ? 0 : IpAddress.v4(currentLo());
    }

    public boolean contains(long hi, long lo) {
        for (int i = 0; i < count; i++) {
            if (servers[2 * i] == hi && servers[2 * i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    /**
     * A query is about to go out at {@code now}: returns true when the current server was given up for the
     * next one (it had left a query unanswered for 2 s).
     */
    public boolean beforeQuery(long now) {
        if (!unanswered) {
            unanswered = true;
            unansweredSince = now;
            return false;
        }
        if (now - unansweredSince < SWITCH_AFTER_NANOS || count < 2) {
            return false;
        }
        current = (current + 1) % count;
        unansweredSince = now;
        return true;
    }

    private boolean isCurrent(long hi, long lo) {
        return count > 0 && hi == currentHi() && lo == currentLo();
    }

    /** A reply came from {@code hi:lo}. */
    public void replied(long hi, long lo) {
        if (isCurrent(hi, lo)) {
            unanswered = false;
        }
    }

    /** The current server reported an error (port or host unreachable): try the next one for the next query. */
    public boolean failed(long hi, long lo) {
        if (count < 2 || !isCurrent(hi, lo)) {
            return false;
        }
        current = (current + 1) % count;
        unanswered = false;
        return true;
    }
}
