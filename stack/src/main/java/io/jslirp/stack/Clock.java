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
}
