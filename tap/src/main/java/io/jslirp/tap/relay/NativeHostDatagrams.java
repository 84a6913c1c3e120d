package io.jslirp.tap.relay;

import io.jslirp.stack.relay.DatagramBatch;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * {@link HostDatagrams} on real non-blocking Linux sockets watched by jslirp's {@link EventLoop}: UDP sockets
 * with IP_RECVERR, and ICMP echo through an unprivileged ping socket or, failing that, a raw ICMP socket; see
 * the package documentation. Loop thread only.
 *
 * <p>All native structures are written at explicit offsets into one reused direct buffer, little-endian,
 * with the LP64 layouts x86-64 and aarch64 Linux share.
 */
public final class NativeHostDatagrams implements HostDatagrams {
    private static final int EBADF = Errno.EBADF;
    private static final int EINVAL = Errno.EINVAL;

    /** What a handle is; 0 means "not ours". */
    static final byte KIND_UDP = 1;
    /**
     * An AF_INET6 UDP socket (a port forward on an IPv6 address, dual-stack, or a relay socket bound to an IPv6
     * address): its names are sockaddr_in6, IPv4 peers as ::ffff:a.b.c.d.
     */
    static final byte KIND_UDP6 = 4;
    /** {@code socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)}: the kernel owns the echo identifier and filters replies. */
    private static final byte KIND_PING_DGRAM = 2;
    /** {@code socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)}: we choose the identifier and filter replies ourselves. */
    private static final byte KIND_PING_RAW = 3;
    /** {@code socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)}: ICMPv6 echo, the kernel's identifier. */
    private static final byte KIND_PING6_DGRAM = 5;
    /** {@code socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)}: our identifier; the kernel sums (RFC 3542 3.1). */
    private static final byte KIND_PING6_RAW = 6;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int ICMPV6_ECHO_REPLY = 129;

    /** ICMP types (RFC 792) and the header's layout: type 0, code 1, checksum 2..3, identifier 4..5, sequence 6..7. */
    private static final int ICMP_ECHO_REPLY = 0;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMP_HEADER = 8;
    /** A raw socket also sees every other process's echo replies; skip at most this many per call. */
    private static final int FOREIGN_REPLY_BUDGET = 64;
    /** An IPv4 datagram's largest ICMP message plus the largest IP header a raw socket hands over. */
    private static final int RAW_BUFFER = 65_535 + 60;

    // --- scratch layout (one direct buffer, offsets in bytes) --------------------------------------------
    /**
     * struct msghdr (LP64, 56 bytes): void *msg_name @0, socklen_t msg_namelen @8 (4 bytes of padding follow),
     * struct iovec *msg_iov @16, size_t msg_iovlen @24, void *msg_control @32, size_t msg_controllen @40,
     * int msg_flags @48.
     */
    private static final int MSG = 0;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    /** struct iovec (16 bytes): void *iov_base @0, size_t iov_len @8. */
    private static final int IOV = 64;
    /**
     * A {@link SockAddr}: struct sockaddr_in, or on a {@link #KIND_UDP6} socket struct sockaddr_in6. Destination
     * of sendto, source of recvmsg and the original destination of an error-queue message.
     */
    private static final int SOCKADDR = 80;
    /** Room for either name, rounded up to 8 so that what follows stays aligned. */
    private static final int SOCKADDR_SIZE = 32;
    /**
     * Control buffer for the error queue: struct cmsghdr (size_t cmsg_len @0, int cmsg_level @8, int cmsg_type
     * @12, data @16 = CMSG_ALIGN(sizeof(struct cmsghdr))), and as data a struct sock_extended_err (16 bytes:
     * u32 ee_errno @0, u8 ee_origin @4, u8 ee_type @5, u8 ee_code @6, u8 ee_pad @7, u32 ee_info @8,
     * u32 ee_data @12) followed by the offender's struct sockaddr_in, or sockaddr_in6 on an AF_INET6 socket
     * (SO_EE_OFFENDER) @16. One such message takes at most CMSG_SPACE(44) = 64 bytes; the room is for any other
     * control message ahead of it.
     */
    private static final int CONTROL = SOCKADDR + SOCKADDR_SIZE;
    private static final int CONTROL_SIZE = 128;
    private static final int CMSG_HDR = 16;
    private static final int EE_ERRNO = 0;
    private static final int EE_ORIGIN = 4;
    private static final int EE_TYPE = 5;
    private static final int EE_CODE = 6;
    private static final int EE_INFO = 8;
    private static final int EE_OFFENDER = 16;
    private static final int SO_EE_ORIGIN_ICMP = 2;
    private static final int SO_EE_ORIGIN_ICMP6 = 3;
    /** {@code linux/in6.h}: the IPv6 twin of IP_RECVERR, at level IPPROTO_IPV6 (= SOL_IPV6). */
    private static final int IPV6_RECVERR = 25;
    private static final int SCRATCH_SIZE = CONTROL + CONTROL_SIZE;

    /**
     * The most datagrams one {@link #sendBatch} takes: as many as the TAP read loop relays between two yields of
     * the CPU (Jslirp.YIELD_EVERY_FRAMES), so a batch is on its way to the host's readers before each yield.
     */
    public static final int BATCH = 32;

    private final LibC libc = Native.libc();
    private final ByteBuf scratch = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(SCRATCH_SIZE));
    private final long scratchAddress = scratch.memoryAddress();
    private final SockAddr name = new SockAddr(scratch, SOCKADDR);
    /** Options, SO_ERROR, getsockname and a forward's bound socket. */
    private final SocketSetup setup = new SocketSetup(libc);
    /** Raw ICMP in both directions (the identifier is rewritten in a copy, an IP header stripped); lazy. */
    private ByteBuf raw;
    /** sendmmsg for {@link #sendBatch}; lazy. */
    private BatchSender batchSender;

    /** Our sockets, each tagged with its kind. */
    private final SocketTable sockets;
    /** Indexed by fd, for raw ping sockets: the echo identifier chosen for the socket; grown when one is set. */
    private int[] identifiers = new int[64];
    private final BitSet identifiersInUse = new BitSet(1 << 16);
    private int nextIdentifier = (int) (pid() & 0xffff);

    public NativeHostDatagrams(EventLoop loop) {
        this.sockets = new SocketTable(loop, libc, this::dispatch);
    }

    private void dispatch(int fd, int events) {
        HostSocketHandler h = sockets.handler(fd);
        if (h == null) {
            return;
        }
        // epoll's bits are HostSockets' bits by definition.
        h.onSocketEvent(fd, events);
    }

    private boolean isOurs(int handle) {
        return sockets.isOurs(handle);
    }

    /** What an fd that {@link #isOurs} is. */
    private int kind(int handle) {
        return sockets.tag(handle);
    }

    private boolean is(int handle, byte kind) {
        return isOurs(handle) && kind(handle) == kind;
    }

    private boolean isPing(int handle) {
        return isOurs(handle) && (kind(handle) == KIND_PING_DGRAM || kind(handle) == KIND_PING_RAW
                || kind(handle) == KIND_PING6_DGRAM || kind(handle) == KIND_PING6_RAW);
    }

    private boolean isPing6(int handle) {
        return kind(handle) == KIND_PING6_DGRAM || kind(handle) == KIND_PING6_RAW;
    }

    private boolean isRawPing(int handle) {
        return kind(handle) == KIND_PING_RAW || kind(handle) == KIND_PING6_RAW;
    }

    private boolean isUdp(int handle) {
        return isOurs(handle) && (kind(handle) == KIND_UDP || kind(handle) == KIND_UDP6);
    }

    // --- UDP ---------------------------------------------------------------------------------------------

    @Override
    public int openUdp(long bindHi, long bindLo, int bindPort, HostSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (bindPort < 0 || bindPort > 0xffff) {
            return -EINVAL;
        }
        boolean v4 = IpAddress.isV4(bindHi, bindLo);
        int fd = libc.socket(v4 ? Flags.AF_INET : Flags.AF_INET6,
                Flags.SOCK_DGRAM | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return -Native.errno();
        }
        // ICMP errors go to the error queue with who sent them and what they were about, instead of only an
        // errno on the next call: the relay needs both to build the guest's ICMP error.
        if ((v4 ? setup.setInt(fd, Flags.SOL_IP, Flags.IP_RECVERR, 1)
                : setup.setInt(fd, Flags.IPPROTO_IPV6, IPV6_RECVERR, 1)) < 0) {
            return sockets.failClosed(fd, Native.errno());
        }
        if (libc.bind(fd, name.address, name.put(bindHi, bindLo, bindPort)) < 0) {
            return sockets.failClosed(fd, Native.errno());
        }
        return adopt(fd, v4 ? KIND_UDP : KIND_UDP6, handler);
    }

    @Override
    public int listenUdp(long addrHi, long addrLo, int port, HostSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (port < 0 || port > 0xffff) {
            return -EINVAL;
        }
        // No SO_REUSEADDR: on UDP it would let a second socket bind the forward's port and take a share of its
        // datagrams without either side noticing. No IP_RECVERR either: an unconnected socket without it gets
        // no ICMP errors at all, and a forward has no outbound datagram of the guest's to report them about.
        int fd = setup.openBound(Flags.SOCK_DGRAM, false, addrHi, addrLo, port);
        if (fd < 0) {
            return fd;
        }
        return adopt(fd, IpAddress.isV4(addrHi, addrLo) ? KIND_UDP : KIND_UDP6, handler);
    }

    @Override
    public int localPort(int handle) {
        if (!isOurs(handle)) {
            return -EBADF;
        }
        return setup.localPort(handle);
    }

    @Override
    public int sendTo(int handle, long dstHi, long dstLo, int dstPort, ByteBuf src, int index, int length) {
        if (!isUdp(handle)) {
            return -EBADF;
        }
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        if (kind(handle) == KIND_UDP && !v4) {
            return -Errno.EAFNOSUPPORT; // an AF_INET socket cannot reach an IPv6 address
        }
        if (dstPort < 0 || dstPort > 0xffff || length < 0) {
            return -EINVAL;
        }
        checkRange(src, index, length);
        // An AF_INET6 socket names an IPv4 peer ::ffff:a.b.c.d, which is what the neutral form already is.
        int nameLength = kind(handle) == KIND_UDP
                ? name.putIpv4(IpAddress.v4(dstLo), dstPort) : name.putIpv6(dstHi, dstLo, dstPort);
        return sendDatagram(handle, nameLength, src, index, length);
    }

    /** Sends {@code length} bytes of {@code src} at {@code index} to the name the caller put at SOCKADDR. */
    private int sendDatagram(int handle, int nameLength, ByteBuf src, int index, int length) {
        long address;
        if (src.hasMemoryAddress()) {
            address = src.memoryAddress() + index;
        } else {
            ByteBuf b = raw();
            if (length > b.capacity()) {
                return -Errno.EMSGSIZE;
            }
            b.setBytes(0, src, index, length);
            address = b.memoryAddress();
        }
        return sent(send(handle, address, length, nameLength));
    }

    @Override
    public int sendBatchSize() {
        return BATCH;
    }

    /** Each run of datagrams to one socket goes out with UDP GSO or sendmmsg(2); see {@link BatchSender}. */
    @Override
    public void sendBatch(DatagramBatch batch) {
        if (batch.size() > BATCH || !batch.payloads().hasMemoryAddress()) {
            HostDatagrams.super.sendBatch(batch);
            return;
        }
        if (batchSender == null) {
            batchSender = new BatchSender(libc, sockets, BATCH);
        }
        batchSender.send(batch);
    }

    @Override
    public int receiveFrom(int handle, ByteBuf dst, int maxBytes, DatagramInfo from) {
        if (!isUdp(handle)) {
            return -EBADF;
        }
        if (maxBytes < 0) {
            return -EINVAL;
        }
        dst.ensureWritable(maxBytes);
        int writerIndex = dst.writerIndex();
        long n;
        if (dst.hasMemoryAddress()) {
            n = receive(handle, dst.memoryAddress() + writerIndex, maxBytes);
        } else {
            ByteBuf b = raw();
            n = receive(handle, b.memoryAddress(), Math.min(maxBytes, b.capacity()));
            if (n > 0) {
                dst.setBytes(writerIndex, b, 0, (int) n);
            }
        }
        if (n < 0) {
            return (int) n; // -EAGAIN included: 0 is an empty datagram
        }
        dst.writerIndex(writerIndex + (int) n);
        name.readPeer(from);
        from.truncated = (scratch.getIntLE(MSG + MSG_FLAGS) & Flags.MSG_TRUNC) != 0;
        return (int) n;
    }

    @Override
    public int receiveError(int handle, DatagramInfo info) {
        if (!isOurs(handle)) {
            return 0;
        }
        prepareMessage(0, 0, CONTROL_SIZE, SOCKADDR_SIZE);
        name.clear();
        long n = libc.recvmsg(handle, scratchAddress + MSG, Flags.MSG_ERRQUEUE);
        if (n < 0) {
            // Nothing queued. A socket error without a queued message (none of our sockets should get one, but
            // one would keep EPOLLERR up forever) is cleared by reading SO_ERROR.
            setup.takeError(handle);
            return 0;
        }
        info.clear();
        info.originalDstHi = name.hi();
        info.originalDstLo = name.lo();
        info.originalDstPort = name.port();
        long controlLength = scratch.getLongLE(MSG + MSG_CONTROLLEN);
        // Walk the control messages (CMSG_FIRSTHDR/CMSG_NXTHDR): each is cmsg_len long, padded to 8.
        int at = 0;
        while (at + CMSG_HDR <= controlLength) {
            long len = scratch.getLongLE(CONTROL + at);
            if (len < CMSG_HDR || at + len > controlLength) {
                break;
            }
            int level = scratch.getIntLE(CONTROL + at + 8);
            int type = scratch.getIntLE(CONTROL + at + 12);
            if (((level == Flags.SOL_IP && type == Flags.IP_RECVERR)
                    || (level == Flags.IPPROTO_IPV6 && type == IPV6_RECVERR)) && len >= CMSG_HDR + EE_OFFENDER) {
                int ee = CONTROL + at + CMSG_HDR;
                info.errno = scratch.getIntLE(ee + EE_ERRNO);
                int origin = scratch.getByte(ee + EE_ORIGIN) & 0xff;
                if (origin == SO_EE_ORIGIN_ICMP || origin == SO_EE_ORIGIN_ICMP6) {
                    info.icmpType = scratch.getByte(ee + EE_TYPE) & 0xff;
                    info.icmpCode = scratch.getByte(ee + EE_CODE) & 0xff;
                    info.icmpv6 = origin == SO_EE_ORIGIN_ICMP6;
                    info.icmpInfo = scratch.getIntLE(ee + EE_INFO);
                }
                int family = scratch.getShortLE(ee + EE_OFFENDER) & 0xffff;
                if (len >= CMSG_HDR + EE_OFFENDER + 8 && family == Flags.AF_INET) {
                    info.offenderHi = IpAddress.V4_HI;
                    // network order = big-endian
                    info.offenderLo = IpAddress.v4Lo(scratch.getInt(ee + EE_OFFENDER + 4));
                } else if (len >= CMSG_HDR + EE_OFFENDER + SockAddr.IN6_SIZE && family == Flags.AF_INET6) {
                    info.offenderHi = scratch.getLong(ee + EE_OFFENDER + 8);
                    info.offenderLo = scratch.getLong(ee + EE_OFFENDER + 16);
                }
                break;
            }
            at += (int) ((len + 7) & ~7L);
        }
        return 1;
    }

    // --- ICMP echo ---------------------------------------------------------------------------------------

    @Override
    public int openPing(HostSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        int fd = libc.socket(Flags.AF_INET, Flags.SOCK_DGRAM | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, Flags.IPPROTO_ICMP);
        if (fd >= 0) {
            // Without IP_RECVERR the kernel drops every ICMP error about an unconnected ping socket's echoes
            // (ping_err); with it they wait in the error queue, matched to this socket by its identifier, and
            // the stack passes unreachable and time-exceeded on to the guest.
            if (setup.setInt(fd, Flags.SOL_IP, Flags.IP_RECVERR, 1) < 0) {
                return sockets.failClosed(fd, Native.errno());
            }
            return adopt(fd, KIND_PING_DGRAM, handler);
        }
        // EACCES: our group is outside net.ipv4.ping_group_range. A raw socket needs CAP_NET_RAW instead.
        fd = libc.socket(Flags.AF_INET, Flags.SOCK_RAW | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, Flags.IPPROTO_ICMP);
        if (fd < 0) {
            return -Native.errno();
        }
        // A raw ICMP socket gets a copy of every ICMP message the host receives; let the kernel drop all but
        // echo replies (the filter's bits are the types to drop).
        if (setup.setInt(fd, Flags.SOL_RAW, Flags.ICMP_FILTER, ~(1 << ICMP_ECHO_REPLY)) < 0) {
            return sockets.failClosed(fd, Native.errno());
        }
        return adoptRawPing(fd, KIND_PING_RAW, handler);
    }

    @Override
    public int openPing6(HostSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        int fd = libc.socket(Flags.AF_INET6, Flags.SOCK_DGRAM | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (fd >= 0) {
            // As for IPv4: without IPV6_RECVERR the kernel drops the ICMPv6 errors about our echoes.
            if (setup.setInt(fd, Flags.IPPROTO_IPV6, IPV6_RECVERR, 1) < 0) {
                return sockets.failClosed(fd, Native.errno());
            }
            return adopt(fd, KIND_PING6_DGRAM, handler);
        }
        // EACCES: outside net.ipv4.ping_group_range (it governs ICMPv6 ping sockets too). Raw needs CAP_NET_RAW;
        // it sees every ICMPv6 message, and receivePing keeps only echo replies with our identifier.
        fd = libc.socket(Flags.AF_INET6, Flags.SOCK_RAW | Flags.SOCK_NONBLOCK | Flags.SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (fd < 0) {
            return -Native.errno();
        }
        if (setup.setInt(fd, Flags.IPPROTO_IPV6, IPV6_RECVERR, 1) < 0) {
            return sockets.failClosed(fd, Native.errno());
        }
        return adoptRawPing(fd, KIND_PING6_RAW, handler);
    }

    /**
     * A raw ping socket of either family: the kernel leaves the echo identifier to us, so each gets one no
     * other raw ping socket of ours holds, and its replies are told apart by it.
     */
    private int adoptRawPing(int fd, byte kind, HostSocketHandler handler) {
        int identifier = allocateIdentifier();
        if (identifier < 0) {
            return sockets.failClosed(fd, Errno.EMFILE);
        }
        int handle = adopt(fd, kind, handler);
        if (handle < 0) {
            identifiersInUse.clear(identifier);
            return handle;
        }
        if (fd >= identifiers.length) {
            identifiers = Arrays.copyOf(identifiers, Math.max(fd + 1, identifiers.length * 2));
        }
        identifiers[fd] = identifier;
        return handle;
    }

    /** The next identifier not used by another open raw ping socket of ours, or -1 when all 65536 are. */
    private int allocateIdentifier() {
        int id = identifiersInUse.nextClearBit(nextIdentifier);
        if (id > 0xffff) {
            id = identifiersInUse.nextClearBit(0);
            if (id > 0xffff) {
                return -1;
            }
        }
        identifiersInUse.set(id);
        nextIdentifier = (id + 1) & 0xffff;
        return id;
    }

    @Override
    public int sendPing(int handle, long dstHi, long dstLo, ByteBuf src, int index, int length) {
        if (!isPing(handle)) {
            return -EBADF;
        }
        boolean v6 = isPing6(handle);
        if (IpAddress.isV4(dstHi, dstLo) == v6) {
            return -Errno.EAFNOSUPPORT; // ICMP echo sockets reach IPv4 addresses only, ICMPv6 ones IPv6 only
        }
        if (length < ICMP_HEADER) {
            return -EINVAL;
        }
        checkRange(src, index, length);
        int nameLength = v6 ? name.putIpv6(dstHi, dstLo, 0) : name.putIpv4(IpAddress.v4(dstLo), 0);
        long address;
        if (!isRawPing(handle) && src.hasMemoryAddress()) {
            // The kernel writes its own identifier and checksum.
            address = src.memoryAddress() + index;
        } else {
            ByteBuf b = raw();
            if (length > b.capacity()) {
                return -Errno.EMSGSIZE;
            }
            b.setBytes(0, src, index, length);
            if (kind(handle) == KIND_PING_RAW) {
                b.setShort(4, identifiers[handle]);
                b.setShort(2, 0);
                b.setShort(2, icmpChecksum(b, length));
            } else if (kind(handle) == KIND_PING6_RAW) {
                // The kernel computes an ICMPv6 checksum on a raw ICMPv6 socket (its pseudo-header needs the
                // source address it chooses).
                b.setShort(4, identifiers[handle]);
                b.setShort(2, 0);
            }
            address = b.memoryAddress();
        }
        return sent(send(handle, address, length, nameLength));
    }

    @Override
    public int receivePing(int handle, ByteBuf dst, int maxBytes, DatagramInfo from) {
        if (!isPing(handle)) {
            return -EBADF;
        }
        if (maxBytes < 0) {
            return -EINVAL;
        }
        dst.ensureWritable(maxBytes);
        int writerIndex = dst.writerIndex();
        if (kind(handle) == KIND_PING_DGRAM || kind(handle) == KIND_PING6_DGRAM) {
            // Only replies to this socket's echoes arrive, as the ICMP message without an IP header.
            long n;
            if (dst.hasMemoryAddress()) {
                n = receive(handle, dst.memoryAddress() + writerIndex, maxBytes);
            } else {
                ByteBuf b = raw();
                n = receive(handle, b.memoryAddress(), Math.min(maxBytes, b.capacity()));
                if (n > 0) {
                    dst.setBytes(writerIndex, b, 0, (int) n);
                }
            }
            if (n < 0) {
                return (int) n;
            }
            dst.writerIndex(writerIndex + (int) n);
            from.addrHi = name.hi();
            from.addrLo = name.lo();
            from.port = 0;
            from.truncated = (scratch.getIntLE(MSG + MSG_FLAGS) & Flags.MSG_TRUNC) != 0;
            return (int) n;
        }
        ByteBuf b = raw();
        if (kind(handle) == KIND_PING6_RAW) {
            for (int budget = FOREIGN_REPLY_BUDGET; budget > 0; budget--) {
                long n = receive(handle, b.memoryAddress(), b.capacity());
                if (n < 0) {
                    return (int) n;
                }
                // A raw ICMPv6 socket hands over the message without the IPv6 header (RFC 3542 3).
                if (n < ICMP_HEADER || (b.getByte(0) & 0xff) != ICMPV6_ECHO_REPLY || b.getByte(1) != 0
                        || b.getUnsignedShort(4) != identifiers[handle]) {
                    continue; // NDP, someone else's reply, anything else
                }
                int copied = (int) Math.min(n, maxBytes);
                dst.setBytes(writerIndex, b, 0, copied);
                dst.writerIndex(writerIndex + copied);
                from.addrHi = name.hi();
                from.addrLo = name.lo();
                from.port = 0;
                from.truncated = copied < n;
                return copied;
            }
            return -Errno.EAGAIN;
        }
        for (int budget = FOREIGN_REPLY_BUDGET; budget > 0; budget--) {
            long n = receive(handle, b.memoryAddress(), b.capacity());
            if (n < 0) {
                return (int) n;
            }
            // IPv4 header first (RFC 791): IHL in the low nibble of byte 0, in 32-bit words.
            int ipHeader = (b.getByte(0) & 0x0f) * 4;
            if ((b.getByte(0) & 0xf0) != 0x40 || ipHeader < 20 || n < ipHeader + ICMP_HEADER) {
                continue;
            }
            int icmpLength = (int) n - ipHeader;
            if ((b.getByte(ipHeader) & 0xff) != ICMP_ECHO_REPLY || b.getByte(ipHeader + 1) != 0
                    || b.getUnsignedShort(ipHeader + 4) != identifiers[handle]) {
                continue; // someone else's reply, or a message the filter let through
            }
            int copied = Math.min(icmpLength, maxBytes);
            dst.setBytes(writerIndex, b, ipHeader, copied);
            dst.writerIndex(writerIndex + copied);
            from.addrHi = IpAddress.V4_HI;
            from.addrLo = IpAddress.v4Lo(name.ipv4());
            from.port = 0;
            from.truncated = copied < icmpLength;
            return copied;
        }
        // The budget went on other processes' replies: none of ours for now; level-triggered epoll reports the rest.
        return -Errno.EAGAIN;
    }

    /** RFC 792/1071: the one's complement of the one's complement sum of the message, checksum field zero. */
    static int icmpChecksum(ByteBuf b, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += b.getUnsignedShort(i);
        }
        if (i < length) {
            sum += (b.getByte(i) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    // --- life cycle --------------------------------------------------------------------------------------

    @Override
    public void close(int handle) {
        if (!isOurs(handle)) {
            return; // never close an fd we did not open: the number may be the TAP's or a new socket's
        }
        if (isRawPing(handle)) {
            identifiersInUse.clear(identifiers[handle]);
        }
        if (batchSender != null) {
            batchSender.forget(handle);
        }
        sockets.release(handle);
    }

    /** For tests: whether {@code handle} is an unprivileged ping socket (ICMP or ICMPv6) rather than a raw one. */
    boolean isPingSocket(int handle) {
        return is(handle, KIND_PING_DGRAM) || is(handle, KIND_PING6_DGRAM);
    }

    /** Datagram sockets open now (UDP and ping), until the relay closes them. */
    public int openCount() {
        return sockets.openCount();
    }

    /** For tests: GSO sends {@link #sendBatch} has made. */
    long gsoSends() {
        return batchSender == null ? 0 : batchSender.gsoSends();
    }

    /** Closes every socket still open and returns how many there were: at shutdown, what the stack left behind. */
    public int closeAll() {
        return sockets.closeAll(this::close);
    }

    // --- helpers -----------------------------------------------------------------------------------------

    /** Datagram sockets are only ever watched for EPOLLIN (ERROR and HANGUP come regardless). */
    private int adopt(int fd, byte kind, HostSocketHandler handler) {
        return sockets.adopt(fd, EventLoop.EPOLLIN, kind, handler);
    }

    /**
     * sendmsg of one datagram of {@code length} bytes at {@code address} to the sockaddr_in or sockaddr_in6 of
     * {@code nameLength} bytes at SOCKADDR. This is sendto(2) in three arguments, as it was when jnr-ffi's call
     * stub garbled sendto's sixth (the address length).
     */
    private long send(int fd, long address, int length, int nameLength) {
        prepareMessage(address, length, 0, nameLength);
        return libc.sendmsg(fd, scratchAddress + MSG, Flags.MSG_NOSIGNAL);
    }

    /**
     * recvmsg of one datagram into {@code length} bytes at {@code address}; the source lands in SOCKADDR.
     * Returns the bytes received (0 for an empty datagram) or {@code -errno}, -EAGAIN when none waits, in which
     * case the caller's DatagramInfo is left as it was.
     */
    private long receive(int fd, long address, int length) {
        prepareMessage(address, length, 0, SOCKADDR_SIZE);
        name.clear();
        long n = libc.recvmsg(fd, scratchAddress + MSG, 0);
        if (n >= 0) {
            return n;
        }
        int e = Native.errno();
        return e == Errno.EINTR ? -Errno.EAGAIN : -e;
    }

    /**
     * Fills the msghdr: the name is SOCKADDR, {@code nameLength} bytes (what the caller put there for a send,
     * the room for the kernel's answer for a receive); one iovec; the control buffer when
     * {@code controlLength} > 0.
     */
    private void prepareMessage(long address, int length, int controlLength, int nameLength) {
        scratch.setLongLE(MSG + MSG_NAME, name.address);
        scratch.setLongLE(MSG + MSG_NAMELEN, nameLength); // and the 4 bytes of padding
        scratch.setLongLE(MSG + MSG_IOV, scratchAddress + IOV);
        scratch.setLongLE(MSG + MSG_IOVLEN, length > 0 ? 1 : 0);
        scratch.setLongLE(MSG + MSG_CONTROL, controlLength > 0 ? scratchAddress + CONTROL : 0);
        scratch.setLongLE(MSG + MSG_CONTROLLEN, controlLength);
        scratch.setLongLE(MSG + MSG_FLAGS, 0);
        scratch.setLongLE(IOV, address);
        scratch.setLongLE(IOV + 8, length);
    }

    /**
     * This process's id, for the first echo identifier as ping(8) chooses it, read from /proc/self:
     * {@code ProcessHandle.current()} starts the JDK's process machinery (its reaper pool: 16 classes) at every
     * start for this one number. Any start value serves if /proc cannot say, as the identifier is only told
     * apart from other processes' most of the time either way.
     */
    static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return System.nanoTime();
        }
    }

    private static int sent(long n) {
        if (n >= 0) {
            return (int) n;
        }
        int e = Native.errno();
        return e == Errno.EAGAIN || e == Errno.EINTR ? 0 : -e;
    }

    private static void checkRange(ByteBuf src, int index, int length) {
        if (index < 0 || length < 0 || index > src.capacity() - length) {
            throw new IndexOutOfBoundsException("index " + index + " length " + length + " capacity " + src.capacity());
        }
    }

    /**
     * Native memory for raw ICMP and for the rare buffer without an address. Wrapped from a JDK direct buffer
     * so the GC frees it and Netty's leak detector does not track it.
     */
    private ByteBuf raw() {
        if (raw == null) {
            raw = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(RAW_BUFFER));
        }
        return raw;
    }
}
