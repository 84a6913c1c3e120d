package io.jslirp.tap.api;

import io.jslirp.stack.relay.HostSockets;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code --api-socket PATH}: a listening AF_UNIX stream socket on the session's {@link EventLoop}, one
 * request and one reply per connection, answered by an {@link ApiProtocol}; see the package documentation.
 * Everything runs on the loop thread: {@link #open} before the loop runs or from it, {@link #close} from it
 * or after it has stopped.
 */
public final class ApiServer implements AutoCloseable {
    /** How long a client has to send its request and take the reply before it is closed unanswered. */
    public static final Duration DEFAULT_CLIENT_TIMEOUT = Duration.ofSeconds(10);
    /** Clients served at once; past this the listener is not watched until one finishes. */
    static final int MAX_CLIENTS = 64;
    private static final int BACKLOG = 64;
    /** Scratch for reads (at most one request) and for writing replies, in chunks of this size. */
    private static final int SCRATCH_SIZE = 64 * 1024;
    /** Reads spent on discarding what a client sent past its request, before closing. */
    private static final int DRAIN_READS = 4;
    /** After accept fails for lack of fds or memory, the listener rests this long instead of spinning. */
    private static final long ACCEPT_RETRY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long NONE = Long.MAX_VALUE;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** {@code sizeof(struct sockaddr_un)}: a two-byte family and 108 bytes of path, NUL included. */
    private static final int SOCKADDR_UN_SIZE = 110;
    static final int SUN_PATH_MAX = 107;

    /** One connection: the request so far, then the reply being written. */
    private static final class Client {
        final int fd;
        final long deadline;
        final byte[] request = new byte[ApiProtocol.MAX_REQUEST];
        final RequestFraming framing = new RequestFraming();
        int length;
        byte[] reply;
        int written;
        boolean closed;

        Client(int fd, long deadline) {
            this.fd = fd;
            this.deadline = deadline;
        }
    }

    private final Path path;
    private final Object fileKey;
    private final EventLoop loop;
    private final ApiProtocol protocol;
    private final long timeoutNanos;
    private final LibC libc = Native.libc();
    private final int listenFd;
    /** Freed by {@link #close}. */
    private final NativeBlock scratch = Native.allocate(SCRATCH_SIZE);
    private final long scratchAddress = scratch.address();
    /** This server's timer source on the loop (client deadlines, the accept rest); removed by close. */
    private final Runnable timers = this::runTimers;
    /** In accept order, which with one timeout for all is deadline order: the first is the next to expire. */
    private final Map<Integer, Client> clients = new LinkedHashMap<>();
    private final EventLoop.FdHandler clientHandler = this::onClientReady;
    private long acceptRetryAt = NONE;
    private boolean accepting = true;
    private boolean closed;

    private ApiServer(Path path, Object fileKey, EventLoop loop, ApiProtocol protocol, long timeoutNanos,
                      int listenFd) {
        this.path = path;
        this.fileKey = fileKey;
        this.loop = loop;
        this.protocol = protocol;
        this.timeoutNanos = timeoutNanos;
        this.listenFd = listenFd;
    }

    /** {@link #open(Path, EventLoop, ApiProtocol, Duration)} with {@link #DEFAULT_CLIENT_TIMEOUT}. */
    public static ApiServer open(Path path, EventLoop loop, ApiProtocol protocol) throws IOException {
        return open(path, loop, protocol, DEFAULT_CLIENT_TIMEOUT);
    }

    /**
     * Listens at {@code path}, readable and writable by the owner only, and serves on {@code loop}. A stale
     * socket file at the path (nobody listening) is replaced; a live one, or anything that is not a socket,
     * is an error: slirp4netns unlinks whatever is there, which silently steals a running instance's socket.
     *
     * @throws IOException with a message fit for the user: path too long, in use, not a socket, bind refused
     */
    public static ApiServer open(Path path, EventLoop loop, ApiProtocol protocol, Duration clientTimeout)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(protocol, "protocol");
        long timeoutNanos = clientTimeout.toNanos();
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("client timeout must be positive: " + clientTimeout);
        }
        byte[] name = path.toString().getBytes(fileNameCharset());
        if (name.length == 0 || name.length > SUN_PATH_MAX) {
            throw new IOException("API socket path must be 1.." + SUN_PATH_MAX + " bytes, not "
                    + name.length + ": " + path);
        }
        removeStale(path);
        LibC libc = Native.libc();
        int fd = libc.socket(Flags.AF_UNIX, Flags.SOCK_STREAM | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.last("socket(AF_UNIX) for " + path);
        }
        boolean bound = false;
        try {
            try (NativeBlock sa = Native.allocate(SOCKADDR_UN_SIZE)) {
                sa.putShort(0, (short) Flags.AF_UNIX);
                sa.put(2, name, 0, name.length);
                if (libc.bind(fd, sa.address(), 2 + name.length + 1) < 0) {
                    int e = Native.errno();
                    if (e == HostSockets.EADDRINUSE) {
                        throw new IOException("API socket " + path + " was created by someone else meanwhile");
                    }
                    throw new NativeException("bind API socket " + path, e);
                }
                bound = true;
                // Before listen: until then a connect is refused, so nobody gets in under the umask's mode.
                // fchmod on the socket would not do: it does not change the file bind created.
                Files.setPosixFilePermissions(path, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
                Object key = Files.readAttributes(path, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).fileKey();
                if (libc.listen(fd, BACKLOG) < 0) {
                    throw NativeException.last("listen on API socket " + path);
                }
                ApiServer server = new ApiServer(path, key, loop, protocol, timeoutNanos, fd);
                server.register();
                return server;
            }
        } catch (IOException | RuntimeException e) {
            Fds.close(fd);
            if (bound) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The charset the JDK uses for file names, so that the bound name is the file {@code Files} sees. */
    private static Charset fileNameCharset() {
        String jnu = System.getProperty("sun.jnu.encoding");
        try {
            return jnu != null ? Charset.forName(jnu) : Charset.defaultCharset();
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    private static void removeStale(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("API socket path " + path + " exists and is not a socket");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path)); // done or pending: either way somebody listens
            live = true;
        } catch (ConnectException refused) {
            live = false; // left behind by a process that died: replaced, as slirp4netns would
        } catch (IOException e) {
            throw new IOException("API socket path " + path + " exists and cannot be checked: " + e.getMessage(), e);
        }
        if (live) {
            throw new IOException("API socket " + path + " is in use by a running process");
        }
        Files.deleteIfExists(path);
    }

    private void register() {
        loop.register(listenFd, EventLoop.EPOLLIN, (fd, events) -> onListenReady());
        loop.addTimerSource(this::nextDeadline, timers);
    }

    private void onListenReady() {
        long now = System.nanoTime();
        for (int budget = MAX_CLIENTS - clients.size(); budget > 0; budget--) {
            int fd = libc.accept4(listenFd, 0, 0, Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC); // no peer name: AF_UNIX has none worth reading
            if (fd < 0) {
                int e = Native.errno();
                if (e == Errno.EINTR || e == HostSockets.ECONNABORTED) {
                    continue; // that client is gone; others may wait
                }
                if (e != Errno.EAGAIN) {
                    // EMFILE, ENFILE, ENOBUFS: the client stays queued and the listener readable, which
                    // level-triggered would spin the loop that also carries the guest's packets.
                    acceptRetryAt = now + ACCEPT_RETRY_NANOS;
                }
                break;
            }
            try {
                loop.register(fd, EventLoop.EPOLLIN | EventLoop.EPOLLRDHUP, clientHandler);
            } catch (UncheckedIOException e) {
                Fds.close(fd);
                continue;
            }
            clients.put(fd, new Client(fd, now + timeoutNanos));
        }
        updateListener();
    }

    private void onClientReady(int fd, int events) {
        Client c = clients.get(fd);
        if (c == null) {
            return;
        }
        try {
            if (c.reply == null) {
                read(c);
            } else {
                write(c);
            }
        } catch (RuntimeException e) {
            finish(c); // a bug in answering must not leave the client hanging or the fd open
            throw e;
        }
    }

    private void read(Client c) {
        while (c.reply == null) {
            long n = libc.read(c.fd, scratchAddress, ApiProtocol.MAX_REQUEST - c.length);
            if (n > 0) {
                int got = (int) n;
                scratch.get(0, c.request, c.length, got);
                boolean ready = c.framing.feed(c.request, c.length, got);
                c.length += got;
                if (ready || c.length >= ApiProtocol.MAX_REQUEST) {
                    answer(c); // a whole JSON value without shutdown, as slirp4netns's single read; or too large
                }
            } else if (n == 0) {
                answer(c); // EOF: the client shut its write side; whatever came is the request
            } else {
                int e = Native.errno();
                if (e == Errno.EINTR) {
                    continue;
                }
                if (e != Errno.EAGAIN) {
                    finish(c); // reset by a client that gave up
                }
                return;
            }
        }
    }

    private void answer(Client c) {
        c.reply = protocol.handle(c.request, c.length);
        loop.modify(c.fd, EventLoop.EPOLLOUT);
        write(c);
    }

    private void write(Client c) {
        while (c.written < c.reply.length) {
            int chunk = Math.min(SCRATCH_SIZE, c.reply.length - c.written);
            scratch.put(0, c.reply, c.written, chunk);
            long n = libc.send(c.fd, scratchAddress, chunk, Flags.MSG_NOSIGNAL);
            if (n < 0) {
                int e = Native.errno();
                if (e == Errno.EINTR) {
                    continue;
                }
                if (e != Errno.EAGAIN) {
                    finish(c); // EPIPE: the client left without its reply
                }
                return; // EAGAIN: EPOLLOUT comes back, or the deadline ends it
            }
            c.written += (int) n;
        }
        finish(c);
    }

    /**
     * Closes a client. Anything it sent past its request is read and dropped first: closing an AF_UNIX
     * socket with unread data makes the peer's next read fail with ECONNRESET, and a client that reads the
     * reply to EOF would take that for a failure.
     */
    private void finish(Client c) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        drain(c);
        clients.remove(c.fd);
        loop.unregister(c.fd);
        Fds.close(c.fd);
        updateListener();
    }

    private void drain(Client c) {
        for (int i = 0; i < DRAIN_READS && libc.read(c.fd, scratchAddress, SCRATCH_SIZE) > 0; i++) {
            // discarded
        }
    }

    /** The earliest of the oldest client's deadline and the end of an accept rest; the loop waits for it. */
    private long nextDeadline() {
        long next = acceptRetryAt;
        if (!clients.isEmpty()) {
            long oldest = clients.values().iterator().next().deadline;
            next = next == NONE || oldest - next < 0 ? oldest : next;
        }
        return next;
    }

    private void runTimers() {
        long now = System.nanoTime();
        if (acceptRetryAt != NONE && now - acceptRetryAt >= 0) {
            acceptRetryAt = NONE;
        }
        for (Iterator<Client> it = clients.values().iterator(); it.hasNext();) {
            Client c = it.next();
            if (c.deadline - now > 0) {
                break;
            }
            // Never finished its request, or never took its reply: closed unanswered (drained first, as in
            // finish, so that its end of file is not a reset).
            c.closed = true;
            it.remove();
            drain(c);
            loop.unregister(c.fd);
            Fds.close(c.fd);
        }
        updateListener();
    }

    private void updateListener() {
        boolean want = clients.size() < MAX_CLIENTS && acceptRetryAt == NONE;
        if (want != accepting && !closed) {
            loop.modify(listenFd, want ? EventLoop.EPOLLIN : 0);
            accepting = want;
        }
    }

    /**
     * Stops listening, closes every client unanswered and removes the socket file, if it is still the one
     * this server created. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Client c : new ArrayList<>(clients.values())) {
            drain(c); // unread input would turn the client's EOF into ECONNRESET, as in finish
            loop.unregister(c.fd);
            Fds.close(c.fd);
        }
        clients.clear();
        loop.unregister(listenFd);
        Fds.close(listenFd);
        loop.removeTimerSource(timers);
        scratch.close();
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(key, fileKey)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // Already gone, or not ours to remove.
        }
    }
}
