package io.jslirp.stack.iface;

import io.jslirp.stack.Clock;

/**
 * The token bucket in front of the errors IP input generates about the guest's packets. RFC 4443 2.4 (f)
 * requires a limit on ICMPv6 errors and RFC 1812 4.3.2.8 asks a router for one on ICMP errors, for the same
 * reason: a flood of bad packets must not turn into a flood of errors. At most {@link #BURST} at once, refilled
 * one per {@link #INTERVAL_NANOS} (100 a second, Linux's icmp_ratelimit order of magnitude); each family has its own.
 */
final class IcmpErrorLimiter {
    static final int BURST = 10;
    static final long INTERVAL_NANOS = 10_000_000L;

    private final Clock clock;
    private long tokens = BURST;
    private long refilled;

    IcmpErrorLimiter(Clock clock) {
        this.clock = clock;
        this.refilled = clock.nanoTime();
    }

    /** Takes one token: true when an error may go now. */
    boolean take() {
        long now = clock.nanoTime();
        // By difference, so a wrapping clock reading refills as it should.
        long refill = (now - refilled) / INTERVAL_NANOS;
        if (refill > 0) {
            tokens = Math.min(BURST, tokens + refill);
            refilled += refill * INTERVAL_NANOS;
        }
        if (tokens == 0) {
            return false;
        }
        tokens--;
        return true;
    }
}
