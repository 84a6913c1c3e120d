package io.jslirp.tap.relay;

import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.NativeException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * The sockets one relay class owns, indexed by fd: which are ours, whose handler each one's events go to, and
 * one int of the owner's per socket (the epoll mask last set for TCP, the kind for datagrams). A handle is an
 * fd, so a lookup on the event path is an array index; the arrays only grow, by doubling, when the kernel
 * hands out a higher fd than any before. Loop thread only, like its owner.
 *
 * <p>Only sockets that are {@link #adopt adopted} here are ever closed through it: a stale handle is not ours,
 * and its number may by now be the TAP's or another flow's.
 */
final class SocketTable {
    private static final int INITIAL_SIZE = 64;

    private final EventLoop loop;
    private final LibC libc;
    private final EventLoop.FdHandler dispatcher;
    /** Non-null exactly while the fd is one of ours. */
    private HostSocketHandler[] handlers = new HostSocketHandler[INITIAL_SIZE];
    private int[] tags = new int[INITIAL_SIZE];
    private int openCount;

    /** {@code dispatcher} receives every adopted socket's events: one for all, so adopting allocates nothing. */
    SocketTable(EventLoop loop, LibC libc, EventLoop.FdHandler dispatcher) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.libc = Objects.requireNonNull(libc, "libc");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    }

    /**
     * Registers the freshly opened socket {@code fd} with the loop for {@code mask} and records it with
     * {@code handler} and {@code tag}. Returns {@code fd}, or {@code -errno} with {@code fd} closed when the
     * loop refused it (ENOMEM if the failure carried no errno), so a caller never leaks a socket on this path.
     */
    int adopt(int fd, int mask, int tag, HostSocketHandler handler) {
        try {
            loop.register(fd, mask, dispatcher);
        } catch (UncheckedIOException e) {
            int errno = e.getCause() instanceof NativeException ne ? ne.errno() : HostSockets.ENOMEM;
            return failClosed(fd, errno);
        } catch (RuntimeException e) {
            // "already registered": a bug elsewhere (an fd closed without unregistering), but not a leak here.
            libc.close(fd);
            throw e;
        }
        if (fd >= handlers.length) {
            int size = Math.max(fd + 1, handlers.length * 2);
            handlers = Arrays.copyOf(handlers, size);
            tags = Arrays.copyOf(tags, size);
        }
        handlers[fd] = handler;
        tags[fd] = tag;
        openCount++;
        return fd;
    }

    /** Closes a socket that is not (or not yet) ours and returns {@code -errno}: every setup failure's exit. */
    int failClosed(int fd, int errno) {
        libc.close(fd);
        return -errno;
    }

    boolean isOurs(int fd) {
        return fd >= 0 && fd < handlers.length && handlers[fd] != null;
    }

    /** The handler for {@code fd}'s events, or null when the fd is not ours (an event that raced a close). */
    HostSocketHandler handler(int fd) {
        return fd >= 0 && fd < handlers.length ? handlers[fd] : null;
    }

    /** The owner's int for an fd that {@link #isOurs}; 0 for one that is not. */
    int tag(int fd) {
        return tags[fd];
    }

    /** Sets the owner's int for an fd that {@link #isOurs}. */
    void setTag(int fd, int tag) {
        tags[fd] = tag;
    }

    /** Forgets a socket that {@link #isOurs}, unregisters it from the loop and closes it. */
    void release(int fd) {
        loop.unregister(fd);
        handlers[fd] = null;
        tags[fd] = 0;
        openCount--;
        libc.close(fd);
    }

    int openCount() {
        return openCount;
    }

    /**
     * Calls {@code closer} with every socket still ours, lowest fd first, and returns how many there were.
     * {@code closer} is expected to {@link #release} it (the owner may first do more, such as SO_LINGER for a
     * reset); the walk stops once nothing is open.
     */
    int closeAll(IntConsumer closer) {
        int closed = 0;
        for (int fd = 0; fd < handlers.length && openCount > 0; fd++) {
            if (handlers[fd] != null) {
                closer.accept(fd);
                closed++;
            }
        }
        return closed;
    }
}
