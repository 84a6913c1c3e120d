package io.jslirp.tap;

import io.jslirp.tap.loop.EventLoop;
import java.util.function.LongSupplier;

/**
 * A check the event loop runs on its timer once per period, on the loop thread between two turns, where the
 * stack's state is its own: {@link HeapTrim} and {@link BufferTrim}. The clock is injected so that a test steps
 * it; {@code System.nanoTime()} has an arbitrary origin, so deadlines are compared by difference, never by sign.
 */
abstract class PeriodicCheck {
    private final LongSupplier clock;
    private final long periodNanos;
    private long nextCheck;

    PeriodicCheck(LongSupplier nanoClock, long periodNanos) {
        this.clock = nanoClock;
        this.periodNanos = periodNanos;
        this.nextCheck = nanoClock.getAsLong() + periodNanos;
    }

    final void installOn(EventLoop loop) {
        loop.addTimerSource(this::nextDeadlineNanos, this::runIfDue);
    }

    final long nextDeadlineNanos() {
        return nextCheck;
    }

    final void runIfDue() {
        long now = clock.getAsLong();
        if (now - nextCheck >= 0) {
            nextCheck = now + periodNanos;
            check(now);
        }
    }

    /** The check itself, at {@code now} on the injected clock. */
    abstract void check(long now);
}
