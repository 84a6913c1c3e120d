package io.jslirp.tap.relay;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@link HostSockets} on real non-blocking Linux TCP sockets watched by jslirp's {@link EventLoop}; see the
 * package documentation. Loop thread only, like everything the loop owns.
 */
public final class NativeHostSockets implements HostSockets {
    private static final int EBADF = Errno.EBADF;
    private static final int EINVAL = Errno.EINVAL;
    /**
     * Connections the kernel completes for a forward before we accept them. The loop accepts as soon as the
     * listener is readable, so the queue only fills in a burst; 128 is what servers ask for (and the kernel
     * caps it at net.core.somaxconn anyway).
     */
    private static final int LISTEN_BACKLOG = 128;
    /** Bounce buffer for the rare heap or composite ByteBuf: one write moves at most this much. */
    private static final int BOUNCE_SIZE = 64 * 1024;

    private static final int READ_MASK = EventLoop.EPOLLIN | EventLoop.EPOLLRDHUP;
    /**
     * What is watched when the relay wants neither direction. ERROR and HANGUP cannot be masked in epoll and
     * are level-triggered: a paused flow whose peer has gone would be reported every turn and spin the loop.
     * Edge-triggered, they are reported once.
     */
    private static final int QUIET_MASK = EventLoop.EPOLLET;

    private final EventLoop loop;
    private final LibC libc = Native.libc();
    /**
     * Our sockets, with the epoll mask last given to the loop as each one's tag, so an unchanged setInterest
     * costs no syscall.
     */
    private final SocketTable sockets;

    /** Options, SO_ERROR, getsockname and a forward's bound socket. */
    private final SocketSetup setup = new SocketSetup(libc);
    /**
     * Native scratch for connect and accept4, reused because the loop is single-threaded: a struct
     * sockaddr_storage at {@link #SOCKADDR}, read and written through {@link #name} (the address to bind or
     * connect to, the client accept4 reports), a socklen_t at {@link #NAME_LEN} and a struct linger at
     * {@link #LINGER}.
     */
    private static final int SOCKADDR = 0;
    private static final int NAME_LEN = SockAddr.STORAGE_SIZE;
    private static final int LINGER = NAME_LEN + 8;
    private static final int SCRATCH_SIZE = LINGER + 8;
    /** Wrapped from a JDK direct buffer: the GC frees it, and Netty's leak detector does not track it. */
    private final ByteBuf scratch = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(SCRATCH_SIZE));
    private final SockAddr name = new SockAddr(scratch, SOCKADDR);
    private final long nameLenAddress = scratch.memoryAddress() + NAME_LEN;
    private final long lingerAddress = scratch.memoryAddress() + LINGER;
    private ByteBuf bounce;
    /** Most buffers one gathering write hands to the kernel (IOV_MAX is 1024; a flush rarely has more). */
    static final int GATHER_MAX = 64;
    /** Native struct msghdr (56 bytes) at 0 and struct iovec[GATHER_MAX] at 64, for writeGather. */
    private final ByteBuf gather = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(64 + 16 * GATHER_MAX));
    private final long gatherAddress = gather.memoryAddress();

    public NativeHostSockets(EventLoop loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.sockets = new SocketTable(loop, libc, this::dispatch);
    }

    private void dispatch(int fd, int events) {
        HostSocketHandler h = sockets.handler(fd);
        if (h != null) {
            // epoll's bits are HostSockets' bits by definition, so they pass through unchanged.
            h.onSocketEvent(fd, events);
        }
    }

    @Override
    public int connectTcp(long dstHi, long dstLo, int dstPort, long bindHi, long bindLo,
                          HostSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        boolean bind = !IpAddress.isUnspecified(bindHi, bindLo);
        if (dstPort < 0 || dstPort > 0xffff || (bind && IpAddress.isV4(bindHi, bindLo) != v4)) {
            return -EINVAL;
        }
        int fd = libc.socket(v4 ? Flags.AF_INET : Flags.AF_INET6,
                Flags.SOCK_STREAM | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return -Native.errno();
        }
        // The guest's own TCP already decided how to segment; Nagle here would add a second round of
        // batching and the latency slirp4netns is known for.
        setup.setInt(fd, Flags.IPPROTO_TCP, Flags.TCP_NODELAY, 1);
        if (bind && libc.bind(fd, name.address, name.put(bindHi, bindLo, 0)) < 0) {
            return sockets.failClosed(fd, Native.errno());
        }
        if (libc.connect(fd, name.address, name.put(dstHi, dstLo, dstPort)) < 0) {
            int e = Native.errno();
            if (e != Errno.EINPROGRESS) {
                return sockets.failClosed(fd, e);
            }
        }
        // Connected at once or in progress: either way the first WRITABLE (or ERROR/HANGUP) tells the outcome.
        return adopt(fd, EventLoop.EPOLLOUT, handler);
    }

    /** Registers a socket of ours with the loop for {@code mask}, remembered as its tag; closes it if that fails. */
    private int adopt(int fd, int mask, HostSocketHandler handler) {
        return sockets.adopt(fd, mask, mask, handler);
    }

    @Override
    public int connectResult(int handle) {
        if (!sockets.isOurs(handle)) {
            return EBADF;
        }
        return setup.takeError(handle);
    }

    @Override
    public int read(int handle, ByteBuf dst, int maxBytes) {
        if (!sockets.isOurs(handle)) {
            return -EBADF;
        }
        if (maxBytes <= 0) {
            return 0; // read(2) of 0 bytes returns 0, which must not be mistaken for EOF
        }
        // Never let the kernel write past the buffer's memory; this grows it only if the caller broke the contract.
        dst.ensureWritable(maxBytes);
        int writerIndex = dst.writerIndex();
        long n;
        if (dst.hasMemoryAddress()) {
            n = libc.read(handle, dst.memoryAddress() + writerIndex, maxBytes);
        } else {
            ByteBuf b = bounce();
            n = libc.read(handle, b.memoryAddress(), Math.min(maxBytes, BOUNCE_SIZE));
            if (n > 0) {
                dst.setBytes(writerIndex, b, 0, (int) n);
            }
        }
        if (n > 0) {
            dst.writerIndex(writerIndex + (int) n);
            return (int) n;
        }
        if (n == 0) {
            return EOF;
        }
        int e = Native.errno();
        return e == Errno.EAGAIN || e == Errno.EINTR ? 0 : -e;
    }

    @Override
    public int write(int handle, ByteBuf src, int index, int length) {
        if (!sockets.isOurs(handle)) {
            return -EBADF;
        }
        if (length <= 0) {
            return 0;
        }
        if (index < 0 || index > src.capacity() - length) {
            throw new IndexOutOfBoundsException("index " + index + " length " + length + " capacity " + src.capacity());
        }
        long n;
        if (src.hasMemoryAddress()) {
            n = libc.send(handle, src.memoryAddress() + index, length, Flags.MSG_NOSIGNAL);
        } else {
            ByteBuf b = bounce();
            int chunk = Math.min(length, BOUNCE_SIZE);
            b.setBytes(0, src, index, chunk);
            n = libc.send(handle, b.memoryAddress(), chunk, Flags.MSG_NOSIGNAL);
        }
        if (n >= 0) {
            return (int) n;
        }
        int e = Native.errno();
        return e == Errno.EAGAIN || e == Errno.EINTR ? 0 : -e;
    }

    @Override
    public long writeGather(int handle, ByteBuf[] ring, int head, int count, int mask) {
        if (!sockets.isOurs(handle)) {
            return -EBADF;
        }
        int n = 0;
        for (int k = 0; k < count && n < GATHER_MAX; k++) {
            ByteBuf b = ring[(head + k) & mask];
            int len = b.readableBytes();
            if (len == 0) {
                continue;
            }
            if (!b.hasMemoryAddress()) {
                if (n == 0) {
                    return write(handle, b, b.readerIndex(), len); // the rare heap buffer: on its own
                }
                break;
            }
            gather.setLongLE(64 + 16 * n, b.memoryAddress() + b.readerIndex());
            gather.setLongLE(72 + 16 * n, len);
            n++;
        }
        if (n == 0) {
            return 0;
        }
        // struct msghdr: no name, iov at 64, n entries, no control data, flags 0.
        gather.setLongLE(0, 0);
        gather.setLongLE(8, 0);
        gather.setLongLE(16, gatherAddress + 64);
        gather.setLongLE(24, n);
        gather.setLongLE(32, 0);
        gather.setLongLE(40, 0);
        gather.setLongLE(48, 0);
        long r = libc.sendmsg(handle, gatherAddress, Flags.MSG_NOSIGNAL);
        if (r >= 0) {
            return r;
        }
        int e = Native.errno();
        return e == Errno.EAGAIN || e == Errno.EINTR ? 0 : -e;
    }

    /**
     * Native memory for buffers without an address. Wrapped from a JDK direct buffer so that the GC frees it
     * and Netty's leak detector, which is right to track pooled buffers, does not track this one.
     */
    private ByteBuf bounce() {
        if (bounce == null) {
            bounce = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(BOUNCE_SIZE));
        }
        return bounce;
    }

    @Override
    public void shutdownWrite(int handle) {
        if (sockets.isOurs(handle)) {
            // ENOTCONN (the peer already reset) needs no answer: the next read or write reports the reset.
            libc.shutdown(handle, Flags.SHUT_WR);
        }
    }

    @Override
    public void setInterest(int handle, boolean read, boolean write) {
        if (!sockets.isOurs(handle)) {
            return;
        }
        int mask = (read ? READ_MASK : 0) | (write ? EventLoop.EPOLLOUT : 0);
        if (mask == 0) {
            mask = QUIET_MASK;
        }
        if (sockets.tag(handle) != mask) {
            loop.modify(handle, mask);
            sockets.setTag(handle, mask);
        }
    }

    @Override
    public void close(int handle) {
        if (!sockets.isOurs(handle)) {
            return; // never close an fd we did not open: the number may be the TAP's or a new socket's
        }
        sockets.release(handle);
    }

    @Override
    public void abort(int handle) {
        if (!sockets.isOurs(handle)) {
            return;
        }
        // struct linger {l_onoff = 1, l_linger = 0}: close sends RST and drops unsent data.
        scratch.setIntLE(LINGER, 1);
        scratch.setIntLE(LINGER + 4, 0);
        libc.setsockopt(handle, Flags.SOL_SOCKET, Flags.SO_LINGER, lingerAddress, 8);
        sockets.release(handle);
    }

    /**
     * Host sockets open now: listening, connecting, connected, or half-closed, until the relay closes or aborts
     * them.
     */
    public int openCount() {
        return sockets.openCount();
    }

    /**
     * Aborts every socket still open and returns how many there were. For shutdown, after the stack has closed
     * its flows: anything left is a flow the stack lost track of, and its peer should see a reset rather than
     * a connection that stays open until jslirp's process is gone.
     */
    public int closeAll() {
        return sockets.closeAll(this::abort);
    }

    @Override
    public int listenTcp(long addrHi, long addrLo, int port, HostSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (port < 0 || port > 0xffff) {
            return -EINVAL;
        }
        // SO_REUSEADDR: re-adding a forward must not fail while the last one's connections sit in TIME_WAIT on
        // the port.
        int fd = setup.openBound(Flags.SOCK_STREAM, true, addrHi, addrLo, port);
        if (fd < 0) {
            return fd;
        }
        if (libc.listen(fd, LISTEN_BACKLOG) < 0) {
            return sockets.failClosed(fd, Native.errno());
        }
        return adopt(fd, READ_MASK, handler);
    }

    @Override
    public int accept(int listenHandle, HostSocketHandler handler, DatagramInfo peer) {
        Objects.requireNonNull(handler, "handler");
        if (!sockets.isOurs(listenHandle)) {
            return -EBADF;
        }
        scratch.setIntLE(NAME_LEN, SockAddr.STORAGE_SIZE);
        int fd = libc.accept4(listenHandle, name.address, nameLenAddress, Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC);
        if (fd < 0) {
            int e = Native.errno();
            // EINTR cannot strand a client: the listener stays readable and the loop reports it again.
            return e == Errno.EINTR ? -Errno.EAGAIN : -e;
        }
        // As for outbound sockets: the guest's TCP segments, Nagle on top would only add latency.
        setup.setInt(fd, Flags.IPPROTO_TCP, Flags.TCP_NODELAY, 1);
        name.readPeer(peer);
        // No interest until the relay asks: the guest has not accepted the connection yet, so nothing may be
        // read from the client (and ERROR/HANGUP, which epoll cannot mask, are reported once, edge-triggered).
        return adopt(fd, QUIET_MASK, handler);
    }

    @Override
    public int localPort(int handle) {
        if (!sockets.isOurs(handle)) {
            return -EBADF;
        }
        return setup.localPort(handle);
    }
}
