package io.jslirp.tap.sys;

import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.provider.jffi.NoX86;

/**
 * glibc's {@code malloc_trim(3)}: returns the free memory of every malloc arena to the system. Netty's pool
 * frees an emptied 1 MiB chunk with {@code free(3)}, and glibc serves such sizes from its arenas once one has
 * been freed (its mmap threshold rises to the freed size), so the chunk's pages stay in jslirp's RSS until
 * something trims; the JVM's {@code TrimNativeHeapInterval} does every 2 s where the JDK has it, this does at
 * once, when the caller knows it just freed some.
 *
 * <p>Its own binding, apart from {@link LibC}, bound on the first {@link #trim}: never at start-up, where
 * every bound function costs, and not at all in a jslirp that never goes quiet after a burst. jnr-ffi generates
 * the binding's class then (tens of milliseconds, more on a busy machine), so the event loop asks for it with
 * {@link #trimInBackground}. A C library without the function (musl) makes {@link #trim} a no-op.
 */
public final class MallocTrim {
    private MallocTrim() {
    }

    /**
     * The one function; public for jnr-ffi's generated class only. Bound as {@link LibC} is (no assembled stub, no
     * type annotations: its comment says why; {@code size_t} is a {@code long} on the two ABIs Native accepts).
     */
    @NoX86
    public interface Glibc {
        int malloc_trim(long pad);
    }

    private static Glibc glibc;
    private static volatile boolean unavailable;
    private static final AtomicBoolean running = new AtomicBoolean();

    /**
     * {@link #trim} on a short-lived daemon thread of its own, so the caller (the event loop) neither binds nor
     * walks glibc's arenas; a request while one runs is dropped, as that one returns the same memory.
     */
    public static void trimInBackground() {
        if (unavailable || !running.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                trim();
            } finally {
                running.set(false);
            }
        }, "jslirp-malloc-trim");
        t.setDaemon(true);
        t.start();
    }

    /** Asks glibc to return its free memory; false when there is no glibc to ask. Not for the packet path. */
    public static synchronized boolean trim() {
        if (unavailable) {
            return false;
        }
        try {
            if (glibc == null) {
                glibc = Native.load(Glibc.class);
            }
            glibc.malloc_trim(0);
            return true;
        } catch (LinkageError | RuntimeException e) {
            unavailable = true;
            return false;
        }
    }
}
