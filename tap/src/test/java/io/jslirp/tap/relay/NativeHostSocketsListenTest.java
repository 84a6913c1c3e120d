package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.OpenFds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * NativeHostSockets' listening side (port forwards) against java.net clients on 127.0.0.1 and ::1; nothing
 * leaves the host's loopback.
 */
@ExtendWith(LeakCheckExtension.class)
class NativeHostSocketsListenTest {
    private static final int LOCALHOST = 0x7f00_0001;
    private static final byte[] V4_LOOPBACK = {127, 0, 0, 1};
    private static final byte[] V6_ANY = new byte[16];
    private static final byte[] V6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final long WAIT_SECONDS = 5;

    private LoopThread loop;
    private NativeHostSockets host;
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void setUp() {
        EventLoop eventLoop = new EventLoop();
        host = new NativeHostSockets(eventLoop);
        loop = LoopThread.start(eventLoop);
    }

    @AfterEach
    void tearDown() throws Exception {
        loop.call(host::closeAll); // what a test leaves open; closeAllTakesListenersAndAcceptedSockets checks the count
        for (Socket s : clients) {
            s.close();
        }
        loop.close();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    /** Counts a handle's events, as the forward's relay would see them. */
    private static final class Events implements HostSocketHandler {
        final AtomicInteger readable = new AtomicInteger();
        final AtomicInteger all = new AtomicInteger();

        @Override
        public void onSocketEvent(int handle, int events) {
            all.incrementAndGet();
            if ((events & HostSockets.READABLE) != 0) {
                readable.incrementAndGet();
            }
        }
    }

    /** A listener that, unlike the relay, accepts only when the test says; READABLE is counted meanwhile. */
    private final class Listener {
        final Events events = new Events();
        final int handle;

        Listener(byte[] addr, int port) throws Exception {
            handle = loop.call(() -> host.listenTcp(IpAddress.hi(addr), IpAddress.lo(addr), port, events));
            assertTrue(handle >= 0, "listenTcp failed: " + handle);
        }

        int port() throws Exception {
            return loop.call(() -> host.localPort(handle));
        }

        /** Waits until the listener is readable, then accepts on the loop thread into {@code peer}. */
        int acceptOne(HostSocketHandler handler, DatagramInfo peer) throws Exception {
            await(() -> events.readable.get() > 0, "the listener to become readable");
            int h = loop.call(() -> host.accept(handle, handler, peer));
            assertTrue(h >= 0, "accept failed: " + h);
            return h;
        }
    }

    private Socket connect(String address, int port) throws IOException {
        Socket s = new Socket();
        clients.add(s);
        s.connect(new InetSocketAddress(InetAddress.getByName(address), port), (int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return s;
    }

    @Test
    void ipv4ListenerAcceptsAndReportsTheClientsAddressAndPort() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        int port = l.port();
        assertTrue(port > 0, "the kernel chose a port: " + port);
        assertEquals(-HostSockets.EAGAIN, (int) loop.call(() -> host.accept(l.handle, new Events(), new DatagramInfo())),
                "no client yet");

        Socket client = connect("127.0.0.1", port);
        DatagramInfo peer = new DatagramInfo();
        peer.addrHi = 0x2001_0db8_0000_0000L; // left over from an earlier IPv6 client: must be overwritten
        int h = l.acceptOne(new Events(), peer);
        assertTrue(peer.isIpv4());
        assertEquals(LOCALHOST, peer.ipv4());
        assertEquals(client.getLocalPort(), peer.port);
        assertEquals(-HostSockets.EAGAIN, (int) loop.call(() -> host.accept(l.handle, new Events(), new DatagramInfo())),
                "the one client was taken");
        assertEquals(2, loop.call(host::openCount), "the listener and the accepted socket");
        assertEquals(port, (int) loop.call(() -> host.localPort(h)), "the accepted socket is on the forward's port");
        loop.run(() -> host.close(h));
        loop.run(() -> host.close(l.handle));
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void anAcceptedSocketReportsNothingUntilReadInterestIsSet() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        Socket client = connect("127.0.0.1", l.port());
        Events accepted = new Events();
        int h = l.acceptOne(accepted, new DatagramInfo());
        client.getOutputStream().write("early".getBytes(StandardCharsets.US_ASCII));
        Thread.sleep(150);
        assertEquals(0, accepted.all.get(), "the guest has not accepted yet: nothing is reported");

        loop.run(() -> host.setInterest(h, true, false));
        await(() -> accepted.readable.get() > 0, "READABLE once read interest is set");
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            assertEquals(5, (int) loop.call(() -> host.read(h, b, 64)));
            assertEquals("early", b.toString(StandardCharsets.US_ASCII));
        } finally {
            b.release();
        }
        loop.run(() -> host.close(h));
    }

    @Test
    void anAcceptedSocketHasNagleOffLikeAnOutboundOne() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        connect("127.0.0.1", l.port());
        int h = l.acceptOne(new Events(), new DatagramInfo());
        int nodelay = loop.call(() -> {
            try (io.jslirp.tap.sys.NativeBlock p = Native.allocate(8)) {
                p.putInt(4, 4);
                assertEquals(0, Native.libc().getsockopt(h, Flags.IPPROTO_TCP, Flags.TCP_NODELAY, p.address(),
                        p.address() + 4));
                return p.getInt(0);
            }
        });
        assertEquals(1, nodelay);
    }

    @Test
    void dualStackListenerReportsAnIpv4ClientAsIpv4AndAnIpv6ClientAsIpv6() throws Exception {
        Listener l = new Listener(V6_ANY, 0);
        int port = l.port();
        assertTrue(port > 0);

        Socket v4 = connect("127.0.0.1", port);
        DatagramInfo peer = new DatagramInfo();
        peer.addrHi = 0x2001_0db8_0000_0000L;
        int h4 = l.acceptOne(new Events(), peer);
        assertTrue(peer.isIpv4(), "::ffff:127.0.0.1 is reported as IPv4");
        assertEquals(LOCALHOST, peer.ipv4());
        assertEquals(v4.getLocalPort(), peer.port);

        l.events.readable.set(0);
        Socket v6 = connect("::1", port);
        peer.addrLo = IpAddress.v4Lo(42);
        int h6 = l.acceptOne(new Events(), peer);
        assertFalse(peer.isIpv4());
        assertArrayEquals(V6_LOOPBACK, bytes(peer));
        assertEquals(v6.getLocalPort(), peer.port);
        loop.run(() -> {
            host.close(h4);
            host.close(h6);
        });
    }

    @Test
    void ipv6LoopbackListenerReportsItsClientAsIpv6() throws Exception {
        Listener l = new Listener(V6_LOOPBACK, 0);
        Socket client = connect("::1", l.port());
        DatagramInfo peer = new DatagramInfo();
        int h = l.acceptOne(new Events(), peer);
        assertFalse(peer.isIpv4());
        assertArrayEquals(V6_LOOPBACK, bytes(peer));
        assertEquals(client.getLocalPort(), peer.port);
        client.getOutputStream().write(7);
        loop.run(() -> host.setInterest(h, true, false));
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
        try {
            await(() -> {
                try {
                    return loop.call(() -> host.read(h, b, 8)) == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "the client's byte");
            assertEquals(7, b.getByte(0));
        } finally {
            b.release();
        }
    }

    @Test
    void aTakenPortIsEaddrinuseAndLeavesNoFdBehind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertEquals(-HostSockets.EADDRINUSE, (int) loop.call(() -> host.listenTcp(0, IpAddress.lo(V4_LOOPBACK), port, new Events())));
            java.util.Map<Integer, String> before = OpenFds.snapshot();
            for (int i = 0; i < 20; i++) {
                assertEquals(-HostSockets.EADDRINUSE, (int) loop.call(() -> host.listenTcp(0, IpAddress.lo(V4_LOOPBACK), port, new Events())));
                assertEquals(-HostSockets.EADDRINUSE, (int) loop.call(() -> host.listenTcp(0, 0, port, new Events())),
                        "a dual-stack listener also wants the IPv4 port");
            }
            assertEquals(java.util.Map.of(), OpenFds.openedSince(before), "every failed listen closed its socket");
            assertEquals(0, loop.call(host::openCount));
        }
    }

    @Test
    void aForwardCanBeReaddedWhileItsLastConnectionIsInTimeWait() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        int port = l.port();
        Socket client = connect("127.0.0.1", port);
        int h = l.acceptOne(new Events(), new DatagramInfo());
        // Our side closes first, so the TIME_WAIT is on the forward's port.
        loop.run(() -> host.close(h));
        assertEquals(-1, client.getInputStream().read());
        client.close();
        loop.run(() -> host.close(l.handle));
        int again = loop.call(() -> host.listenTcp(0, IpAddress.lo(V4_LOOPBACK), port, new Events()));
        assertTrue(again >= 0, "SO_REUSEADDR lets the port be bound again: " + again);
        loop.run(() -> host.close(again));
    }

    @Test
    void badArgumentsAndForeignHandlesAreRefused() throws Exception {
        assertEquals(-22, (int) loop.call(() -> host.listenTcp(0, IpAddress.lo(V4_LOOPBACK), 70_000, new Events())));
        assertEquals(-9, (int) loop.call(() -> host.accept(9999, new Events(), new DatagramInfo())));
        assertEquals(-9, (int) loop.call(() -> host.localPort(9999)));
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void closeAllTakesListenersAndAcceptedSockets() throws Exception {
        Listener a = new Listener(V4_LOOPBACK, 0);
        Listener b = new Listener(V6_LOOPBACK, 0);
        connect("127.0.0.1", a.port());
        a.acceptOne(new Events(), new DatagramInfo());
        assertEquals(3, loop.call(host::openCount));
        assertEquals(3, loop.call(host::closeAll));
        assertEquals(0, loop.call(host::openCount));
        assertEquals(-9, (int) loop.call(() -> host.localPort(b.handle)));
    }

    private static byte[] bytes(DatagramInfo d) {
        byte[] b = new byte[16];
        IpAddress.toBytes(d.addrHi, d.addrLo, b, 0);
        return b;
    }
}
