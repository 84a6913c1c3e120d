package io.jslirp.stack.udp;

import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostDatagrams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4DestinationUnreachablePacket;
import org.pcap4j.packet.UdpPacket;
import org.pcap4j.packet.namednumber.IcmpV4Code;

import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest's datagrams through host sockets that take batches (HostDatagrams.sendBatchSize above 1): queued,
 * sent together at the stack's flush, when the batch fills or has no room left, and before a flow's socket
 * closes; each datagram's result acted on as if it had been sent alone.
 */
class UdpBatchTest extends UdpHarness {
    private static final int BATCH = 4;

    @BeforeEach
    void batching() {
        datagrams.batchSize = BATCH;
        build(RelayOptions.defaults());
    }

    private static void assertHandles(int[] expected, int[] actual) {
        assertArrayEquals(expected, actual, () -> java.util.Arrays.toString(actual));
    }

    @Test
    void datagramsWaitForTheFlushAndLeaveInOrderInOneBatch() {
        sendUdp(REMOTE, GPORT, 7000, "one".getBytes());
        sendUdp(REMOTE, GPORT, 7001, "two".getBytes());
        sendUdp(REMOTE, GPORT, 7002, "three".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        assertEquals(0, s.sent.size(), "nothing leaves before the flush");
        assertEquals(0, stack.counters().udpToHost);
        stack.flush();
        assertEquals(1, datagrams.batches.size());
        assertHandles(new int[] {s.handle, s.handle, s.handle}, datagrams.batches.get(0));
        assertEquals(3, s.sent.size());
        String[] expected = {"one", "two", "three"};
        for (int i = 0; i < 3; i++) {
            assertEquals(REMOTE, s.sent.get(i).dstAddr);
            assertEquals(7000 + i, s.sent.get(i).dstPort);
            assertArrayEquals(expected[i].getBytes(), s.sent.get(i).data);
        }
        assertEquals(3, stack.counters().udpToHost);
        stack.flush();
        assertEquals(1, datagrams.batches.size(), "an empty batch makes no call");
    }

    @Test
    void aFullBatchLeavesAtOnceAndTheRestAtTheFlush() {
        for (int i = 0; i < BATCH + 1; i++) {
            sendUdp(REMOTE, GPORT, 7000, new byte[] {(byte) i});
        }
        FakeHostDatagrams.Sock s = datagrams.last();
        assertEquals(1, datagrams.batches.size());
        assertEquals(BATCH, datagrams.batches.get(0).length);
        assertEquals(BATCH, s.sent.size());
        stack.flushDatagrams();
        assertEquals(2, datagrams.batches.size());
        assertEquals(1, datagrams.batches.get(1).length);
        for (int i = 0; i < BATCH + 1; i++) {
            assertArrayEquals(new byte[] {(byte) i}, s.sent.get(i).data);
        }
    }

    @Test
    void aDatagramWithoutRoomLeftSendsTheBatchBeforeIt() {
        byte[] big = pattern(40_000);
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        sendUdp(REMOTE, GPORT, 7000, big);
        assertEquals(0, datagrams.batches.size(), "41 kB fit");
        sendUdp(REMOTE, GPORT, 7000, big);
        assertEquals(1, datagrams.batches.size(), "another 40 kB do not");
        assertEquals(2, datagrams.batches.get(0).length);
        stack.flush();
        List<FakeHostDatagrams.Sent> sent = datagrams.last().sent;
        assertEquals(3, sent.size());
        assertArrayEquals(new byte[] {1}, sent.get(0).data);
        assertArrayEquals(big, sent.get(1).data);
        assertArrayEquals(big, sent.get(2).data);
    }

    @Test
    void flowsShareTheBatchInTheGuestsOrder() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        sendUdp(REMOTE, GPORT + 1, 7000, new byte[] {2});
        sendUdp(REMOTE, GPORT, 7000, new byte[] {3});
        List<FakeHostDatagrams.Sock> socks = datagrams.sockets();
        assertEquals(2, socks.size());
        stack.flush();
        int a = socks.get(0).handle;
        int b = socks.get(1).handle;
        assertHandles(new int[] {a, b, a}, datagrams.batches.get(0));
        assertEquals(2, socks.get(0).sent.size());
        assertArrayEquals(new byte[] {3}, socks.get(0).sent.get(1).data);
        assertArrayEquals(new byte[] {2}, socks.get(1).lastSent().data);
    }

    @Test
    void eachResultIsActedOnForItsOwnDatagram() throws Exception {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        stack.flush();
        FakeHostDatagrams.Sock s = datagrams.last();
        // Second in the next batch: no route (twice: the retry fails too). Third: a full socket buffer.
        s.sendResults.add(1);
        s.sendResults.add(-HostSockets.ENETUNREACH);
        s.sendResults.add(-HostSockets.ENETUNREACH);
        s.sendResults.add(0);
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        sendUdp(REMOTE, GPORT, 7001, new byte[] {1, 2});
        sendUdp(REMOTE, GPORT, 7002, new byte[] {1, 2, 3});
        assertEquals(0, stack.counters().udpSendErrors, "results come with the flush");
        byte[] f = one(); // frames() flushes the stack first
        // The unreachable quotes the failed datagram (port 7001, 10 octets), not the batch's last.
        assertArrayEquals(expectedIcmpError(f, GATEWAY_IP, 3, 0, REMOTE, GPORT, 7001, 10), f);
        IcmpV4CommonPacket icmp = EthernetPacket.newPacket(f, 0, f.length).get(IcmpV4CommonPacket.class);
        assertTrue(icmp.hasValidChecksum(false));
        assertEquals(IcmpV4Code.NETWORK_UNREACHABLE, icmp.getHeader().getCode());
        UdpPacket.UdpHeader quoted = EthernetPacket.newPacket(f, 0, f.length)
                .get(IcmpV4DestinationUnreachablePacket.class).getPayload().get(UdpPacket.class).getHeader();
        assertEquals(7001, quoted.getDstPort().valueAsInt());
        assertEquals(1 + 1, stack.counters().udpToHost);
        assertEquals(1, stack.counters().udpSendErrors);
        assertEquals(1, stack.counters().udpHostBufferFull);
    }

    @Test
    void aPendingErrnoCostsOneTryNotTheDatagram() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        stack.flush();
        FakeHostDatagrams.Sock s = datagrams.last();
        s.sendResults.add(-HostSockets.ECONNREFUSED);
        sendUdp(REMOTE, GPORT, 7000, "again".getBytes());
        nothing();
        assertArrayEquals("again".getBytes(), s.lastSent().data);
        assertEquals(2, stack.counters().udpToHost);
        assertEquals(0, stack.counters().udpSendErrors);
    }

    @Test
    void aQueuedDatagramLeavesBeforeItsSocketCloses() {
        datagrams.batchSize = BATCH;
        build(RelayOptions.defaults().withMaxFlows(1));
        sendUdp(REMOTE, GPORT, 7000, "first".getBytes());
        FakeHostDatagrams.Sock first = datagrams.last();
        // A second guest endpoint evicts the first flow: its socket closes, after its datagram went out (the
        // fake refuses any use of a closed handle, which would count an internal error).
        sendUdp(REMOTE, GPORT + 1, 7000, "second".getBytes());
        assertTrue(first.closed);
        assertEquals(1, first.sent.size());
        assertArrayEquals("first".getBytes(), first.lastSent().data);
        assertEquals(1, stack.counters().udpFlowsEvicted);
        stack.flush();
        assertArrayEquals("second".getBytes(), datagrams.last().lastSent().data);
        assertEquals(0, stack.counters().internalErrors);
    }

    @Test
    void closingTheStackSendsWhatIsQueued() {
        sendUdp(REMOTE, GPORT, 7000, "last".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        stack.close();
        assertTrue(s.closed);
        assertArrayEquals("last".getBytes(), s.lastSent().data);
        assertEquals(1, stack.counters().udpToHost);
        // A fresh stack for the harness to close after the test: this one is closed.
        stack = new io.jslirp.stack.Stack(NET, clock, sink, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
    }

    @Test
    void dnsQueriesWaitInTheSameBatch() {
        stack.setDnsServers(new int[] {LOOPBACK});
        sendUdp(DNS_IP, GPORT, 53, "query".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        assertEquals(0, s.sent.size());
        stack.flush();
        assertEquals(LOOPBACK, s.lastSent().dstAddr);
        assertEquals(53, s.lastSent().dstPort);
        assertArrayEquals("query".getBytes(), s.lastSent().data);
    }
}
