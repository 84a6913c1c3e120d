package io.jslirp.stack.udp;

/**
 * The host's resolvers, as the Linux side reads them from /etc/resolv.conf, and which one network+3 forwards
 * to now. The choice moves to the next server (round robin) when the current one has left a query without
 * any reply for {@link #SWITCH_AFTER_NANOS} by the time another query comes (the guest's retry): simple,
 * bounded, and it needs no timer. Any reply from the current server shows it alive.
 */
public final class DnsServers {
    public static final long SWITCH_AFTER_NANOS = 2_000_000_000L;

    private int[] servers = new int[0];
    private int current;
    /** Clock time of the oldest query the current server has not answered since its last reply, when {@link #unanswered}. */
    private long unansweredSince;
    private boolean unanswered;

    /** IPv4 addresses in host order, in preference order; copied. Resets the choice to the first one. */
    public void set(int[] ipv4Servers) {
        servers = ipv4Servers == null ? new int[0] : ipv4Servers.clone();
        current = 0;
        unanswered = false;
    }

    /** The server to use now, or 0 when there is none. */
    public int current() {
        return servers.length == 0 ? 0 : servers[current];
    }

    public boolean contains(int addr) {
        for (int s : servers) {
            if (s == addr) {
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
        if (now - unansweredSince < SWITCH_AFTER_NANOS || servers.length < 2) {
            return false;
        }
        current = (current + 1) % servers.length;
        unansweredSince = now;
        return true;
    }

    /** A reply came from {@code addr}. */
    public void replied(int addr) {
        if (servers.length > 0 && addr == servers[current]) {
            unanswered = false;
        }
    }

    /** The current server reported an error (port or host unreachable): try the next one for the next query. */
    public boolean failed(int addr) {
        if (servers.length < 2 || addr != servers[current]) {
            return false;
        }
        current = (current + 1) % servers.length;
        unanswered = false;
        return true;
    }
}
