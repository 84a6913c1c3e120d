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
 * <p>The packets in progress, their fragments, the bounds and the buffers are {@link FragmentSlots}, shared with
 * {@link Ipv4Reassembler}; this class reads the fragment header and decides. A packet is keyed by source,
 * destination and identification as RFC 8200 4.5 requires (the next header is not part of the key in IPv6). The
 * offset-0 fragment's copy also holds the unfragmentable part (the IPv6 header and the extension headers before
 * the fragment header), which RFC 8200 takes from that fragment alone.
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
    private final FragmentSlots slots;
    /** Unfragmentable part of the offset-0 fragment, whose buffer holds that fragment whole; 0 until it arrives. */
    private final int[] headerLength;
    /** Offset, in the unfragmentable part, of the Next Header field that named the fragment header. */
    private final int[] nextHeaderField;
    /** The offset-0 fragment's fragment header's Next Header: the reassembled packet's protocol. */
    private final int[] nextHeader;
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
        this.alloc = alloc;
        this.clock = clock;
        this.expiryListener = expiryListener;
        this.slots = new FragmentSlots(maxDatagrams, maxFragments, maxBytes, TIMEOUT_NANOS, this::ended);
        headerLength = new int[maxDatagrams];
        nextHeaderField = new int[maxDatagrams];
        nextHeader = new int[maxDatagrams];
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
        int slot = slots.find(sHi, sLo, dHi, dLo, id);
        long now = clock.nanoTime();
        if (slot >= 0 && slots.isDue(slot, now)) {
            // Its time is up even if no timer has run yet: a late fragment starts afresh.
            slots.expire(now);
            slot = -1;
        }
        if (slot >= 0 && slots.isDiscarded(slot)) {
            afterOverlap++;
            return null;
        }
        if (unfragmentable - Ipv6Packet.HEADER_LENGTH + end > Ipv6Packet.MAX_PAYLOAD_LENGTH) {
            oversize++;
            parameterProblem(chain.fragmentHeaderOffset() + 2 - ip.offset());
            slots.drop(slot);
            return null;
        }
        if (!last && (length & 7) != 0) {
            malformed++;
            parameterProblem(4); // the Payload Length field
            slots.drop(slot);
            return null;
        }
        if (length == 0 || (start == 0 && chain.upperProtocol() == Ipv6Packet.NEXT_FRAGMENT)) {
            malformed++;
            slots.drop(slot);
            return null;
        }
        if (slot < 0) {
            slot = slots.open(sHi, sLo, dHi, dLo, id, now);
            headerLength[slot] = 0;
        }
        if (!slots.endAgrees(slot, end, last)) {
            malformed++;
            slots.drop(slot);
            return null;
        }
        int at = slots.place(slot, start, end);
        switch (at) {
            case FragmentSlots.DUPLICATE:
                duplicate++;
                return null;
            case FragmentSlots.OVERLAP:
                overlap++;
                slots.tombstone(slot);
                return null;
            case FragmentSlots.TOO_MANY:
                tooMany++;
                slots.drop(slot);
                return null;
            default:
                break;
        }
        int copyLength = start == 0 ? ip.totalLength() : length;
        if (!slots.makeRoom(slot, copyLength)) {
            evicted++;
            slots.drop(slot);
            return null;
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
        return slots.add(slot, at, start, end, last, data) ? assemble(slot) : null;
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
        int payload = hl - Ipv6Packet.HEADER_LENGTH + slots.totalLength(slot);
        if (payload > Ipv6Packet.MAX_PAYLOAD_LENGTH) {
            // Later fragments were checked against their own unfragmentable part; the offset-0 one's counts.
            oversize++;
            slots.drop(slot);
            return null;
        }
        int total = hl + slots.totalLength(slot);
        ByteBuf out = alloc.buffer(total, total);
        // Index 0 is the offset-0 fragment (sorted by offset): its header part, then its data past the
        // fragment header.
        ByteBuf first = slots.fragment(slot, 0);
        out.writeBytes(first, first.readerIndex(), hl);
        out.writeBytes(first, first.readerIndex() + hl + 8, first.readableBytes() - hl - 8);
        for (int i = 1; i < slots.count(slot); i++) {
            ByteBuf d = slots.fragment(slot, i);
            out.writeBytes(d, d.readerIndex(), d.readableBytes());
        }
        int base = out.readerIndex();
        out.setByte(base + nextHeaderField[slot], nextHeader[slot]);
        Ipv6Packet.setPayloadLength(out, base, payload);
        reassembled++;
        slots.drop(slot);
        return out;
    }

    /** A packet evicted for room, or timed out: counted, and a timed-out one's first fragment shown to the listener. */
    private void ended(int slot, FragmentSlots.End why) {
        if (why == FragmentSlots.End.EVICTED) {
            evicted++;
            return;
        }
        timeout++;
        if (slots.holdsFirst(slot)) {
            ByteBuf first = slots.fragment(slot, 0);
            expiryListener.firstFragmentExpired(first, first.readerIndex(), first.readableBytes());
        }
    }

    /** Earliest expiry among packets in progress (or remembered as discarded), or Long.MAX_VALUE. */
    public long nextDeadline() {
        return slots.nextDeadline();
    }

    /** Drops every packet whose 60 s are up at {@code now}; forgets discarded ones then too. */
    public void expire(long now) {
        slots.expire(now);
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
        slots.clear();
    }

    /** Slots in use, discarded packets' memories included. */
    public int inProgress() {
        return slots.inProgress();
    }

    public int bytesHeld() {
        return slots.bytesHeld();
    }
}
