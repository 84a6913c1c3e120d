package io.jslirp.stack.wire;

/**
 * TCP sequence-number arithmetic (RFC 9293 section 3.4, RFC 1982 serial arithmetic) on plain {@code int}s.
 *
 * <p>Sequence numbers live on a circle of 2^32; {@code a} is "less than" {@code b} when the signed 32-bit
 * difference {@code a - b} is negative. Java's int subtraction wraps exactly like the 32-bit unsigned
 * arithmetic of the RFC, so no widening or masking is needed, and comparisons stay correct across the wrap
 * at 2^32 as long as the two numbers are within 2^31 of each other, which TCP's window limit (2^30 with
 * scaling) guarantees.
 */
public final class Seq {
    private Seq() {
    }

    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** {@code a - b} as a signed distance; meaningful when the two are within 2^31. */
    public static int diff(int a, int b) {
        return a - b;
    }

    public static int max(int a, int b) {
        return gt(a, b) ? a : b;
    }

    public static int min(int a, int b) {
        return lt(a, b) ? a : b;
    }

    /** {@code lo <= x < hi} on the circle (an empty range when lo == hi). */
    public static boolean inRange(int x, int lo, int hi) {
        return le(lo, x) && lt(x, hi);
    }
}
