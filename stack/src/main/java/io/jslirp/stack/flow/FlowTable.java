package io.jslirp.stack.flow;

import java.util.function.Consumer;

/**
 * Flows keyed by the 4-tuple (guest address, guest port, remote address, remote port), bounded by a
 * maximum size. See the package documentation.
 *
 * @param <T> the flow object (one per connection; allocated at connection setup, never per packet)
 */
public final class FlowTable<T> {
    private static final int INITIAL_CAPACITY = 64;

    private final int maxFlows;
    private final int maxCapacity;
    /** guestAddr << 32 | remoteAddr (unsigned). */
    private long[] addrs;
    /** guestPort << 16 | remotePort. */
    private int[] ports;
    /** null marks an empty slot. */
    private Object[] values;
    private int mask;
    private int size;

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
        addrs = new long[capacity];
        ports = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }

    public static long addrKey(int guestAddr, int remoteAddr) {
        return ((long) guestAddr << 32) | (remoteAddr & 0xffff_ffffL);
    }

    public static int portKey(int guestPort, int remotePort) {
        return (guestPort << 16) | (remotePort & 0xffff);
    }

    /** A 64-bit mix (murmur3 finaliser) so that sequential ports spread over the table. */
    private static int hash(long addr, int port) {
        long h = addr * 0x9E37_79B9_7F4A_7C15L ^ (port & 0xffff_ffffL) * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 33;
        h *= 0xff51_afd7_ed55_8ccdL;
        h ^= h >>> 33;
        return (int) h;
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
    public T get(int guestAddr, int guestPort, int remoteAddr, int remotePort) {
        long a = addrKey(guestAddr, remoteAddr);
        int p = portKey(guestPort, remotePort);
        for (int i = hash(a, p) & mask; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (addrs[i] == a && ports[i] == p) {
                return (T) v;
            }
        }
    }

    /** Adds a flow; false when the table is full or the key is present. */
    public boolean put(int guestAddr, int guestPort, int remoteAddr, int remotePort, T value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (size >= maxFlows) {
            return false;
        }
        if ((size + 1) * 2 > values.length && values.length < maxCapacity) {
            grow();
        }
        long a = addrKey(guestAddr, remoteAddr);
        int p = portKey(guestPort, remotePort);
        int i = hash(a, p) & mask;
        for (; values[i] != null; i = (i + 1) & mask) {
            if (addrs[i] == a && ports[i] == p) {
                return false;
            }
        }
        addrs[i] = a;
        ports[i] = p;
        values[i] = value;
        size++;
        return true;
    }

    /** Removes a flow; returns it, or null when absent. Backward-shift deletion, so no tombstones pile up. */
    @SuppressWarnings("unchecked")
    public T remove(int guestAddr, int guestPort, int remoteAddr, int remotePort) {
        long a = addrKey(guestAddr, remoteAddr);
        int p = portKey(guestPort, remotePort);
        int i = hash(a, p) & mask;
        for (; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                return null;
            }
            if (addrs[i] == a && ports[i] == p) {
                break;
            }
        }
        T removed = (T) values[i];
        // Knuth's algorithm R: pull later entries of the chain back into the hole when their home allows.
        int hole = i;
        for (int j = (hole + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = hash(addrs[j], ports[j]) & mask;
            // Move j into hole unless its home lies cyclically in (hole, j].
            boolean homeBetween = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeBetween) {
                addrs[hole] = addrs[j];
                ports[hole] = ports[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        addrs[hole] = 0;
        ports[hole] = 0;
        size--;
        return removed;
    }

    private void grow() {
        long[] oldAddrs = addrs;
        int[] oldPorts = ports;
        Object[] oldValues = values;
        allocate(oldValues.length * 2);
        for (int k = 0; k < oldValues.length; k++) {
            if (oldValues[k] != null) {
                int i = hash(oldAddrs[k], oldPorts[k]) & mask;
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                addrs[i] = oldAddrs[k];
                ports[i] = oldPorts[k];
                values[i] = oldValues[k];
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
