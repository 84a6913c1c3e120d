package io.jslirp.tap.sys;

/** Small file-descriptor chores shared by the device, namespace and loop code. */
public final class Fds {
    private Fds() {
    }

    /** Adds O_NONBLOCK: every fd jslirp polls must never block the single event-loop thread. */
    public static void setNonBlocking(int fd) throws NativeException {
        LibC c = Native.libc();
        int fl = c.fcntl(fd, Flags.F_GETFL, 0);
        if (fl < 0) {
            throw NativeException.last("fcntl(F_GETFL) fd " + fd);
        }
        if ((fl & Flags.O_NONBLOCK) == 0 && c.fcntl(fd, Flags.F_SETFL, fl | Flags.O_NONBLOCK) < 0) {
            throw NativeException.last("fcntl(F_SETFL) fd " + fd);
        }
    }

    /**
     * Closes {@code fd}, ignoring negative values and errors. Quiet because it runs on cleanup paths, where a
     * second exception would hide the first; on Linux the fd is released even when close reports EINTR/EIO,
     * so retrying would be wrong anyway.
     */
    public static void close(int fd) {
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }

    /** True if {@code fd} names an open file description in this process. */
    public static boolean isOpen(int fd) {
        return fd >= 0 && Native.libc().fcntl(fd, Flags.F_GETFD, 0) != -1;
    }

    /**
     * Writes one byte to an inherited fd (a pipe, FIFO or socket: the ready fd), retrying EINTR and EAGAIN
     * for a bounded while because the fd's blocking mode belongs to whoever passed it.
     */
    public static void writeByte(int fd, int value) throws NativeException {
        io.netty.buffer.ByteBuf one = io.netty.buffer.Unpooled.directBuffer(1).writeByte(value);
        try {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            for (;;) {
                if (Native.libc().write(fd, one.memoryAddress(), 1) == 1) {
                    return;
                }
                int errno = Native.errno();
                if ((errno != Errno.EINTR && errno != Errno.EAGAIN) || System.nanoTime() - deadline > 0) {
                    throw new NativeException("write fd " + fd, errno);
                }
                Thread.onSpinWait();
            }
        } finally {
            one.release();
        }
    }
}
