package io.jslirp.tap.e2e;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A deterministic byte stream that both ends of a bulk transfer can produce on their own: word i (8
 * bytes, little-endian) is a SplitMix64 mix of {@code seed + i}. Counter-based, so any chunking gives
 * the same bytes and a sender and a checker need to share only (seed, size). Used by the tests and by
 * {@link GuestTool} (which runs in the guest with nothing but the JDK), so it depends on nothing else.
 */
final class DetStream {
    private final long seed;
    private final long size;
    private long pos;

    DetStream(long seed, long size) {
        if (size % 8 != 0) {
            throw new IllegalArgumentException("size must be a multiple of 8: " + size);
        }
        this.seed = seed;
        this.size = size;
    }

    /** Fills {@code b[0..n)} with the next bytes and returns n (0 at the end); n is a multiple of 8. */
    int next(byte[] b) {
        int n = (int) Math.min(b.length & ~7, size - pos);
        long w = pos >>> 3;
        for (int i = 0; i < n; i += 8, w++) {
            long v = mix(seed + w);
            b[i] = (byte) v;
            b[i + 1] = (byte) (v >>> 8);
            b[i + 2] = (byte) (v >>> 16);
            b[i + 3] = (byte) (v >>> 24);
            b[i + 4] = (byte) (v >>> 32);
            b[i + 5] = (byte) (v >>> 40);
            b[i + 6] = (byte) (v >>> 48);
            b[i + 7] = (byte) (v >>> 56);
        }
        pos += n;
        return n;
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The sha256 (lower-case hex, as sha256sum prints it) of the whole stream. */
    static String sha256(long seed, long size) {
        MessageDigest md = sha256();
        DetStream s = new DetStream(seed, size);
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = s.next(buf)) > 0) {
            md.update(buf, 0, n);
        }
        return hex(md);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }
}
