package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.wire.EthernetFrame;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * What waits for a guest's MAC: the one pending queue of neighbour resolution, keyed by family-neutral address
 * ({@code IpAddress}), fed by ARP now and by NDP for IPv6 alike.
 *
 * <h2>Theory of operation</h2>
 * We usually answer the guest, whose MAC came with its frame. Speaking first (a port forward's SYN or
 * datagram, to a guest that has sent nothing yet) needs the MAC of an address, and when the cache does not
 * have it the caller asks the guest (ARP request; for IPv6 a neighbour solicitation) and parks here what it
 * wanted to send, as a host's neighbour code queues packets for an unresolved next hop (RFC 1122 2.3.2.2,
 * RFC 4861 7.2.2). Two kinds of things wait:
 * <ul>
 *   <li>a <b>flow</b> ({@link Waiter}) that builds its frame only once the MAC is known (a TCP forward's first
 *       SYN, whose retransmission timer counts from when it really goes out): no copy, no frame held;</li>
 *   <li>a <b>frame</b> already built with its destination MAC still zero (a forward's UDP datagram), owned by
 *       the queue until it goes: at most {@link #FRAMES_PER_ADDRESS} per address, a full address giving up its
 *       oldest frame as Linux's unres_qlen does, each given up after {@link #HOLD_NANOS} (Linux's neighbour
 *       code drops its queue after 3 unanswered solicitations 1 s apart).</li>
 * </ul>
 * When the interface learns an address's MAC anew ({@link #resolved}), that address's flows are told first,
 * then its frames get the MAC written and go back to their {@link FrameOwner} to be counted and sent, each
 * kind oldest first. Frames given up (pushed out, expired, or withdrawn by their owner with
 * {@link #releaseTagged}) are released here and counted by their owner. Both kinds sit in one list of small
 * parallel arrays in arrival order; this is the resolution-miss path, rare and short, so removal by copying is
 * fine, and nothing here runs per packet of an established flow.
 */
public final class PendingNeighbors {
    /** A flow waiting for the MAC of one address. */
    public interface Waiter {
        /** The address's MAC is now {@code mac}; the waiter is no longer queued. */
        void neighborKnown(long mac);
    }

    /** Whoever held frames here: sends them once resolved and counts the ones given up. */
    public interface FrameOwner {
        /** A held frame, its destination MAC now written; the owner owns it again and sends it. */
        void sendHeld(ByteBuf frame);

        /** {@code count} held frames were given up and released (pushed out, expired, withdrawn). */
        void heldDropped(int count);
    }

    /** Frames held per address. */
    public static final int FRAMES_PER_ADDRESS = 8;
    /** How long a frame waits for the answer. */
    public static final long HOLD_NANOS = 3_000_000_000L;

    private final Counters counters;

    // One list of entries in arrival order. A flow: item is its Waiter, owner null. A frame: item is the ByteBuf,
    // owner and tag set, heldAt when it came.
    private Object[] items = new Object[8];
    private FrameOwner[] owners = new FrameOwner[8];
    private Object[] tags = new Object[8];
    private long[] addrHi = new long[8];
    private long[] addrLo = new long[8];
    private long[] heldAt = new long[8];
    private int count;
    private int frameCount;

    public PendingNeighbors(Counters counters) {
        this.counters = counters;
    }

    /** Queues {@code w} until the MAC of {@code hi:lo} is known. */
    public void await(long hi, long lo, Waiter w) {
        append(hi, lo, w, null, null, 0);
    }

    /** Takes {@code w} off the queue (it found the MAC itself, or it ended); nothing if it is not queued. */
    public void cancel(Waiter w) {
        for (int i = 0; i < count; i++) {
            if (items[i] == w) {
                remove(i);
                return;
            }
        }
    }

    /**
     * Holds {@code frame} (its destination MAC to be written at its readerIndex) until the MAC of {@code hi:lo}
     * is known; the queue owns it from now on. {@code tag} groups frames for {@link #releaseTagged}. Returns
     * true when the address already held {@link #FRAMES_PER_ADDRESS} and its oldest frame was given up.
     */
    public boolean hold(long hi, long lo, ByteBuf frame, FrameOwner owner, Object tag, long now) {
        int held = 0;
        int oldest = -1;
        for (int i = 0; i < count; i++) {
            if (owners[i] != null && addrLo[i] == lo && addrHi[i] == hi && held++ == 0) {
                oldest = i;
            }
        }
        boolean pushedOut = held >= FRAMES_PER_ADDRESS;
        if (pushedOut) {
            drop(oldest);
        }
        append(hi, lo, frame, owner, tag, now);
        return pushedOut;
    }

    /**
     * The MAC of {@code hi:lo} is known (learned anew, or found by an owner): its flows are told, then its frames
     * go to their owners with the MAC written, each oldest first.
     */
    public void resolved(long hi, long lo, long mac) {
        for (int i = 0; i < count; ) {
            if (owners[i] != null || addrLo[i] != lo || addrHi[i] != hi) {
                i++;
                continue;
            }
            Waiter w = (Waiter) remove(i);
            try {
                w.neighborKnown(mac);
            } catch (RuntimeException e) {
                counters.internalErrors++;
            }
        }
        for (int i = 0; i < count; ) {
            if (owners[i] == null || addrLo[i] != lo || addrHi[i] != hi) {
                i++;
                continue;
            }
            FrameOwner o = owners[i];
            ByteBuf f = (ByteBuf) remove(i);
            EthernetFrame.writeMac(f, f.readerIndex(), mac);
            o.sendHeld(f);
        }
    }

    /** Gives up the frames held with {@code tag} (their owner is going away), keeping the others in order. */
    public void releaseTagged(Object tag) {
        for (int i = 0; i < count; ) {
            if (owners[i] != null && tags[i] == tag) {
                drop(i);
            } else {
                i++;
            }
        }
    }

    /** Gives up the frames held {@link #HOLD_NANOS} or longer. */
    public void expire(long now) {
        // Arrival order is age order: the first frame is the oldest.
        for (int i = firstFrame(); i >= 0 && now - (heldAt[i] + HOLD_NANOS) >= 0; i = firstFrame()) {
            drop(i);
        }
    }

    /** When the oldest held frame is given up, or {@code Long.MAX_VALUE} when none is held. */
    public long nextDeadline() {
        int i = firstFrame();
        return i < 0 ? Long.MAX_VALUE : heldAt[i] + HOLD_NANOS;
    }

    /** Frames held now. */
    public int heldFrames() {
        return frameCount;
    }

    /** Releases every held frame and forgets every waiting flow, uncounted (the stack is closing). */
    public void clear() {
        while (count > 0) {
            boolean frame = owners[count - 1] != null;
            Object item = remove(count - 1);
            if (frame) {
                ((ByteBuf) item).release();
            }
        }
    }

    private int firstFrame() {
        if (frameCount == 0) {
            return -1;
        }
        int i = 0;
        while (owners[i] == null) {
            i++;
        }
        return i;
    }

    /** Releases the frame at {@code i} and has its owner count it. */
    private void drop(int i) {
        FrameOwner o = owners[i];
        ((ByteBuf) remove(i)).release();
        o.heldDropped(1);
    }

    private void append(long hi, long lo, Object item, FrameOwner owner, Object tag, long now) {
        if (count == items.length) {
            int n = count * 2;
            items = Arrays.copyOf(items, n);
            owners = Arrays.copyOf(owners, n);
            tags = Arrays.copyOf(tags, n);
            addrHi = Arrays.copyOf(addrHi, n);
            addrLo = Arrays.copyOf(addrLo, n);
            heldAt = Arrays.copyOf(heldAt, n);
        }
        items[count] = item;
        owners[count] = owner;
        tags[count] = tag;
        addrHi[count] = hi;
        addrLo[count] = lo;
        heldAt[count] = now;
        count++;
        if (owner != null) {
            frameCount++;
        }
    }

    /** Takes entry {@code i} out, keeping the order of the rest; returns its item. */
    private Object remove(int i) {
        Object item = items[i];
        if (owners[i] != null) {
            frameCount--;
        }
        int tail = count - i - 1;
        System.arraycopy(items, i + 1, items, i, tail);
        System.arraycopy(owners, i + 1, owners, i, tail);
        System.arraycopy(tags, i + 1, tags, i, tail);
        System.arraycopy(addrHi, i + 1, addrHi, i, tail);
        System.arraycopy(addrLo, i + 1, addrLo, i, tail);
        System.arraycopy(heldAt, i + 1, heldAt, i, tail);
        count--;
        items[count] = null;
        owners[count] = null;
        tags[count] = null;
        return item;
    }
}
