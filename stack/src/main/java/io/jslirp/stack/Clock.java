package io.jslirp.stack;

/**
 * Monotonic time, injected so that protocol code never reads the wall clock and a test can step time
 * by hand.
 */
@FunctionalInterface
public interface Clock {
    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();

    Clock SYSTEM = System::nanoTime;

    /**
     * The earlier of two deadlines read from a clock, {@link Long#MAX_VALUE} meaning "none". Readings are compared
     * by their difference, as {@link System#nanoTime} asks: its origin is arbitrary and the values may wrap, where
     * {@code Math.min} would take a deadline just past the wrap (negative) for the earlier one.
     */
    static long earlier(long a, long b) {
        if (a == Long.MAX_VALUE) {
            return b;
        }
        return b == Long.MAX_VALUE || a - b < 0 ? a : b;
    }
}
