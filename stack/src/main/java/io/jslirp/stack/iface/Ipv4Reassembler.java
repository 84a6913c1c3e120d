package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * IPv4 fragment reassembly (RFC 791 section 3.2, RFC 815), hardened for a hostile sender.
 *
 * <p>The datagrams in progress, their fragments, the bounds and the buffers are {@link FragmentSlots}, shared with
 * {@link Ipv6Reassembler}; this class reads the IPv4 header and decides. A datagram is keyed by (source,
 * destination, identification, protocol) as RFC 791 requires. The offset-0 fragment's copy holds its header too,
 * which becomes the reassembled datagram's.
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
    private final FragmentSlots slots;
    /** Header length of the offset-0 fragment, whose buffer holds header + data; 0 until it arrives. */
    private final int[] headerLength;

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
        this.slots = new FragmentSlots(maxDatagrams, maxFragments, maxBytes, TIMEOUT_NANOS, this::ended);
        this.headerLength = new int[maxDatagrams];
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
        long src = IpAddress.v4Lo(ip.source());
        long dst = IpAddress.v4Lo(ip.destination());
        int key = ip.identification() << 8 | ip.protocol();
        int slot = slots.find(IpAddress.V4_HI, src, IpAddress.V4_HI, dst, key);

        if (ip.headerLength() + end > Ipv4Packet.MAX_LENGTH) {
            counters.ipv4FragOversize++;
            slots.drop(slot);
            return null;
        }
        if (length == 0 || (!last && (length & 7) != 0)) {
            counters.ipv4FragMalformed++;
            slots.drop(slot);
            return null;
        }
        if (slot < 0) {
            slot = slots.open(IpAddress.V4_HI, src, IpAddress.V4_HI, dst, key, clock.nanoTime());
            headerLength[slot] = 0;
        }
        if (!slots.endAgrees(slot, end, last)) {
            counters.ipv4FragMalformed++;
            slots.drop(slot);
            return null;
        }
        int at = slots.place(slot, start, end);
        switch (at) {
            case FragmentSlots.DUPLICATE:
                counters.ipv4FragDuplicate++;
                return null;
            case FragmentSlots.OVERLAP:
                counters.ipv4FragOverlap++;
                slots.drop(slot);
                return null;
            case FragmentSlots.TOO_MANY:
                counters.ipv4FragTooMany++;
                slots.drop(slot);
                return null;
            default:
                break;
        }
        int copyFrom = start == 0 ? ip.offset() : ip.payloadOffset();
        int copyLength = start == 0 ? ip.headerLength() + length : length;
        if (!slots.makeRoom(slot, copyLength)) {
            counters.ipv4FragEvicted++;
            slots.drop(slot);
            return null;
        }
        ByteBuf data = alloc.buffer(copyLength, copyLength);
        data.writeBytes(ip.buffer(), copyFrom, copyLength);
        if (start == 0) {
            headerLength[slot] = ip.headerLength();
        }
        return slots.add(slot, at, start, end, last, data) ? assemble(slot) : null;
    }

    private ByteBuf assemble(int slot) {
        int hl = headerLength[slot];
        int total = hl + slots.totalLength(slot);
        ByteBuf out = alloc.buffer(total, total);
        for (int i = 0; i < slots.count(slot); i++) {
            ByteBuf d = slots.fragment(slot, i);
            out.writeBytes(d, d.readerIndex(), d.readableBytes());
        }
        // The first fragment's header describes the whole datagram once length and fragment fields say so.
        int base = out.readerIndex();
        out.setShort(base + 2, total);
        out.setShort(base + 6, out.getUnsignedShort(base + 6) & Ipv4Packet.FLAG_DF);
        Ipv4Packet.updateChecksum(out, base, hl);
        counters.ipv4Reassembled++;
        slots.drop(slot);
        return out;
    }

    private void ended(int slot, FragmentSlots.End why) {
        if (why == FragmentSlots.End.EVICTED) {
            counters.ipv4FragEvicted++;
        } else {
            counters.ipv4FragTimeout++;
        }
    }

    /** Earliest expiry among datagrams in progress, or Long.MAX_VALUE. */
    public long nextDeadline() {
        return slots.nextDeadline();
    }

    /** Drops every datagram whose 30 s are up at {@code now}. */
    public void expire(long now) {
        slots.expire(now);
    }

    /** Releases everything held, for shutdown. */
    public void clear() {
        slots.clear();
    }

    public int inProgress() {
        return slots.inProgress();
    }

    public int bytesHeld() {
        return slots.bytesHeld();
    }
}
