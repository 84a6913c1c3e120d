package io.jslirp.stack.tcp;

import io.jslirp.stack.Clock;
import io.netty.util.internal.PlatformDependent;

/**
 * The bytes all connections of a layer have sent the guest and not yet had acknowledged: one budget, shared
 * equally by the connections that have something in flight ({@code SegmentsToGuest.usableWindow} applies it).
 *
 * <h2>Theory of operation</h2>
 * Every unacknowledged segment toward the guest is a frame buffer jslirp holds for retransmission, so what is
 * in flight is memory, and direct memory at that: a bounded pool the process ends without. The guest's window
 * alone bounds nothing useful. A Linux guest whose {@code tcp_rmem} allows 32 MiB (this project's machine, and
 * any host tuned for fast downloads) advertises 32 MiB per connection, and its TCP acknowledges late while its
 * reader is descheduled, so one bulk download kept up to 32 MiB of frames here, and four in parallel
 * ({@code iperf3 -R -P 4}) exhausted the launcher's 96 MiB of direct memory and ended jslirp.
 *
 * <p>So a connection with bytes in flight starts a new frame only while they are below its share (the
 * {@link #BUDGET} divided by the number of connections with something in flight) and the layer's total is below
 * the budget. A connection with nothing in flight may always start one frame: it then has ACKs to come, and
 * every ACK re-evaluates the rule (its read interest follows the usable window), so nobody has to be woken by
 * anyone else. The total stays below the budget plus about one frame per connection however many download at
 * once, and nobody starves: a connection that held the whole budget is over its share as soon as a second
 * one sends, and starts nothing until its ACKs bring it under, which leaves the room to the newcomer.
 *
 * <p>The budget is a twelfth of the direct memory the JVM allows (Netty's {@code maxDirectMemory}), between
 * {@link #MIN_BUDGET} and {@link #MAX_BUDGET}: the launcher's 96 MiB gives 8 MiB, a JVM with default sizing
 * (a quarter of the RAM) 32 MiB. The flight is then at most a small part of the pool's limit, with room for
 * the frames of every other flow, and it is most of the peak RSS under a download: 8 MiB took about 20 MiB
 * off the launcher's peak against 32, with the same host-to-guest speed, one stream and four (README,
 * "Footprint"). Capping every connection near the bandwidth-delay product of a local TAP (1 or 2 MiB) was
 * tried and measured slower on a two-CPU machine, where a deep queue lets the guest's reader take large
 * batches when it runs: four downloads at once get 2 MiB each from the launcher's budget, and the floor keeps
 * a very small cap from going below that.
 *
 * <p>The frames in flight come from the layer's pool of frame buffers, which therefore may hold the whole
 * budget: were it smaller than the flight, every acknowledged window would hand buffers back to Netty and every
 * next one take new ones, and Netty frees a chunk that empties and zeroes and faults in a new one (counted:
 * 15 of 16 frames per MiB were new buffers, and 0.5-0.8 MiB zeroed per MiB sent). What the pool holds beyond
 * its base and not taken by any read for {@link #POOL_IDLE} after the flight first empties is released:
 * emptying starts the pool's count ({@code FrameMemory.startIdleCount}), {@link #trimDue} tells the layer's
 * timers when the second is up, and the layer comes back every second while the pool holds more than its
 * base. The deadline is not pushed back when the flight empties again: under many short connections it
 * empties a few thousand times a second, and a deadline always a second ahead kept a bulk download's whole
 * window (8 MiB) in the pool through the 100,000 connections that followed it, each of which used one buffer
 * at a time. A download still running keeps what it used in that second, so trimming costs it nothing. The
 * base goes too when no frame has moved at all for seconds ({@code Stack.releaseIdleBuffers}).
 */
final class FlightToGuest {
    static final int MIN_BUDGET = 8 << 20;
    static final int MAX_BUDGET = 32 << 20;
    /** Bytes in flight toward the guest over all connections of a layer: the sum of the shares. */
    static final int BUDGET = budgetFor(PlatformDependent.maxDirectMemory());

    /** The budget for a JVM that allows {@code maxDirect} bytes of direct memory (negative: unknown). */
    static int budgetFor(long maxDirect) {
        if (maxDirect <= 0) {
            return MAX_BUDGET;
        }
        return (int) Math.max(MIN_BUDGET, Math.min(MAX_BUDGET, maxDirect / 12));
    }

    /** With nothing in flight for this long, the frame pool gives back what it keeps beyond its base. */
    static final long POOL_IDLE = 1_000_000_000L;

    private final Clock clock;
    private final FrameMemory memory;
    private long bytes;
    private int senders;
    /** When the pool may be trimmed: POOL_IDLE after the flight first emptied; MAX_VALUE when not armed. */
    private long trimAt = Long.MAX_VALUE;

    FlightToGuest(Clock clock, FrameMemory memory) {
        this.clock = clock;
        this.memory = memory;
    }

    /** The total sent and not yet acknowledged (sequence space: payload, plus one per FIN). */
    long bytes() {
        return bytes;
    }

    /** Connections with bytes in flight. */
    int senders() {
        return senders;
    }

    /** How many bytes one connection may have in flight before it starts no new frame. */
    int share() {
        return senders <= 1 ? BUDGET : BUDGET / senders;
    }

    /** A connection's queue took {@code seqLen} bytes; {@code first}: it held none before. */
    void sent(int seqLen, boolean first) {
        bytes += seqLen;
        if (first) {
            senders++;
        }
    }

    /** {@code seqLen} bytes left a connection's queue (acknowledged or released); {@code last}: it is empty. */
    void released(long seqLen, boolean last) {
        bytes -= seqLen;
        if (last) {
            senders--;
            if (senders == 0 && trimAt == Long.MAX_VALUE) {
                trimAt = clock.nanoTime() + POOL_IDLE;
                memory.startIdleCount();
            }
        }
    }

    /** The deadline of the pool trim, for the layer's timers. */
    long trimAt() {
        return trimAt;
    }

    /** At or after {@link #trimAt}: disarms it and says that the pool should be trimmed now. */
    boolean trimDue(long now) {
        if (trimAt == Long.MAX_VALUE || now - trimAt < 0) {
            return false;
        }
        trimAt = Long.MAX_VALUE;
        return true;
    }

    /** Trims the pool again at {@code at} (it still holds more than its base), unless a trim is armed already. */
    void trimAgainAt(long at) {
        if (trimAt == Long.MAX_VALUE) {
            trimAt = at;
        }
    }
}
