package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * IPv4 fragment reassembly (RFC 791 section 3.2, RFC 815), hardened for a hostile sender.
 *
 * <p>State lives in preallocated parallel arrays, one row per datagram in progress ("slot"), keyed by
 * (source, destination, identification, protocol) as RFC 791 requires. Each fragment's data is copied
 * into its own pooled buffer (the frame it came in is released by the caller right after), and the
 * fragments of a slot are kept sorted by offset, so completeness is "the last fragment has been seen and
 * the held lengths add up to the total": with overlaps refused, equal sums mean no holes.
 *
 * <p>Decision table for one fragment [start, end) of a datagram:
 * <ul>
 * <li>header + end &gt; 65535: oversize, drop the datagram (the "ping of death", RFC 791 maximum).</li>
 * <li>empty, or not last and not a multiple of 8: malformed, drop the datagram; no conforming sender
 *     produces it (RFC 791: fragments break on 8-octet boundaries).</li>
 * <li>beyond a known end, or a second "last" fragment with a different end: malformed, drop.</li>
 * <li>exactly equal to a held fragment: duplicate (a retransmission), ignore it and keep going.</li>
 * <li>any other overlap: drop the datagram. Overlaps are how reassembly ambiguity attacks work (Teardrop,
 *     policy-dependent overlap resolution), and RFC 5722 made dropping the answer for IPv6; we do the
 *     same for IPv4 as Linux does since 2018.</li>
 * <li>more than {@code maxFragments} pieces: drop the datagram, bounding per-datagram work.</li>
 * </ul>
 * Memory is bounded by {@code maxDatagrams} slots and {@code maxBytes} held in total: when either would be
 * exceeded the oldest other datagram is evicted, so new traffic always makes progress. Time is bounded by
 * expiry {@link #TIMEOUT_NANOS} after the first fragment, not refreshed by later ones.
 */
public final class Ipv4Reassembler {
    /** RFC 791 suggests an upper bound of about 15 s per hop with TTL; Linux uses 30 s (ipfrag_time). */
    public static final long TIMEOUT_NANOS = 30_000_000_000L;

    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Clock clock;
    private final int maxFragments;
    private final int maxBytes;

    private final boolean[] used;
    private final int[] source;
    private final int[] destination;
    /** identification << 8 | protocol. */
    private final int[] idProto;
    private final long[] deadline;
    /** Payload length of the whole datagram, or -1 until the last fragment arrives. */
    private final int[] totalLength;
    private final int[] heldLength;
    /** Header length of the offset-0 fragment, whose buffer holds header + data; 0 until it arrives. */
    private final int[] headerLength;
    private final int[] count;
    private final int[][] fragStart;
    private final int[][] fragEnd;
    private final ByteBuf[][] fragData;
    private int bytesHeld;
    private int inProgress;

    public Ipv4Reassembler(Counters counters, ByteBufAllocator alloc, Clock clock,
                           int maxDatagrams, int maxFragments, int maxBytes) {
        if (maxBytes < 2 * Ipv4Packet.MAX_LENGTH) {
            // One datagram must always fit after evicting all others, or a legal 64 KiB datagram could never
            // complete.
            throw new IllegalArgumentException("maxBytes must be at least " + 2 * Ipv4Packet.MAX_LENGTH);
        }
        this.counters = counters;
        this.alloc = alloc;
        this.clock = clock;
        this.maxFragments = maxFragments;
        this.maxBytes = maxBytes;
        used = new boolean[maxDatagrams];
        source = new int[maxDatagrams];
        destination = new int[maxDatagrams];
        idProto = new int[maxDatagrams];
        deadline = new long[maxDatagrams];
        totalLength = new int[maxDatagrams];
        heldLength = new int[maxDatagrams];
        headerLength = new int[maxDatagrams];
        count = new int[maxDatagrams];
        fragStart = new int[maxDatagrams][maxFragments];
        fragEnd = new int[maxDatagrams][maxFragments];
        fragData = new ByteBuf[maxDatagrams][maxFragments];
    }

    /**
     * Takes in one fragment (the caller keeps its buffer).
     *
     * @return the reassembled datagram, header first, owned by the caller; or null when incomplete or dropped
     */
    public ByteBuf offer(Ipv4Packet ip) {
        int start = ip.fragmentOffsetBytes();
        int length = ip.payloadLength();
        int end = start + length;
        boolean last = !ip.moreFragments();
        int key = ip.identification() << 8 | ip.protocol();
        int slot = find(ip.source(), ip.destination(), key);

        if (ip.headerLength() + end > Ipv4Packet.MAX_LENGTH) {
            counters.ipv4FragOversize++;
            drop(slot);
            return null;
        }
        if (length == 0 || (!last && (length & 7) != 0)) {
            counters.ipv4FragMalformed++;
            drop(slot);
            return null;
        }
        long now = clock.nanoTime();
        if (slot < 0) {
            slot = open(ip.source(), ip.destination(), key, now);
        }
        int known = totalLength[slot];
        if ((known >= 0 && (end > known || (last && end != known)))
                || (last && count[slot] > 0 && fragEnd[slot][count[slot] - 1] > end)) {
            counters.ipv4FragMalformed++;
            drop(slot);
            return null;
        }
        // Sorted by start; find the insertion point and check both neighbours (no overlaps are held, so
        // only they can intersect).
        int n = count[slot];
        int[] starts = fragStart[slot];
        int[] ends = fragEnd[slot];
        int at = 0;
        while (at < n && starts[at] < start) {
            at++;
        }
        if (at < n && starts[at] == start && ends[at] == end) {
            counters.ipv4FragDuplicate++;
            return null;
        }
        if ((at < n && starts[at] < end) || (at > 0 && ends[at - 1] > start)) {
            counters.ipv4FragOverlap++;
            drop(slot);
            return null;
        }
        if (n == maxFragments) {
            counters.ipv4FragTooMany++;
            drop(slot);
            return null;
        }
        int copyFrom = start == 0 ? ip.offset() : ip.payloadOffset();
        int copyLength = start == 0 ? ip.headerLength() + length : length;
        while (bytesHeld + copyLength > maxBytes) {
            if (!evictOldestExcept(slot)) {
                counters.ipv4FragEvicted++;
                drop(slot);
                return null;
            }
        }
        ByteBuf data = alloc.buffer(copyLength, copyLength);
        data.writeBytes(ip.buffer(), copyFrom, copyLength);
        System.arraycopy(starts, at, starts, at + 1, n - at);
        System.arraycopy(ends, at, ends, at + 1, n - at);
        System.arraycopy(fragData[slot], at, fragData[slot], at + 1, n - at);
        starts[at] = start;
        ends[at] = end;
        fragData[slot][at] = data;
        count[slot] = n + 1;
        heldLength[slot] += length;
        bytesHeld += copyLength;
        if (start == 0) {
            headerLength[slot] = ip.headerLength();
        }
        if (last) {
            totalLength[slot] = end;
        }
        if (totalLength[slot] >= 0 && heldLength[slot] == totalLength[slot]) {
            return assemble(slot);
        }
        return null;
    }

    private ByteBuf assemble(int slot) {
        int hl = headerLength[slot];
        int total = hl + totalLength[slot];
        ByteBuf out = alloc.buffer(total, total);
        for (int i = 0; i < count[slot]; i++) {
            ByteBuf d = fragData[slot][i];
            out.writeBytes(d, d.readerIndex(), d.readableBytes());
        }
        // The first fragment's header describes the whole datagram once length and fragment fields say so.
        int base = out.readerIndex();
        out.setShort(base + 2, total);
        out.setShort(base + 6, out.getUnsignedShort(base + 6) & Ipv4Packet.FLAG_DF);
        Ipv4Packet.updateChecksum(out, base, hl);
        counters.ipv4Reassembled++;
        drop(slot);
        return out;
    }

    private int find(int src, int dst, int key) {
        for (int s = 0; s < used.length; s++) {
            if (used[s] && idProto[s] == key && source[s] == src && destination[s] == dst) {
                return s;
            }
        }
        return -1;
    }

    private int open(int src, int dst, int key, long now) {
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
            counters.ipv4FragEvicted++;
            drop(slot);
        }
        used[slot] = true;
        source[slot] = src;
        destination[slot] = dst;
        idProto[slot] = key;
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
        counters.ipv4FragEvicted++;
        drop(victim);
        return true;
    }

    /** Frees a slot and every buffer it holds; no-op for -1. */
    private void drop(int slot) {
        if (slot < 0 || !used[slot]) {
            return;
        }
        ByteBuf[] data = fragData[slot];
        for (int i = 0; i < count[slot]; i++) {
            bytesHeld -= data[i].readableBytes();
            data[i].release();
            data[i] = null;
        }
        count[slot] = 0;
        used[slot] = false;
        inProgress--;
    }

    /** Earliest expiry among datagrams in progress, or Long.MAX_VALUE. */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (int s = 0; s < used.length; s++) {
            if (used[s] && (next == Long.MAX_VALUE || deadline[s] - next < 0)) {
                next = deadline[s];
            }
        }
        return next;
    }

    /** Drops every datagram whose 30 s are up at {@code now}. */
    public void expire(long now) {
        if (inProgress == 0) {
            return;
        }
        for (int s = 0; s < used.length; s++) {
            if (used[s] && now - deadline[s] >= 0) {
                counters.ipv4FragTimeout++;
                drop(s);
            }
        }
    }

    /** Releases everything held, for shutdown. */
    public void clear() {
        for (int s = 0; s < used.length; s++) {
            drop(s);
        }
    }

    public int inProgress() {
        return inProgress;
    }

    public int bytesHeld() {
        return bytesHeld;
    }
}
