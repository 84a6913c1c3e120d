package io.jslirp.stack.testing;

import io.jslirp.stack.Clock;

/** A clock that moves only when the test says so. */
public final class FakeClock implements Clock {
    private long now;

    public FakeClock(long start) {
        this.now = start;
    }

    public FakeClock() {
        this(1_000_000_000L);
    }

    @Override
    public long nanoTime() {
        return now;
    }

    public void advanceNanos(long nanos) {
        now += nanos;
    }

    public void advanceSeconds(long seconds) {
        now += seconds * 1_000_000_000L;
    }

    public void set(long nanos) {
        now = nanos;
    }
}
