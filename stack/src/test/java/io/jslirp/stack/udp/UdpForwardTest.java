package io.jslirp.stack.udp;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UDP port forwards into the guest: what the guest sees arrive, and where its replies go. */
class UdpForwardTest extends UdpHarness {
    static final int GUEST_PORT = 8080;
    static final int HOST_PORT = 5300;
    static final byte[] ANY4 = new byte[4];
    static final byte[] ANY6 = new byte[16];
    static final byte[] CLIENT6 = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    static final byte[] LOOPBACK6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static final long SECOND = 1_000_000_000L;

    /** The guest makes its MAC known the usual way, by asking for the gateway's; the ARP reply is discarded. */
    void guestKnown() {
        send(arpRequestFrame(GATEWAY_IP));
        assertEquals(1, frames().size());
    }

    FakeHostDatagrams.Sock forward(byte[] hostAddr) throws Exception {
        PortForwards.Forward f = stack.forwards().add(PortForwards.Protocol.UDP, InetAddress.getByAddress(hostAddr),
                HOST_PORT, GUEST_IP, GUEST_PORT);
        assertEquals(HOST_PORT, f.hostPort());
        FakeHostDatagrams.Sock s = datagrams.last();
        assertArrayEquals(hostAddr, s.bindAddrBytes);
        assertEquals(HOST_PORT, s.bindPort);
        return s;
    }

    /** The ARP request the stack sends from the gateway to learn the guest's MAC. */
    static byte[] arpRequestForGuest() {
        return pad(ethernet(BROADCAST, GATEWAY_MAC, 0x0806, arp(1, GATEWAY_MAC, GATEWAY_IP, 0, GUEST_IP)), 60);
    }

    static byte[] guestArpReply() {
        return ethernet(GATEWAY_MAC, GUEST_MAC, 0x0806, arp(2, GUEST_MAC, GUEST_IP, GATEWAY_MAC, GATEWAY_IP));
    }

    @Test
    void remoteClientDatagramArrivesFromThatClient() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        byte[] payload = pattern(200);
        datagrams.deliver(s, REMOTE, 5000, payload);
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, REMOTE, 5000, GUEST_PORT, payload), f);
        assertEquals(1, stack.udp().forwardMappings());
        assertEquals(1, stack.counters().udpForwardedToGuest);
        assertEquals(1, stack.counters().udpForwardMappingsOpened);
        assertEquals(0, stack.counters().drops());
    }

    @Test
    void loopbackAndInNetworkClientsArriveFromTheGateway() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, LOOPBACK, 5001, "a".getBytes());
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, GATEWAY_IP, 5001, GUEST_PORT, "a".getBytes()), f);
        datagrams.deliver(s, NetConfig.parseIpv4("127.3.4.5"), 5002, "b".getBytes());
        f = one();
        assertArrayEquals(expectedUdp(f, GATEWAY_IP, 5002, GUEST_PORT, "b".getBytes()), f);
        datagrams.deliver(s, NetConfig.parseIpv4("10.0.2.50"), 5003, "c".getBytes());
        f = one();
        assertArrayEquals(expectedUdp(f, GATEWAY_IP, 5003, GUEST_PORT, "c".getBytes()), f);
    }

    @Test
    void unanswerableClientsAreDropped() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 0, "a".getBytes());
        datagrams.deliver(s, NetConfig.parseIpv4("224.0.0.9"), 5000, "b".getBytes());
        nothing();
        assertEquals(2, stack.counters().udpBadSource);
        assertEquals(0, stack.udp().forwardMappings());
    }

    @Test
    void ipv6ClientArrivesFromTheGatewayAndTheReplyGoesBackOverIpv6() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY6);
        datagrams.deliver6(s, CLIENT6, 6000, "hello".getBytes());
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, GATEWAY_IP, 6000, GUEST_PORT, "hello".getBytes()), f);

        sendUdp(GATEWAY_IP, GUEST_PORT, 6000, "world".getBytes());
        nothing();
        assertEquals(1, datagrams.sockets().size(), "no relay socket: the mapping wins over host loopback");
        assertEquals(1, s.sent.size());
        FakeHostDatagrams.Sent out = s.lastSent();
        assertArrayEquals(CLIENT6, out.dstAddr6);
        assertEquals(6000, out.dstPort);
        assertArrayEquals("world".getBytes(), out.data);
        assertEquals(1, stack.counters().udpForwardedToClient);
    }

    @Test
    void guestRepliesGoToTheRightClient() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 5000, "from remote".getBytes());
        datagrams.deliver(s, LOOPBACK, 5001, "from loopback".getBytes());
        assertEquals(2, frames().size());

        sendUdp(GATEWAY_IP, GUEST_PORT, 5001, "to loopback".getBytes());
        sendUdp(REMOTE, GUEST_PORT, 5000, "to remote".getBytes());
        nothing();
        assertEquals(1, datagrams.sockets().size(), "both replies through the forward's own socket");
        assertEquals(2, s.sent.size());
        FakeHostDatagrams.Sent first = s.sent.get(0);
        assertEquals(LOOPBACK, first.dstAddr);
        assertNull(first.dstAddr6);
        assertEquals(5001, first.dstPort);
        assertArrayEquals("to loopback".getBytes(), first.data);
        FakeHostDatagrams.Sent second = s.sent.get(1);
        assertEquals(REMOTE, second.dstAddr);
        assertEquals(5000, second.dstPort);
        assertArrayEquals("to remote".getBytes(), second.data);
        assertEquals(2, stack.counters().udpForwardedToClient);

        // From another guest port the same destination is ordinary relayed traffic.
        sendUdp(REMOTE, GUEST_PORT + 1, 5000, "other".getBytes());
        assertEquals(2, datagrams.sockets().size());
        assertEquals(2, s.sent.size());
    }

    @Test
    void sameSeenSourceForTwoClientsDropsTheNewcomer() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY6);
        datagrams.deliver(s, LOOPBACK, 5000, "v4".getBytes());
        assertEquals(1, frames().size());
        datagrams.deliver6(s, LOOPBACK6, 5000, "v6".getBytes());
        nothing();
        assertEquals(1, stack.counters().udpForwardClashes);
        sendUdp(GATEWAY_IP, GUEST_PORT, 5000, "r".getBytes());
        assertEquals(LOOPBACK, s.lastSent().dstAddr);
        assertNull(s.lastSent().dstAddr6);
    }

    @Test
    void largeDatagramIsFragmentedTowardTheGuest() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        byte[] payload = pattern(60_000);
        datagrams.deliver(s, REMOTE, 5000, payload);
        List<byte[]> out = frames();
        int chunk = (NET.mtu() - 20) & ~7;
        assertEquals((8 + payload.length + chunk - 1) / chunk, out.size());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int ident = u16(out.get(0), 14 + 4);
        for (int i = 0; i < out.size(); i++) {
            byte[] f = out.get(i);
            assertEquals(GUEST_MAC, mac(f, 0));
            assertEquals(GATEWAY_MAC, mac(f, 6));
            assertEquals(REMOTE, u32(f, 14 + 12));
            assertEquals(GUEST_IP, u32(f, 14 + 16));
            assertEquals(ident, u16(f, 14 + 4));
            assertEquals(0, checksum(f, 14, 20), "fragment header checksum");
            boolean last = i == out.size() - 1;
            int flags = u16(f, 14 + 6);
            assertEquals(last ? 0 : 0x2000, flags & 0xe000);
            assertEquals(data.size() / 8, flags & 0x1fff);
            assertEquals(f.length - 14, u16(f, 14 + 2));
            assertTrue(last || f.length - 34 == chunk);
            data.write(f, 34, f.length - 34);
        }
        assertArrayEquals(udp(REMOTE, GUEST_IP, 5000, GUEST_PORT, payload), data.toByteArray());
    }

    @Test
    void idleMappingExpiresAndLaterRepliesAreRelayed() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        long start = clock.nanoTime();
        datagrams.deliver(s, REMOTE, 5000, "x".getBytes());
        one();
        assertEquals(start + UdpLayer.IDLE_NANOS, stack.nextDeadlineNanos());

        // A guest reply is activity too: it moves the deadline.
        clock.advanceSeconds(59);
        sendUdp(REMOTE, GUEST_PORT, 5000, "r1".getBytes());
        assertEquals(1, s.sent.size());
        assertEquals(start + 59 * SECOND + UdpLayer.IDLE_NANOS, stack.nextDeadlineNanos());
        clock.advanceSeconds(59);
        stack.runTimers();
        assertEquals(1, stack.udp().forwardMappings());

        clock.advanceSeconds(1);
        stack.runTimers();
        assertEquals(0, stack.udp().forwardMappings());
        assertEquals(1, stack.counters().udpForwardMappingsExpired);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
        sendUdp(REMOTE, GUEST_PORT, 5000, "r2".getBytes());
        assertEquals(1, s.sent.size(), "not through the forward once the mapping is gone");
        FakeHostDatagrams.Sock relay = datagrams.last();
        assertTrue(relay != s);
        assertEquals(REMOTE, relay.lastSent().dstAddr);
        assertArrayEquals("r2".getBytes(), relay.lastSent().data);
    }

    @Test
    void fullMappingTableEvictsTheIdlest() throws Exception {
        build(RelayOptions.defaults().withMaxFlows(2));
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 5000, "1".getBytes());
        clock.advanceSeconds(1);
        datagrams.deliver(s, REMOTE, 5001, "2".getBytes());
        clock.advanceSeconds(1);
        datagrams.deliver(s, REMOTE, 5000, "1 again".getBytes());
        clock.advanceSeconds(1);
        datagrams.deliver(s, REMOTE, 5002, "3".getBytes());
        assertEquals(4, frames().size());
        assertEquals(2, stack.udp().forwardMappings());
        assertEquals(1, stack.counters().udpForwardMappingsEvicted);
        sendUdp(REMOTE, GUEST_PORT, 5000, "kept".getBytes());
        sendUdp(REMOTE, GUEST_PORT, 5002, "kept".getBytes());
        assertEquals(2, s.sent.size());
        sendUdp(REMOTE, GUEST_PORT, 5001, "evicted".getBytes());
        assertEquals(2, s.sent.size());
    }

    @Test
    void removingTheForwardDropsItsMappings() throws Exception {
        guestKnown();
        PortForwards.Forward fwd = stack.forwards().add(PortForwards.Protocol.UDP, InetAddress.getByAddress(ANY4),
                HOST_PORT, GUEST_IP, GUEST_PORT);
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.deliver(s, LOOPBACK, 5001, "x".getBytes());
        one();
        assertTrue(stack.forwards().remove(fwd.id()));
        assertTrue(s.closed);
        assertEquals(0, stack.udp().forwardMappings());
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
        // Now network+2 is the host's loopback again, through an ordinary relay socket.
        sendUdp(GATEWAY_IP, GUEST_PORT, 5001, "r".getBytes());
        FakeHostDatagrams.Sock relay = datagrams.last();
        assertTrue(relay != s);
        assertEquals(LOOPBACK, relay.lastSent().dstAddr);
        assertEquals(5001, relay.lastSent().dstPort);
        stack.udp().unlisten(s.handle);
    }

    @Test
    void unknownGuestIsAskedAndHeldDatagramsFollowItsAnswer() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 5000, "first".getBytes());
        assertArrayEquals(arpRequestForGuest(), one());
        datagrams.deliver(s, LOOPBACK, 5001, "second".getBytes());
        nothing();
        assertEquals(2, stack.udp().heldDatagrams());
        assertEquals(2, stack.counters().udpForwardHeld);
        assertEquals(clock.nanoTime() + UdpLayer.HOLD_NANOS, stack.nextDeadlineNanos());

        send(guestArpReply());
        List<byte[]> out = frames();
        assertEquals(2, out.size());
        assertArrayEquals(expectedUdp(out.get(0), REMOTE, 5000, GUEST_PORT, "first".getBytes()), out.get(0));
        assertArrayEquals(expectedUdp(out.get(1), GATEWAY_IP, 5001, GUEST_PORT, "second".getBytes()), out.get(1));
        assertEquals(0, stack.udp().heldDatagrams());
        assertEquals(2, stack.counters().udpForwardedToGuest);

        datagrams.deliver(s, REMOTE, 5000, "third".getBytes());
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, REMOTE, 5000, GUEST_PORT, "third".getBytes()), f);
    }

    @Test
    void heldDatagramsAreBoundedOldestFirstOut() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY4);
        int n = UdpLayer.HELD_PER_GUEST + 2;
        for (int i = 0; i < n; i++) {
            datagrams.deliver(s, REMOTE, 5000, new byte[] {(byte) i});
        }
        assertArrayEquals(arpRequestForGuest(), one(), "one ARP request per 100 ms, however many datagrams");
        assertEquals(UdpLayer.HELD_PER_GUEST, stack.udp().heldDatagrams());
        assertEquals(2, stack.counters().udpForwardHeldDropped);

        send(guestArpReply());
        List<byte[]> out = frames();
        assertEquals(UdpLayer.HELD_PER_GUEST, out.size());
        for (int i = 0; i < out.size(); i++) {
            byte[] payload = {(byte) (i + 2)};
            assertArrayEquals(expectedUdp(out.get(i), REMOTE, 5000, GUEST_PORT, payload), out.get(i));
        }
    }

    @Test
    void heldDatagramsExpireWithoutAnAnswer() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 5000, "x".getBytes());
        one();
        clock.advanceNanos(UdpLayer.HOLD_NANOS - 1);
        stack.runTimers();
        assertEquals(1, stack.udp().heldDatagrams());
        clock.advanceNanos(1);
        stack.runTimers();
        assertEquals(0, stack.udp().heldDatagrams());
        assertEquals(1, stack.counters().udpForwardHeldDropped);
        send(guestArpReply());
        nothing();
    }

    @Test
    void removingTheForwardReleasesWhatItHeld() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 5000, "x".getBytes());
        one();
        stack.udp().unlisten(s.handle);
        assertEquals(0, stack.udp().heldDatagrams());
        assertEquals(1, stack.counters().udpForwardHeldDropped);
        send(guestArpReply());
        nothing();
    }

    @Test
    void closeReleasesListenersMappingsAndHeldDatagrams() throws Exception {
        FakeHostDatagrams.Sock a = forward(ANY4);
        stack.forwards().add(PortForwards.Protocol.UDP, InetAddress.getByAddress(ANY6), HOST_PORT + 1, GUEST_IP,
                GUEST_PORT);
        FakeHostDatagrams.Sock b = datagrams.last();
        datagrams.deliver(a, REMOTE, 5000, "held".getBytes());
        datagrams.deliver6(b, CLIENT6, 6000, "held too".getBytes());
        assertArrayEquals(arpRequestForGuest(), one());
        assertEquals(2, stack.udp().forwardMappings());
        assertEquals(2, stack.udp().heldDatagrams());
        // Without the forward table's help: the layer closes what it owns itself, and a second time harmlessly.
        stack.udp().close();
        assertTrue(a.closed);
        assertTrue(b.closed);
        assertEquals(0, stack.udp().forwardMappings());
        assertEquals(0, stack.udp().heldDatagrams());
        assertEquals(2, stack.counters().udpForwardHeldDropped);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
        stack.udp().close();
    }

    @Test
    void closeDropsDatagramsStillHeld() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.deliver(s, REMOTE, 5000, "x".getBytes());
        one();
        stack.close();
        assertTrue(s.closed);
        assertEquals(0, stack.udp().heldDatagrams());
        assertEquals(1, stack.counters().udpForwardHeldDropped);
        stack.close();
    }

    @Test
    void hostErrorsOnTheForwardSocketAreReadAndCounted() throws Exception {
        guestKnown();
        FakeHostDatagrams.Sock s = forward(ANY4);
        datagrams.icmpError(s, HostSockets.ECONNREFUSED, 3, 3, REMOTE, REMOTE, 5000);
        nothing();
        assertEquals(1, stack.counters().udpForwardErrors);
    }

    @Test
    void kernelChosenPortIsReported() throws Exception {
        PortForwards.Forward f = stack.forwards().add(PortForwards.Protocol.UDP, InetAddress.getByAddress(ANY4), 0,
                GUEST_IP, GUEST_PORT);
        assertEquals(datagrams.last().bindPort, f.hostPort());
        assertEquals(f.hostPort(), stack.udp().localPort(datagrams.last().handle));
        assertEquals(-UdpLayer.EBADF, stack.udp().localPort(12345));
    }

    @Test
    void hostRefusalIsTheForwardsError() throws Exception {
        datagrams.failOpenForward = HostSockets.EADDRINUSE;
        PortForwards.ForwardException e = assertThrows(PortForwards.ForwardException.class,
                () -> stack.forwards().add(PortForwards.Protocol.UDP, InetAddress.getByAddress(ANY4), HOST_PORT,
                        GUEST_IP, GUEST_PORT));
        assertEquals(HostSockets.EADDRINUSE, e.errno());
        assertEquals(0, stack.forwards().size());
    }

    @Test
    void withoutHostDatagramsListenIsNetworkDown() {
        Stack bare = new Stack(NET, clock, new CapturingSink(), PooledByteBufAllocator.DEFAULT, null,
                RelayOptions.defaults());
        try {
            assertEquals(-UdpLayer.ENETDOWN, bare.udp().listen(ANY4, HOST_PORT, GUEST_IP, GUEST_PORT));
        } finally {
            bare.close();
        }
    }
}
