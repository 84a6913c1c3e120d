package io.jslirp.tap.sys;

import com.kenai.jffi.LastError;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * The one loaded {@link LibC} and the errno it leaves behind.
 *
 * <p>Loaded lazily on first use, not at class-load of the CLI, so that {@code --help} works on a host
 * where jffi cannot load its JNI library.
 */
public final class Native {
    private Native() {
    }

    /** The binding's first load failed on {@link #preloadInBackground}'s thread: what it threw, for the caller. */
    private static volatile Error preloadFailure;

    /** jffi's own property: a directory it loads its JNI library from before it tries to unpack one. */
    static final String JFFI_BOOT_PATH = "jffi.boot.library.path";

    private static final class Holder {
        static final LibC LIBC;
        static final LastError LAST_ERROR;

        static {
            if (!supported()) {
                throw new UnsupportedOperationException("jslirp supports Linux on x86-64 and aarch64, not "
                        + System.getProperty("os.name", "") + "/" + System.getProperty("os.arch", ""));
            }
            useUnpackedJffi();
            LIBC = new Glibc();
            LAST_ERROR = LastError.getInstance();
        }
    }

    /**
     * Points jffi at the copy of its JNI library that the build unpacked beside the jar
     * ({@code tap/target/jni/x86_64-Linux/libjffi-1.2.so}), unless jffi was already told where to look. Why: left
     * to itself, jffi copies the library out of the jar into a new temporary file at every start, loads it and
     * deletes it: 10-15 ms of CPU on the binding's thread, which is start-up's critical path (and the file's random
     * name started the JDK's SecureRandom, which nothing in jslirp starts now). jffi tries this
     * directory first and, should the library there be missing or unloadable, goes on to unpack its own as
     * before; without the directory nothing is set at all.
     */
    public static void useUnpackedJffi() {
        useUnpackedJffi(codeSource(Native.class));
    }

    /** {@link #useUnpackedJffi()} for classes loaded from {@code jarOrClasses}. */
    static void useUnpackedJffi(Path jarOrClasses) {
        if (System.getProperty(JFFI_BOOT_PATH) == null) {
            Path dir = unpackedJffiDir(jarOrClasses);
            if (dir != null) {
                System.setProperty(JFFI_BOOT_PATH, dir.toString());
            }
        }
    }

    /**
     * The {@code jni} directory beside {@code jarOrClasses} (the jar, or a build's classes directory), when it
     * holds this platform's subdirectory as jffi names it ({@code x86_64-Linux}, {@code aarch64-Linux}); else null.
     */
    static Path unpackedJffiDir(Path jarOrClasses) {
        if (jarOrClasses == null || jarOrClasses.getParent() == null) {
            return null;
        }
        Path dir = jarOrClasses.resolveSibling("jni");
        String platform = (isX86_64() ? "x86_64" : "aarch64") + "-Linux";
        return Files.isDirectory(dir.resolve(platform)) ? dir : null;
    }

    /** Where {@code c} was loaded from, as a file path; null when that is not a file. */
    private static Path codeSource(Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null || !"file".equals(cs.getLocation().getProtocol())) {
            return null;
        }
        try {
            return Path.of(cs.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Every constant in this package is Linux's value for these two ABIs; on others an ioctl number or struct
     * offset would be silently wrong, which is worse than refusing.
     */
    private static boolean supported() {
        String arch = System.getProperty("os.arch", "");
        return System.getProperty("os.name", "").equals("Linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }

    /**
     * Starts loading the binding on a daemon thread of its own, so that it is ready, or nearly, when the main
     * thread first needs it. Why: jffi's start (its JNI library, its platform and version checks) and the
     * look-ups of every function take 17-22 ms of CPU and about 45 ms of wall time from a cold JVM with the
     * class-data archive (JDK 17, busy machine), while parsing the command line and building the stack need
     * none of it; on two CPUs they overlap. (Under jnr-ffi, which generated the binding's class with ASM, this
     * was 100-150 ms.) A caller that gets there first simply waits for the class initialisation under way. A
     * load that fails here fails the same way, with the same error, on the first {@link #libc()};
     * {@code --help} and {@code --version} never get there.
     */
    public static void preloadInBackground() {
        if (!supported()) {
            return; // the first libc() says so, in the caller's thread
        }
        Thread t = new Thread(() -> {
            try {
                StartupTrace.mark("libc binding");
                Holder.LIBC.getClass();
                StartupTrace.mark("libc bound");
            } catch (Error e) {
                preloadFailure = e;
            }
        }, "jslirp-preload");
        t.setDaemon(true);
        t.start();
    }

    public static LibC libc() {
        try {
            return Holder.LIBC;
        } catch (NoClassDefFoundError e) {
            throw failure(e);
        }
    }

    /**
     * {@code size} bytes of zeroed native memory for a call's arguments and results, which the caller frees with
     * {@link NativeBlock#close}. Never on the packet path: each is a malloc.
     */
    public static NativeBlock allocate(int size) {
        libc(); // the binding's checks and errors first, as for any other native use
        return NativeBlock.allocate(size);
    }

    /** A load that failed on the preload thread: its own error (the cause), not the JVM's "could not initialize". */
    private static Error failure(NoClassDefFoundError later) {
        Error first = preloadFailure;
        return first != null ? first : later;
    }

    /** The errno saved by the most recent {@link LibC} call on this thread. */
    public static int errno() {
        return Holder.LAST_ERROR.get();
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
