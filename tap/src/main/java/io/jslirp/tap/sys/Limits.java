package io.jslirp.tap.sys;

/** Process resource limits jslirp adjusts at start-up. */
public final class Limits {
    private Limits() {
    }

    /**
     * Raises the soft RLIMIT_NOFILE to the hard limit. Every relayed connection holds a host socket, and the
     * usual soft limit (1024) would cap a container at about that many flows while the hard limit, which an
     * unprivileged process may raise to, is typically far higher. Returns the soft limit now in force.
     */
    public static long raiseOpenFileLimit() throws NativeException {
        LibC c = Native.libc();
        try (NativeBlock rlim = Native.allocate(16)) {
            if (c.getrlimit(Flags.RLIMIT_NOFILE, rlim.address()) < 0) {
                throw NativeException.last("getrlimit(RLIMIT_NOFILE)");
            }
            long soft = rlim.getLong(0);
            long hard = rlim.getLong(8);
            // rlim_t is unsigned; RLIM_INFINITY reads as -1 here, and "less than infinity" must compare that way.
            if (Long.compareUnsigned(soft, hard) >= 0) {
                return soft;
            }
            rlim.putLong(0, hard);
            if (c.setrlimit(Flags.RLIMIT_NOFILE, rlim.address()) < 0) {
                throw NativeException.last("setrlimit(RLIMIT_NOFILE, " + Long.toUnsignedString(hard) + ")");
            }
            return hard;
        }
    }

    /** The soft and hard RLIMIT_NOFILE, for tests and diagnostics. */
    public static long[] openFileLimit() throws NativeException {
        try (NativeBlock rlim = Native.allocate(16)) {
            if (Native.libc().getrlimit(Flags.RLIMIT_NOFILE, rlim.address()) < 0) {
                throw NativeException.last("getrlimit(RLIMIT_NOFILE)");
            }
            return new long[] {rlim.getLong(0), rlim.getLong(8)};
        }
    }
}
