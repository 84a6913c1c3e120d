package io.jslirp.tap.relay;

import io.jslirp.stack.relay.DatagramBatch;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * {@link NativeHostDatagrams#sendBatch}: a {@link DatagramBatch}'s datagrams to each UDP socket in as few system
 * calls as the kernel allows, straight from the batch's buffer, where sendTo makes one call per datagram.
 *
 * <p>Two ways, per run of datagrams to one socket:
 * <ul>
 *   <li><b>UDP GSO</b> ({@code UDP_SEGMENT}, Linux 4.18): consecutive datagrams to the same destination, all of
 *       one size but the last, which may be shorter, lie back to back in the batch's buffer and go out as one
 *       sendmsg that the kernel cuts into those datagrams. On loopback the receiving socket gets them from one
 *       softirq pass and its reader is woken once; sent one by one (sendmmsg has a preemption point after each
 *       datagram), a reader the wake-up put on jslirp's own CPU preempted the loop after nearly every datagram
 *       (perf sched_switch during udp-bench at 1G: about one switch per two datagrams, each charged to the
 *       loop when it comes back). A socket whose GSO send is refused (EINVAL, EIO, ENOPROTOOPT, EOPNOTSUPP: an
 *       older kernel, a segment over the route's MTU, IPsec) uses sendmmsg from then on.</li>
 *   <li><b>sendmmsg(2)</b> for the rest. It stops at the first datagram that fails: when that is the first of
 *       the call it returns -1 with the errno, otherwise the count sent before it (the errno is lost), and the
 *       failed one is the first of the next call.</li>
 * </ul>
 * Either way a datagram's errno becomes its result only after a second try, as HostDatagrams.sendBatch asks
 * (an ICMP error's pending errno fails one send without sending), and EAGAIN, a full socket buffer, drops with
 * result 0, as sendTo does. A GSO send that fails otherwise is sent again by sendmmsg, which finds each
 * datagram's own result.
 *
 * <p>The vector lives in one direct buffer: {@code struct mmsghdr} (LP64, 64 bytes: struct msghdr @0, whose
 * layout NativeHostDatagrams describes, unsigned int msg_len @56, 4 bytes of padding) for each place, then each
 * place's struct iovec (16 bytes), then each place's name ({@link SockAddr}, 32 bytes), then the GSO send's
 * msghdr, iovec and control message ({@code struct cmsghdr}, 16 bytes: size_t cmsg_len @0, int cmsg_level @8,
 * int cmsg_type @12; then the u16 segment size; CMSG_SPACE(2) = 24). What never changes is written once. Loop
 * thread only; nothing allocates per batch.
 */
final class BatchSender {
    /** {@code SOL_UDP} (= IPPROTO_UDP) and {@code UDP_SEGMENT} from linux/udp.h. */
    static final int SOL_UDP = 17;
    static final int UDP_SEGMENT = 103;
    /** Payload of one GSO send: an IPv4 datagram's largest (65,507) less room to spare for IPv6's headers. */
    static final int GSO_MAX_BYTES = 65_000;
    /** The kernel's UDP_MAX_SEGMENTS was 64 until 6.x raised it; never more than that. */
    static final int GSO_MAX_SEGMENTS = 64;

    private static final int MMSG_SIZE = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int MMSG_LEN = 56;
    private static final int IOV_SIZE = 16;
    private static final int NAME_SIZE = 32;
    private static final int CMSG_LEN = 16 + 2;
    private static final int CMSG_SPACE = 24;

    private final LibC libc;
    private final SocketTable sockets;
    private final int places;
    private final int iovs;
    private final int gsoMsg;
    private final int gsoIov;
    private final int gsoControl;
    private final ByteBuf vector;
    private final long vectorAddress;
    private final SockAddr[] names;
    /** Sockets (by fd) whose GSO send the kernel refused; forgotten when the socket closes. */
    private final BitSet noGso = new BitSet();
    private long gsoSends;

    /** A vector of {@code places} datagrams for {@code sockets}' UDP sockets. */
    BatchSender(LibC libc, SocketTable sockets, int places) {
        this.libc = libc;
        this.sockets = sockets;
        this.places = places;
        this.iovs = places * MMSG_SIZE;
        int namesAt = iovs + places * IOV_SIZE;
        this.gsoMsg = namesAt + places * NAME_SIZE;
        this.gsoIov = gsoMsg + MMSG_SIZE;
        this.gsoControl = gsoIov + IOV_SIZE;
        // Wrapped from a JDK direct buffer: the GC frees it, and Netty's leak detector does not track it.
        this.vector = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(gsoControl + CMSG_SPACE));
        this.vectorAddress = vector.memoryAddress();
        this.names = new SockAddr[places];
        for (int i = 0; i < places; i++) {
            int at = i * MMSG_SIZE;
            names[i] = new SockAddr(vector, namesAt + i * NAME_SIZE);
            vector.setLongLE(at + MSG_NAME, names[i].address);
            vector.setLongLE(at + MSG_IOV, vectorAddress + iovs + (long) i * IOV_SIZE);
            vector.setLongLE(at + MSG_IOVLEN, 1);
            vector.setLongLE(at + MSG_CONTROL, 0);
            vector.setLongLE(at + MSG_CONTROLLEN, 0);
            vector.setLongLE(at + MSG_FLAGS, 0);
        }
        vector.setLongLE(gsoMsg + MSG_IOV, vectorAddress + gsoIov);
        vector.setLongLE(gsoMsg + MSG_IOVLEN, 1);
        vector.setLongLE(gsoMsg + MSG_CONTROL, vectorAddress + gsoControl);
        vector.setLongLE(gsoMsg + MSG_CONTROLLEN, CMSG_SPACE);
        vector.setLongLE(gsoMsg + MSG_FLAGS, 0);
        vector.setLongLE(gsoControl, CMSG_LEN);
        vector.setIntLE(gsoControl + 8, SOL_UDP);
        vector.setIntLE(gsoControl + 12, UDP_SEGMENT);
    }

    /** Sends the batch (at most {@code places} datagrams, payloads in native memory) and sets every result. */
    void send(DatagramBatch batch) {
        int n = batch.size();
        if (n > places) {
            throw new IllegalArgumentException(n + " datagrams for " + places + " places");
        }
        long payloads = batch.payloads().memoryAddress();
        int i = 0;
        while (i < n) {
            int handle = batch.handle(i);
            int end = i;
            // The run of datagrams to this socket that it can take as they are; one it refuses ends the run.
            while (end < n && batch.handle(end) == handle && put(batch, end, payloads) == 0) {
                end++;
            }
            if (end == i) {
                batch.setResult(i, -put(batch, i, payloads));
                i++;
            } else {
                sendRun(handle, batch, i, end, payloads);
                i = end;
            }
        }
    }

    /** A socket closed: its number may come back as a socket that GSO suits. */
    void forget(int fd) {
        if (fd >= 0) {
            noGso.clear(fd);
        }
    }

    /** GSO sends made so far (for tests). */
    long gsoSends() {
        return gsoSends;
    }

    /**
     * Writes datagram {@code i}'s name and iovec at place {@code i}, or returns the errno sendTo would refuse it
     * with before any system call: EBADF (not one of our UDP sockets), EAFNOSUPPORT (an IPv6 destination for an
     * AF_INET socket), EINVAL (a port out of range).
     */
    private int put(DatagramBatch batch, int i, long payloads) {
        int handle = batch.handle(i);
        if (!sockets.isOurs(handle)) {
            return Errno.EBADF;
        }
        int kind = sockets.tag(handle);
        if (kind != NativeHostDatagrams.KIND_UDP && kind != NativeHostDatagrams.KIND_UDP6) {
            return Errno.EBADF;
        }
        long dstHi = batch.dstHi(i);
        long dstLo = batch.dstLo(i);
        int dstPort = batch.dstPort(i);
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        if (kind == NativeHostDatagrams.KIND_UDP && !v4) {
            return Errno.EAFNOSUPPORT;
        }
        if (dstPort < 0 || dstPort > 0xffff) {
            return Errno.EINVAL;
        }
        // An AF_INET6 socket names an IPv4 peer ::ffff:a.b.c.d, which is what the neutral form already is.
        int nameLength = kind == NativeHostDatagrams.KIND_UDP
                ? names[i].putIpv4(IpAddress.v4(dstLo), dstPort) : names[i].putIpv6(dstHi, dstLo, dstPort);
        int at = i * MMSG_SIZE;
        vector.setLongLE(at + MSG_NAMELEN, nameLength); // and the 4 bytes of padding
        vector.setIntLE(at + MMSG_LEN, 0);
        int iov = iovs + i * IOV_SIZE;
        vector.setLongLE(iov, payloads + batch.index(i));
        vector.setLongLE(iov + 8, batch.length(i));
        return 0;
    }

    /**
     * Places {@code from} to {@code to}, all for {@code fd}: each group GSO can carry as one send, and what lies
     * between the groups by sendmmsg.
     */
    private void sendRun(int fd, DatagramBatch batch, int from, int to, long payloads) {
        int pending = from;
        int i = from;
        while (i < to) {
            int end = gsoGroupEnd(batch, i, to);
            if (end - i >= 2 && !noGso.get(fd)) {
                if (pending < i) {
                    sendMmsg(fd, batch, pending, i);
                }
                if (!sendGso(fd, batch, i, end, payloads)) {
                    sendMmsg(fd, batch, i, end);
                }
                pending = end;
            }
            i = end;
        }
        if (pending < to) {
            sendMmsg(fd, batch, pending, to);
        }
    }

    /**
     * The end of the GSO group that starts at {@code i}: the datagrams after it with the same destination and
     * its size, the last of them possibly shorter, back to back in the buffer, within the kernel's bounds.
     * {@code i + 1} when none can join (an empty datagram never does).
     */
    static int gsoGroupEnd(DatagramBatch batch, int i, int to) {
        int size = batch.length(i);
        if (size == 0) {
            return i + 1;
        }
        long hi = batch.dstHi(i);
        long lo = batch.dstLo(i);
        int port = batch.dstPort(i);
        int total = size;
        int k = i + 1;
        while (k < to && k - i < GSO_MAX_SEGMENTS) {
            int length = batch.length(k);
            if (length == 0 || length > size || total + length > GSO_MAX_BYTES || batch.dstPort(k) != port
                    || batch.dstLo(k) != lo || batch.dstHi(k) != hi
                    || batch.index(k) != batch.index(k - 1) + batch.length(k - 1)) {
                break;
            }
            total += length;
            k++;
            if (length < size) {
                break; // only the last segment may be shorter
            }
        }
        return k;
    }

    /**
     * One sendmsg with UDP_SEGMENT for places {@code from} to {@code to} (a group from {@link #gsoGroupEnd}); false
     * when it did not send and sendmmsg should, because the kernel refused GSO or the send failed for a reason
     * sendmmsg will find per datagram.
     */
    private boolean sendGso(int fd, DatagramBatch batch, int from, int to, long payloads) {
        int total = 0;
        for (int k = from; k < to; k++) {
            total += batch.length(k);
        }
        vector.setLongLE(gsoMsg + MSG_NAME, names[from].address);
        vector.setLongLE(gsoMsg + MSG_NAMELEN, vector.getLongLE(from * MMSG_SIZE + MSG_NAMELEN));
        vector.setLongLE(gsoIov, payloads + batch.index(from));
        vector.setLongLE(gsoIov + 8, total);
        vector.setShortLE(gsoControl + 16, batch.length(from));
        for (int attempt = 0; attempt < 2; attempt++) {
            long sent = libc.sendmsg(fd, vectorAddress + gsoMsg, Flags.MSG_NOSIGNAL);
            if (sent >= 0) {
                gsoSends++;
                for (int k = from; k < to; k++) {
                    batch.setResult(k, batch.length(k));
                }
                return true;
            }
            int e = Native.errno();
            if (e == Errno.EAGAIN || e == Errno.EINTR) {
                for (int k = from; k < to; k++) {
                    batch.setResult(k, 0);
                }
                return true;
            }
            if (e == Errno.EINVAL || e == Errno.EIO || e == Errno.ENOPROTOOPT || e == Errno.EOPNOTSUPP) {
                noGso.set(fd);
                return false;
            }
            // Another errno: pending from an ICMP error (tried once more), or about the destination, which
            // sendmmsg then reports for each datagram.
        }
        return false;
    }

    /** sendmmsg of places {@code from} to {@code to}, all for {@code fd}, until each has its result. */
    private void sendMmsg(int fd, DatagramBatch batch, int from, int to) {
        int i = from;
        boolean triedOnce = false;
        while (i < to) {
            int sent = libc.sendmmsg(fd, vectorAddress + (long) i * MMSG_SIZE, to - i, Flags.MSG_NOSIGNAL);
            if (sent > 0) {
                for (int k = i; k < i + sent; k++) {
                    batch.setResult(k, vector.getIntLE(k * MMSG_SIZE + MMSG_LEN));
                }
                i += sent;
                triedOnce = false;
                continue;
            }
            int e = sent < 0 ? Native.errno() : Errno.EAGAIN;
            if (e == Errno.EAGAIN || e == Errno.EINTR) {
                batch.setResult(i++, 0);
                triedOnce = false;
            } else if (!triedOnce) {
                triedOnce = true;
            } else {
                batch.setResult(i++, -e);
                triedOnce = false;
            }
        }
    }
}
