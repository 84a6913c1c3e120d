package io.jslirp.tap;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Random bits from the kernel, read from {@code /dev/urandom} with a plain {@link FileInputStream}: what the
 * stack's TCP initial sequence numbers are keyed with (RFC 6528, {@code RelayOptions.withIsnSecret}).
 *
 * <p>Why not {@code java.security.SecureRandom}: for one long at start-up, it loaded the JDK's provider framework
 * (98 fewer classes at start without it, about 1.5 MiB of idle RSS in every jslirp) and read the same device. {@code /dev/urandom}
 * never blocks once the kernel's pool is initialised, which it is long before a container starts; a jslirp that
 * cannot read it does not start, rather than serve with sequence numbers anyone can predict.
 */
final class KernelRandom {
    static final String DEVICE = "/dev/urandom";

    private KernelRandom() {
    }

    /** Eight bytes of {@link #DEVICE}. */
    static long nextLong() throws IOException {
        return nextLong(DEVICE);
    }

    /** Eight bytes of {@code path} (a test passes its own file), big-endian. */
    static long nextLong(String path) throws IOException {
        byte[] b = new byte[Long.BYTES];
        int n = 0;
        try (InputStream in = new FileInputStream(path)) {
            while (n < b.length) {
                int r = in.read(b, n, b.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException e) {
            throw failure(path + ": " + e.getMessage(), e);
        }
        if (n < b.length) {
            throw failure(path + " ended after " + n + " of " + b.length + " bytes", null);
        }
        long v = 0;
        for (byte x : b) {
            v = v << 8 | (x & 0xff);
        }
        return v;
    }

    private static IOException failure(String why, IOException cause) {
        return new IOException("cannot read the kernel's randomness for TCP's sequence numbers: " + why, cause);
    }
}
