package io.jslirp.stack.iface;

/**
 * Bounded IPv6-to-MAC map with primitive keys (the address as two {@code long}s), the Neighbor Discovery
 * twin of {@link ArpCache}, built the same way and for the same reasons.
 *
 * <p>Open addressing over a power-of-two table with a short probe window and no removal. When an insert
 * finds neither its key nor a free slot in the window, it overwrites the window's first slot, so the cache
 * stays bounded however many addresses a hostile guest claims (a guest has a link-local, a SLAAC and a few
 * temporary addresses; forgetting one costs a re-learn from its next NDP message or our own solicitation).
 * No reachability state machine (RFC 4861 7.3.2): the link is a point-to-point TAP to one guest, so an
 * entry is wrong only when the guest changes its MAC, and it then tells us in its next NS, NA or RS.
 */
public final class Ipv6NeighborCache {
    /** Returned by {@link #get} when the address is unknown; no 48-bit MAC can equal it. */
    public static final long NONE = -1L;
    private static final int PROBES = 8;

    private final long[] his;
    private final long[] los;
    private final long[] macs;
    private final boolean[] used;
    private final int mask;
    private int size;

    /** @param capacity rounded up to a power of two, at least {@value #PROBES} */
    public Ipv6NeighborCache(int capacity) {
        int n = Integer.highestOneBit(Math.max(PROBES, capacity) - 1) << 1;
        his = new long[n];
        los = new long[n];
        macs = new long[n];
        used = new boolean[n];
        mask = n - 1;
    }

    private int home(long hi, long lo) {
        // Interface identifiers differ in the low half; fold both halves and spread them (Fibonacci hashing).
        long h = (lo ^ (lo >>> 32) ^ hi ^ (hi >>> 32)) * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    public void put(long hi, long lo, long mac) {
        int h = home(hi, lo);
        for (int i = 0; i < PROBES; i++) {
            int s = (h + i) & mask;
            if (!used[s]) {
                used[s] = true;
                his[s] = hi;
                los[s] = lo;
                macs[s] = mac;
                size++;
                return;
            }
            if (his[s] == hi && los[s] == lo) {
                macs[s] = mac;
                return;
            }
        }
        his[h] = hi;
        los[h] = lo;
        macs[h] = mac;
    }

    /** The MAC for {@code hi:lo}, or {@link #NONE}. */
    public long get(long hi, long lo) {
        int h = home(hi, lo);
        for (int i = 0; i < PROBES; i++) {
            int s = (h + i) & mask;
            if (!used[s]) {
                return NONE;
            }
            if (his[s] == hi && los[s] == lo) {
                return macs[s];
            }
        }
        return NONE;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return his.length;
    }
}
