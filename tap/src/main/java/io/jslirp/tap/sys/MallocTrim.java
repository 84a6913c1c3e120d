package io.jslirp.tap.sys;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * glibc's {@code malloc_trim(3)}: returns the free memory of every malloc arena to the system. Netty's pool
 * frees an emptied 1 MiB chunk with {@code free(3)}, and glibc serves such sizes from its arenas once one has
 * been freed (its mmap threshold rises to the freed size), so the chunk's pages stay in jslirp's RSS until
 * something trims; the JVM's {@code TrimNativeHeapInterval} does every 2 s where the JDK has it, this does at
 * once, when the caller knows it just freed some.
 *
 * <p>Apart from {@link LibC}, looked up on the first {@link #trim}, because a C library without the function
 * (musl) makes {@link #trim} a no-op rather than failing the whole binding. The walk over the arenas takes a
 * while, so the event loop asks for it with {@link #trimInBackground}.
 */
public final class MallocTrim {
    private MallocTrim() {
    }

    /** malloc_trim's address once looked up; 0 before. */
    private static long function;
    private static CallContext context;
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
            if (function == 0) {
                Native.libc(); // the binding's checks and errors first
                long address = Glibc.symbol("malloc_trim");
                if (address == 0) {
                    unavailable = true;
                    return false;
                }
                // int malloc_trim(size_t pad); size_t is 64 bits on the two ABIs Native accepts
                context = CallContext.getCallContext(Type.SINT, new Type[] {Type.ULONG}, CallingConvention.DEFAULT,
                        false);
                function = address;
            }
            Invoker.getInstance().invokeN1(context, function, 0);
            return true;
        } catch (LinkageError | RuntimeException e) {
            unavailable = true;
            return false;
        }
    }
}
