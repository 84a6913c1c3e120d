package io.jslirp.tap.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;

/**
 * The one loaded {@link LibC} and the errno it leaves behind.
 *
 * <p>Loaded lazily on first use, not at class-load of the CLI, so that {@code --help} works on a host
 * where jnr-ffi cannot load its stub.
 */
public final class Native {
    private Native() {
    }

    private static final class Holder {
        static final LibC LIBC;
        static final Runtime RUNTIME;

        static {
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            // Every constant in this package is Linux's value for these two ABIs; on others an ioctl number
            // or struct offset would be silently wrong, which is worse than refusing.
            if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
                throw new UnsupportedOperationException("jslirp supports Linux on x86-64 and aarch64, not " + os + "/" + arch);
            }
            LIBC = LibraryLoader.create(LibC.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .load("c");
            RUNTIME = Runtime.getRuntime(LIBC);
        }
    }

    public static LibC libc() {
        return Holder.LIBC;
    }

    public static Runtime runtime() {
        return Holder.RUNTIME;
    }

    /** The errno saved by the most recent {@link LibC} call on this thread. */
    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    /** The C library's text for an errno, e.g. "Permission denied". */
    public static String strerror(int errno) {
        String s = Holder.LIBC.strerror(errno);
        return s != null ? s : "errno " + errno;
    }

    /** True on x86-64, whose {@code struct epoll_event} is packed (12 bytes) unlike aarch64's (16). */
    public static boolean isX86_64() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64");
    }
}
