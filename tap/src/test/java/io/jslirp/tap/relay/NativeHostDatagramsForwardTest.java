package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.OpenFds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * NativeHostDatagrams' port-forward sockets (listenUdp on an address of either family, localPort, sendTo to
 * either family) against java.net clients on 127.0.0.1 and ::1; nothing leaves the host's loopback.
 */
@ExtendWith(LeakCheckExtension.class)
class NativeHostDatagramsForwardTest {
    private static final int LOCALHOST = 0x7f00_0001;
    private static final byte[] V4_LOOPBACK = {127, 0, 0, 1};
    private static final byte[] V6_ANY = new byte[16];
    private static final byte[] V6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final long WAIT_SECONDS = 5;

    private LoopThread loop;
    private NativeHostDatagrams host;
    private final List<DatagramSocket> clients = new ArrayList<>();

    @BeforeEach
    void setUp() {
        EventLoop eventLoop = new EventLoop();
        host = new NativeHostDatagrams(eventLoop);
        loop = LoopThread.start(eventLoop);
    }

    @AfterEach
    void tearDown() throws Exception {
        loop.call(host::closeAll);
        for (DatagramSocket s : clients) {
            s.close();
        }
        loop.close();
    }

    /** One datagram as receiveFrom described it. */
    private record Got(String text, DatagramInfo from) {
    }

    /**
     * A relay stand-in: on READABLE it drains the socket with receiveFrom into a queue, reusing one
     * DatagramInfo as the relay does, and copying it per datagram for the test to look at.
     */
    private final class Receiver implements HostSocketHandler {
        final BlockingQueue<Got> got = new LinkedBlockingQueue<>();
        final DatagramInfo reused = new DatagramInfo();

        @Override
        public void onSocketEvent(int handle, int events) {
            if ((events & HostSockets.READABLE) == 0) {
                return;
            }
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(2048, 2048);
            try {
                for (int i = 0; i < 100; i++) {
                    buf.clear();
                    int n = host.receiveFrom(handle, buf, 2048, reused);
                    if (n < 0) {
                        return;
                    }
                    DatagramInfo copy = new DatagramInfo();
                    copy.addrHi = reused.addrHi;
                    copy.addrLo = reused.addrLo;
                    copy.port = reused.port;
                    got.add(new Got(buf.toString(StandardCharsets.US_ASCII), copy));
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

    private int openUdp(byte[] addr, int port, Receiver r) throws Exception {
        int h = loop.call(() -> host.listenUdp(IpAddress.hi(addr), IpAddress.lo(addr), port, r));
        assertTrue(h >= 0, "openUdp failed: " + h);
        return h;
    }

    private DatagramSocket client(String address) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0));
        clients.add(s);
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return s;
    }

    private static void send(DatagramSocket from, String to, int port, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        from.send(new DatagramPacket(b, b.length, InetAddress.getByName(to), port));
    }

    private static DatagramPacket receive(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        return p;
    }

    private static String text(DatagramPacket p) {
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    /** sendTo (IPv4 destination, also on a dual-stack socket) from a direct buffer at an offset. */
    private int sendTo(int h, int addr, int port, String text) throws Exception {
        ByteBuf b = directWithText(text);
        try {
            return loop.call(() -> host.sendTo(h, IpAddress.V4_HI, IpAddress.v4Lo(addr), port, b, 3,
                    b.readableBytes() - 3));
        } finally {
            b.release();
        }
    }

    private int sendToV6(int h, byte[] addr6, int port, String text) throws Exception {
        ByteBuf b = directWithText(text);
        try {
            return loop.call(() -> host.sendTo(h, IpAddress.hi(addr6), IpAddress.lo(addr6), port, b, 3,
                    b.readableBytes() - 3));
        } finally {
            b.release();
        }
    }

    private static byte[] bytes(DatagramInfo d) {
        byte[] b = new byte[16];
        IpAddress.toBytes(d.addrHi, d.addrLo, b, 0);
        return b;
    }

    private static ByteBuf directWithText(String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(t.length + 3).writeZero(3).writeBytes(t);
    }

    @Test
    void ipv4ForwardSocketReceivesFromAClientAndRepliesFromItsPort() throws Exception {
        Receiver r = new Receiver();
        r.reused.addrHi = 0x2001_0db8_0000_0000L; // left over from an IPv6 client: must be overwritten
        int h = openUdp(V4_LOOPBACK, 0, r);
        int port = loop.call(() -> host.localPort(h));
        assertTrue(port > 0, "the kernel chose a port: " + port);

        DatagramSocket client = client("127.0.0.1");
        send(client, "127.0.0.1", port, "ping");
        Got g = r.next();
        assertEquals("ping", g.text());
        assertTrue(g.from().isIpv4());
        assertEquals(LOCALHOST, g.from().ipv4());
        assertEquals(client.getLocalPort(), g.from().port);

        assertEquals(4, sendTo(h, g.from().ipv4(), g.from().port, "pong"));
        DatagramPacket p = receive(client);
        assertEquals("pong", text(p));
        assertEquals(port, p.getPort(), "the reply comes from the forward's port");
        assertEquals(1, loop.call(host::openCount));
        loop.call(() -> {
            host.close(h);
            return null;
        });
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void dualStackSocketTakesAnIpv4ClientAsIpv4AndRepliesToItsMappedAddress() throws Exception {
        Receiver r = new Receiver();
        r.reused.addrHi = 0x2001_0db8_0000_0000L;
        int h = openUdp(V6_ANY, 0, r);
        int port = loop.call(() -> host.localPort(h));
        assertTrue(port > 0);

        DatagramSocket client = client("127.0.0.1");
        send(client, "127.0.0.1", port, "from v4");
        Got g = r.next();
        assertEquals("from v4", g.text());
        assertTrue(g.from().isIpv4(), "::ffff:127.0.0.1 is reported as IPv4");
        assertEquals(LOCALHOST, g.from().ipv4());
        assertEquals(client.getLocalPort(), g.from().port);

        assertEquals(5, sendTo(h, LOCALHOST, client.getLocalPort(), "to v4"));
        DatagramPacket p = receive(client);
        assertEquals("to v4", text(p));
        assertEquals(InetAddress.getByName("127.0.0.1"), p.getAddress());
        assertEquals(port, p.getPort());
    }

    @Test
    void dualStackSocketTakesAnIpv6ClientAsIpv6AndRepliesWithSendTo6() throws Exception {
        Receiver r = new Receiver();
        r.reused.addrLo = IpAddress.v4Lo(42);
        int h = openUdp(V6_ANY, 0, r);
        int port = loop.call(() -> host.localPort(h));

        DatagramSocket client = client("::1");
        send(client, "::1", port, "from v6");
        Got g = r.next();
        assertEquals("from v6", g.text());
        assertFalse(g.from().isIpv4());
        assertArrayEquals(V6_LOOPBACK, bytes(g.from()));
        assertEquals(client.getLocalPort(), g.from().port);

        assertEquals(5, sendToV6(h, bytes(g.from()), g.from().port, "to v6"));
        DatagramPacket p = receive(client);
        assertEquals("to v6", text(p));
        assertEquals(InetAddress.getByName("::1"), p.getAddress());
        assertEquals(port, p.getPort());
    }

    @Test
    void ipv6LoopbackSocketTalksToAnIpv6Client() throws Exception {
        Receiver r = new Receiver();
        int h = openUdp(V6_LOOPBACK, 0, r);
        int port = loop.call(() -> host.localPort(h));
        DatagramSocket client = client("::1");
        send(client, "::1", port, "hello");
        Got g = r.next();
        assertFalse(g.from().isIpv4());
        assertArrayEquals(V6_LOOPBACK, bytes(g.from()));
        assertEquals(3, sendToV6(h, V6_LOOPBACK, client.getLocalPort(), "bye"));
        assertEquals("bye", text(receive(client)));
    }

    @Test
    void aTakenPortIsEaddrinuseForEitherFamilyAndLeavesNoFdBehind() throws Exception {
        DatagramSocket taken = client("127.0.0.1");
        int port = taken.getLocalPort();
        Receiver r = new Receiver();
        assertEquals(-HostSockets.EADDRINUSE, (int) loop.call(() -> host.listenUdp(0, IpAddress.lo(V4_LOOPBACK), port, r)));
        java.util.Map<Integer, String> before = OpenFds.snapshot();
        for (int i = 0; i < 20; i++) {
            assertEquals(-HostSockets.EADDRINUSE, (int) loop.call(() -> host.listenUdp(0, IpAddress.lo(V4_LOOPBACK), port, r)));
            assertEquals(-HostSockets.EADDRINUSE, (int) loop.call(() -> host.listenUdp(0, 0, port, r)),
                    "a dual-stack socket also wants the IPv4 port");
        }
        assertEquals(java.util.Map.of(), OpenFds.openedSince(before), "every failed open closed its socket");
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void noOtherSocketCanShareTheForwardsPort() throws Exception {
        int h = openUdp(V4_LOOPBACK, 0, new Receiver());
        int port = loop.call(() -> host.localPort(h));
        // SO_REUSEADDR on both sockets would let the second bind and steal datagrams; without it on ours, no.
        DatagramSocket intruder = new DatagramSocket(null);
        clients.add(intruder);
        intruder.setReuseAddress(true);
        assertThrows(BindException.class,
                () -> intruder.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port)));
    }

    @Test
    void wrongFamiliesBadArgumentsAndForeignHandlesAreRefused() throws Exception {
        Receiver r = new Receiver();
        int v4 = openUdp(V4_LOOPBACK, 0, r);
        assertEquals(-Errno.EAFNOSUPPORT, sendToV6(v4, V6_LOOPBACK, 9, "x"), "an AF_INET socket has no IPv6 route");
        int v6 = openUdp(V6_LOOPBACK, 0, r);
        assertEquals(-Errno.EINVAL, (int) loop.call(() -> host.listenUdp(0, IpAddress.lo(V4_LOOPBACK), 70_000, r)));
        assertEquals(-Errno.EBADF, (int) loop.call(() -> host.localPort(9999)));
        assertEquals(-Errno.EBADF, sendToV6(9999, V6_LOOPBACK, 9, "x"));
        ByteBuf b = Unpooled.directBuffer(64);
        try {
            assertEquals(-Errno.EBADF, (int) loop.call(() -> host.sendPing(v6, 0, IpAddress.v4Lo(LOCALHOST), b, 0, 8)), "not a ping socket");
            assertEquals(-Errno.EBADF, (int) loop.call(() -> host.receivePing(v6, b, 64, new DatagramInfo())));
        } finally {
            b.release();
        }
        assertEquals(2, loop.call(host::openCount));
        assertEquals(2, (int) loop.call(host::closeAll));
    }
}
