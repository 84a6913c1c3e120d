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
 * {@link #releaseTagged}) are released here and counted by their owner. Entries sit in small arrays in arrival
 * order; this is the resolution-miss path, rare and short, so removal by copying is fine, and nothing here
 * runs per packet of an established flow.
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

    private Waiter[] waiters = new Waiter[4];
    private long[] waiterHi = new long[4];
    private long[] waiterLo = new long[4];
    private int waiterCount;

    private ByteBuf[] frames = new ByteBuf[8];
    private FrameOwner[] owners = new FrameOwner[8];
    private Object[] tags = new Object[8];
    private long[] frameHi = new long[8];
    private long[] frameLo = new long[8];
    private long[] heldAt = new long[8];
    private int frameCount;

    public PendingNeighbors(Counters counters) {
        this.counters = counters;
    }

    /** Queues {@code w} until the MAC of {@code hi:lo} is known. */
    public void await(long hi, long lo, Waiter w) {
        if (waiterCount == waiters.length) {
            int n = waiterCount * 2;
            waiters = Arrays.copyOf(waiters, n);
            waiterHi = Arrays.copyOf(waiterHi, n);
            waiterLo = Arrays.copyOf(waiterLo, n);
        }
        waiters[waiterCount] = w;
        waiterHi[waiterCount] = hi;
        waiterLo[waiterCount] = lo;
        waiterCount++;
    }

    /** Takes {@code w} off the queue (it found the MAC itself, or it ended); nothing if it is not queued. */
    public void cancel(Waiter w) {
        for (int i = 0; i < waiterCount; i++) {
            if (waiters[i] == w) {
                removeWaiter(i);
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
        for (int i = 0; i < frameCount; i++) {
            if (frameLo[i] == lo && frameHi[i] == hi) {
                if (held++ == 0) {
                    oldest = i;
                }
            }
        }
        boolean pushedOut = held >= FRAMES_PER_ADDRESS;
        if (pushedOut) {
            FrameOwner o = owners[oldest];
            removeFrame(oldest).release();
            o.heldDropped(1);
        }
        if (frameCount == frames.length) {
            int n = frameCount * 2;
            frames = Arrays.copyOf(frames, n);
            owners = Arrays.copyOf(owners, n);
            tags = Arrays.copyOf(tags, n);
            frameHi = Arrays.copyOf(frameHi, n);
            frameLo = Arrays.copyOf(frameLo, n);
            heldAt = Arrays.copyOf(heldAt, n);
        }
        frames[frameCount] = frame;
        owners[frameCount] = owner;
        tags[frameCount] = tag;
        frameHi[frameCount] = hi;
        frameLo[frameCount] = lo;
        heldAt[frameCount] = now;
        frameCount++;
        return pushedOut;
    }

    /**
     * The MAC of {@code hi:lo} is known (learned anew, or found by an owner): its flows are told, then its frames
     * go to their owners with the MAC written, each oldest first.
     */
    public void resolved(long hi, long lo, long mac) {
        for (int i = 0; i < waiterCount; ) {
            if (waiterLo[i] != lo || waiterHi[i] != hi) {
                i++;
                continue;
            }
            Waiter w = waiters[i];
            removeWaiter(i);
            try {
                w.neighborKnown(mac);
            } catch (RuntimeException e) {
                counters.internalErrors++;
            }
        }
        for (int i = 0; i < frameCount; ) {
            if (frameLo[i] != lo || frameHi[i] != hi) {
                i++;
                continue;
            }
            FrameOwner o = owners[i];
            ByteBuf f = removeFrame(i);
            EthernetFrame.writeMac(f, f.readerIndex(), mac);
            o.sendHeld(f);
        }
    }

    /** Gives up the frames held with {@code tag} (their owner is going away), keeping the others in order. */
    public void releaseTagged(Object tag) {
        for (int i = 0; i < frameCount; ) {
            if (tags[i] != tag) {
                i++;
                continue;
            }
            FrameOwner o = owners[i];
            removeFrame(i).release();
            o.heldDropped(1);
        }
    }

    /** Gives up the frames held {@link #HOLD_NANOS} or longer. */
    public void expire(long now) {
        // Arrival order is age order: the oldest is first.
        while (frameCount > 0 && now - (heldAt[0] + HOLD_NANOS) >= 0) {
            FrameOwner o = owners[0];
            removeFrame(0).release();
            o.heldDropped(1);
        }
    }

    /** When the oldest held frame is given up, or {@code Long.MAX_VALUE} when none is held. */
    public long nextDeadline() {
        return frameCount == 0 ? Long.MAX_VALUE : heldAt[0] + HOLD_NANOS;
    }

    /** Frames held now. */
    public int heldFrames() {
        return frameCount;
    }

    /** Releases every held frame and forgets every waiter, uncounted (the stack is closing). */
    public void clear() {
        while (frameCount > 0) {
            removeFrame(frameCount - 1).release();
        }
        while (waiterCount > 0) {
            removeWaiter(waiterCount - 1);
        }
    }

    private void removeWaiter(int i) {
        int tail = waiterCount - i - 1;
        System.arraycopy(waiters, i + 1, waiters, i, tail);
        System.arraycopy(waiterHi, i + 1, waiterHi, i, tail);
        System.arraycopy(waiterLo, i + 1, waiterLo, i, tail);
        waiters[--waiterCount] = null;
    }

    private ByteBuf removeFrame(int i) {
        ByteBuf f = frames[i];
        int tail = frameCount - i - 1;
        System.arraycopy(frames, i + 1, frames, i, tail);
        System.arraycopy(owners, i + 1, owners, i, tail);
        System.arraycopy(tags, i + 1, tags, i, tail);
        System.arraycopy(frameHi, i + 1, frameHi, i, tail);
        System.arraycopy(frameLo, i + 1, frameLo, i, tail);
        System.arraycopy(heldAt, i + 1, heldAt, i, tail);
        frameCount--;
        frames[frameCount] = null;
        owners[frameCount] = null;
        tags[frameCount] = null;
        return f;
    }
}
