package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;
import io.jslirp.stack.wire.Ipv6ExtensionHeaders;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * IPv6 fragment reassembly (RFC 8200 section 4.5), bounded like {@link Ipv4Reassembler} and hardened the
 * same way; libslirp drops every fragmented IPv6 packet instead.
 *
 * <p>State lives in preallocated parallel arrays, one row per packet in progress ("slot"), keyed by
 * source, destination and identification as RFC 8200 4.5 requires (the next header is not part of the
 * key in IPv6). Each fragment's data is copied into its own pooled buffer; the offset-0 fragment's buffer
 * also holds the unfragmentable part (the IPv6 header and the extension headers before the fragment
 * header), which RFC 8200 takes from that fragment alone. Fragments are kept sorted by offset, and with
 * overlaps refused "the last fragment has arrived and the held lengths add up" means complete.
 *
 * <p>Decision table for one fragment [start, end) of the fragmentable part (RFC 8200 4.5 unless noted):
 * <ul>
 * <li>offset 0 and M 0, an atomic fragment: returned at once without its fragment header, never touching
 *     any state, so it cannot disturb a real reassembly with the same identification (RFC 6946 4).</li>
 * <li>for a packet already dropped for overlap: dropped, until that packet's timer runs out (RFC 5722: the
 *     fragments "not yet received" are discarded too).</li>
 * <li>reassembled payload length above 65535: oversize, drop the packet (RFC 8200 4.5 asks for a
 *     Parameter Problem at the Fragment Offset; the caller may send it).</li>
 * <li>empty, or not last and not a multiple of 8 octets: malformed, drop the packet (RFC 8200 4.5 asks for
 *     a Parameter Problem at the Payload Length for the latter).</li>
 * <li>an offset-0 fragment whose data starts with another fragment header: malformed, drop the packet;
 *     nothing legitimate fragments a fragment.</li>
 * <li>beyond a known end, or a second last fragment with a different end: malformed, drop the packet.</li>
 * <li>exactly equal to a held fragment: a duplicate (a retransmission), ignored; Linux does the same.</li>
 * <li>any other overlap: drop the packet and remember it (RFC 5722, RFC 8200 4.5: "reassembly of that
 *     packet must be abandoned", no ICMP).</li>
 * <li>more than {@code maxFragments} pieces: drop the packet, bounding per-packet work.</li>
 * </ul>
 * Memory is bounded by {@code maxDatagrams} slots and {@code maxBytes} held: when either would be exceeded
 * the oldest other packet is evicted, so new traffic always makes progress. Time is bounded by
 * {@link #TIMEOUT_NANOS} from the first fragment, not refreshed by later ones.
 *
 * <p>The ICMPv6 errors RFC 8200 4.5 asks for are left to the caller, which has the output path: after an
 * {@link #offer} that returned null, {@link #icmpCode()} and {@link #icmpPointer()} name the Parameter
 * Problem to send about the fragment just offered (or -1), and an {@link ExpiryListener} is shown the
 * offset-0 fragment, exactly as it arrived, of every packet that times out, for a Time Exceeded (code 1).
 * That is why the offset-0 fragment is stored whole, fragment header included, and the header is skipped
 * only when the packet is assembled.
 *
 * <p>Counters are fields of this class (the stack's Counters are being reshaped for both families);
 * they are written by the event-loop thread only.
 */
public final class Ipv6Reassembler {
    /** RFC 8200 4.5: reassembly is abandoned 60 seconds after the first-arriving fragment. */
    public static final long TIMEOUT_NANOS = 60_000_000_000L;
    /** The largest reassembled packet: the header plus the largest payload the 16-bit field can state. */
    public static final int MAX_PACKET = Ipv6Packet.HEADER_LENGTH + Ipv6Packet.MAX_PAYLOAD_LENGTH;

    /** Told about timed-out packets whose first fragment had arrived. */
    @FunctionalInterface
    public interface ExpiryListener {
        ExpiryListener NONE = (packet, offset, length) -> { };

        /**
         * The offset-0 fragment of a packet whose reassembly timed out, as it arrived (IPv6 header first),
         * readable only during the call: RFC 8200 4.5 has its source sent a Time Exceeded, code 1, quoting it.
         */
        void firstFragmentExpired(ByteBuf packet, int offset, int length);
    }

    private final ByteBufAllocator alloc;
    private final Clock clock;
    private final ExpiryListener expiryListener;
    private final int maxFragments;
    private final int maxBytes;

    private final boolean[] used;
    /** Dropped for overlap; the slot only remembers the key until its deadline. */
    private final boolean[] discarded;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] dstHi;
    private final long[] dstLo;
    private final int[] identification;
    private final long[] deadline;
    /** Length of the fragmentable part, or -1 until the last fragment arrives. */
    private final int[] totalLength;
    private final int[] heldLength;
    /** Unfragmentable part of the offset-0 fragment, whose buffer holds that fragment whole; 0 until it arrives. */
    private final int[] headerLength;
    /** Offset, in the unfragmentable part, of the Next Header field that named the fragment header. */
    private final int[] nextHeaderField;
    /** The offset-0 fragment's fragment header's Next Header: the reassembled packet's protocol. */
    private final int[] nextHeader;
    private final int[] count;
    private final int[][] fragStart;
    private final int[][] fragEnd;
    private final ByteBuf[][] fragData;
    private int bytesHeld;
    private int inProgress;
    private int icmpCode;
    private int icmpPointer;

    // Counters.
    public long fragmentsIn;
    public long reassembled;
    /** Atomic fragments returned at once (RFC 6946). */
    public long atomic;
    public long duplicate;
    /** Partial overlap with a held fragment: the whole packet is dropped (RFC 5722). */
    public long overlap;
    /** Fragments of a packet already dropped for overlap. */
    public long afterOverlap;
    public long oversize;
    public long malformed;
    public long tooMany;
    public long evicted;
    public long timeout;

    public Ipv6Reassembler(ByteBufAllocator alloc, Clock clock, int maxDatagrams, int maxFragments, int maxBytes) {
        this(alloc, clock, maxDatagrams, maxFragments, maxBytes, ExpiryListener.NONE);
    }

    public Ipv6Reassembler(ByteBufAllocator alloc, Clock clock, int maxDatagrams, int maxFragments, int maxBytes,
                           ExpiryListener expiryListener) {
        if (maxBytes < 2 * MAX_PACKET) {
            // One packet must always fit after evicting all others, or a legal 64 KiB packet never completes.
            throw new IllegalArgumentException("maxBytes must be at least " + 2 * MAX_PACKET);
        }
        if (maxDatagrams < 1 || maxFragments < 1) {
            throw new IllegalArgumentException("maxDatagrams and maxFragments must be positive");
        }
        this.alloc = alloc;
        this.clock = clock;
        this.maxFragments = maxFragments;
        this.maxBytes = maxBytes;
        this.expiryListener = expiryListener;
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
        headerLength = new int[maxDatagrams];
        nextHeaderField = new int[maxDatagrams];
        nextHeader = new int[maxDatagrams];
        count = new int[maxDatagrams];
        fragStart = new int[maxDatagrams][maxFragments];
        fragEnd = new int[maxDatagrams][maxFragments];
        fragData = new ByteBuf[maxDatagrams][maxFragments];
    }

    /**
     * Takes in one fragment (the caller keeps its buffer): {@code chain} must have walked {@code ip}
     * successfully and found a fragment header ({@link Ipv6ExtensionHeaders#isFragment()} or
     * {@link Ipv6ExtensionHeaders#atomicFragment()}).
     *
     * <p>The caller walks the result again before use. Should that walk find another fragment header (the
     * original packet was itself a fragment, or a second fragment header hid in the fragmentable part), the
     * packet is dropped, never offered again: nothing legitimate nests fragmentation, and re-offering would
     * let a crafted packet make reassembly recurse.
     *
     * @return the reassembled packet, IPv6 header first, without the fragment header and with its Payload
     *         Length set, owned by the caller; or null when incomplete or dropped
     */
    public ByteBuf offer(Ipv6Packet ip, Ipv6ExtensionHeaders chain) {
        icmpCode = -1;
        icmpPointer = -1;
        if (chain.fragmentHeaderOffset() < 0) {
            malformed++; // not a fragment at all: a caller's mistake, still never a throw on the packet path
            return null;
        }
        fragmentsIn++;
        int start = chain.fragmentOffsetBytes();
        boolean last = !chain.moreFragments();
        int unfragmentable = chain.unfragmentableEnd() - ip.offset();
        int dataAt = chain.fragmentHeaderOffset() + 8;
        int length = ip.end() - dataAt;
        int end = start + length;
        if (start == 0 && last) {
            atomic++;
            return withoutFragmentHeader(ip, chain, unfragmentable, dataAt, length);
        }
        long sHi = ip.sourceHi();
        long sLo = ip.sourceLo();
        long dHi = ip.destinationHi();
        long dLo = ip.destinationLo();
        int id = chain.fragmentIdentification();
        int slot = find(sHi, sLo, dHi, dLo, id);
        long now = clock.nanoTime();
        if (slot >= 0 && now - deadline[slot] >= 0) {
            // Its time is up even if no timer has run yet: a late fragment starts afresh.
            expire(now);
            slot = -1;
        }
        if (slot >= 0 && discarded[slot]) {
            afterOverlap++;
            return null;
        }
        if (unfragmentable - Ipv6Packet.HEADER_LENGTH + end > Ipv6Packet.MAX_PAYLOAD_LENGTH) {
            oversize++;
            parameterProblem(chain.fragmentHeaderOffset() + 2 - ip.offset());
            drop(slot);
            return null;
        }
        if (!last && (length & 7) != 0) {
            malformed++;
            parameterProblem(4); // the Payload Length field
            drop(slot);
            return null;
        }
        if (length == 0 || (start == 0 && chain.upperProtocol() == Ipv6Packet.NEXT_FRAGMENT)) {
            malformed++;
            drop(slot);
            return null;
        }
        if (slot < 0) {
            slot = open(sHi, sLo, dHi, dLo, id, now);
        }
        int known = totalLength[slot];
        if ((known >= 0 && (end > known || (last && end != known)))
                || (last && count[slot] > 0 && fragEnd[slot][count[slot] - 1] > end)) {
            malformed++;
            drop(slot);
            return null;
        }
        // Sorted by start; only the neighbours of the insertion point can intersect the new fragment.
        int n = count[slot];
        int[] starts = fragStart[slot];
        int[] ends = fragEnd[slot];
        int at = 0;
        while (at < n && starts[at] < start) {
            at++;
        }
        if (at < n && starts[at] == start && ends[at] == end) {
            duplicate++;
            return null;
        }
        if ((at < n && starts[at] < end) || (at > 0 && ends[at - 1] > start)) {
            overlap++;
            tombstone(slot);
            return null;
        }
        if (n == maxFragments) {
            tooMany++;
            drop(slot);
            return null;
        }
        int copyLength = start == 0 ? ip.totalLength() : length;
        while (bytesHeld + copyLength > maxBytes) {
            if (!evictOldestExcept(slot)) {
                evicted++;
                drop(slot);
                return null;
            }
        }
        ByteBuf data = alloc.buffer(copyLength, copyLength);
        if (start == 0) {
            data.writeBytes(ip.buffer(), ip.offset(), ip.totalLength());
            headerLength[slot] = unfragmentable;
            nextHeaderField[slot] = chain.fragmentNextHeaderField() - ip.offset();
            nextHeader[slot] = chain.upperProtocol();
        } else {
            data.writeBytes(ip.buffer(), dataAt, length);
        }
        System.arraycopy(starts, at, starts, at + 1, n - at);
        System.arraycopy(ends, at, ends, at + 1, n - at);
        System.arraycopy(fragData[slot], at, fragData[slot], at + 1, n - at);
        starts[at] = start;
        ends[at] = end;
        fragData[slot][at] = data;
        count[slot] = n + 1;
        heldLength[slot] += length;
        bytesHeld += copyLength;
        if (last) {
            totalLength[slot] = end;
        }
        if (totalLength[slot] >= 0 && heldLength[slot] == totalLength[slot]) {
            return assemble(slot);
        }
        return null;
    }

    /** A copy of an atomic fragment without its fragment header. */
    private ByteBuf withoutFragmentHeader(Ipv6Packet ip, Ipv6ExtensionHeaders chain, int unfragmentable, int dataAt,
                                         int length) {
        int total = unfragmentable + length;
        ByteBuf out = alloc.buffer(total, total);
        out.writeBytes(ip.buffer(), ip.offset(), unfragmentable);
        out.writeBytes(ip.buffer(), dataAt, length);
        int base = out.readerIndex();
        out.setByte(base + chain.fragmentNextHeaderField() - ip.offset(),
                ip.buffer().getUnsignedByte(chain.fragmentHeaderOffset()));
        Ipv6Packet.setPayloadLength(out, base, unfragmentable - Ipv6Packet.HEADER_LENGTH + length);
        return out;
    }

    private ByteBuf assemble(int slot) {
        int hl = headerLength[slot];
        int payload = hl - Ipv6Packet.HEADER_LENGTH + totalLength[slot];
        if (payload > Ipv6Packet.MAX_PAYLOAD_LENGTH) {
            // Later fragments were checked against their own unfragmentable part; the offset-0 one's counts.
            oversize++;
            drop(slot);
            return null;
        }
        int total = hl + totalLength[slot];
        ByteBuf out = alloc.buffer(total, total);
        // Index 0 is the offset-0 fragment (sorted by offset): its header part, then its data past the
        // fragment header.
        ByteBuf first = fragData[slot][0];
        out.writeBytes(first, first.readerIndex(), hl);
        out.writeBytes(first, first.readerIndex() + hl + 8, first.readableBytes() - hl - 8);
        for (int i = 1; i < count[slot]; i++) {
            ByteBuf d = fragData[slot][i];
            out.writeBytes(d, d.readerIndex(), d.readableBytes());
        }
        int base = out.readerIndex();
        out.setByte(base + nextHeaderField[slot], nextHeader[slot]);
        Ipv6Packet.setPayloadLength(out, base, payload);
        reassembled++;
        drop(slot);
        return out;
    }

    private int find(long sHi, long sLo, long dHi, long dLo, int id) {
        for (int s = 0; s < used.length; s++) {
            if (used[s] && identification[s] == id && srcLo[s] == sLo && dstLo[s] == dLo && srcHi[s] == sHi
                    && dstHi[s] == dHi) {
                return s;
            }
        }
        return -1;
    }

    private int open(long sHi, long sLo, long dHi, long dLo, int id, long now) {
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
            evicted++;
            drop(slot);
        }
        used[slot] = true;
        discarded[slot] = false;
        srcHi[slot] = sHi;
        srcLo[slot] = sLo;
        dstHi[slot] = dHi;
        dstLo[slot] = dLo;
        identification[slot] = id;
        deadline[slot] = now + TIMEOUT_NANOS;
        totalLength[slot] = -1;
        heldLength[slot] = 0;
        headerLength[slot] = 0;
        count[slot] = 0;
        inProgress++;
        return slot;
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

    private boolean evictOldestExcept(int slot) {
        int victim = oldest(slot);
        if (victim < 0) {
            return false;
        }
        evicted++;
        drop(victim);
        return true;
    }

    /** Frees every buffer of a slot but keeps its key until the deadline, so later fragments are refused. */
    private void tombstone(int slot) {
        releaseFragments(slot);
        discarded[slot] = true;
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

    /** Frees a slot and every buffer it holds; no-op for -1. */
    private void drop(int slot) {
        if (slot < 0 || !used[slot]) {
            return;
        }
        releaseFragments(slot);
        used[slot] = false;
        discarded[slot] = false;
        inProgress--;
    }

    /** Earliest expiry among packets in progress (or remembered as discarded), or Long.MAX_VALUE. */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (int s = 0; s < used.length; s++) {
            if (used[s] && (next == Long.MAX_VALUE || deadline[s] - next < 0)) {
                next = deadline[s];
            }
        }
        return next;
    }

    /** Drops every packet whose 60 s are up at {@code now}; forgets discarded ones then too. */
    public void expire(long now) {
        if (inProgress == 0) {
            return;
        }
        for (int s = 0; s < used.length; s++) {
            if (used[s] && now - deadline[s] >= 0) {
                if (!discarded[s]) {
                    timeout++;
                    if (count[s] > 0 && fragStart[s][0] == 0) {
                        ByteBuf first = fragData[s][0];
                        expiryListener.firstFragmentExpired(first, first.readerIndex(), first.readableBytes());
                    }
                }
                drop(s);
            }
        }
    }

    private void parameterProblem(int pointer) {
        icmpCode = Ipv6ExtensionHeaders.CODE_ERRONEOUS_FIELD;
        icmpPointer = pointer;
    }

    /**
     * After an {@link #offer} that returned null: the Parameter Problem code RFC 8200 4.5 asks to send
     * about the offered fragment (0, erroneous header field), or -1 to send nothing.
     */
    public int icmpCode() {
        return icmpCode;
    }

    /** The Parameter Problem's pointer, from the start of the offered fragment's IPv6 header, or -1. */
    public int icmpPointer() {
        return icmpPointer;
    }

    /** Releases everything held, for shutdown. */
    public void clear() {
        for (int s = 0; s < used.length; s++) {
            drop(s);
        }
    }

    /** Slots in use, discarded packets' memories included. */
    public int inProgress() {
        return inProgress;
    }

    public int bytesHeld() {
        return bytesHeld;
    }
}
