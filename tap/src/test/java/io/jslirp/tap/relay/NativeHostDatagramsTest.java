package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.OpenFds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** NativeHostDatagrams against real sockets the test serves on 127.0.0.1 itself; nothing leaves 127/8. */
@ExtendWith(LeakCheckExtension.class)
class NativeHostDatagramsTest {
    private static final int LOCALHOST = 0x7f00_0001;
    private static final int LOCALHOST_2 = 0x7f00_0002;
    private static final long WAIT_SECONDS = 5;

    private LoopThread loop;
    private NativeHostDatagrams host;
    private DatagramSocket server;

    @BeforeEach
    void setUp() throws IOException {
        EventLoop eventLoop = new EventLoop();
        host = new NativeHostDatagrams(eventLoop);
        server = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        server.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        loop = LoopThread.start(eventLoop);
    }

    @AfterEach
    void tearDown() throws Exception {
        loop.call(host::closeAll); // tests that care about counts check openCount themselves
        server.close();
        loop.close();
    }

    /** What the handler saw: a datagram (or echo reply) with its source, or an ICMP error. */
    private record Got(byte[] data, int result, DatagramInfo info, boolean error) {
    }

    /** A relay stand-in: drains datagrams on READABLE and the error queue on ERROR, bounded, into a queue. */
    private final class Receiver implements HostSocketHandler {
        final BlockingQueue<Got> got = new LinkedBlockingQueue<>();
        final boolean ping;
        final int maxBytes;

        Receiver(boolean ping, int maxBytes) {
            this.ping = ping;
            this.maxBytes = maxBytes;
        }

        @Override
        public void onSocketEvent(int handle, int events) {
            if ((events & HostSockets.ERROR) != 0) {
                for (int i = 0; i < 100; i++) {
                    DatagramInfo info = new DatagramInfo();
                    if (host.receiveError(handle, info) != 1) {
                        break;
                    }
                    got.add(new Got(null, 0, info, true));
                }
            }
            if ((events & HostSockets.READABLE) == 0) {
                return;
            }
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(maxBytes, maxBytes);
            try {
                for (int i = 0; i < 100; i++) {
                    buf.clear();
                    DatagramInfo info = new DatagramInfo();
                    int n = ping ? host.receivePing(handle, buf, maxBytes, info) : host.receiveFrom(handle, buf, maxBytes, info);
                    if (n == -Errno.EAGAIN) {
                        return; // none waits; for UDP, 0 is an empty datagram
                    }
                    byte[] data = new byte[buf.readableBytes()];
                    buf.getBytes(buf.readerIndex(), data);
                    got.add(new Got(data, n, info, false));
                    if (n < 0) {
                        return;
                    }
                }
            } finally {
                buf.release();
            }
        }

        Got next() throws InterruptedException {
            Got g = got.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(g, "nothing arrived within " + WAIT_SECONDS + " s");
            return g;
        }
    }

    private int openUdp(int bindAddr, int bindPort, Receiver r) throws Exception {
        int h = loop.call(() -> host.openUdp(IpAddress.V4_HI, IpAddress.v4Lo(bindAddr), bindPort, r));
        assertTrue(h >= 0, "openUdp failed: " + h);
        return h;
    }

    private int sendTo(int h, int addr, int port, byte[] data) throws Exception {
        // A heap buffer for the bounce path would be Unpooled.wrappedBuffer(data); the relay's are direct.
        ByteBuf b = Unpooled.directBuffer(data.length + 8);
        try {
            b.writeZero(8).writeBytes(data);
            return loop.call(() -> host.sendTo(h, IpAddress.V4_HI, IpAddress.v4Lo(addr), port, b, 8, data.length));
        } finally {
            b.release();
        }
    }

    private DatagramPacket serverReceive() throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        server.receive(p);
        return p;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static int ipv4(InetAddress a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    @Test
    void udpEchoBothWaysWithTheRepliesSource() throws Exception {
        Receiver r = new Receiver(false, 2048);
        int h = openUdp(0, 0, r);
        assertEquals(5, sendTo(h, LOCALHOST, server.getLocalPort(), ascii("hello")));
        DatagramPacket p = serverReceive();
        assertEquals("hello", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        assertEquals(LOCALHOST, ipv4(p.getAddress()));

        server.send(new DatagramPacket(ascii("world!"), 6, p.getSocketAddress()));
        Got g = r.next();
        assertFalse(g.error());
        assertEquals(6, g.result());
        assertArrayEquals(ascii("world!"), g.data());
        assertEquals(LOCALHOST, g.info().ipv4());
        assertEquals(server.getLocalPort(), g.info().port);
        assertFalse(g.info().truncated);
        assertEquals(1, loop.call(host::openCount));
        loop.call(() -> {
            host.close(h);
            return null;
        });
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void bindAddressAndPortAreWhatTheServerSees() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
            port = probe.getLocalPort(); // free a moment ago, on an address nothing else here uses
        }
        Receiver r = new Receiver(false, 2048);
        int h = openUdp(LOCALHOST_2, port, r);
        assertEquals(3, sendTo(h, LOCALHOST, server.getLocalPort(), ascii("abc")));
        DatagramPacket p = serverReceive();
        assertEquals(LOCALHOST_2, ipv4(p.getAddress()));
        assertEquals(port, p.getPort());
    }

    @Test
    void bindToAnAddressInUseIsAnErrno() throws Exception {
        Receiver r = new Receiver(false, 2048);
        int h = loop.call(() -> host.openUdp(IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), server.getLocalPort(), r));
        assertEquals(-HostSockets.EADDRINUSE, h);
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void aDatagramLongerThanTheRoomIsCutAndSaysSo() throws Exception {
        Receiver r = new Receiver(false, 10);
        int h = openUdp(0, 0, r);
        sendTo(h, LOCALHOST, server.getLocalPort(), ascii("x"));
        DatagramPacket p = serverReceive();
        byte[] big = new byte[100];
        Arrays.fill(big, (byte) 'b');
        server.send(new DatagramPacket(big, big.length, p.getSocketAddress()));
        server.send(new DatagramPacket(ascii("short"), 5, p.getSocketAddress()));
        Got cut = r.next();
        assertEquals(10, cut.result());
        assertEquals(10, cut.data().length);
        assertTrue(cut.info().truncated);
        Got whole = r.next();
        assertEquals(5, whole.result());
        assertFalse(whole.info().truncated);
    }

    @Test
    void anIpv6RelaySocketEchoesAndReportsIcmpv6PortUnreachableWithIpv6Addresses() throws Exception {
        byte[] loopback6 = InetAddress.getByName("::1").getAddress();
        int closedPort;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            closedPort = gone.getLocalPort();
        }
        try (DatagramSocket v6 = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            v6.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            Receiver r = new Receiver(false, 2048);
            // "::" is no IPv4 address: an AF_INET6 socket with IPV6_RECVERR.
            int h = loop.call(() -> host.openUdp(0, 0, 0, r));
            assertTrue(h >= 0, "openUdp failed: " + h);
            ByteBuf b = Unpooled.directBuffer(16).writeBytes(ascii("six"));
            try {
                assertEquals(3, (int) loop.call(() -> host.sendTo(h, 0, 1, v6.getLocalPort(), b, 0, 3)));
                DatagramPacket p = new DatagramPacket(new byte[64], 64);
                v6.receive(p);
                assertEquals(InetAddress.getByName("::1"), p.getAddress());
                v6.send(new DatagramPacket(ascii("back"), 4, p.getSocketAddress()));
                Got g = r.next();
                assertEquals("back", new String(g.data(), StandardCharsets.US_ASCII));
                assertFalse(g.info().isIpv4());
                byte[] from = new byte[16];
                IpAddress.toBytes(g.info().addrHi, g.info().addrLo, from, 0);
                assertArrayEquals(loopback6, from);
                assertEquals(v6.getLocalPort(), g.info().port);

                assertEquals(3, (int) loop.call(() -> host.sendTo(h, 0, 1, closedPort, b, 0, 3)));
                Got e = r.next();
                assertTrue(e.error(), "expected an ICMPv6 error, got a datagram");
                assertEquals(HostSockets.ECONNREFUSED, e.info().errno);
                assertEquals(1, e.info().icmpType, "ICMPv6 destination unreachable");
                assertEquals(4, e.info().icmpCode, "port unreachable");
                assertEquals(0, e.info().offenderHi);
                assertEquals(1, e.info().offenderLo, "from ::1");
                assertEquals(0, e.info().originalDstHi);
                assertEquals(1, e.info().originalDstLo);
                assertEquals(closedPort, e.info().originalDstPort);
            } finally {
                b.release();
            }
        }
    }

    @Test
    void portUnreachableArrivesAsAnErrorWithItsIcmpAndDestination() throws Exception {
        int closedPort;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            closedPort = gone.getLocalPort();
        }
        Receiver r = new Receiver(false, 2048);
        int h = openUdp(0, 0, r);
        assertEquals(6, sendTo(h, LOCALHOST, closedPort, ascii("anyone")));
        Got g = r.next();
        assertTrue(g.error(), "expected an ICMP error, got a datagram");
        assertEquals(HostSockets.ECONNREFUSED, g.info().errno);
        assertEquals(3, g.info().icmpType, "destination unreachable");
        assertEquals(3, g.info().icmpCode, "port unreachable");
        assertEquals(LOCALHOST, g.info().offenderIpv4());
        assertEquals(LOCALHOST, g.info().originalDstIpv4());
        assertEquals(closedPort, g.info().originalDstPort);
        // The queue is drained and the socket's error with it: the socket works on.
        assertEquals(0, (int) loop.call(() -> host.receiveError(h, new DatagramInfo())));
        assertEquals(2, sendTo(h, LOCALHOST, server.getLocalPort(), ascii("ok")));
        assertEquals("ok", new String(serverReceive().getData(), 0, 2, StandardCharsets.US_ASCII));
        Thread.sleep(50);
        assertTrue(r.got.isEmpty(), "nothing more: " + r.got);
    }

    @Test
    void staleAndWrongHandlesAreRefused() throws Exception {
        Receiver r = new Receiver(false, 2048);
        int h = openUdp(0, 0, r);
        loop.call(() -> {
            host.close(h);
            host.close(h);
            return null;
        });
        assertEquals(-Errno.EBADF, sendTo(h, LOCALHOST, server.getLocalPort(), ascii("x")));
        assertEquals(-Errno.EBADF, sendTo(-1, LOCALHOST, server.getLocalPort(), ascii("x")));
        ByteBuf b = Unpooled.directBuffer(64);
        try {
            assertEquals(-Errno.EBADF, (int) loop.call(() -> host.receiveFrom(h, b, 64, new DatagramInfo())));
            assertEquals(-Errno.EBADF, (int) loop.call(() -> host.receivePing(h, b, 64, new DatagramInfo())));
            int udp = openUdp(0, 0, r);
            assertEquals(-Errno.EBADF, (int) loop.call(() -> host.sendPing(udp, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), b, 0, 8)));
            DatagramInfo untouched = new DatagramInfo();
            untouched.addrLo = 42;
            assertEquals(-Errno.EAGAIN, (int) loop.call(() -> host.receiveFrom(udp, b, 64, untouched)), "nothing waits");
            assertEquals(42, untouched.addrLo, "nothing received, nothing filled in");
            int ping = loop.call(() -> host.openPing(new Receiver(true, 64)));
            if (ping >= 0) {
                assertEquals(-Errno.EAGAIN, (int) loop.call(() -> host.receivePing(ping, b, 64, untouched)),
                        "no echo reply waits");
                assertEquals(42, untouched.addrLo);
                loop.call(() -> {
                    host.close(ping);
                    return null;
                });
            }
            // An empty datagram is a datagram: the receiver (draining on READABLE) gets 0 bytes and the sender.
            int port = loop.call(() -> host.localPort(udp));
            try (java.net.DatagramSocket empty = new java.net.DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
                empty.send(new java.net.DatagramPacket(new byte[0], 0, java.net.InetAddress.getByName("127.0.0.1"), port));
                Got g = r.got.poll(5, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(g != null, "the empty datagram was not received");
                assertEquals(0, g.result());
                assertEquals(empty.getLocalPort(), g.info().port);
            }
        } finally {
            b.release();
        }
    }

    /** An ICMP echo request: type 8, code 0, checksum left 0 (the host side computes it), id, seq, payload. */
    private static ByteBuf echoRequest(int id, int seq, byte[] payload) {
        ByteBuf b = Unpooled.directBuffer(8 + payload.length);
        b.writeByte(8).writeByte(0).writeShort(0).writeShort(id).writeShort(seq).writeBytes(payload);
        return b;
    }

    private int sendPing(int h, ByteBuf msg) throws Exception {
        try {
            return loop.call(() -> host.sendPing(h, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), msg, msg.readerIndex(),
                    msg.readableBytes()));
        } finally {
            msg.release();
        }
    }

    private static void assertEchoReply(Got g, int seq, byte[] payload) {
        assertFalse(g.error());
        byte[] d = g.data();
        assertEquals(8 + payload.length, g.result());
        assertEquals(0, d[0], "echo reply");
        assertEquals(0, d[1]);
        assertEquals(seq, (d[6] & 0xff) << 8 | (d[7] & 0xff));
        assertArrayEquals(payload, Arrays.copyOfRange(d, 8, d.length));
        assertEquals(LOCALHOST, g.info().ipv4());
    }

    @Test
    void pingLoopbackGetsTheEchoReplyOfEachSocketOnly() throws Exception {
        Receiver a = new Receiver(true, 2048);
        Receiver b = new Receiver(true, 2048);
        int ha = loop.call(() -> host.openPing(a));
        assumeTrue(ha >= 0, "no ping socket and no raw socket here: " + ha);
        int hb = loop.call(() -> host.openPing(b));
        assertTrue(hb >= 0);
        byte[] pa = ascii("payload of a");
        byte[] pb = ascii("payload of b, longer");
        assertEquals(8 + pa.length, sendPing(ha, echoRequest(0x1234, 7, pa)));
        assertEquals(8 + pb.length, sendPing(hb, echoRequest(0x1234, 7, pb)));
        assertEchoReply(a.next(), 7, pa);
        assertEchoReply(b.next(), 7, pb);
        Thread.sleep(50);
        assertTrue(a.got.isEmpty() && b.got.isEmpty(), "each socket sees its own reply once");
        assertEquals(2, loop.call(host::openCount));
        loop.call(() -> {
            host.close(ha);
            host.close(hb);
            return null;
        });
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void ping6LoopbackGetsTheIcmpv6EchoReplyOfEachSocketOnly() throws Exception {
        Receiver a = new Receiver(true, 2048);
        Receiver b = new Receiver(true, 2048);
        int ha = loop.call(() -> host.openPing6(a));
        assumeTrue(ha >= 0, "no ICMPv6 ping socket and no raw one here: " + ha);
        int hb = loop.call(() -> host.openPing6(b));
        assertTrue(hb >= 0);
        byte[] pa = ascii("six of a");
        byte[] pb = ascii("six of b, longer");
        assertEquals(8 + pa.length, sendPing6(ha, echo6Request(0x4321, 3, pa)));
        assertEquals(8 + pb.length, sendPing6(hb, echo6Request(0x4321, 3, pb)));
        for (Object[] rp : new Object[][] {{a, pa}, {b, pb}}) {
            Got g = ((Receiver) rp[0]).next();
            byte[] payload = (byte[]) rp[1];
            assertFalse(g.error());
            assertEquals(8 + payload.length, g.result());
            assertEquals(129, g.data()[0] & 0xff, "ICMPv6 echo reply");
            assertEquals(3, (g.data()[6] & 0xff) << 8 | (g.data()[7] & 0xff));
            assertArrayEquals(payload, Arrays.copyOfRange(g.data(), 8, g.data().length));
            assertEquals(0, g.info().addrHi);
            assertEquals(1, g.info().addrLo, "from ::1");
        }
        Thread.sleep(50);
        assertTrue(a.got.isEmpty() && b.got.isEmpty(), "each socket sees its own reply once");
        // An ICMPv6 socket reaches IPv6 addresses only.
        ByteBuf v4 = echo6Request(1, 1, pa);
        try {
            assertEquals(-Errno.EAFNOSUPPORT, (int) loop.call(() -> host.sendPing(ha, IpAddress.V4_HI,
                    IpAddress.v4Lo(LOCALHOST), v4, 0, v4.readableBytes())));
        } finally {
            v4.release();
        }
    }

    /** An ICMPv6 echo request (RFC 4443 4.1): type 128, code 0, checksum 0 (the kernel's to fill), id, seq. */
    private static ByteBuf echo6Request(int id, int seq, byte[] payload) {
        ByteBuf b = Unpooled.directBuffer(8 + payload.length);
        b.writeByte(128).writeByte(0).writeShort(0).writeShort(id).writeShort(seq).writeBytes(payload);
        return b;
    }

    private int sendPing6(int h, ByteBuf msg) throws Exception {
        try {
            return loop.call(() -> host.sendPing(h, 0, 1, msg, msg.readerIndex(), msg.readableBytes()));
        } finally {
            msg.release();
        }
    }

    @Test
    void rawPingNeedsRootAndWorksAsRoot() throws Exception {
        assumeTrue(Native.libc().getuid() == 0, "root only");
        assumeTrue(!pingGroupAllows(), "an unprivileged ping socket would be used instead");
        // Here openPing falls back to a raw socket: the identifier and checksum are ours to write.
        pingLoopbackGetsTheEchoReplyOfEachSocketOnly();
    }

    private static boolean pingGroupAllows() throws IOException {
        String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ping_group_range")).trim().split("\\s+");
        return Long.parseLong(range[0]) <= 0 && 0 <= Long.parseLong(range[1]);
    }

    @Test
    void checksumOfAKnownEcho() {
        // An echo request, id 1 seq 1, no payload: 0x0800 + 0x0001 + 0x0001 = 0x0802, complement 0xf7fd.
        ByteBuf b = Unpooled.buffer(8).writeByte(8).writeByte(0).writeShort(0).writeShort(1).writeShort(1);
        assertEquals(0xf7fd, NativeHostDatagrams.icmpChecksum(b, 8));
        ByteBuf odd = Unpooled.buffer(9).writeByte(8).writeByte(0).writeShort(0).writeShort(1).writeShort(1).writeByte(0xff);
        // An odd length is padded with a zero byte: + 0xff00 = 0x10702, folded 0x0703, complement 0xf8fc.
        assertEquals(0xf8fc, NativeHostDatagrams.icmpChecksum(odd, 9));
    }

    @Test
    void openAndCloseLeaveNoFdBehind() throws Exception {
        java.util.Map<Integer, String> before = OpenFds.snapshot();
        Receiver r = new Receiver(false, 2048);
        int[] handles = new int[30];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = openUdp(0, 0, r);
        }
        int ping = loop.call(() -> host.openPing(new Receiver(true, 2048)));
        assertEquals(handles.length + (ping >= 0 ? 1 : 0), loop.call(host::openCount));
        assertTrue(OpenFds.openedSince(before).size() >= handles.length, "the sockets show in /proc/self/fd");
        loop.call(() -> {
            for (int h : handles) {
                host.close(h);
            }
            return null;
        });
        assertEquals(ping >= 0 ? 1 : 0, loop.call(host::openCount));
        assertEquals(ping >= 0 ? 1 : 0, (int) loop.call(host::closeAll));
        assertEquals(0, loop.call(host::openCount));
        assertEquals(java.util.Map.of(), OpenFds.openedSince(before), "fds opened by the test and still open");
    }

    @Test
    void theFirstEchoIdentifierComesFromThisProcesssId() {
        assertEquals(ProcessHandle.current().pid(), NativeHostDatagrams.pid());
    }
}
