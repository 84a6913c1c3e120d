package io.jslirp.tap.relay;

import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/**
 * The calls both relays make on a socket outside its data path: an int option, the pending error, the local
 * port, and a forward's bound socket. They pass small values through native memory, so each relay owns one of
 * these (loop thread only) and none of them allocates.
 *
 * <p>Scratch layout: a struct sockaddr_storage (128 bytes) at {@link #NAME} for bind and getsockname, an int
 * option value at {@link #OPT} and a socklen_t at {@link #LEN} (an option's or a name's length).
 */
final class SocketSetup {
    private static final int NAME = 0;
    private static final int OPT = NAME + SockAddr.STORAGE_SIZE;
    private static final int LEN = OPT + 4;
    private static final int SCRATCH_SIZE = LEN + 4;

    private final LibC libc;
    /** Wrapped from a JDK direct buffer: the GC frees it, and Netty's leak detector does not track it. */
    private final ByteBuf scratch = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(SCRATCH_SIZE));
    private final SockAddr name = new SockAddr(scratch, NAME);
    private final long optAddress = scratch.memoryAddress() + OPT;
    private final long lenAddress = scratch.memoryAddress() + LEN;

    SocketSetup(LibC libc) {
        this.libc = libc;
    }

    /** setsockopt with an int value; the call's result (negative with errno set on failure). */
    int setInt(int fd, int level, int option, int value) {
        scratch.setIntLE(OPT, value);
        return libc.setsockopt(fd, level, option, optAddress, 4);
    }

    /**
     * getsockopt(SO_ERROR), which returns and clears the socket's pending error: 0, an errno value, or
     * getsockopt's own errno if even that failed.
     */
    int takeError(int fd) {
        scratch.setIntLE(OPT, 0);
        scratch.setIntLE(LEN, 4);
        if (libc.getsockopt(fd, Flags.SOL_SOCKET, Flags.SO_ERROR, optAddress, lenAddress) < 0) {
            return Native.errno();
        }
        return scratch.getIntLE(OPT);
    }

    /** The port getsockname reports, for either family, or {@code -errno}. */
    int localPort(int fd) {
        scratch.setIntLE(LEN, SockAddr.STORAGE_SIZE);
        if (libc.getsockname(fd, name.address, lenAddress) < 0) {
            return -Native.errno();
        }
        return name.port();
    }

    /**
     * The prologue of a port forward's socket: {@code socket(AF_INET for an IPv4-mapped addrHi:addrLo, AF_INET6
     * for any other, type | SOCK_NONBLOCK | SOCK_CLOEXEC)}, SO_REUSEADDR when asked, IPV6_V6ONLY = 0 on AF_INET6,
     * then bind to the address and {@code port}. Returns the fd, or {@code -errno} with the fd closed,
     * whichever step failed.
     */
    int openBound(int type, boolean reuseAddr, long addrHi, long addrLo, int port) {
        boolean v6 = !IpAddress.isV4(addrHi, addrLo);
        int fd = libc.socket(v6 ? Flags.AF_INET6 : Flags.AF_INET, type | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return -Native.errno();
        }
        // Dual stack whatever net.ipv6.bindv6only says, so that "::" also takes IPv4 clients, as the forward's
        // owner expects from slirp4netns and from every dual-stack server.
        if ((reuseAddr && setInt(fd, Flags.SOL_SOCKET, Flags.SO_REUSEADDR, 1) < 0)
                || (v6 && setInt(fd, Flags.IPPROTO_IPV6, Flags.IPV6_V6ONLY, 0) < 0)
                || libc.bind(fd, name.address, name.put(addrHi, addrLo, port)) < 0) {
            int e = Native.errno();
            libc.close(fd);
            return -e;
        }
        return fd;
    }
}
