package io.jslirp.tap;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Stack;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.MallocTrim;
import java.util.function.LongSupplier;

/**
 * Gives the packet pools' memory back to the system once a burst is over: when no frame has crossed the stack
 * for a whole check interval, the stack and the TAP's reader release the buffers they keep for reuse, and if
 * that emptied chunks of Netty's pools, glibc is asked to return the freed memory at once.
 *
 * <p>Why: a burst leaves Netty's pool with the chunks it took (11 of 1 MiB after 100,000 short connections and
 * a bulk download each way, 1 at idle), because the stack's own pools keep buffers across bursts (the TCP frame
 * pool about 2 MiB even when idle, see {@code tcp.FrameMemory}) and those few buffers lie in every chunk: a
 * chunk with one buffer in it stays. Netty frees a chunk once it empties (one that was ever over a quarter
 * full: see {@link PacketAllocator}), with {@code free(3)}, and glibc
 * keeps what is freed in its own free lists (the JVM's {@code TrimNativeHeapInterval}, where the JDK has it,
 * returns it within 2 s). Netty keeps the last, empty, subpage of each small size class where it lies, which
 * in one pool kept a few of those chunks (7 of the 11); {@link PacketAllocator} gives small buffers a pool of
 * their own with 64 KiB chunks, so those runs pin no chunk of the large pool. The event loop's thread caches
 * nothing in Netty ({@code useCacheForAllThreads} is off and the loop is not a Netty thread), so there is no
 * thread cache to trim.
 *
 * <p>When: a check every {@link #CHECK_NANOS} on the loop's timer reads the stack's frame counters. Frames
 * moved since the last check: a burst may be under way, mark it and do nothing. None moved, and frames had
 * moved before: release, once (the next release waits for frames to move again). So an idle jslirp pays one
 * counter read per check, a busy one nothing more, and memory comes back 2 to 4 s after the last frame. The
 * release runs on the loop thread, between two turns, where the stack's state is its own; the next burst
 * takes its buffers from Netty again, which costs one allocation per buffer until the frame pool has refilled.
 * {@code -Djslirp.bufferTrim=false} turns the check off.
 */
final class BufferTrim extends PeriodicCheck {
    static final boolean ENABLED = !"false".equals(System.getProperty("jslirp.bufferTrim"));
    static final long CHECK_NANOS = 2_000_000_000L;

    /** What the check acts on; a test passes its own. */
    interface Target {
        /** A count that changes whenever a frame crosses the stack. */
        long activity();

        /** Releases the buffers the stack and the TAP's reader keep for reuse; returns how many. */
        int releaseIdleBuffers();

        /** Bytes of native memory the allocator holds in chunks. */
        long pooledBytes();

        /** Hands memory freed to the C library back to the system. */
        void returnFreedMemory();
    }

    private final Target target;
    private long lastActivity;
    /** Frames have moved since the last release. */
    private boolean dirty;
    private long releases;

    BufferTrim(Target target, LongSupplier nanoClock) {
        super(nanoClock, CHECK_NANOS);
        this.target = target;
        this.lastActivity = target.activity();
    }

    /** Puts the check on {@code loop}'s timer, unless {@code -Djslirp.bufferTrim=false}; on the loop thread. */
    static void install(EventLoop loop, Stack stack, TapPump pump, PacketAllocator alloc) {
        if (ENABLED) {
            new BufferTrim(new StackTarget(stack, pump, alloc), System::nanoTime).installOn(loop);
        }
    }

    /** Releases so far. */
    long releases() {
        return releases;
    }

    @Override
    void check(long now) {
        long activity = target.activity();
        if (activity != lastActivity) {
            lastActivity = activity;
            dirty = true;
            return;
        }
        if (!dirty) {
            return;
        }
        dirty = false;
        releases++;
        long before = target.pooledBytes();
        target.releaseIdleBuffers();
        if (target.pooledBytes() < before) {
            target.returnFreedMemory();
        }
    }

    private static final class StackTarget implements Target {
        private final Stack stack;
        private final Counters counters;
        private final TapPump pump;
        private final PacketAllocator alloc;

        StackTarget(Stack stack, TapPump pump, PacketAllocator alloc) {
            this.stack = stack;
            this.pump = pump;
            this.counters = stack.counters();
            this.alloc = alloc;
        }

        @Override
        public long activity() {
            return counters.framesIn + counters.framesOut;
        }

        @Override
        public int releaseIdleBuffers() {
            // The TAP's read buffer too: the one a burst's last read left lies in whichever chunk had room then,
            // and alone kept that 1 MiB chunk (measured with Netty's arena dump).
            return stack.releaseIdleBuffers() + (pump.releaseSpare() ? 1 : 0);
        }

        @Override
        public long pooledBytes() {
            return alloc.usedDirectMemory();
        }

        @Override
        public void returnFreedMemory() {
            MallocTrim.trimInBackground();
        }
    }
}
