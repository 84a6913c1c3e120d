package io.jslirp.stack.tcp;

import io.jslirp.stack.flow.FlowTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The connections in TIME_WAIT, as primitive records: what is left of a {@link TcpConnection} once both
 * directions are done and its host socket and buffers are gone.
 *
 * <h2>Theory of operation</h2>
 * A connection churn (a client opening and closing 100,000 short connections, the host side closing first)
 * would leave ten thousand and more connections in TIME_WAIT at once, each kept for
 * {@link TcpConnection#TIME_WAIT_TIME} (the bound below keeps 8,192 by default). All TIME_WAIT still has to do is answer the guest's last segments
 * (SegmentsInTimeWait: re-acknowledge a retransmitted FIN, challenge or drop the rest, give way to a new SYN),
 * so it needs the 4-tuple, RCV.NXT, SND.NXT, the timestamp echo and whether timestamps and window scaling
 * were agreed, and its deadline: seven {@code long}s, 56 bytes, where the whole connection object with its
 * flow-table entry costs about 500.
 *
 * <p>Records live in a ring of {@code long}s, {@link #LONGS} per record, appended at the tail in the order
 * they enter TIME_WAIT. The 2MSL time is one constant and the clock only moves forward, so that order is the
 * order of their deadlines: the head is always the next to expire, and expiring is popping the head, with no
 * heap. A record whose 2MSL restarts (RFC 9293: an acceptable segment arrived) is moved to the tail, which keeps
 * the order true. A record removed before its time (a RST, a new SYN, a forward's client taking the tuple)
 * leaves a dead slot that the head skips; when the tail meets the head, the ring is rebuilt in order, doubled
 * only if more than three quarters of it are live, and halved whenever at most a quarter of it is, which leaves
 * it half live (a load must grow by half again to double it back, so none steady near a threshold rebuilds it
 * back and forth). A rebuild in place at three quarters live comes every quarter ring of records, so each
 * record costs about four copies, against half the memory held after a churn: its records expire in the
 * order they came, and a table sized for the busiest moment would hold it for most of their 15 s (before the
 * bound, a churn's 32,768 slots, 2 MiB; now at most the bound's 8,192; halved as the records go, down to
 * {@link #MIN_SLOTS}, and to nothing once the last one has expired).
 *
 * <p>At most {@code RelayOptions.maxTimeWait()} records at once (8,192 by default), in a ring of at most as many
 * slots: a record added to a full table ends the oldest one first, which is the next to expire anyway. Linux bounds
 * TIME_WAIT the same way ({@code tcp_max_tw_buckets}), though it refuses the newcomer instead; the newest records
 * are the ones a retransmitted FIN or a late ACK still comes for (within a few RTOs on a virtual link, not 15 s
 * later), so it is the oldest that go. A ring at the bound that fills up with dead slots among its records is
 * rebuilt at the same size (into a new buffer, so for a moment two), after ending its oldest records down to three
 * quarters of it when more are live (a rebuild then frees a quarter ring, so each record still costs a few copies,
 * not a rebuild per record): dead slots no longer double it. So the table never holds more than 8,192 slots
 * (512 KiB), where 100,000 short connections at 3,000 a second left 30,000-45,000 records and 2-4 MiB before the bound,
 * and a ring of twice the bound (1 MiB, the benchmark's churn reuses ports, so new SYNs end records early) before
 * this rule (README.md, "Footprint").
 *
 * <p>Lookup by 4-tuple goes through an index of {@code int}s twice the ring's size (load at most 1/2), open
 * addressing with linear probing over ring slot + 1 (0: empty), hashed as {@link FlowTable} hashes, deletion by
 * backward shift. Ring and index together cost {@link #BYTES_PER_SLOT} bytes per ring slot. Deadlines are kept
 * relative to the table's creation, which leaves the word's top bits for the flags.
 *
 * <p>Ring and index lie in one direct buffer from the layer's allocator, not in Java arrays: the table is most of
 * what a connection churn adds to the process (32,768 slots after 100,000 short connections before the bound),
 * and on the Java
 * heap it cost about twice its size in resident memory for as long as the heap stayed grown. The launcher's
 * serial collector sizes the old generation to keep a fifth of it free and the young one at half the old, so
 * 2.1 MiB of table took the heap from 4 to 8.6 MiB committed, and the heap shrinks only at a full collection
 * after the records are gone (README.md, "Footprint"). A buffer goes back to the allocator the moment the
 * table shrinks or empties; from 128 slots up (8 KiB, a page) every size is one of Netty's runs of whole pages,
 * never a subpage of a small size class (whose last one Netty keeps, with the chunk it lies in), and from 1 MiB up
 * a whole chunk of its own, freed whole. An empty table holds no buffer at all.
 *
 * <p>Record layout, one {@code long} each: guest address hi, lo; remote address hi, lo (family-neutral,
 * {@code IpAddress}); guest port, remote port, RCV.NXT as 16, 16, 32 bits; SND.NXT, TS.Recent as 32, 32 bits;
 * live, timestamps agreed, window scaled, then the deadline (61 bits of nanoseconds after {@code base}).
 *
 * <p>One event-loop thread owns it, as it owns the connections. Nothing here allocates but growing and shrinking;
 * {@link #clear} releases the buffer.
 */
final class TimeWaitTable {
    /** {@code long}s per record. */
    static final int LONGS = 7;
    /** Bytes per ring slot: the record and its two index entries. */
    static final int BYTES_PER_SLOT = LONGS * Long.BYTES + 2 * Integer.BYTES;
    /** The smallest ring: 8 KiB with its index, one page of Netty's pool. */
    static final int MIN_SLOTS = 128;

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

    private final ByteBufAllocator alloc;
    private final int maxRecords;
    /** Clock reading the deadlines are counted from. */
    private final long base;
    /** The ring ({@code slots * LONGS} longs), then the index ({@code 2 * slots} ints); null when empty. */
    private ByteBuf mem;
    /**
     * {@link #mem} as a bounds-checked NIO view in native order, through which every access goes: a ByteBuf's
     * own accessors are as fast in production, but under the tests' paranoid leak detection each one records
     * a stack trace. Dropped with {@link #mem}.
     */
    private ByteBuffer view;
    private int slots;
    /** Byte offset of the index in {@link #mem}. */
    private int indexAt;
    /** Index entries: {@code 2 * slots}, a power of two. */
    private int indexLength;
    /** Ring positions, counted up forever and masked: head..tail holds every live record. */
    private int head;
    private int tail;
    private int size;
    /** The deadline of the record at the tail: the latest. */
    private long latest;
    /** Rebuilds into a ring of another size, grown or shrunk: for tests of the thresholds. */
    private int resizes;
    /** Records ended early to make room, not yet taken by {@link #takeEvicted}. */
    private int evicted;

    /**
     * A table of at most {@code maxRecords} records in at most as many ring slots: a power of two, at least
     * {@link #MIN_SLOTS}.
     */
    TimeWaitTable(ByteBufAllocator alloc, long now, int maxRecords) {
        if (maxRecords < MIN_SLOTS || Integer.bitCount(maxRecords) != 1) {
            throw new IllegalArgumentException("maxRecords must be a power of two from " + MIN_SLOTS + ": " + maxRecords);
        }
        this.alloc = alloc;
        this.base = now;
        this.maxRecords = maxRecords;
    }

    private void allocate(int n) {
        int bytes = n * BYTES_PER_SLOT;
        mem = alloc.directBuffer(bytes, bytes);
        view = mem.nioBuffer(0, bytes).order(ByteOrder.nativeOrder());
        // Pooled memory comes as it was left: the index needs its empty entries (0), and a ring slot not yet
        // written must not read as live.
        mem.setZero(0, bytes);
        slots = n;
        indexAt = n * LONGS * Long.BYTES;
        indexLength = 2 * n;
        head = 0;
        tail = 0;
    }

    private long ring(int i) {
        return view.getLong(i << 3);
    }

    private void ring(int i, long v) {
        view.putLong(i << 3, v);
    }

    private int index(int i) {
        return view.getInt(indexAt + (i << 2));
    }

    private void index(int i, int v) {
        view.putInt(indexAt + (i << 2), v);
    }

    int size() {
        return size;
    }

    /** Ring slots allocated (0 when empty); the table's memory is this times {@link #BYTES_PER_SLOT}. */
    int slots() {
        return mem == null ? 0 : slots;
    }

    /** Bytes of the buffer holding the ring and the index. */
    long footprintBytes() {
        return mem == null ? 0 : mem.capacity();
    }

    /**
     * Records ended before their time to make room for new ones since the last call (the caller counts each
     * as a closed flow); resets the count.
     */
    int takeEvicted() {
        int n = evicted;
        evicted = 0;
        return n;
    }

    /** Times the ring was rebuilt into another size. */
    int resizes() {
        return resizes;
    }

    // ---------------------------------------------------------------- record fields (by slot)

    long guestHi(int slot) {
        return ring(slot * LONGS + GUEST_HI);
    }

    long guestLo(int slot) {
        return ring(slot * LONGS + GUEST_LO);
    }

    long remoteHi(int slot) {
        return ring(slot * LONGS + REMOTE_HI);
    }

    long remoteLo(int slot) {
        return ring(slot * LONGS + REMOTE_LO);
    }

    int guestPort(int slot) {
        return (int) (ring(slot * LONGS + PORTS_RCV) >>> 48);
    }

    int remotePort(int slot) {
        return (int) (ring(slot * LONGS + PORTS_RCV) >>> 32) & 0xffff;
    }

    int rcvNxt(int slot) {
        return (int) ring(slot * LONGS + PORTS_RCV);
    }

    int sndNxt(int slot) {
        return (int) (ring(slot * LONGS + SND_TS) >>> 32);
    }

    int tsRecent(int slot) {
        return (int) ring(slot * LONGS + SND_TS);
    }

    void setTsRecent(int slot, int ts) {
        int at = slot * LONGS + SND_TS;
        ring(at, (ring(at) & 0xffff_ffff_0000_0000L) | (ts & 0xffff_ffffL));
    }

    boolean tsOk(int slot) {
        return (ring(slot * LONGS + FLAGS_DEADLINE) & TS_OK) != 0;
    }

    boolean scaled(int slot) {
        return (ring(slot * LONGS + FLAGS_DEADLINE) & SCALED) != 0;
    }

    /** The clock reading at which the record expires. */
    long deadline(int slot) {
        return base + (ring(slot * LONGS + FLAGS_DEADLINE) & TIME);
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when empty. */
    long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : deadline(head & (slots - 1));
    }

    // ---------------------------------------------------------------- lookup

    /** The slot of the record for this 4-tuple, or -1. */
    int find(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort) {
        int at = indexOf(gHi, gLo, gPort, rHi, rLo, rPort);
        return at < 0 ? -1 : index(at) - 1;
    }

    /** The index position of the 4-tuple's entry, or -1. */
    private int indexOf(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort) {
        if (size == 0) {
            return -1;
        }
        long portsKey = (long) FlowTable.portKey(gPort, rPort) << 32;
        int mask = indexLength - 1;
        for (int i = FlowTable.hash(gHi, gLo, rHi, rLo, FlowTable.portKey(gPort, rPort)) & mask; ;
             i = (i + 1) & mask) {
            int e = index(i);
            if (e == 0) {
                return -1;
            }
            int r = (e - 1) * LONGS;
            if (ring(r + GUEST_LO) == gLo && ring(r + REMOTE_LO) == rLo
                    && (ring(r + PORTS_RCV) & 0xffff_ffff_0000_0000L) == portsKey
                    && ring(r + GUEST_HI) == gHi && ring(r + REMOTE_HI) == rHi) {
                return i;
            }
        }
    }

    private int home(int slot) {
        int r = slot * LONGS;
        return FlowTable.hash(ring(r + GUEST_HI), ring(r + GUEST_LO), ring(r + REMOTE_HI), ring(r + REMOTE_LO),
                (int) (ring(r + PORTS_RCV) >>> 32)) & (indexLength - 1);
    }

    // ---------------------------------------------------------------- changes

    /**
     * Adds the record of a connection entering TIME_WAIT until {@code deadline}. The caller has made sure the
     * 4-tuple is not present (it was a live flow's). A deadline earlier than the latest one here (a connection
     * that stayed whole in TIME_WAIT until the host took its last bytes, its 2MSL counted from earlier) is
     * raised to that latest, which keeps the ring in order: such a record lasts at most one 2MSL longer. Records
     * it ends early to make room are counted for {@link #takeEvicted}.
     */
    void add(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort, int rcvNxt, int sndNxt, boolean tsOk,
                int tsRecent, boolean scaled, long deadline) {
        if (size >= maxRecords) {
            endHead();
            evicted++;
        }
        makeRoom();
        if (size > 0 && deadline - latest < 0) {
            deadline = latest;
        }
        latest = deadline;
        int slot = tail & (slots - 1);
        int r = slot * LONGS;
        ring(r + GUEST_HI, gHi);
        ring(r + GUEST_LO, gLo);
        ring(r + REMOTE_HI, rHi);
        ring(r + REMOTE_LO, rLo);
        ring(r + PORTS_RCV, (long) FlowTable.portKey(gPort, rPort) << 32 | (rcvNxt & 0xffff_ffffL));
        ring(r + SND_TS, (long) sndNxt << 32 | (tsRecent & 0xffff_ffffL));
        ring(r + FLAGS_DEADLINE, LIVE | (tsOk ? TS_OK : 0) | (scaled ? SCALED : 0) | ((deadline - base) & TIME));
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
        long gHi = ring(r + GUEST_HI);
        long gLo = ring(r + GUEST_LO);
        long rHi = ring(r + REMOTE_HI);
        long rLo = ring(r + REMOTE_LO);
        long portsRcv = ring(r + PORTS_RCV);
        long sndTs = ring(r + SND_TS);
        long flags = ring(r + FLAGS_DEADLINE) & ~TIME;
        int gPort = (int) (portsRcv >>> 48);
        int rPort = (int) (portsRcv >>> 32) & 0xffff;
        // Unlinked, not removed: the record comes straight back, so the table must not shrink (or, were it the
        // only one, give its buffer back) in between, which would cost an allocation per retransmitted FIN.
        unlink(slot);
        add(gHi, gLo, gPort, rHi, rLo, rPort, (int) portsRcv, (int) (sndTs >>> 32), (flags & TS_OK) != 0,
                (int) sndTs, (flags & SCALED) != 0, deadline);
        return find(gHi, gLo, gPort, rHi, rLo, rPort);
    }

    /** Removes the record in {@code slot} (a live one, from {@link #find}). */
    void remove(int slot) {
        unlink(slot);
        maybeShrink();
    }

    /** Takes the record in {@code slot} out of the index and the ring, leaving the table's size as it is. */
    private void unlink(int slot) {
        int r = slot * LONGS;
        int at = indexOf(ring(r + GUEST_HI), ring(r + GUEST_LO), guestPort(slot), ring(r + REMOTE_HI),
                ring(r + REMOTE_LO), remotePort(slot));
        deleteIndex(at);
        ring(r + FLAGS_DEADLINE, 0);
        size--;
        skipDead();
    }

    /** Removes every record whose deadline has come; returns how many. */
    int expire(long now) {
        int n = 0;
        while (size > 0) {
            int slot = head & (slots - 1);
            if (deadline(slot) - now > 0) {
                break;
            }
            endHead();
            n++;
        }
        if (n > 0) {
            maybeShrink();
        }
        return n;
    }

    /** Ends the record at the head, the oldest, without shrinking the ring. */
    private void endHead() {
        int slot = head & (slots - 1);
        int r = slot * LONGS;
        deleteIndex(indexOf(ring(r + GUEST_HI), ring(r + GUEST_LO), guestPort(slot), ring(r + REMOTE_HI),
                ring(r + REMOTE_LO), remotePort(slot)));
        ring(r + FLAGS_DEADLINE, 0);
        size--;
        skipDead();
    }

    /** Drops every record (stack shutdown) and releases the buffer. */
    void clear() {
        size = 0;
        head = tail;
        releaseMemory();
    }

    private void releaseMemory() {
        if (mem != null) {
            mem.release();
            mem = null;
            view = null;
            slots = 0;
            indexLength = 0;
        }
    }

    /** Moves the head past dead slots, so that it is live whenever the table is not empty. */
    private void skipDead() {
        if (size == 0) {
            head = tail;
            return;
        }
        while ((ring((head & (slots - 1)) * LONGS + FLAGS_DEADLINE) & LIVE) == 0) {
            head++;
        }
    }

    /**
     * A free slot at the tail: when the ring is full, rebuild it, twice as large if more than 3/4 is live; at the
     * bound, at the same size, after ending the oldest records down to 3/4 live.
     */
    private void makeRoom() {
        if (mem == null) {
            allocate(MIN_SLOTS);
            return;
        }
        if (tail - head < slots) {
            return;
        }
        int threeQuarters = slots - slots / 4;
        if (size <= threeQuarters) {
            rebuild(slots);
        } else if (slots < maxRecords) {
            rebuild(slots * 2);
        } else {
            while (size > threeQuarters) {
                endHead();
                evicted++;
            }
            rebuild(slots);
        }
    }

    /**
     * Empty: no buffer at all. At most a quarter live: half the slots, as often as that holds, leaving it at most
     * half live, so that it grows again (more than three quarters live when full) only after its records grew by
     * half.
     */
    private void maybeShrink() {
        if (size == 0) {
            releaseMemory();
            return;
        }
        int n = slots;
        while (n > MIN_SLOTS && size <= n / 4) {
            n /= 2;
        }
        if (n != slots) {
            rebuild(n);
        }
    }

    /** Copies the live records in order into a ring of {@code n} slots, indexes them again, frees the old one. */
    private void rebuild(int n) {
        ByteBuf old = mem;
        ByteBuffer oldView = view;
        int oldSlots = slots;
        int from = head;
        int to = tail;
        if (n != oldSlots) {
            resizes++;
        }
        allocate(n);
        for (int p = from; p != to; p++) {
            int o = (p & (oldSlots - 1)) * LONGS * Long.BYTES;
            if ((oldView.getLong(o + FLAGS_DEADLINE * Long.BYTES) & LIVE) == 0) {
                continue;
            }
            int slot = tail & (slots - 1);
            view.put(slot * LONGS * Long.BYTES, oldView, o, LONGS * Long.BYTES);
            tail++;
            insertIndex(slot);
        }
        old.release();
    }

    private void insertIndex(int slot) {
        int mask = indexLength - 1;
        int i = home(slot);
        while (index(i) != 0) {
            i = (i + 1) & mask;
        }
        index(i, slot + 1);
    }

    /** Knuth's algorithm R, as {@link FlowTable#remove}: later entries of the chain move back into the hole. */
    private void deleteIndex(int at) {
        int mask = indexLength - 1;
        int hole = at;
        for (int j = (hole + 1) & mask; index(j) != 0; j = (j + 1) & mask) {
            int h = home(index(j) - 1);
            boolean homeBetween = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!homeBetween) {
                index(hole, index(j));
                hole = j;
            }
        }
        index(hole, 0);
    }
}
