package io.jslirp.stack.iface;

import io.netty.buffer.ByteBuf;

/**
 * The family-neutral half of fragment reassembly, which {@link Ipv4Reassembler} and {@link Ipv6Reassembler} share:
 * the packets in progress, the fragments each holds, hole and overlap accounting, the time and memory bounds, and
 * the buffers. What a fragment is (its header, offset, flags, which part the reassembled packet takes from the
 * first one) stays with each family, which decides every drop and counts it; this class only says what it found.
 *
 * <p>State lives in preallocated parallel arrays, one row per packet in progress ("slot"), so taking in a fragment
 * allocates nothing but the pooled buffer its data is copied to (the frame it came in is released by the caller
 * right after). A slot's key is two family-neutral addresses (IPv4 stored IPv4-mapped, as {@code IpAddress} does)
 * and a 32-bit identification, into which IPv4 folds its protocol. Fragments are kept sorted by offset and no
 * overlapping ones are ever held, so only the neighbours of the insertion point can intersect a new one, and
 * "the last fragment has arrived and the held lengths add up to its end" means there is no hole (RFC 815's
 * hole list, reduced to a sum).
 *
 * <p>Bounds: {@code maxDatagrams} slots and {@code maxBytes} held in all. When a new packet finds every slot taken,
 * or a fragment would exceed the bytes, the packet whose time runs out first (never the one being added to) is
 * evicted, so new traffic always makes progress and a flood of never-finished packets cannot pin memory. Each
 * packet is dropped {@code timeoutNanos} after its first fragment; later ones do not extend that, so an endless
 * trickle cannot either. A slot may be kept as a "tombstone" after its fragments are freed: the key alone,
 * refusing what still arrives for that packet until its time is up (RFC 5722).
 *
 * <p>Every slot that ends other than through {@link #drop} by its family (evicted for room, timed out) is reported
 * to the {@link EndListener} while its fragments are still there, so the family can count it and, for IPv6, quote
 * the first fragment in a Time Exceeded. Event-loop thread only.
 */
final class FragmentSlots {
    /** {@link #place}: the fragment repeats a held one exactly (a retransmission). */
    static final int DUPLICATE = -1;
    /** {@link #place}: the fragment overlaps a held one otherwise. */
    static final int OVERLAP = -2;
    /** {@link #place}: the packet already holds {@code maxFragments}. */
    static final int TOO_MANY = -3;

    /** Why a slot ended without its family dropping it. */
    enum End {
        /** Made room for another packet (slot or byte cap). */
        EVICTED,
        /** Its time ran out (not reported for tombstones, which only remembered a key). */
        EXPIRED
    }

    @FunctionalInterface
    interface EndListener {
        /** Called before the slot's fragments are released; {@link #fragment} may read them. */
        void ended(int slot, End why);
    }

    private final long timeoutNanos;
    private final int maxFragments;
    private final int maxBytes;
    private final EndListener listener;

    private final boolean[] used;
    /** A tombstone: dropped (for overlap), the key kept until the deadline. */
    private final boolean[] discarded;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] dstHi;
    private final long[] dstLo;
    private final int[] identification;
    private final long[] deadline;
    /** End of the fragmented data, or -1 until the last fragment arrives. */
    private final int[] totalLength;
    private final int[] heldLength;
    private final int[] count;
    private final int[][] fragStart;
    private final int[][] fragEnd;
    private final ByteBuf[][] fragData;
    private int bytesHeld;
    private int inProgress;

    FragmentSlots(int maxDatagrams, int maxFragments, int maxBytes, long timeoutNanos, EndListener listener) {
        if (maxDatagrams < 1 || maxFragments < 1) {
            throw new IllegalArgumentException("maxDatagrams and maxFragments must be positive");
        }
        this.timeoutNanos = timeoutNanos;
        this.maxFragments = maxFragments;
        this.maxBytes = maxBytes;
        this.listener = listener;
        used = new boolean[maxDatagrams];
        discarded = new boolean[maxDatagrams];
        srcHi = new long[maxDatagrams];
        srcLo = new long[maxDatagrams];
        dstHi = new long[maxDatagrams];
        dstLo = new long[maxDatagrams];
        identification = new int[maxDatagrams];
        deadline = new long[maxDatagrams];
        totalLength = new int[maxDatagrams];
        heldLength = new int[maxDatagrams];
        count = new int[maxDatagrams];
        fragStart = new int[maxDatagrams][maxFragments];
        fragEnd = new int[maxDatagrams][maxFragments];
        fragData = new ByteBuf[maxDatagrams][maxFragments];
    }

    /** The slot of the packet with this key (a tombstone included), or -1. */
    int find(long sHi, long sLo, long dHi, long dLo, int id) {
        for (int s = 0; s < used.length; s++) {
            if (used[s] && identification[s] == id && srcLo[s] == sLo && dstLo[s] == dLo && srcHi[s] == sHi
                    && dstHi[s] == dHi) {
                return s;
            }
        }
        return -1;
    }

    /**
     * A slot for a new packet, due {@code timeoutNanos} after {@code now}: first every packet whose time is up
     * goes, then a free slot is taken, else the one due first is evicted.
     */
    int open(long sHi, long sLo, long dHi, long dLo, int id, long now) {
        expire(now);
        int slot = -1;
        for (int s = 0; s < used.length; s++) {
            if (!used[s]) {
                slot = s;
                break;
            }
        }
        if (slot < 0) {
            slot = oldest(-1);
            end(slot, End.EVICTED);
        }
        used[slot] = true;
        discarded[slot] = false;
        srcHi[slot] = sHi;
        srcLo[slot] = sLo;
        dstHi[slot] = dHi;
        dstLo[slot] = dLo;
        identification[slot] = id;
        deadline[slot] = now + timeoutNanos;
        totalLength[slot] = -1;
        heldLength[slot] = 0;
        count[slot] = 0;
        inProgress++;
        return slot;
    }

    /** The slot's time is up at {@code now}, whether or not a timer has run since. */
    boolean isDue(int slot, long now) {
        return now - deadline[slot] >= 0;
    }

    boolean isDiscarded(int slot) {
        return discarded[slot];
    }

    /**
     * Whether a fragment ending at {@code end} agrees with what the slot knows of the packet's end: within a
     * known end, and when {@code last}, the same end as an earlier last one and not before a held fragment's.
     */
    boolean endAgrees(int slot, int end, boolean last) {
        int known = totalLength[slot];
        if (known >= 0 && (end > known || (last && end != known))) {
            return false;
        }
        return !(last && count[slot] > 0 && fragEnd[slot][count[slot] - 1] > end);
    }

    /**
     * Where fragment [start, end) goes among the slot's sorted fragments, or {@link #DUPLICATE},
     * {@link #OVERLAP} or {@link #TOO_MANY}, in that order of precedence.
     */
    int place(int slot, int start, int end) {
        int n = count[slot];
        int[] starts = fragStart[slot];
        int[] ends = fragEnd[slot];
        int at = 0;
        while (at < n && starts[at] < start) {
            at++;
        }
        if (at < n && starts[at] == start && ends[at] == end) {
            return DUPLICATE;
        }
        if ((at < n && starts[at] < end) || (at > 0 && ends[at - 1] > start)) {
            return OVERLAP;
        }
        return n == maxFragments ? TOO_MANY : at;
    }

    /**
     * Evicts other packets, the one due first each time, until {@code bytes} more fit under the byte cap; false
     * when even the slot alone cannot take them (the caller drops it).
     */
    boolean makeRoom(int slot, int bytes) {
        while (bytesHeld + bytes > maxBytes) {
            int victim = oldest(slot);
            if (victim < 0) {
                return false;
            }
            end(victim, End.EVICTED);
        }
        return true;
    }

    /**
     * Holds fragment [start, end) at {@code at} (from {@link #place}), its copy {@code data} now owned here.
     *
     * @return true when the packet is complete: its last fragment is held and there is no hole
     */
    boolean add(int slot, int at, int start, int end, boolean last, ByteBuf data) {
        int n = count[slot];
        int[] starts = fragStart[slot];
        int[] ends = fragEnd[slot];
        System.arraycopy(starts, at, starts, at + 1, n - at);
        System.arraycopy(ends, at, ends, at + 1, n - at);
        System.arraycopy(fragData[slot], at, fragData[slot], at + 1, n - at);
        starts[at] = start;
        ends[at] = end;
        fragData[slot][at] = data;
        count[slot] = n + 1;
        heldLength[slot] += end - start;
        bytesHeld += data.readableBytes();
        if (last) {
            totalLength[slot] = end;
        }
        return totalLength[slot] >= 0 && heldLength[slot] == totalLength[slot];
    }

    /** The end of the packet's fragmented data, once its last fragment is held; else -1. */
    int totalLength(int slot) {
        return totalLength[slot];
    }

    int count(int slot) {
        return count[slot];
    }

    /** The {@code i}th held fragment's buffer, in offset order; the slot keeps it. */
    ByteBuf fragment(int slot, int i) {
        return fragData[slot][i];
    }

    /** Whether the first held fragment is the one at offset 0. */
    boolean holdsFirst(int slot) {
        return count[slot] > 0 && fragStart[slot][0] == 0;
    }

    /** Frees every buffer of a slot but keeps its key until the deadline, so later fragments are refused. */
    void tombstone(int slot) {
        releaseFragments(slot);
        discarded[slot] = true;
    }

    /** Frees a slot and every buffer it holds; no-op for -1 or a free slot. */
    void drop(int slot) {
        if (slot < 0 || !used[slot]) {
            return;
        }
        releaseFragments(slot);
        used[slot] = false;
        discarded[slot] = false;
        inProgress--;
    }

    /** Earliest deadline among slots in use (tombstones included), or Long.MAX_VALUE; wrap-safe. */
    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (int s = 0; s < used.length; s++) {
            if (used[s] && (next == Long.MAX_VALUE || deadline[s] - next < 0)) {
                next = deadline[s];
            }
        }
        return next;
    }

    /** Ends every slot whose time is up at {@code now}; reports those that were not tombstones. */
    void expire(long now) {
        if (inProgress == 0) {
            return;
        }
        for (int s = 0; s < used.length; s++) {
            if (used[s] && now - deadline[s] >= 0) {
                if (discarded[s]) {
                    drop(s);
                } else {
                    end(s, End.EXPIRED);
                }
            }
        }
    }

    /** Releases everything held, for shutdown; nothing is reported. */
    void clear() {
        for (int s = 0; s < used.length; s++) {
            drop(s);
        }
    }

    /** Slots in use, tombstones included. */
    int inProgress() {
        return inProgress;
    }

    int bytesHeld() {
        return bytesHeld;
    }

    private void end(int slot, End why) {
        listener.ended(slot, why);
        drop(slot);
    }

    private int oldest(int except) {
        int best = -1;
        for (int s = 0; s < used.length; s++) {
            if (used[s] && s != except && (best < 0 || deadline[s] - deadline[best] < 0)) {
                best = s;
            }
        }
        return best;
    }

    private void releaseFragments(int slot) {
        ByteBuf[] data = fragData[slot];
        for (int i = 0; i < count[slot]; i++) {
            bytesHeld -= data[i].readableBytes();
            data[i].release();
            data[i] = null;
        }
        count[slot] = 0;
    }
}
