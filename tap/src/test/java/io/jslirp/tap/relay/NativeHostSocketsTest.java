package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.OpenFds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** NativeHostSockets against real loopback sockets served by the test itself; nothing leaves 127/8. */
@ExtendWith(LeakCheckExtension.class)
class NativeHostSocketsTest {
    private static final int LOCALHOST = 0x7f00_0001;
    private static final int LOCALHOST_2 = 0x7f00_0002;
    private static final long WAIT_SECONDS = 5;

    private LoopThread loop;
    private NativeHostSockets host;
    private ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        EventLoop eventLoop = new EventLoop();
        host = new NativeHostSockets(eventLoop);
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        server.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        loop = LoopThread.start(eventLoop);
    }

    @AfterEach
    void tearDown() throws Exception {
        int left = loop.call(host::closeAll);
        for (Socket s : accepted) {
            s.close();
        }
        server.close();
        loop.close();
        assertEquals(0, left, "a test left host sockets open");
    }

    private Socket accept() throws IOException {
        Socket s = server.accept();
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        accepted.add(s);
        return s;
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertEquals(n, b.length, "short read");
        return b;
    }

    /**
     * A relay stand-in on the loop thread: on the first event it takes the connect result and turns to reading;
     * it reads everything into {@link #received} and drops read interest at EOF, as the SPI asks.
     */
    private final class Flow implements HostSocketHandler {
        final CompletableFuture<Integer> connected = new CompletableFuture<>();
        final CountDownLatch eof = new CountDownLatch(1);
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final AtomicInteger readError = new AtomicInteger();
        final AtomicInteger writableEvents = new AtomicInteger();
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(4096, 4096);
        volatile int handle = -1;

        @Override
        public void onSocketEvent(int fd, int events) {
            if (!connected.isDone()) {
                int result = host.connectResult(fd);
                connected.complete(result);
                if (result == 0) {
                    host.setInterest(fd, true, false);
                } else {
                    host.setInterest(fd, false, false);
                }
                return;
            }
            if ((events & HostSockets.WRITABLE) != 0) {
                writableEvents.incrementAndGet();
                host.setInterest(fd, false, false);
            }
            if ((events & (HostSockets.READABLE | HostSockets.READ_HANGUP | HostSockets.HANGUP | HostSockets.ERROR)) == 0) {
                return;
            }
            for (int i = 0; i < 1000; i++) {
                buf.clear();
                int n = host.read(fd, buf, buf.writableBytes());
                if (n > 0) {
                    synchronized (received) {
                        received.write(bytes(buf), 0, n);
                    }
                    continue;
                }
                if (n == HostSockets.EOF) {
                    host.setInterest(fd, false, false);
                    eof.countDown();
                } else if (n < 0) {
                    readError.set(-n);
                    host.setInterest(fd, false, false);
                    eof.countDown();
                }
                return;
            }
        }

        String text() {
            synchronized (received) {
                return received.toString(StandardCharsets.US_ASCII);
            }
        }

        void release() {
            buf.release();
        }
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    private Flow connect(int addr, int port, int bind) throws Exception {
        Flow flow = new Flow();
        int h = loop.call(() -> host.connectTcp(IpAddress.V4_HI, IpAddress.v4Lo(addr), port, IpAddress.V4_HI, IpAddress.v4Lo(bind),
                flow));
        assertTrue(h >= 0, "connectTcp failed: " + h);
        flow.handle = h;
        return flow;
    }

    private int write(int handle, String text) throws Exception {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            b.writeCharSequence(text, StandardCharsets.US_ASCII);
            return loop.call(() -> host.write(handle, b, b.readerIndex(), b.readableBytes()));
        } finally {
            b.release();
        }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS), what);
    }

    private static void awaitText(Flow flow, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!flow.text().equals(expected) && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        assertEquals(expected, flow.text());
    }

    @Test
    void connectExchangeHalfCloseAndEof() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
        try {
            Socket peer = accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(1, loop.call(host::openCount));

            assertEquals(5, write(flow.handle, "hello"));
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), readExactly(peer.getInputStream(), 5));

            peer.getOutputStream().write("world".getBytes(StandardCharsets.US_ASCII));
            awaitText(flow, "world");

            // The guest's FIN: the peer sees EOF, and its own direction keeps flowing.
            loop.run(() -> host.shutdownWrite(flow.handle));
            assertEquals(-1, peer.getInputStream().read(), "peer sees the half-close as EOF");
            peer.getOutputStream().write("!more".getBytes(StandardCharsets.US_ASCII));
            awaitText(flow, "world!more");

            peer.shutdownOutput();
            await(flow.eof, "EOF after the peer's FIN");
            assertEquals(0, flow.readError.get());
            assertEquals(HostSockets.EOF, (int) loop.call(() -> {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                try {
                    return host.read(flow.handle, b, 16);
                } finally {
                    b.release();
                }
            }));
            loop.run(() -> host.close(flow.handle));
            assertEquals(0, loop.call(host::openCount));
        } finally {
            flow.release();
        }
    }

    @Test
    void writeGatherSendsARingOfBuffersInOrderInOneCall() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
        try {
            Socket peer = accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            // A ring of 4 starting at index 3, so it wraps: "ab" "cde" (readerIndex 1 of "xcde") "" "fg".
            ByteBuf[] ring = new ByteBuf[4];
            ring[3] = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeBytes("ab".getBytes(StandardCharsets.US_ASCII));
            ring[0] = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeBytes("xcde".getBytes(StandardCharsets.US_ASCII));
            ring[0].readerIndex(1);
            ring[1] = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            ring[2] = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeBytes("fg".getBytes(StandardCharsets.US_ASCII));
            try {
                assertEquals(7L, (long) loop.call(() -> host.writeGather(flow.handle, ring, 3, 4, 3)));
                assertArrayEquals("abcdefg".getBytes(StandardCharsets.US_ASCII), readExactly(peer.getInputStream(), 7));
                assertEquals(1, ring[0].readerIndex(), "indices are not moved");
            } finally {
                for (ByteBuf b : ring) {
                    b.release();
                }
            }
            assertEquals(-9L /* EBADF */, (long) loop.call(() -> host.writeGather(9999, ring, 0, 0, 3)));
            loop.run(() -> host.close(flow.handle));
        } finally {
            flow.release();
        }
    }

    @Test
    void tcpNodelayIsSet() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
        try {
            accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            int nodelay = loop.call(() -> {
                try (io.jslirp.tap.sys.NativeBlock p = Native.allocate(8)) {
                    p.putInt(4, 4);
                    assertEquals(0, Native.libc().getsockopt(flow.handle, Flags.IPPROTO_TCP, Flags.TCP_NODELAY,
                            p.address(), p.address() + 4));
                    return p.getInt(0);
                }
            });
            assertEquals(1, nodelay);
            loop.run(() -> host.close(flow.handle));
        } finally {
            flow.release();
        }
    }

    @Test
    void refusedConnectionReportsEconnrefused() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        Flow flow = new Flow();
        try {
            int h = loop.call(() -> host.connectTcp(0, IpAddress.v4Lo(LOCALHOST), closedPort, 0, IpAddress.v4Lo(0), flow));
            if (h < 0) {
                assertEquals(-HostSockets.ECONNREFUSED, h, "refused at once is allowed too");
            } else {
                assertEquals(HostSockets.ECONNREFUSED, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
                loop.run(() -> host.close(h));
            }
            assertEquals(0, loop.call(host::openCount));
        } finally {
            flow.release();
        }
    }

    @Test
    void boundToTheOutboundAddressTheServerSeesIt() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), LOCALHOST_2);
        try {
            Socket peer = accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(InetAddress.getByName("127.0.0.2"), peer.getInetAddress());
            loop.run(() -> host.close(flow.handle));
        } finally {
            flow.release();
        }
    }

    @Test
    void anIpv6DestinationConnectsOverAnAfInet6Socket() throws Exception {
        try (java.net.ServerSocket v6 = new java.net.ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            Flow flow = new Flow();
            try {
                int h = loop.call(() -> host.connectTcp(0, 1, v6.getLocalPort(), 0, 0, flow));
                assertTrue(h >= 0, "connectTcp failed: " + h);
                flow.handle = h;
                Socket peer = v6.accept();
                assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
                assertEquals(InetAddress.getByName("::1"), peer.getInetAddress());
                assertEquals(2, write(flow.handle, "v6"));
                assertArrayEquals("v6".getBytes(StandardCharsets.US_ASCII), readExactly(peer.getInputStream(), 2));
                peer.close();
                loop.run(() -> host.close(flow.handle));
            } finally {
                flow.release();
            }
        }
        // An outbound address of the other family than the destination is a caller's mistake.
        assertEquals(-22, (int) loop.call(() -> host.connectTcp(0, 1, 9, 0, IpAddress.v4Lo(LOCALHOST), (fd, ev) -> { })));
        assertEquals(0, loop.call(host::openCount));
    }

    @Test
    void bindFailureIsReportedAtOnceAndLeavesNothingOpen() throws Exception {
        // 192.0.2.1 (TEST-NET) is not an address of this host, so bind fails before any packet is sent.
        int h = loop.call(() -> host.connectTcp(0, IpAddress.v4Lo(LOCALHOST), server.getLocalPort(), 0,
                IpAddress.v4Lo(0xc000_0201), (fd, ev) -> { }));
        assertEquals(-HostSockets.EADDRNOTAVAIL, h);
        assertEquals(0, loop.call(host::openCount));
        assertEquals(-22, (int) loop.call(() -> host.connectTcp(0, IpAddress.v4Lo(LOCALHOST), 70_000, 0, IpAddress.v4Lo(0),
                (fd, ev) -> { })));
    }

    @Test
    void abortResetsThePeer() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
        try {
            Socket peer = accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            loop.run(() -> host.abort(flow.handle));
            SocketException e = assertThrows(SocketException.class, () -> peer.getInputStream().read());
            assertTrue(e.getMessage().contains("Connection reset"), e.getMessage());
            assertEquals(0, loop.call(host::openCount));
        } finally {
            flow.release();
        }
    }

    @Test
    void readInterestOffStopsReadableAndOnBringsItBack() throws Exception {
        AtomicInteger readable = new AtomicInteger();
        CompletableFuture<Integer> connected = new CompletableFuture<>();
        HostSocketHandler pausing = (fd, ev) -> {
            if (!connected.isDone()) {
                connected.complete(host.connectResult(fd));
                host.setInterest(fd, true, false);
                return;
            }
            if ((ev & HostSockets.READABLE) != 0) {
                readable.incrementAndGet();
                host.setInterest(fd, false, false); // the guest's window is full: stop reading, leave the data
            }
        };
        int h = loop.call(() -> host.connectTcp(0, IpAddress.v4Lo(LOCALHOST), server.getLocalPort(), 0,
                IpAddress.v4Lo(0), pausing));
        assertTrue(h >= 0);
        Socket peer = accept();
        assertEquals(0, connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
        peer.getOutputStream().write(new byte[100]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (readable.get() == 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        assertEquals(1, readable.get());
        Thread.sleep(150);
        assertEquals(1, readable.get(), "unread data must not be reported while read interest is off");
        loop.run(() -> host.setInterest(h, true, false));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (readable.get() < 2 && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        assertEquals(2, readable.get(), "level-triggered: the unread data is reported again once wanted");
        loop.run(() -> host.close(h));
    }

    @Test
    void aPausedFlowWhosePeerResetIsReportedOnceNotEveryTurn() throws Exception {
        AtomicInteger events = new AtomicInteger();
        AtomicInteger lastEvents = new AtomicInteger();
        CompletableFuture<Integer> connected = new CompletableFuture<>();
        HostSocketHandler paused = (fd, ev) -> {
            if (!connected.isDone()) {
                connected.complete(host.connectResult(fd));
                host.setInterest(fd, false, false);
                return;
            }
            events.incrementAndGet();
            lastEvents.set(ev);
        };
        int h = loop.call(() -> host.connectTcp(0, IpAddress.v4Lo(LOCALHOST), server.getLocalPort(), 0,
                IpAddress.v4Lo(0), paused));
        Socket peer = accept();
        assertEquals(0, connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
        peer.setSoLinger(true, 0);
        peer.close();
        Thread.sleep(200);
        int n = events.get();
        assertTrue(n >= 1 && n <= 2, "events while paused after the reset: " + n);
        assertTrue((lastEvents.get() & (HostSockets.ERROR | HostSockets.HANGUP)) != 0, Integer.toHexString(lastEvents.get()));
        loop.run(() -> host.close(h));
    }

    @Test
    void writesStopAtZeroWhenThePeerDoesNotReadAndResumeWhenItDoes() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
        ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024);
        try {
            Socket peer = accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            chunk.writeZero(chunk.capacity());
            long limit = 256L << 20;
            long[] result = loop.call(() -> {
                long total = 0;
                int last = -1;
                while (total < limit) {
                    last = host.write(flow.handle, chunk, 0, chunk.readableBytes());
                    if (last <= 0) {
                        break;
                    }
                    total += last;
                }
                return new long[] {total, last};
            });
            assertEquals(0, result[1], "the socket buffer fills and write returns 0 (after " + result[0] + " bytes)");
            assertTrue(result[0] > 0);

            int h = flow.handle;
            // Ask for WRITABLE; the peer reading everything must produce it.
            loop.run(() -> host.setInterest(h, false, true));
            Thread reader = new Thread(() -> {
                try {
                    peer.getInputStream().readNBytes((int) result[0]);
                } catch (IOException ignored) {
                    // the assertion below reports it
                }
            });
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            int took = 0;
            while (took == 0 && System.nanoTime() - deadline < 0) {
                took = loop.call(() -> host.write(h, chunk, 0, 1));
                if (took == 0) {
                    Thread.sleep(5);
                }
            }
            assertEquals(1, took, "writes are accepted again once the peer reads");
            reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (flow.writableEvents.get() == 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            assertEquals(1, flow.writableEvents.get(), "WRITABLE once space opened, then silence after interest off");
            loop.run(() -> host.close(h));
        } finally {
            chunk.release();
            flow.release();
        }
    }

    @Test
    void heapAndCompositeBuffersAreWrittenThroughTheBounceBuffer() throws Exception {
        Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
        try {
            Socket peer = accept();
            assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            ByteBuf heap = Unpooled.wrappedBuffer("xxheapyy".getBytes(StandardCharsets.US_ASCII));
            assertEquals(4, (int) loop.call(() -> host.write(flow.handle, heap, 2, 4)));
            assertArrayEquals("heap".getBytes(StandardCharsets.US_ASCII), readExactly(peer.getInputStream(), 4));
            ByteBuf composite = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer("ab".getBytes(StandardCharsets.US_ASCII)),
                    Unpooled.wrappedBuffer("cd".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(4, (int) loop.call(() -> host.write(flow.handle, composite, 0, 4)));
            assertArrayEquals("abcd".getBytes(StandardCharsets.US_ASCII), readExactly(peer.getInputStream(), 4));
            composite.release();
            assertThrows(IndexOutOfBoundsException.class, () -> loop.call(() -> host.write(flow.handle, heap, 6, 4)));
            loop.run(() -> host.close(flow.handle));
        } finally {
            flow.release();
        }
    }

    @Test
    void staleAndForeignHandlesAreNeverClosed() throws Exception {
        int[] pipe = new int[2];
        assertEquals(0, Native.libc().pipe2(pipe, Flags.O_CLOEXEC | Flags.O_NONBLOCK));
        try {
            loop.run(() -> {
                host.close(pipe[0]);
                host.abort(pipe[1]);
                host.shutdownWrite(pipe[0]);
                host.setInterest(pipe[0], true, true);
            });
            assertTrue(Fds.isOpen(pipe[0]) && Fds.isOpen(pipe[1]), "fds that are not host sockets stay open");
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            try {
                assertEquals(-9, (int) loop.call(() -> host.read(pipe[0], b, 8)));
                assertEquals(-9, (int) loop.call(() -> host.write(pipe[1], b, 0, 1)));
                assertEquals(9, (int) loop.call(() -> host.connectResult(pipe[0])));
                assertEquals(-9, (int) loop.call(() -> host.read(-1, b, 8)));
            } finally {
                b.release();
            }
            Flow flow = connect(LOCALHOST, server.getLocalPort(), 0);
            try {
                accept();
                assertEquals(0, flow.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
                loop.run(() -> {
                    host.close(flow.handle);
                    host.close(flow.handle); // twice: the second is a no-op
                    host.abort(flow.handle);
                });
                assertEquals(0, loop.call(host::openCount));
            } finally {
                flow.release();
            }
        } finally {
            Fds.close(pipe[0]);
            Fds.close(pipe[1]);
        }
    }

    @Test
    void manyFlowsCloseAllAndNoFdLeaks() throws Exception {
        // Warm up everything that opens fds lazily (the libc binding, the loop, the JDK's socket classes).
        Flow warm = connect(LOCALHOST, server.getLocalPort(), 0);
        accept();
        warm.connected.get(WAIT_SECONDS, TimeUnit.SECONDS);
        loop.run(() -> host.close(warm.handle));
        warm.release();
        closeAccepted();

        java.util.Map<Integer, String> before = OpenFds.snapshot();
        int count = 40;
        List<Flow> flows = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                flows.add(connect(LOCALHOST, server.getLocalPort(), 0));
                accept();
            }
            for (Flow f : flows) {
                assertEquals(0, f.connected.get(WAIT_SECONDS, TimeUnit.SECONDS));
            }
            assertEquals(count, loop.call(host::openCount));
            // Half closed orderly by the "relay", the rest left for shutdown.
            loop.run(() -> {
                for (int i = 0; i < count; i += 2) {
                    host.close(flows.get(i).handle);
                }
            });
            assertEquals(count / 2, loop.call(host::openCount));
            assertEquals(count / 2, loop.call(host::closeAll));
            assertEquals(0, loop.call(host::openCount));
        } finally {
            flows.forEach(Flow::release);
        }
        closeAccepted();
        java.util.Map<Integer, String> left = OpenFds.openedSince(before);
        for (int i = 0; i < 50 && !left.isEmpty(); i++) {
            Thread.sleep(20); // the JDK may still be closing an accepted socket's fd
            left = OpenFds.openedSince(before);
        }
        assertEquals(java.util.Map.of(), left, "fds opened by the test and still open");
    }

    private void closeAccepted() throws IOException {
        for (Socket s : accepted) {
            s.close();
        }
        accepted.clear();
    }

    @Test
    void handlerMustNotBeNull() {
        assertThrows(NullPointerException.class, () -> loop.call(() -> host.connectTcp(0, IpAddress.v4Lo(LOCALHOST), 1, 0, 0, null)));
        assertNotNull(host);
    }
}
