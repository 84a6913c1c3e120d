package io.jslirp.stack.testing;

import io.jslirp.stack.relay.DatagramBatch;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.IpAddress;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * In-memory host datagram sockets: records every sendTo/sendPing, lets a test inject datagrams, ICMP errors
 * and echo replies (reported READABLE or ERROR to the stack's handler, as the Linux event loop would), and
 * scripts open failures and send results.
 */
public final class FakeHostDatagrams implements HostDatagrams {
    /** One datagram the stack sent: where to, and its bytes. */
    public static final class Sent {
        public final int dstAddr;
        /** A genuine IPv6 destination (dstAddr is then 0), or null for IPv4. */
        public final byte[] dstAddr6;
        public final int dstPort;
        public final byte[] data;

        Sent(int dstAddr, int dstPort, byte[] data) {
            this(dstAddr, null, dstPort, data);
        }

        Sent(int dstAddr, byte[] dstAddr6, int dstPort, byte[] data) {
            this.dstAddr = dstAddr;
            this.dstAddr6 = dstAddr6;
            this.dstPort = dstPort;
            this.data = data;
        }
    }

    private static final class Incoming {
        final int fromAddr;
        /** A genuine IPv6 source; null for IPv4. */
        final byte[] fromAddr6;
        final int fromPort;
        final byte[] data;

        Incoming(int fromAddr, byte[] fromAddr6, int fromPort, byte[] data) {
            this.fromAddr = fromAddr;
            this.fromAddr6 = fromAddr6;
            this.fromPort = fromPort;
            this.data = data;
        }
    }

    /** One fake socket. */
    public static final class Sock {
        public int handle;
        public boolean ping;
        public int bindAddr;
        public int bindPort;
        /** The address a port forward's socket was opened on (4 or 16 bytes), or null for a relay socket. */
        public byte[] bindAddrBytes;
        public HostSocketHandler handler;
        public final List<Sent> sent = new ArrayList<>();
        final Deque<Incoming> toRead = new ArrayDeque<>();
        final Deque<DatagramInfo> errors = new ArrayDeque<>();
        /** Results the next sendTo/sendPing calls return instead of sending (e.g. -ECONNREFUSED), in order. */
        public final Deque<Integer> sendResults = new ArrayDeque<>();
        public boolean closed;
        /** Thrown by the next receiveFrom: stands in for a bug in the code that reads. */
        public RuntimeException throwOnReceive;

        public Sent lastSent() {
            return sent.get(sent.size() - 1);
        }
    }

    private final List<Sock> sockets = new ArrayList<>();
    private int nextHandle = 100;
    /** When non-zero, every openUdp fails with -this. */
    public int failOpenUdp;
    /** When non-zero, every openPing fails with -this (EPERM: no ping_group_range). */
    public int failOpenPing;
    /** When non-zero, every openUdp for a forward (byte[] address) fails with -this (EADDRINUSE...). */
    public int failOpenForward;
    /** The port a forward opened on port 0 gets (the kernel's choice), counting up. */
    public int nextEphemeralPort = 33000;
    public int calls;
    /** What {@link #sendBatchSize} says: 1 (the default) makes the relay call sendTo per datagram. */
    public int batchSize = 1;
    /** Each sendBatch call: the handles of its datagrams, in order. */
    public final List<int[]> batches = new ArrayList<>();

    public List<Sock> sockets() {
        return sockets;
    }

    public Sock last() {
        return sockets.isEmpty() ? null : sockets.get(sockets.size() - 1);
    }

    public int open() {
        int n = 0;
        for (Sock s : sockets) {
            if (!s.closed) {
                n++;
            }
        }
        return n;
    }

    private Sock live(int handle) {
        for (Sock s : sockets) {
            if (s.handle == handle) {
                if (s.closed) {
                    throw new IllegalStateException("use of closed handle " + handle);
                }
                return s;
            }
        }
        throw new IllegalArgumentException("no handle " + handle);
    }

    private Sock newSock(boolean ping, HostSocketHandler handler) {
        Sock s = new Sock();
        s.handle = nextHandle++;
        s.ping = ping;
        s.handler = handler;
        sockets.add(s);
        return s;
    }

    @Override
    public int openUdp(long bindHi, long bindLo, int bindPort, HostSocketHandler handler) {
        calls++;
        if (failOpenUdp != 0) {
            return -failOpenUdp;
        }
        Sock s = newSock(false, handler);
        if (IpAddress.isV4(bindHi, bindLo)) {
            s.bindAddr = IpAddress.v4(bindLo);
        } else {
            // An AF_INET6 (dual-stack) socket, bound to :: or --outbound-addr6.
            s.bindAddrBytes = bytesOf(bindHi, bindLo);
        }
        s.bindPort = bindPort;
        return s.handle;
    }

    @Override
    public int sendTo(int handle, long dstHi, long dstLo, int dstPort, ByteBuf src, int index, int length) {
        calls++;
        Sock s = live(handle);
        if (s.ping) {
            throw new IllegalStateException("sendTo on a ping socket");
        }
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        if (!v4 && (s.bindAddrBytes == null || s.bindAddrBytes.length != 16)) {
            throw new IllegalStateException("an IPv6 destination on a socket not opened on an IPv6 address");
        }
        if (!s.sendResults.isEmpty()) {
            return s.sendResults.poll();
        }
        byte[] b = new byte[length];
        src.getBytes(index, b);
        s.sent.add(v4 ? new Sent(IpAddress.v4(dstLo), dstPort, b) : new Sent(0, bytesOf(dstHi, dstLo), dstPort, b));
        return length;
    }

    @Override
    public int sendBatchSize() {
        return batchSize;
    }

    /** Records the batch's handles, then sends each datagram as the interface's default does (sendTo). */
    @Override
    public void sendBatch(DatagramBatch batch) {
        calls++;
        int[] handles = new int[batch.size()];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = batch.handle(i);
        }
        batches.add(handles);
        HostDatagrams.super.sendBatch(batch);
    }

    @Override
    public int receiveFrom(int handle, ByteBuf dst, int maxBytes, DatagramInfo from) {
        calls++;
        Sock s = live(handle);
        if (s.throwOnReceive != null) {
            RuntimeException e = s.throwOnReceive;
            s.throwOnReceive = null;
            throw e;
        }
        Incoming in = s.toRead.poll();
        if (in == null) {
            return -HostSockets.EAGAIN;
        }
        int n = Math.min(in.data.length, maxBytes);
        if (dst.writableBytes() < n) {
            throw new IllegalStateException("receive buffer too small");
        }
        dst.writeBytes(in.data, 0, n);
        from.addrHi = in.fromAddr6 != null ? IpAddress.hi(in.fromAddr6) : IpAddress.V4_HI;
        from.addrLo = in.fromAddr6 != null ? IpAddress.lo(in.fromAddr6) : IpAddress.v4Lo(in.fromAddr);
        from.port = in.fromPort;
        from.truncated = n < in.data.length;
        return n;
    }

    @Override
    public int receiveError(int handle, DatagramInfo info) {
        calls++;
        DatagramInfo e = live(handle).errors.poll();
        if (e == null) {
            return 0;
        }
        info.errno = e.errno;
        info.icmpType = e.icmpType;
        info.icmpCode = e.icmpCode;
        info.icmpv6 = e.icmpv6;
        info.icmpInfo = e.icmpInfo;
        info.offenderHi = e.offenderHi;
        info.offenderLo = e.offenderLo;
        info.originalDstHi = e.originalDstHi;
        info.originalDstLo = e.originalDstLo;
        info.originalDstPort = e.originalDstPort;
        return 1;
    }

    @Override
    public int openPing(HostSocketHandler handler) {
        calls++;
        if (failOpenPing != 0) {
            return -failOpenPing;
        }
        return newSock(true, handler).handle;
    }

    @Override
    public int openPing6(HostSocketHandler handler) {
        calls++;
        if (failOpenPing != 0) {
            return -failOpenPing;
        }
        Sock s = newSock(true, handler);
        s.bindAddrBytes = new byte[16]; // an AF_INET6 (ICMPv6) ping socket
        return s.handle;
    }

    @Override
    public int sendPing(int handle, long dstHi, long dstLo, ByteBuf src, int index, int length) {
        calls++;
        Sock s = live(handle);
        if (!s.ping) {
            throw new IllegalStateException("sendPing on a UDP socket");
        }
        if (!s.sendResults.isEmpty()) {
            return s.sendResults.poll();
        }
        byte[] b = new byte[length];
        src.getBytes(index, b);
        boolean v4 = IpAddress.isV4(dstHi, dstLo);
        if (v4 == (s.bindAddrBytes != null)) {
            throw new IllegalStateException("a ping to the other family's address");
        }
        s.sent.add(v4 ? new Sent(IpAddress.v4(dstLo), 0, b) : new Sent(0, bytesOf(dstHi, dstLo), 0, b));
        return length;
    }

    @Override
    public int receivePing(int handle, ByteBuf dst, int maxBytes, DatagramInfo from) {
        return receiveFrom(handle, dst, maxBytes, from);
    }

    @Override
    public void close(int handle) {
        calls++;
        live(handle).closed = true;
    }

    // ---- test side

    /** A datagram (or, on a ping socket, an ICMP echo reply message) arrives from {@code fromAddr:fromPort}. */
    public void deliver(Sock s, int fromAddr, int fromPort, byte[] data) {
        s.toRead.add(new Incoming(fromAddr, null, fromPort, data));
        s.handler.onSocketEvent(s.handle, HostSockets.READABLE);
    }

    /** A datagram arrives on a dual-stack forward socket from a genuine IPv6 client {@code [from6]:fromPort}. */
    public void deliver6(Sock s, byte[] from6, int fromPort, byte[] data) {
        if (from6.length != 16) {
            throw new IllegalArgumentException("IPv6 address of " + from6.length + " bytes");
        }
        s.toRead.add(new Incoming(0, from6.clone(), fromPort, data));
        s.handler.onSocketEvent(s.handle, HostSockets.READABLE);
    }

    /** Several datagrams arrive before the event loop reports the socket once. */
    public void deliverBatch(Sock s, int fromAddr, int fromPort, List<byte[]> data) {
        for (byte[] d : data) {
            s.toRead.add(new Incoming(fromAddr, null, fromPort, d));
        }
        s.handler.onSocketEvent(s.handle, HostSockets.READABLE);
    }

    /** The host received an ICMP error about one of the socket's datagrams (IP_RECVERR's error queue). */
    public void icmpError(Sock s, int errno, int type, int code, int offender, int originalDst, int originalPort) {
        DatagramInfo e = new DatagramInfo();
        e.errno = errno;
        e.icmpType = type;
        e.icmpCode = code;
        // 0 for "unknown" becomes ::ffff:0.0.0.0, which the stack reads as unspecified, as it did 0.
        e.offenderLo = IpAddress.v4Lo(offender);
        e.originalDstLo = IpAddress.v4Lo(originalDst);
        e.originalDstPort = originalPort;
        s.errors.add(e);
        s.handler.onSocketEvent(s.handle, HostSockets.ERROR);
    }

    /** The host received an ICMPv6 error (IPV6_RECVERR) about one of an AF_INET6 socket's datagrams. */
    public void icmp6Error(Sock s, int errno, int type, int code, int info, byte[] offender, byte[] originalDst,
                           int originalPort) {
        DatagramInfo e = new DatagramInfo();
        e.errno = errno;
        e.icmpType = type;
        e.icmpCode = code;
        e.icmpv6 = true;
        e.icmpInfo = info;
        if (offender != null) {
            e.offenderHi = IpAddress.hi(offender);
            e.offenderLo = IpAddress.lo(offender);
        }
        e.originalDstHi = IpAddress.hi(originalDst);
        e.originalDstLo = IpAddress.lo(originalDst);
        e.originalDstPort = originalPort;
        s.errors.add(e);
        s.handler.onSocketEvent(s.handle, HostSockets.ERROR);
    }

    @Override
    public int listenUdp(long addrHi, long addrLo, int port, HostSocketHandler handler) {
        calls++;
        byte[] addr = bytesOf(addrHi, addrLo);
        if (failOpenForward != 0) {
            return -failOpenForward;
        }
        Sock s = newSock(false, handler);
        s.bindAddrBytes = addr.clone();
        s.bindPort = port != 0 ? port : nextEphemeralPort++;
        return s.handle;
    }

    @Override
    public int localPort(int handle) {
        calls++;
        return live(handle).bindPort;
    }

    /** An address as the tests name it: 4 bytes for IPv4 (mapped), else 16, network byte order. */
    static byte[] bytesOf(long hi, long lo) {
        if (IpAddress.isV4(hi, lo)) {
            int a = IpAddress.v4(lo);
            return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
        }
        byte[] b = new byte[16];
        IpAddress.toBytes(hi, lo, b, 0);
        return b;
    }
}
