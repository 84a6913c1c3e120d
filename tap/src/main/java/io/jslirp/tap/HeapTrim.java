package io.jslirp.tap;

import io.jslirp.tap.loop.EventLoop;
import java.util.function.LongSupplier;

/**
 * Gives the Java heap back to the system once a burst is over, by asking for one full collection when the
 * loop has gone quiet with the heap still sized for the burst.
 *
 * <p>Why: the launcher runs the serial collector, which grows the heap as a connection burst promotes flows
 * to the old generation and shrinks it (to {@code MaxHeapFreeRatio}) only at a full collection. A full
 * collection comes only from allocation, and a quiet jslirp allocates next to nothing: after 100,000 short
 * connections the heap stayed at 29 MiB committed (8 MiB before) for as long as jslirp ran, though the flows
 * it held had long expired. JDK 17's serial collector has no periodic collection of its own (G1 has,
 * {@code G1PeriodicGCInterval}, but costs 35 MiB of its own structures on a 64 MiB heap and a GC thread).
 *
 * <p>When: a check every {@link #CHECK_NANOS} on the loop's timer. It collects when all of these hold
 * (a decision table, first failing row wins):
 * <pre>
 *  heap used since the last check   committed beyond the floor   retry time   action
 *  fell, or grew by QUIET or more   -                            -            none: still allocating, so
 *                                                                             collections come on their own
 *  grew by less than QUIET          under GROWTH                 -            none: nothing to give back
 *  grew by less than QUIET          GROWTH or more               not yet      none: backing off
 *  grew by less than QUIET          GROWTH or more               reached      System.gc()
 * </pre>
 * The floor is the committed heap of the first check (the launcher's {@code -Xms}). A collection that gave
 * back less than {@link #GROWTH} (the heap is full of live flows: TCP's TIME_WAIT keeps a closed connection
 * for 15 s) doubles the wait before the next one, from {@link #RETRY_MIN_NANOS} up to
 * {@link #RETRY_MAX_NANOS}; one that gave back memory resets it. So a jslirp holding many live flows pays
 * at most one full collection a minute, and an idle one none at all.
 *
 * <p>The collection runs on the loop thread, as a stop-the-world pause of a few milliseconds with a quiet
 * heap of a few MiB, between two turns: no flow is half handled. {@code -Djslirp.heapTrim=false} turns the
 * check off; {@code -XX:+DisableExplicitGC} makes its collections no-ops (and the back-off keeps trying
 * cheap).
 */
final class HeapTrim extends PeriodicCheck {
    static final boolean ENABLED = !"false".equals(System.getProperty("jslirp.heapTrim"));
    static final long CHECK_NANOS = 2_000_000_000L;
    /** Allocated between two checks below which the loop counts as quiet (a young collection is not near). */
    static final long QUIET = 512 << 10;
    /** Committed heap beyond the floor worth a collection. */
    static final long GROWTH = 4 << 20;
    static final long RETRY_MIN_NANOS = 4_000_000_000L;
    static final long RETRY_MAX_NANOS = 64_000_000_000L;

    /** The heap as {@link Runtime} shows it; a test passes its own. */
    interface Heap {
        long committed();

        long used();

        void collect();
    }

    private final Heap heap;
    private long floor = -1;
    private long lastUsed;
    private long retryAt;
    private long retryWait = RETRY_MIN_NANOS;
    private long collections;

    HeapTrim(Heap heap, LongSupplier nanoClock) {
        super(nanoClock, CHECK_NANOS);
        this.heap = heap;
        // System.nanoTime() has an arbitrary origin, negative as likely as not: no deadline may start at 0, so
        // the first retry time is the clock's reading at construction.
        this.retryAt = nextDeadlineNanos() - CHECK_NANOS;
    }

    /** Puts the check on {@code loop}'s timer, unless {@code -Djslirp.heapTrim=false}; on the loop thread. */
    static void install(EventLoop loop) {
        if (ENABLED) {
            new HeapTrim(new RuntimeHeap(), System::nanoTime).installOn(loop);
        }
    }

    /** Collections asked for so far. */
    long collections() {
        return collections;
    }

    @Override
    void check(long now) {
        long committed = heap.committed();
        long used = heap.used();
        if (floor < 0) {
            floor = committed;
            lastUsed = used;
            return;
        }
        long allocated = used - lastUsed;
        lastUsed = used;
        if (allocated < 0 || allocated >= QUIET || committed - floor < GROWTH || now - retryAt < 0) {
            return;
        }
        heap.collect();
        collections++;
        long after = heap.committed();
        lastUsed = heap.used();
        if (committed - after >= GROWTH) {
            retryWait = RETRY_MIN_NANOS;
        } else {
            retryWait = Math.min(retryWait * 2, RETRY_MAX_NANOS);
        }
        retryAt = now + retryWait;
    }

    private static final class RuntimeHeap implements Heap {
        private final Runtime rt = Runtime.getRuntime();

        @Override
        public long committed() {
            return rt.totalMemory();
        }

        @Override
        public long used() {
            return rt.totalMemory() - rt.freeMemory();
        }

        @Override
        public void collect() {
            System.gc();
        }
    }
}
