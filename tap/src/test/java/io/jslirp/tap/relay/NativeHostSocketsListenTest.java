package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NativeHostSockets' listening side (port forwards) against java.net clients on 127.0.0.1 and ::1; nothing
 * leaves the host's loopback.
 */
class NativeHostSocketsListenTest {
    private static final int LOCALHOST = 0x7f00_0001;
    private static final byte[] V4_LOOPBACK = {127, 0, 0, 1};
    private static final byte[] V6_ANY = new byte[16];
    private static final byte[] V6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final long WAIT_SECONDS = 5;

    private EventLoop loop;
    private NativeHostSockets host;
    private Thread thread;
    private final AtomicReference<Throwable> escaped = new AtomicReference<>();
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void setUp() {
        loop = new EventLoop();
        host = new NativeHostSockets(loop);
        thread = new Thread(() -> {
            try {
                loop.run();
            } catch (Throwable t) {
                escaped.set(t);
            }
        }, "test-loop");
        thread.setDaemon(true);
        thread.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        on(host::closeAll); // what a test leaves open; closeAllTakesListenersAndAcceptedSockets checks the count
        loop.stop();
        thread.join(5000);
        assertFalse(thread.isAlive(), "loop thread did not end");
        loop.close();
        for (Socket s : clients) {
            s.close();
        }
        assertNull(escaped.get());
    }

    private <T> T on(Callable<T> work) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(work.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private void onLoop(Runnable work) throws Exception {
        on(() -> {
            work.run();
            return null;
        });
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
            handle = on(() -> host.listenTcp(addr, port, events));
            assertTrue(handle >= 0, "listenTcp failed: " + handle);
        }

        int port() throws Exception {
            return on(() -> host.localPort(handle));
        }

        /** Waits until the listener is readable, then accepts on the loop thread into {@code peer}. */
        int acceptOne(HostSocketHandler handler, DatagramInfo peer) throws Exception {
            await(() -> events.readable.get() > 0, "the listener to become readable");
            int h = on(() -> host.accept(handle, handler, peer));
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

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void ipv4ListenerAcceptsAndReportsTheClientsAddressAndPort() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        int port = l.port();
        assertTrue(port > 0, "the kernel chose a port: " + port);
        assertEquals(-HostSockets.EAGAIN, (int) on(() -> host.accept(l.handle, new Events(), new DatagramInfo())),
                "no client yet");

        Socket client = connect("127.0.0.1", port);
        DatagramInfo peer = new DatagramInfo();
        peer.ipv6 = true; // left over from an earlier IPv6 client: must be cleared
        int h = l.acceptOne(new Events(), peer);
        assertFalse(peer.ipv6);
        assertEquals(LOCALHOST, peer.addr);
        assertEquals(client.getLocalPort(), peer.port);
        assertEquals(-HostSockets.EAGAIN, (int) on(() -> host.accept(l.handle, new Events(), new DatagramInfo())),
                "the one client was taken");
        assertEquals(2, on(host::openCount), "the listener and the accepted socket");
        assertEquals(port, (int) on(() -> host.localPort(h)), "the accepted socket is on the forward's port");
        onLoop(() -> host.close(h));
        onLoop(() -> host.close(l.handle));
        assertEquals(0, on(host::openCount));
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

        onLoop(() -> host.setInterest(h, true, false));
        await(() -> accepted.readable.get() > 0, "READABLE once read interest is set");
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            assertEquals(5, (int) on(() -> host.read(h, b, 64)));
            assertEquals("early", b.toString(StandardCharsets.US_ASCII));
        } finally {
            b.release();
        }
        onLoop(() -> host.close(h));
    }

    @Test
    void anAcceptedSocketHasNagleOffLikeAnOutboundOne() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        connect("127.0.0.1", l.port());
        int h = l.acceptOne(new Events(), new DatagramInfo());
        int nodelay = on(() -> {
            jnr.ffi.Pointer p = jnr.ffi.Memory.allocateDirect(Native.runtime(), 8, true);
            p.putInt(4, 4);
            assertEquals(0, Native.libc().getsockopt(h, Flags.IPPROTO_TCP, Flags.TCP_NODELAY, p.address(), p.address() + 4));
            return p.getInt(0);
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
        peer.ipv6 = true;
        int h4 = l.acceptOne(new Events(), peer);
        assertFalse(peer.ipv6, "::ffff:127.0.0.1 is reported as IPv4");
        assertEquals(LOCALHOST, peer.addr);
        assertEquals(v4.getLocalPort(), peer.port);

        l.events.readable.set(0);
        Socket v6 = connect("::1", port);
        peer.addr = 42;
        int h6 = l.acceptOne(new Events(), peer);
        assertTrue(peer.ipv6);
        assertEquals(0, peer.addr);
        assertArrayEquals(V6_LOOPBACK, peer.addr6);
        assertEquals(v6.getLocalPort(), peer.port);
        onLoop(() -> {
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
        assertTrue(peer.ipv6);
        assertArrayEquals(V6_LOOPBACK, peer.addr6);
        assertEquals(client.getLocalPort(), peer.port);
        client.getOutputStream().write(7);
        onLoop(() -> host.setInterest(h, true, false));
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
        try {
            await(() -> {
                try {
                    return on(() -> host.read(h, b, 8)) == 1;
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
            assertEquals(-HostSockets.EADDRINUSE, (int) on(() -> host.listenTcp(V4_LOOPBACK, port, new Events())));
            long before = openFds();
            for (int i = 0; i < 20; i++) {
                assertEquals(-HostSockets.EADDRINUSE, (int) on(() -> host.listenTcp(V4_LOOPBACK, port, new Events())));
                assertEquals(-HostSockets.EADDRINUSE, (int) on(() -> host.listenTcp(V6_ANY, port, new Events())),
                        "a dual-stack listener also wants the IPv4 port");
            }
            assertEquals(before, openFds(), "every failed listen closed its socket");
            assertEquals(0, on(host::openCount));
        }
    }

    @Test
    void aForwardCanBeReaddedWhileItsLastConnectionIsInTimeWait() throws Exception {
        Listener l = new Listener(V4_LOOPBACK, 0);
        int port = l.port();
        Socket client = connect("127.0.0.1", port);
        int h = l.acceptOne(new Events(), new DatagramInfo());
        // Our side closes first, so the TIME_WAIT is on the forward's port.
        onLoop(() -> host.close(h));
        assertEquals(-1, client.getInputStream().read());
        client.close();
        onLoop(() -> host.close(l.handle));
        int again = on(() -> host.listenTcp(V4_LOOPBACK, port, new Events()));
        assertTrue(again >= 0, "SO_REUSEADDR lets the port be bound again: " + again);
        onLoop(() -> host.close(again));
    }

    @Test
    void badArgumentsAndForeignHandlesAreRefused() throws Exception {
        assertEquals(-22, (int) on(() -> host.listenTcp(new byte[5], 0, new Events())));
        assertEquals(-22, (int) on(() -> host.listenTcp(V4_LOOPBACK, 70_000, new Events())));
        assertEquals(-9, (int) on(() -> host.accept(9999, new Events(), new DatagramInfo())));
        assertEquals(-9, (int) on(() -> host.localPort(9999)));
        assertEquals(0, on(host::openCount));
    }

    @Test
    void closeAllTakesListenersAndAcceptedSockets() throws Exception {
        Listener a = new Listener(V4_LOOPBACK, 0);
        Listener b = new Listener(V6_LOOPBACK, 0);
        connect("127.0.0.1", a.port());
        a.acceptOne(new Events(), new DatagramInfo());
        assertEquals(3, on(host::openCount));
        assertEquals(3, on(host::closeAll));
        assertEquals(0, on(host::openCount));
        assertEquals(-9, (int) on(() -> host.localPort(b.handle)));
    }
}
