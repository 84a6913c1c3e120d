package io.jslirp.stack.tcp;

import io.jslirp.stack.flow.FlowTable;

/**
 * The connections in TIME_WAIT, as primitive records: what is left of a {@link TcpConnection} once both
 * directions are done and its host socket and buffers are gone.
 *
 * <h2>Theory of operation</h2>
 * A connection churn (a client opening and closing 100,000 short connections, the host side closing first)
 * leaves ten thousand and more connections in TIME_WAIT at once, each kept for
 * {@link TcpConnection#TIME_WAIT_TIME}. All TIME_WAIT still has to do is answer the guest's last segments
 * (SegmentsInTimeWait: re-acknowledge a retransmitted FIN, challenge or drop the rest, give way to a new SYN),
 * so it needs the 4-tuple, RCV.NXT, SND.NXT, the timestamp echo and whether timestamps and window scaling
 * were agreed, and its deadline: seven {@code long}s, 56 bytes, where the whole connection object with its
 * flow-table entry costs about 500.
 *
 * <p>Records live in a ring of {@code long[]}, {@link #LONGS} per record, appended at the tail in the order
 * they enter TIME_WAIT. The 2MSL time is one constant and the clock only moves forward, so that order is the
 * order of their deadlines: the head is always the next to expire, and expiring is popping the head, with no
 * heap. A record whose 2MSL restarts (RFC 9293: an acceptable segment arrived) is moved to the tail, which keeps
 * the order true. A record removed before its time (a RST, a new SYN, a forward's client taking the tuple)
 * leaves a dead slot that the head skips; when the tail meets the head, the ring is rebuilt in order, doubled
 * only if more than half of it is live, and cut to a quarter whenever at most an eighth of it is, so memory
 * comes back after a burst (a churn's 16,384 slots, 1 MiB, go back to 64 slots, 4 KiB, as the records expire).
 *
 * <p>Lookup by 4-tuple goes through an {@code int[]} index of twice the ring's size (load at most 1/2), open
 * addressing with linear probing over ring slot + 1 (0: empty), hashed as {@link FlowTable} hashes, deletion by
 * backward shift. Ring and index together cost {@link #BYTES_PER_SLOT} bytes per ring slot. Deadlines are kept
 * relative to the table's creation, which leaves the word's top bits for the flags.
 *
 * <p>Record layout, one {@code long} each: guest address hi, lo; remote address hi, lo (family-neutral,
 * {@code IpAddress}); guest port, remote port, RCV.NXT as 16, 16, 32 bits; SND.NXT, TS.Recent as 32, 32 bits;
 * live, timestamps agreed, window scaled, then the deadline (61 bits of nanoseconds after {@code base}).
 *
 * <p>One event-loop thread owns it, as it owns the connections. Nothing here allocates but growing and shrinking.
 */
final class TimeWaitTable {
    /** {@code long}s per record. */
    static final int LONGS = 7;
    /** Heap bytes per ring slot: the record and its two index entries. */
    static final int BYTES_PER_SLOT = LONGS * Long.BYTES + 2 * Integer.BYTES;
    static final int MIN_SLOTS = 64;

    private static final int GUEST_HI = 0;
    private static final int GUEST_LO = 1;
    private static final int REMOTE_HI = 2;
    private static final int REMOTE_LO = 3;
    private static final int PORTS_RCV = 4;
    private static final int SND_TS = 5;
    private static final int FLAGS_DEADLINE = 6;

    private static final long LIVE = 1L << 63;
    private static final long TS_OK = 1L << 62;
    private static final long SCALED = 1L << 61;
    private static final long TIME = SCALED - 1;

    /** Clock reading the deadlines are counted from. */
    private final long base;
    private long[] ring;
    private int slots;
    /** Ring positions, counted up forever and masked: head..tail holds every live record. */
    private int head;
    private int tail;
    private int[] index;
    private int size;
    /** The deadline of the record at the tail: the latest. */
    private long latest;

    TimeWaitTable(long now) {
        this.base = now;
        allocate(MIN_SLOTS);
    }

    private void allocate(int n) {
        ring = new long[n * LONGS];
        slots = n;
        index = new int[2 * n];
        head = 0;
        tail = 0;
    }

    int size() {
        return size;
    }

    /** Ring slots allocated; the table's heap is this times {@link #BYTES_PER_SLOT}, plus two array headers. */
    int slots() {
        return slots;
    }

    /** Heap bytes of the ring and the index. */
    long footprintBytes() {
        return (long) ring.length * Long.BYTES + (long) index.length * Integer.BYTES;
    }

    // ---------------------------------------------------------------- record fields (by slot)

    long guestHi(int slot) {
        return ring[slot * LONGS + GUEST_HI];
    }

    long guestLo(int slot) {
        return ring[slot * LONGS + GUEST_LO];
    }

    long remoteHi(int slot) {
        return ring[slot * LONGS + REMOTE_HI];
    }

    long remoteLo(int slot) {
        return ring[slot * LONGS + REMOTE_LO];
    }

    int guestPort(int slot) {
        return (int) (ring[slot * LONGS + PORTS_RCV] >>> 48);
    }

    int remotePort(int slot) {
        return (int) (ring[slot * LONGS + PORTS_RCV] >>> 32) & 0xffff;
    }

    int rcvNxt(int slot) {
        return (int) ring[slot * LONGS + PORTS_RCV];
    }

    int sndNxt(int slot) {
        return (int) (ring[slot * LONGS + SND_TS] >>> 32);
    }

    int tsRecent(int slot) {
        return (int) ring[slot * LONGS + SND_TS];
    }

    void setTsRecent(int slot, int ts) {
        int at = slot * LONGS + SND_TS;
        ring[at] = (ring[at] & 0xffff_ffff_0000_0000L) | (ts & 0xffff_ffffL);
    }

    boolean tsOk(int slot) {
        return (ring[slot * LONGS + FLAGS_DEADLINE] & TS_OK) != 0;
    }

    boolean scaled(int slot) {
        return (ring[slot * LONGS + FLAGS_DEADLINE] & SCALED) != 0;
    }

    /** The clock reading at which the record expires. */
    long deadline(int slot) {
        return base + (ring[slot * LONGS + FLAGS_DEADLINE] & TIME);
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when empty. */
    long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : deadline(head & (slots - 1));
    }

    // ---------------------------------------------------------------- lookup

    /** The slot of the record for this 4-tuple, or -1. */
    int find(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort) {
        int at = indexOf(gHi, gLo, gPort, rHi, rLo, rPort);
        return at < 0 ? -1 : index[at] - 1;
    }

    /** The index position of the 4-tuple's entry, or -1. */
    private int indexOf(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort) {
        if (size == 0) {
            return -1;
        }
        long portsKey = (long) FlowTable.portKey(gPort, rPort) << 32;
        int mask = index.length - 1;
        for (int i = FlowTable.hash(gHi, gLo, rHi, rLo, FlowTable.portKey(gPort, rPort)) & mask; ;
             i = (i + 1) & mask) {
            int e = index[i];
            if (e == 0) {
                return -1;
            }
            int r = (e - 1) * LONGS;
            if (ring[r + GUEST_LO] == gLo && ring[r + REMOTE_LO] == rLo
                    && (ring[r + PORTS_RCV] & 0xffff_ffff_0000_0000L) == portsKey
                    && ring[r + GUEST_HI] == gHi && ring[r + REMOTE_HI] == rHi) {
                return i;
            }
        }
    }

    private int home(int slot) {
        int r = slot * LONGS;
        return FlowTable.hash(ring[r + GUEST_HI], ring[r + GUEST_LO], ring[r + REMOTE_HI], ring[r + REMOTE_LO],
                (int) (ring[r + PORTS_RCV] >>> 32)) & (index.length - 1);
    }

    // ---------------------------------------------------------------- changes

    /**
     * Adds the record of a connection entering TIME_WAIT until {@code deadline}. The caller has made sure the
     * 4-tuple is not present (it was a live flow's). A deadline earlier than the latest one here (a connection
     * that stayed whole in TIME_WAIT until the host took its last bytes, its 2MSL counted from earlier) is
     * raised to that latest, which keeps the ring in order: such a record lasts at most one 2MSL longer.
     */
    void add(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort, int rcvNxt, int sndNxt, boolean tsOk,
             int tsRecent, boolean scaled, long deadline) {
        makeRoom();
        if (size > 0 && deadline - latest < 0) {
            deadline = latest;
        }
        latest = deadline;
        int slot = tail & (slots - 1);
        int r = slot * LONGS;
        ring[r + GUEST_HI] = gHi;
        ring[r + GUEST_LO] = gLo;
        ring[r + REMOTE_HI] = rHi;
        ring[r + REMOTE_LO] = rLo;
        ring[r + PORTS_RCV] = (long) FlowTable.portKey(gPort, rPort) << 32 | (rcvNxt & 0xffff_ffffL);
        ring[r + SND_TS] = (long) sndNxt << 32 | (tsRecent & 0xffff_ffffL);
        ring[r + FLAGS_DEADLINE] = LIVE | (tsOk ? TS_OK : 0) | (scaled ? SCALED : 0) | ((deadline - base) & TIME);
        tail++;
        size++;
        insertIndex(slot);
    }

    /**
     * Restarts the record's 2MSL: it moves to the tail with the new deadline (the latest of all), keeping the
     * ring in deadline order. Returns its new slot.
     */
    int restart(int slot, long deadline) {
        int r = slot * LONGS;
        long gHi = ring[r + GUEST_HI];
        long gLo = ring[r + GUEST_LO];
        long rHi = ring[r + REMOTE_HI];
        long rLo = ring[r + REMOTE_LO];
        long portsRcv = ring[r + PORTS_RCV];
        long sndTs = ring[r + SND_TS];
        long flags = ring[r + FLAGS_DEADLINE] & ~TIME;
        int gPort = (int) (portsRcv >>> 48);
        int rPort = (int) (portsRcv >>> 32) & 0xffff;
        remove(slot);
        add(gHi, gLo, gPort, rHi, rLo, rPort, (int) portsRcv, (int) (sndTs >>> 32), (flags & TS_OK) != 0,
                (int) sndTs, (flags & SCALED) != 0, deadline);
        return find(gHi, gLo, gPort, rHi, rLo, rPort);
    }

    /** Removes the record in {@code slot} (a live one, from {@link #find}). */
    void remove(int slot) {
        int r = slot * LONGS;
        int at = indexOf(ring[r + GUEST_HI], ring[r + GUEST_LO], guestPort(slot), ring[r + REMOTE_HI],
                ring[r + REMOTE_LO], remotePort(slot));
        deleteIndex(at);
        ring[r + FLAGS_DEADLINE] = 0;
        size--;
        skipDead();
        maybeShrink();
    }

    /** Removes every record whose deadline has come; returns how many. */
    int expire(long now) {
        int n = 0;
        while (size > 0) {
            int slot = head & (slots - 1);
            if (deadline(slot) - now > 0) {
                break;
            }
            int r = slot * LONGS;
            deleteIndex(indexOf(ring[r + GUEST_HI], ring[r + GUEST_LO], guestPort(slot), ring[r + REMOTE_HI],
                    ring[r + REMOTE_LO], remotePort(slot)));
            ring[r + FLAGS_DEADLINE] = 0;
            size--;
            skipDead();
            n++;
        }
        if (n > 0) {
            maybeShrink();
        }
        return n;
    }

    /** Drops every record (stack shutdown); the table shrinks to its first size. */
    void clear() {
        size = 0;
        allocate(MIN_SLOTS);
    }

    /** Moves the head past dead slots, so that it is live whenever the table is not empty. */
    private void skipDead() {
        if (size == 0) {
            head = tail;
            return;
        }
        while ((ring[(head & (slots - 1)) * LONGS + FLAGS_DEADLINE] & LIVE) == 0) {
            head++;
        }
    }

    /** A free slot at the tail: when the ring is full, rebuild it, twice as large if more than half is live. */
    private void makeRoom() {
        if (tail - head < slots) {
            return;
        }
        rebuild(size * 2 > slots ? slots * 2 : slots);
    }

    /** At most an eighth live: a quarter of the slots, as often as that holds, leaving it at most half live. */
    private void maybeShrink() {
        int n = slots;
        while (n > MIN_SLOTS && size <= n / 8) {
            n = Math.max(MIN_SLOTS, n / 4);
        }
        if (n != slots) {
            rebuild(n);
        }
    }

    /** Copies the live records in order into a ring of {@code n} slots and indexes them again. */
    private void rebuild(int n) {
        long[] old = ring;
        int oldSlots = slots;
        int from = head;
        int to = tail;
        allocate(n);
        for (int p = from; p != to; p++) {
            int o = (p & (oldSlots - 1)) * LONGS;
            if ((old[o + FLAGS_DEADLINE] & LIVE) == 0) {
                continue;
            }
            int slot = tail & (slots - 1);
            System.arraycopy(old, o, ring, slot * LONGS, LONGS);
            tail++;
            insertIndex(slot);
        }
    }

    private void insertIndex(int slot) {
        int mask = index.length - 1;
        int i = home(slot);
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = slot + 1;
    }

    /** Knuth's algorithm R, as {@link FlowTable#remove}: later entries of the chain move back into the hole. */
    private void deleteIndex(int at) {
        int mask = index.length - 1;
        int hole = at;
        for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int h = home(index[j] - 1);
            boolean homeBetween = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!homeBetween) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
    }
}
