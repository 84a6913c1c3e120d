package io.jslirp.tap.sandbox;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;
import io.jslirp.tap.sys.CStrings;
import io.jslirp.tap.sys.Native;
import java.util.List;

/**
 * The four C calls the first JVM of {@code --enable-sandbox} makes before it restarts ({@code unshare},
 * {@code mount}, {@code fcntl}, {@code execve}), each looked up in jffi when called, rather than through
 * {@link io.jslirp.tap.sys.LibC}.
 *
 * <p>Why: everything the first JVM does is start-up time the restarted one then spends again. Measured when
 * LibC was a jnr-ffi binding, in CPU time (perf stat task-clock, JDK 17 with the launcher's class-data
 * archive, median of 4): a JVM doing nothing 85 ms; one that makes a call through jffi 134 ms; through a
 * jnr-ffi interface of four methods 217 ms; through LibC 255 ms. LibC is on jffi as well now; what this
 * class still spares the first JVM is LibC's look-up of its other functions. Nothing here is on a hot path, so the calls may allocate freely.
 *
 * <p>The calls return the C function's result; {@link #errno()} is the errno the last one left (saved by
 * jffi right after the call, before the JVM can touch it).
 */
final class RestartCalls {
    static {
        // The sandbox's first JVM binds jffi here, not through Native: without this it would unpack jffi's library
        // into a new temporary file, as every start did before the build unpacked it.
        Native.useUnpackedJffi();
    }

    private final Invoker invoker = Invoker.getInstance();
    private final Library process = Library.getDefault();
    private final CallContext int1 = context(Type.SINT, Type.SINT);
    private final CallContext int3 = context(Type.SINT, Type.SINT, Type.SINT, Type.SINT);
    private final CallContext pointers3 = context(Type.SINT, Type.POINTER, Type.POINTER, Type.POINTER);
    private final CallContext mount = context(Type.SINT, Type.POINTER, Type.POINTER, Type.POINTER, Type.ULONG, Type.POINTER);

    private static CallContext context(Type result, Type... parameters) {
        return CallContext.getCallContext(result, parameters, CallingConvention.DEFAULT, true);
    }

    private long symbol(String name) {
        long address = process.getSymbolAddress(name);
        if (address == 0) {
            throw new UnsupportedOperationException("the C library has no " + name + ": " + Library.getLastError());
        }
        return address;
    }

    int errno() {
        return LastError.getInstance().get();
    }

    int unshare(int flags) {
        return (int) invoker.invokeL1(int1, symbol("unshare"), flags);
    }

    int fcntl(int fd, int cmd, int arg) {
        return (int) invoker.invokeL3(int3, symbol("fcntl"), fd, cmd, arg);
    }

    /** mount(2) with no source, type or data: a propagation change such as MS_REC|MS_SLAVE on {@code target}. */
    int mountPropagation(String target, long flags) {
        long path = CStrings.copy(target);
        try {
            return (int) invoker.invokeL5(mount, symbol("mount"), 0, path, 0, flags, 0);
        } finally {
            CStrings.free(path);
        }
    }

    /** execve(2); returns only on failure (-1, errno set), with everything it allocated freed. */
    int execve(String path, List<String> argv, List<String> envp) {
        long file = 0;
        long args = 0;
        long env = 0;
        try {
            file = CStrings.copy(path);
            args = CStrings.copyArray(argv.toArray(new String[0]));
            env = CStrings.copyArray(envp.toArray(new String[0]));
            return (int) invoker.invokeL3(pointers3, symbol("execve"), file, args, env);
        } finally {
            CStrings.freeArray(env);
            CStrings.freeArray(args);
            CStrings.free(file);
        }
    }
}
