package io.jslirp.tap;

import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small system-call steps of start-up that belong to no device: a TAP fd's namespace, the ready byte. */
final class TapNamespace {
    /** {@code _IO('T', 227)}: returns an fd of the network namespace the TUN/TAP device lives in. */
    private static final long TUNGETDEVNETNS = 0x54e3L;

    private TapNamespace() {
    }

    /**
     * For {@code --netns-type=tapfd} with {@code -c}: the caller gave us only the TAP, so ask the device
     * which namespace it lives in and open the AF_INET control socket there, on a throwaway thread (setns
     * changes only the calling thread, and that thread must never run other work afterwards).
     */
    static int openControlSocket(int tapFd) throws IOException {
        LibC c = Native.libc();
        int nsFd = c.ioctl(tapFd, TUNGETDEVNETNS, null);
        if (nsFd < 0) {
            throw NativeException.last("TUNGETDEVNETNS on TAP fd " + tapFd + " (needed for --configure)");
        }
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                if (c.setns(nsFd, Flags.CLONE_NEWNET) < 0) {
                    throw NativeException.last("setns into the namespace of TAP fd " + tapFd);
                }
                int sock = c.socket(Flags.AF_INET, Flags.SOCK_DGRAM | Flags.SOCK_CLOEXEC, 0);
                if (sock < 0) {
                    throw NativeException.last("socket(AF_INET, SOCK_DGRAM) in the namespace of TAP fd " + tapFd);
                }
                result.complete(sock);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "jslirp-setns-tapfd");
        t.setDaemon(true);
        t.start();
        try {
            return result.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            result.thenAccept(Fds::close);
            throw new IOException("entering the namespace of TAP fd " + tapFd + ": timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.thenAccept(Fds::close);
            throw new IOException("interrupted");
        } finally {
            Fds.close(nsFd);
        }
    }

    /** One byte to an inherited fd (pipe, FIFO or socket), retrying EINTR/EAGAIN for a bounded while. */
    static void writeByte(int fd, int value) throws IOException {
        ByteBuf one = Unpooled.directBuffer(1).writeByte(value);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (;;) {
                long n = Native.libc().write(fd, one.memoryAddress(), 1);
                if (n == 1) {
                    return;
                }
                int errno = Native.errno();
                if ((errno != Errno.EINTR && errno != Errno.EAGAIN) || System.nanoTime() - deadline > 0) {
                    throw new NativeException("write ready-fd " + fd, errno);
                }
                Thread.onSpinWait();
            }
        } finally {
            one.release();
        }
    }
}
