package io.jslirp.tap.sys;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
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

    /** The binding's first load failed on {@link #preloadInBackground}'s thread: what it threw, for the caller. */
    private static volatile Error preloadFailure;
    /** The same for {@link LaterCalls}, when the preload bound them too. */
    private static volatile Error laterPreloadFailure;

    /** jffi's own property: a directory it loads its JNI library from before it tries to unpack one. */
    static final String JFFI_BOOT_PATH = "jffi.boot.library.path";

    private static final class Holder {
        static final LibC LIBC;
        static final Runtime RUNTIME;

        static {
            if (!supported()) {
                throw new UnsupportedOperationException("jslirp supports Linux on x86-64 and aarch64, not "
                        + System.getProperty("os.name", "") + "/" + System.getProperty("os.arch", ""));
            }
            useUnpackedJffi();
            LIBC = load(LibC.class);
            RUNTIME = Runtime.getRuntime(LIBC);
        }
    }

    /**
     * Points jffi at the copy of its JNI library that the build unpacked beside the jar
     * ({@code tap/target/jni/x86_64-Linux/libjffi-1.2.so}), unless jffi was already told where to look. Why: left
     * to itself, jffi copies the library out of the jar into a new temporary file at every start, loads it and
     * deletes it: 10-15 ms of CPU on the binding's thread, which is start-up's critical path (and the file's random
     * name started the JDK's SecureRandom there, which the stack now starts on its own thread). jffi tries this
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
     * By glibc's soname first: dlopen finds the library already in the process at once. Given only "c", jnr-ffi
     * first fails a dlopen of "c" in every library directory and then lists those directories to pick a libc.so.N
     * (10 ms of the binding's load, more on a host with many libraries). "c" stays the fallback for a libc with
     * another name.
     */
    static <T> T load(Class<T> calls) {
        try {
            return LibraryLoader.create(calls).option(LibraryOption.SaveError, Boolean.TRUE).load("libc.so.6");
        } catch (UnsatisfiedLinkError e) {
            return LibraryLoader.create(calls).option(LibraryOption.SaveError, Boolean.TRUE).load("c");
        }
    }

    /** {@link LaterCalls}, bound on first use, after {@link LibC} (whose checks and errors come first). */
    private static final class LaterHolder {
        static final LaterCalls CALLS;

        static {
            libc();
            CALLS = load(LaterCalls.class);
        }
    }

    /** The functions {@link LibC} forwards to {@link LaterCalls}, bound now if they are not yet. */
    static LaterCalls later() {
        try {
            return LaterHolder.CALLS;
        } catch (NoClassDefFoundError e) {
            libc(); // the first binding's own error, when it was that one that failed
            Error first = laterPreloadFailure;
            throw first != null ? first : e;
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
     * thread first needs it. Why: jnr-ffi generates the binding's class at load (ASM, interpreted this early),
     * 100-150 ms of CPU at start-up, while parsing the
     * command line and building the stack (Jslirp.prepare) take most of that again and need none of it; on two
     * CPUs they overlap. A caller that gets there first simply waits for the class
     * initialisation under way. A load that fails here fails the same way, with the same error, on the
     * first {@link #libc()}; {@code --help} and {@code --version} never get there.
     */
    public static void preloadInBackground() {
        preloadInBackground(false);
    }

    /**
     * {@link #preloadInBackground()}, and then {@link LaterCalls} too when {@code withLaterCalls}: for a start
     * that will call them before its ready byte (the sandbox's setup), so that they are bound off its critical
     * path as well.
     */
    public static void preloadInBackground(boolean withLaterCalls) {
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
                return;
            }
            if (withLaterCalls) {
                try {
                    LaterHolder.CALLS.getClass();
                } catch (Error e) {
                    laterPreloadFailure = e;
                }
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

    public static Runtime runtime() {
        try {
            return Holder.RUNTIME;
        } catch (NoClassDefFoundError e) {
            throw failure(e);
        }
    }

    /**
     * Jnr-ffi takes memory of more than this many bytes from malloc, each block freed by the JVM's own finalizer
     * thread; smaller blocks from pages of its own, which start a thread of jnr-ffi's (its reference queue's
     * reaper) and java.util.logging with it (its logger): 42 classes and a thread, for a few bytes of arguments.
     */
    static final int SMALLEST_MALLOCED = 257;

    /**
     * {@code size} bytes of zeroed native memory for a call's arguments and results, freed once the pointer is
     * unreachable. Never on the packet path: each call is a malloc and a finalizable object (as jnr-ffi's
     * {@link Memory#allocateDirect} is for large blocks; this takes that path for small ones too, see
     * {@link #SMALLEST_MALLOCED}). The pointer's size is {@code size}; the block behind it may be larger.
     */
    public static Pointer allocate(int size) {
        if (size >= SMALLEST_MALLOCED) {
            return Memory.allocateDirect(runtime(), size, true);
        }
        // The slice keeps the whole block reachable, so it is freed only with the slice.
        return Memory.allocateDirect(runtime(), SMALLEST_MALLOCED, true).slice(0, size);
    }

    /** A load that failed on the preload thread: its own error (the cause), not the JVM's "could not initialize". */
    private static Error failure(NoClassDefFoundError later) {
        Error first = preloadFailure;
        return first != null ? first : later;
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
