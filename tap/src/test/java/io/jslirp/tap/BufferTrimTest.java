package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.sys.MallocTrim;
import org.junit.jupiter.api.Test;

/**
 * When the quiet-time release runs: once per burst, after a whole check interval without a frame, and glibc is
 * asked to return memory only when the release emptied chunks. On a target and a clock the test moves by hand.
 */
class BufferTrimTest {
    private static final long S = 1_000_000_000L;
    private static final long CHUNK = 1 << 20;

    /** Frames, kept buffers and pooled chunks as the test sets them; a release frees {@code chunksFreed}. */
    private static final class FakeTarget implements BufferTrim.Target {
        long frames;
        int kept;
        long pooled = 11 * CHUNK;
        long chunksFreedByRelease = 9 * CHUNK;
        int releaseCalls;
        int returns;

        @Override
        public long activity() {
            return frames;
        }

        @Override
        public int releaseIdleBuffers() {
            releaseCalls++;
            int n = kept;
            kept = 0;
            pooled -= chunksFreedByRelease;
            return n;
        }

        @Override
        public long pooledBytes() {
            return pooled;
        }

        @Override
        public void returnFreedMemory() {
            returns++;
        }
    }

    private final FakeTarget target = new FakeTarget();
    private long now = 100 * S;
    private final BufferTrim trim = new BufferTrim(target, () -> now);

    /** Advances the clock to the next check and runs the timer as the loop would. */
    private void nextCheck() {
        now = trim.nextDeadlineNanos();
        trim.runIfDue();
    }

    private void burst() {
        target.frames += 100_000;
        target.kept = 34;
    }

    @Test
    void anIdleJslirpNeverReleases() {
        for (int i = 0; i < 10; i++) {
            nextCheck();
        }
        assertEquals(0, target.releaseCalls);
        assertEquals(0, trim.releases());
    }

    @Test
    void releasesOnceAWholeIntervalHasPassedWithoutAFrameAfterABurst() {
        burst();
        nextCheck();
        assertEquals(0, target.releaseCalls, "frames moved during the interval: a burst may go on");
        burst();
        nextCheck();
        assertEquals(0, target.releaseCalls, "still busy");
        nextCheck();
        assertEquals(1, target.releaseCalls, "a whole interval without a frame");
        assertEquals(0, target.kept);
        assertEquals(1, target.returns, "chunks were freed: glibc is asked to return them");
        for (int i = 0; i < 5; i++) {
            nextCheck();
        }
        assertEquals(1, target.releaseCalls, "quiet since the release: nothing more to give back");
    }

    @Test
    void theNextBurstGetsItsOwnRelease() {
        burst();
        nextCheck();
        nextCheck();
        assertEquals(1, target.releaseCalls);
        target.frames++; // one frame is a burst too: it may have refilled the pools
        nextCheck();
        assertEquals(1, target.releaseCalls);
        nextCheck();
        assertEquals(2, target.releaseCalls);
    }

    @Test
    void glibcIsNotAskedWhenNoChunkWasFreed() {
        target.chunksFreedByRelease = 0;
        burst();
        nextCheck();
        nextCheck();
        assertEquals(1, target.releaseCalls);
        assertEquals(0, target.returns);
    }

    @Test
    void checksOnlyAtItsDeadline() {
        burst();
        nextCheck();
        long due = trim.nextDeadlineNanos();
        assertEquals(now + BufferTrim.CHECK_NANOS, due);
        now = due - 1;
        trim.runIfDue();
        assertEquals(0, target.releaseCalls, "an early wake-up of the loop is no check");
        now = due;
        trim.runIfDue();
        assertEquals(1, target.releaseCalls);
    }

    @Test
    void theClockMayBeNegative() {
        now = -50 * S;
        BufferTrim negative = new BufferTrim(target, () -> now);
        burst();
        now = negative.nextDeadlineNanos();
        negative.runIfDue();
        now = negative.nextDeadlineNanos();
        negative.runIfDue();
        assertEquals(1, target.releaseCalls);
    }

    @Test
    void mallocTrimIsCallableOnThisLibc() {
        // The build machines run glibc; on musl trim() returns false and does nothing.
        assertTrue(MallocTrim.trim());
        assertTrue(MallocTrim.trim(), "bound once, callable again");
    }
}
