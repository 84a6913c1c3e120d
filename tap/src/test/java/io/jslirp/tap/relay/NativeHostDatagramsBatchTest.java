package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.DatagramBatch;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import io.jslirp.tap.sys.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * NativeHostDatagrams.sendBatch (sendmmsg) against a socket the test serves on 127.0.0.1: order, each
 * datagram's result, runs split by socket and by refusals, and the pending errno an ICMP error leaves.
 */
@ExtendWith(LeakCheckExtension.class)
class NativeHostDatagramsBatchTest {
    private static final int LOCALHOST = 0x7f00_0001;

    private LoopThread loop;
    private NativeHostDatagrams host;
    private DatagramSocket server;
    private DatagramBatch batch;

    /** The error queue is drained between the tests' steps (each step is one task on the loop). */
    private final HostSocketHandler drainErrors = (handle, events) -> {
        DatagramInfo info = new DatagramInfo();
        for (int i = 0; i < 16 && host.receiveError(handle, info) == 1; i++) {
            info.clear();
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        EventLoop eventLoop = new EventLoop();
        host = new NativeHostDatagrams(eventLoop);
        server = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        server.setSoTimeout((int) TimeUnit.SECONDS.toMillis(5));
        loop = LoopThread.start(eventLoop);
        batch = new DatagramBatch(PooledByteBufAllocator.DEFAULT, NativeHostDatagrams.BATCH);
    }

    @AfterEach
    void tearDown() throws Exception {
        loop.call(host::closeAll);
        server.close();
        loop.close();
        batch.release();
    }

    private int openUdp() throws Exception {
        int h = loop.call(() -> host.openUdp(IpAddress.V4_HI, IpAddress.v4Lo(0), 0, drainErrors));
        assertTrue(h >= 0, "openUdp failed: " + h);
        return h;
    }

    private void add(int handle, long hi, long lo, int port, String payload) {
        ByteBuf b = Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.US_ASCII));
        batch.add(handle, hi, lo, port, b, 0, b.readableBytes());
    }

    private void addToServer(int handle, String payload) {
        add(handle, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), server.getLocalPort(), payload);
    }

    private int[] sendBatch() throws Exception {
        return loop.call(() -> {
            host.sendBatch(batch);
            int[] results = new int[batch.size()];
            for (int i = 0; i < results.length; i++) {
                results[i] = batch.result(i);
            }
            return results;
        });
    }

    private String serverReceive() throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        server.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    @Test
    void aBatchArrivesInOrderWithEachLengthAsItsResult() throws Exception {
        assertEquals(NativeHostDatagrams.BATCH, host.sendBatchSize());
        int h = openUdp();
        addToServer(h, "one");
        addToServer(h, "");
        addToServer(h, "three");
        assertArrayEquals(new int[] {3, 0, 5}, sendBatch());
        assertEquals("one", serverReceive());
        assertEquals("", serverReceive());
        assertEquals("three", serverReceive());
    }

    @Test
    void aFullBatchOfTheLargestSizeGoesOut() throws Exception {
        int h = openUdp();
        for (int i = 0; i < NativeHostDatagrams.BATCH; i++) {
            addToServer(h, "datagram " + i);
        }
        int[] results = sendBatch();
        for (int i = 0; i < NativeHostDatagrams.BATCH; i++) {
            assertEquals(("datagram " + i).length(), results[i]);
            assertEquals("datagram " + i, serverReceive());
        }
    }

    @Test
    void refusalsAndOtherSocketsSplitTheRunsWithoutLosingTheRest() throws Exception {
        int a = openUdp();
        int b = openUdp();
        addToServer(a, "a1");
        add(a, 0, 1, server.getLocalPort(), "to ::1 from an AF_INET socket");
        addToServer(a, "a2");
        addToServer(b, "b1");
        addToServer(9_999, "no such socket");
        addToServer(a, "a3");
        assertArrayEquals(new int[] {2, -Errno.EAFNOSUPPORT, 2, 2, -Errno.EBADF, 2}, sendBatch());
        assertEquals("a1", serverReceive());
        assertEquals("a2", serverReceive());
        assertEquals("b1", serverReceive());
        assertEquals("a3", serverReceive());
    }

    @Test
    void anIcmpErrorsPendingErrnoCostsATryNotADatagram() throws Exception {
        int closedPort;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            closedPort = gone.getLocalPort();
        }
        int h = openUdp();
        ByteBuf probe = Unpooled.directBuffer(8).writeBytes(new byte[] {1});
        try {
            // The port unreachable comes back over loopback within the send itself and leaves ECONNREFUSED
            // pending (IP_RECVERR): the next plain send reports it instead of sending.
            int control = loop.call(() -> {
                host.sendTo(h, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), closedPort, probe, 0, 1);
                return host.sendTo(h, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), server.getLocalPort(), probe, 0, 1);
            });
            assertEquals(-HostSockets.ECONNREFUSED, control);
            addToServer(h, "first");
            addToServer(h, "second");
            int[] results = loop.call(() -> {
                host.sendTo(h, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), closedPort, probe, 0, 1);
                host.sendBatch(batch);
                return new int[] {batch.result(0), batch.result(1)};
            });
            assertEquals("[5, 6]", Arrays.toString(results));
            assertEquals("first", serverReceive());
            assertEquals("second", serverReceive());
        } finally {
            probe.release();
        }
    }

    @Test
    void equalDatagramsToOneDestinationGoOutAsOneGsoSendAndArriveApart() throws Exception {
        int h = openUdp();
        for (int i = 0; i < 5; i++) {
            addToServer(h, "seg" + i);
        }
        addToServer(h, "x"); // the last of a group may be shorter
        addToServer(h, "yy"); // longer than a segment: a group of its own
        long before = loop.call(host::gsoSends);
        assertArrayEquals(new int[] {4, 4, 4, 4, 4, 1, 2}, sendBatch());
        assertEquals(before + 1, (long) loop.call(host::gsoSends));
        for (int i = 0; i < 5; i++) {
            assertEquals("seg" + i, serverReceive());
        }
        assertEquals("x", serverReceive());
        assertEquals("yy", serverReceive());
    }

    @Test
    void anotherDestinationEndsAGsoGroup() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            other.setSoTimeout((int) TimeUnit.SECONDS.toMillis(5));
            int h = openUdp();
            addToServer(h, "a1");
            addToServer(h, "a2");
            add(h, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), other.getLocalPort(), "b1");
            addToServer(h, "a3");
            addToServer(h, "a4");
            long before = loop.call(host::gsoSends);
            assertArrayEquals(new int[] {2, 2, 2, 2, 2}, sendBatch());
            assertEquals(before + 2, (long) loop.call(host::gsoSends));
            assertEquals("a1", serverReceive());
            assertEquals("a2", serverReceive());
            assertEquals("a3", serverReceive());
            assertEquals("a4", serverReceive());
            DatagramPacket p = new DatagramPacket(new byte[64], 64);
            other.receive(p);
            assertEquals("b1", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aSocketThatRefusesGsoSendsEachDatagramAndIsNotAskedAgain() throws Exception {
        int h = openUdp();
        // SO_NO_CHECK (no UDP checksums) is one of the things the kernel will not segment for: EINVAL.
        ByteBuf one = Unpooled.directBuffer(4).writeIntLE(1);
        try {
            int r = loop.call(() -> io.jslirp.tap.sys.Native.libc().setsockopt(h, 1, 11, one.memoryAddress(), 4));
            assertEquals(0, r, "setsockopt(SO_NO_CHECK)");
        } finally {
            one.release();
        }
        for (int round = 0; round < 2; round++) {
            batch.clear();
            addToServer(h, "r" + round + "a");
            addToServer(h, "r" + round + "b");
            assertArrayEquals(new int[] {3, 3}, sendBatch());
            assertEquals("r" + round + "a", serverReceive());
            assertEquals("r" + round + "b", serverReceive());
        }
        assertEquals(0L, (long) loop.call(host::gsoSends));
    }
}
