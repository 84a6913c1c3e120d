package io.jslirp.tap.sys;

import java.io.IOException;

/**
 * A failed system call: the errno and a message shaped like a C tool's, {@code "what: strerror"}, e.g.
 * {@code "open /dev/net/tun: Permission denied"}. Being an {@code IOException}, it flows through the same
 * paths as the JDK's I/O failures and reaches the user's terminal unchanged.
 */
public class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /** {@code operation} names the call and its object ("open /dev/net/tun"); the errno text is appended. */
    public NativeException(String operation, int errno) {
        super(operation + ": " + Native.strerror(errno));
        this.errno = errno;
    }

    private NativeException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** For a failure detected by jslirp rather than the kernel; {@code errno} says which errno it resembles. */
    public static NativeException withMessage(String message, int errno) {
        return new NativeException(errno, message);
    }

    /** Builds the exception from the errno the last {@link LibC} call on this thread left. */
    public static NativeException last(String operation) {
        return new NativeException(operation, Native.errno());
    }

    public int errno() {
        return errno;
    }
}
