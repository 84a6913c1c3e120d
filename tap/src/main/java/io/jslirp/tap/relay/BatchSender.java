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

/**
 * {@link NativeHostDatagrams#sendBatch}'s sendmmsg(2): each run of a {@link DatagramBatch}'s datagrams to one UDP
 * socket in one system call, straight from the batch's buffer, where sendTo makes one call per datagram.
 *
 * <p>sendmmsg stops at the first datagram that fails: when that is the first of the call it returns -1 with the
 * errno, otherwise the count sent before it (the errno is lost), and the failed one is the first of the next
 * call. A datagram's errno so becomes its result only after a second try, as HostDatagrams.sendBatch asks (an ICMP
 * error's pending errno fails one send without sending). EAGAIN, a full socket buffer, drops the datagram with
 * result 0, as sendTo does.
 *
 * <p>The vector lives in one direct buffer: {@code struct mmsghdr} (LP64, 64 bytes: struct msghdr @0, whose
 * layout NativeHostDatagrams describes, unsigned int msg_len @56, 4 bytes of padding) for each place, then each
 * place's struct iovec (16 bytes), then each place's name ({@link SockAddr}, 32 bytes). The name and iovec
 * pointers, the one iovec and the empty control data never change and are written once. Loop thread only;
 * nothing allocates per batch.
 */
final class BatchSender {
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

    private final LibC libc;
    private final SocketTable sockets;
    private final int places;
    private final int iovs;
    private final ByteBuf vector;
    private final long vectorAddress;
    private final SockAddr[] names;

    /** A vector of {@code places} datagrams for {@code sockets}' UDP sockets. */
    BatchSender(LibC libc, SocketTable sockets, int places) {
        this.libc = libc;
        this.sockets = sockets;
        this.places = places;
        this.iovs = places * MMSG_SIZE;
        int namesAt = iovs + places * IOV_SIZE;
        // Wrapped from a JDK direct buffer: the GC frees it, and Netty's leak detector does not track it.
        this.vector = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(namesAt + places * NAME_SIZE));
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
                sendRun(handle, batch, i, end);
                i = end;
            }
        }
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

    /** sendmmsg of places {@code from} to {@code to}, all for {@code fd}, until each has its result. */
    private void sendRun(int fd, DatagramBatch batch, int from, int to) {
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
