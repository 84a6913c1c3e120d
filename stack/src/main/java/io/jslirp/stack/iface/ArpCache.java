package io.jslirp.stack.iface;

/**
 * Bounded IPv4-to-MAC map with primitive keys, for addressing frames the stack originates toward the
 * guest.
 *
 * <p>Open addressing over a power-of-two table with a short probe window. There is no removal, so a slot
 * once used is never empty again and a lookup may stop at the first empty slot. When an insert finds
 * neither its key nor a free slot in the window, it overwrites the window's first slot: the cache stays
 * bounded however many addresses a hostile guest claims, at the price of forgetting one, which costs
 * only a re-learn from the guest's next ARP packet (or our own request, EthernetInterface.resolve). Not thread-safe: the event loop owns it.
 */
public final class ArpCache {
    /** Returned by {@link #get} when the address is unknown; no 48-bit MAC can equal it. */
    public static final long NONE = -1L;
    private static final int PROBES = 8;

    private final int[] ips;
    private final long[] macs;
    private final boolean[] used;
    private final int mask;
    private int size;

    /** @param capacity rounded up to a power of two, at least {@value #PROBES} */
    public ArpCache(int capacity) {
        int n = Integer.highestOneBit(Math.max(PROBES, capacity) - 1) << 1;
        ips = new int[n];
        macs = new long[n];
        used = new boolean[n];
        mask = n - 1;
    }

    private int home(int ip) {
        // Fibonacci hashing: guest addresses differ in the low bits, which this spreads over the table.
        return (ip * 0x9E3779B9) >>> 16 & mask;
    }

    public void put(int ip, long mac) {
        int h = home(ip);
        for (int i = 0; i < PROBES; i++) {
            int s = (h + i) & mask;
            if (!used[s]) {
                used[s] = true;
                ips[s] = ip;
                macs[s] = mac;
                size++;
                return;
            }
            if (ips[s] == ip) {
                macs[s] = mac;
                return;
            }
        }
        ips[h] = ip;
        macs[h] = mac;
    }

    /** The MAC for {@code ip}, or {@link #NONE}. */
    public long get(int ip) {
        int h = home(ip);
        for (int i = 0; i < PROBES; i++) {
            int s = (h + i) & mask;
            if (!used[s]) {
                return NONE;
            }
            if (ips[s] == ip) {
                return macs[s];
            }
        }
        return NONE;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return ips.length;
    }
}
