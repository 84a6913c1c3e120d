package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The heap trim's decision table, row by row, and its back-off, on a heap and a clock the test moves by hand.
 */
class HeapTrimTest {
    private static final long MIB = 1 << 20;
    private static final long S = 1_000_000_000L;

    /** A heap whose numbers the test sets; a collection leaves {@code liveAfterCollect} in use. */
    private static final class FakeHeap implements HeapTrim.Heap {
        long committed = 8 * MIB;
        long used = 3 * MIB;
        long liveAfterCollect = 3 * MIB;
        long committedAfterCollect = 8 * MIB;
        int collections;

        @Override
        public long committed() {
            return committed;
        }

        @Override
        public long used() {
            return used;
        }

        @Override
        public void collect() {
            collections++;
            used = liveAfterCollect;
            committed = committedAfterCollect;
        }
    }

    private final FakeHeap heap = new FakeHeap();
    private long now = 100 * S;
    private final HeapTrim trim = new HeapTrim(heap, () -> now);

    /** The first check records the floor (the committed heap at start) and never collects. */
    private void start() {
        trim.check(now);
        assertEquals(0, heap.collections);
    }

    /** A burst: the heap grows to 29 MiB with 20 in use, seen by one check (busy: nothing collected). */
    private void burst() {
        heap.committed = 29 * MIB;
        heap.used = 20 * MIB;
        int before = heap.collections;
        checkAfter(2 * S);
        assertEquals(before, heap.collections, "collected while the heap was growing");
    }

    private void checkAfter(long nanos) {
        now += nanos;
        trim.check(now);
    }

    @Test
    void aGrownHeapIsCollectedOnceTheLoopIsQuiet() {
        start();
        heap.committed = 29 * MIB;
        heap.used = 25 * MIB;
        checkAfter(2 * S);   // used grew by 22 MiB since the last check: still allocating
        assertEquals(0, heap.collections);
        heap.used += 100 << 10;
        checkAfter(2 * S);   // 100 KiB in two seconds: quiet
        assertEquals(1, heap.collections);
    }

    @Test
    void theClocksOriginDoesNotMatter() {
        // System.nanoTime() may be negative: a trim made then must collect just the same.
        now = Long.MIN_VALUE / 2;
        FakeHeap other = new FakeHeap();
        HeapTrim early = new HeapTrim(other, () -> now);
        early.check(now);
        other.committed = 29 * MIB;
        other.used = 20 * MIB;
        now += 2 * S;
        early.check(now);
        now += 2 * S;
        early.check(now);
        assertEquals(1, other.collections);
    }

    @Test
    void aYoungCollectionSinceTheLastCheckMeansStillBusy() {
        start();
        burst();
        heap.used = 19 * MIB;  // fell: a collection happened, so the heap is being collected anyway
        checkAfter(2 * S);
        assertEquals(0, heap.collections);
    }

    @Test
    void aHeapNearItsFloorIsLeftAlone() {
        start();
        heap.committed = 8 * MIB + HeapTrim.GROWTH - 1;
        for (int i = 0; i < 10; i++) {
            checkAfter(2 * S);
        }
        assertEquals(0, heap.collections);
    }

    @Test
    void collectionsThatFreeNothingBackOffUpToTheMaximum() {
        start();
        heap.liveAfterCollect = 20 * MIB;       // all of it live (flows in TIME_WAIT)
        heap.committedAfterCollect = 29 * MIB;  // so nothing comes back
        burst();
        checkAfter(2 * S);
        assertEquals(1, heap.collections);
        long last = now;
        long expectedWait = HeapTrim.RETRY_MIN_NANOS;
        for (int round = 0; round < 8; round++) {
            expectedWait = Math.min(expectedWait * 2, HeapTrim.RETRY_MAX_NANOS);
            int before = heap.collections;
            while (heap.collections == before) {
                checkAfter(S / 2);
                assertTrue(now - last <= expectedWait + S, "no collection within " + expectedWait / S + " s");
            }
            assertTrue(now - last >= expectedWait, "collected again after " + (now - last) / S + " s");
            last = now;
        }
    }

    @Test
    void aCollectionThatGaveMemoryBackResetsTheWait() {
        start();
        heap.liveAfterCollect = 20 * MIB;
        heap.committedAfterCollect = 29 * MIB;
        burst();
        checkAfter(2 * S);
        checkAfter(HeapTrim.RETRY_MIN_NANOS * 2);  // nothing freed: the wait is now 8 s
        assertEquals(2, heap.collections);
        heap.liveAfterCollect = 3 * MIB;  // the flows expired
        heap.committedAfterCollect = 9 * MIB;
        checkAfter(HeapTrim.RETRY_MIN_NANOS * 4);
        assertEquals(3, heap.collections);
        burst();  // a new one
        checkAfter(HeapTrim.RETRY_MIN_NANOS - 2 * S);  // back to the shortest wait
        assertEquals(4, heap.collections);
    }

    @Test
    void runsOnlyWhenItsCheckIsDue() {
        assertEquals(now + HeapTrim.CHECK_NANOS, trim.nextDeadlineNanos());
        now += HeapTrim.CHECK_NANOS - 1;
        trim.runIfDue();
        assertEquals(now + 1, trim.nextDeadlineNanos(), "ran before its deadline");
        now += 1;
        trim.runIfDue();
        assertEquals(now + HeapTrim.CHECK_NANOS, trim.nextDeadlineNanos());
    }
}
