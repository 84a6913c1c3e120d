package io.jslirp.stack.flow;

import java.util.function.Consumer;

/**
 * Flows keyed by the 4-tuple (guest address, guest port, remote address, remote port), bounded by a maximum
 * size. Addresses are family-neutral pairs of longs ({@link io.jslirp.stack.wire.IpAddress}: IPv4 stored
 * IPv4-mapped), so IPv4 and IPv6 flows share one table. See the package documentation.
 *
 * @param <T> the flow object (one per connection; allocated at connection setup, never per packet)
 */
public final class FlowTable<T> {
    private static final int INITIAL_CAPACITY = 64;

    private final int maxFlows;
    private final int maxCapacity;
    private long[] guestHi;
    private long[] guestLo;
    private long[] remoteHi;
    private long[] remoteLo;
    /** guestPort << 16 | remotePort. */
    private int[] ports;
    /** null marks an empty slot. */
    private Object[] values;
    private int mask;
    private int size;
    private int resizes;

    public FlowTable(int maxFlows) {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("maxFlows must be positive");
        }
        this.maxFlows = maxFlows;
        // Load factor at most 1/2 at the bound keeps linear-probe chains short.
        this.maxCapacity = Integer.highestOneBit(Math.max(INITIAL_CAPACITY, maxFlows) * 2 - 1) << 1;
        allocate(Math.min(INITIAL_CAPACITY, maxCapacity));
    }

    private void allocate(int capacity) {
        guestHi = new long[capacity];
        guestLo = new long[capacity];
        remoteHi = new long[capacity];
        remoteLo = new long[capacity];
        ports = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }

    public static int portKey(int guestPort, int remotePort) {
        return (guestPort << 16) | (remotePort & 0xffff);
    }

    /**
     * A 64-bit mix (murmur3 finaliser) so that sequential ports spread over the table. The low halves carry an
     * IPv4 address whole and the varying bits of most IPv6 ones; the high halves (0 for IPv4) are folded in once.
     * Public so that tables keyed the same way ({@code tcp.TimeWaitTable}) spread their keys alike;
     * {@code port} is {@link #portKey}.
     */
    public static int hash(long gHi, long gLo, long rHi, long rLo, int port) {
        long h = gLo * 0x9E37_79B9_7F4A_7C15L ^ rLo * 0xC2B2_AE3D_27D4_EB4FL
                ^ (port & 0xffff_ffffL) * 0x1656_67B1_9E37_79F9L ^ (gHi ^ Long.rotateLeft(rHi, 32));
        h ^= h >>> 33;
        h *= 0xff51_afd7_ed55_8ccdL;
        h ^= h >>> 33;
        return (int) h;
    }

    private boolean matches(int i, long gHi, long gLo, long rHi, long rLo, int p) {
        return guestLo[i] == gLo && remoteLo[i] == rLo && ports[i] == p && guestHi[i] == gHi && remoteHi[i] == rHi;
    }

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    public boolean isFull() {
        return size >= maxFlows;
    }

    @SuppressWarnings("unchecked")
    public T get(long guestAddrHi, long guestAddrLo, int guestPort, long remoteAddrHi, long remoteAddrLo,
                 int remotePort) {
        int p = portKey(guestPort, remotePort);
        for (int i = hash(guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p) & mask; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (matches(i, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p)) {
                return (T) v;
            }
        }
    }

    /** Adds a flow; false when the table is full or the key is present. */
    public boolean put(long guestAddrHi, long guestAddrLo, int guestPort, long remoteAddrHi, long remoteAddrLo,
                       int remotePort, T value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (size >= maxFlows) {
            return false;
        }
        if ((size + 1) * 2 > values.length && values.length < maxCapacity) {
            grow();
        }
        int p = portKey(guestPort, remotePort);
        int i = hash(guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p) & mask;
        for (; values[i] != null; i = (i + 1) & mask) {
            if (matches(i, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p)) {
                return false;
            }
        }
        store(i, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p, value);
        size++;
        return true;
    }

    private void store(int i, long gHi, long gLo, long rHi, long rLo, int p, Object value) {
        guestHi[i] = gHi;
        guestLo[i] = gLo;
        remoteHi[i] = rHi;
        remoteLo[i] = rLo;
        ports[i] = p;
        values[i] = value;
    }

    /** Removes a flow; returns it, or null when absent. Backward-shift deletion, so no tombstones pile up. */
    @SuppressWarnings("unchecked")
    public T remove(long guestAddrHi, long guestAddrLo, int guestPort, long remoteAddrHi, long remoteAddrLo,
                    int remotePort) {
        int p = portKey(guestPort, remotePort);
        int i = hash(guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p) & mask;
        for (; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                return null;
            }
            if (matches(i, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, p)) {
                break;
            }
        }
        T removed = (T) values[i];
        // Knuth's algorithm R: pull later entries of the chain back into the hole when their home allows.
        int hole = i;
        for (int j = (hole + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = hash(guestHi[j], guestLo[j], remoteHi[j], remoteLo[j], ports[j]) & mask;
            // Move j into hole unless its home lies cyclically in (hole, j].
            boolean homeBetween = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeBetween) {
                store(hole, guestHi[j], guestLo[j], remoteHi[j], remoteLo[j], ports[j], values[j]);
                hole = j;
            }
        }
        store(hole, 0, 0, 0, 0, 0, null);
        size--;
        if (size <= values.length / 8 && values.length > INITIAL_CAPACITY) {
            rehash(values.length / 2);
        }
        return removed;
    }

    /** Capacity: slots allocated, twice the flows at most once full. */
    public int capacity() {
        return values.length;
    }

    /** Times the table was rebuilt into another capacity, grown or shrunk: for tests of the thresholds. */
    int resizes() {
        return resizes;
    }

    private void grow() {
        rehash(values.length * 2);
    }

    /**
     * Moves every flow into a table of {@code capacity} slots. It grows past half full and shrinks to half its
     * size at an eighth full, so a burst's table (40 bytes a slot, up to twice {@code maxFlows} slots: 5 MiB
     * for 65,536 flows) goes back as its flows end, in steps each paid for by the removals before it; after a
     * shrink it is at most a quarter full and grows again only past half, so a load steady at a threshold
     * does not rebuild it back and forth.
     */
    private void rehash(int capacity) {
        resizes++;
        long[] oldGuestHi = guestHi;
        long[] oldGuestLo = guestLo;
        long[] oldRemoteHi = remoteHi;
        long[] oldRemoteLo = remoteLo;
        int[] oldPorts = ports;
        Object[] oldValues = values;
        allocate(capacity);
        for (int k = 0; k < oldValues.length; k++) {
            if (oldValues[k] != null) {
                int i = hash(oldGuestHi[k], oldGuestLo[k], oldRemoteHi[k], oldRemoteLo[k], oldPorts[k]) & mask;
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                store(i, oldGuestHi[k], oldGuestLo[k], oldRemoteHi[k], oldRemoteLo[k], oldPorts[k], oldValues[k]);
            }
        }
    }

    /** Visits every flow; the action must not modify the table (collect first, then remove). */
    @SuppressWarnings("unchecked")
    public void forEach(Consumer<T> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((T) v);
            }
        }
    }
}
