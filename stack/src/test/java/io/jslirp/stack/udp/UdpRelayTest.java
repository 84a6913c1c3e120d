package io.jslirp.stack.udp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostDatagrams;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4DestinationUnreachablePacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.UdpPacket;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpRelayTest extends UdpHarness {
    static Inet4Address inet(int addr) throws Exception {
        return (Inet4Address) InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(addr).array());
    }

    @Test
    void guestDatagramGoesOutThroughOneHostSocket() {
        sendUdp(REMOTE, GPORT, 7000, "ping".getBytes());
        nothing();
        FakeHostDatagrams.Sock s = datagrams.last();
        assertNotNull(s);
        assertEquals(0, s.bindAddr, "kernel's choice without --outbound-addr");
        assertEquals(0, s.bindPort);
        assertEquals(1, s.sent.size());
        assertEquals(REMOTE, s.lastSent().dstAddr);
        assertEquals(7000, s.lastSent().dstPort);
        assertArrayEquals("ping".getBytes(), s.lastSent().data);
        assertEquals(1, stack.counters().udpIn);
        assertEquals(1, stack.counters().udpToHost);
        assertEquals(1, stack.activeUdpFlows());
    }

    @Test
    void oneSocketPerGuestSourceEndpointWhateverTheDestination() {
        int other = NetConfig.parseIpv4("198.51.100.20");
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        sendUdp(other, GPORT, 9000, new byte[] {2});
        assertEquals(1, datagrams.sockets().size());
        List<FakeHostDatagrams.Sent> sent = datagrams.last().sent;
        assertEquals(other, sent.get(1).dstAddr);
        assertEquals(9000, sent.get(1).dstPort);
        sendUdp(REMOTE, GPORT + 1, 7000, new byte[] {3});
        assertEquals(2, datagrams.sockets().size());
        assertEquals(2, stack.counters().udpFlowsOpened);
    }

    @Test
    void aBugInTheHostReadEndsTheFlowInsteadOfLeavingItsSocketOpen() {
        sendUdp(REMOTE, GPORT, 7000, "q".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        s.throwOnReceive = new IllegalStateException("a bug");
        datagrams.deliver(s, REMOTE, 7000, "a".getBytes());
        nothing();
        assertTrue(s.closed, "the flow's socket is closed, not left to report the same datagram again");
        assertEquals(1, stack.counters().internalErrors);
        sendUdp(REMOTE, GPORT, 7000, "again".getBytes());
        assertEquals(2, datagrams.sockets().size(), "the guest's next datagram opens a new flow");
        assertEquals(2, stack.counters().udpFlowsOpened);
        stack.counters().internalErrors = 0; // counted on purpose here; the harness checks for stray ones
    }

    @Test
    void outboundAddrBindsTheSocket() {
        int out = NetConfig.parseIpv4("192.0.2.77");
        build(RelayOptions.defaults().withOutboundAddr(out));
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        assertEquals(out, datagrams.last().bindAddr);
    }

    @Test
    void hostReplyReachesTheGuestAsAnExactFrame() throws Exception {
        sendUdp(REMOTE, GPORT, 7000, "q".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        byte[] payload = pattern(333);
        datagrams.deliver(s, REMOTE, 7000, payload);
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, REMOTE, 7000, GPORT, payload), f);

        EthernetPacket eth = EthernetPacket.newPacket(f, 0, f.length);
        IpV4Packet ip = eth.get(IpV4Packet.class);
        UdpPacket udp = eth.get(UdpPacket.class);
        assertEquals(inet(REMOTE), ip.getHeader().getSrcAddr());
        assertEquals(inet(GUEST_IP), ip.getHeader().getDstAddr());
        assertEquals(7000, udp.getHeader().getSrcPort().valueAsInt());
        assertEquals(GPORT, udp.getHeader().getDstPort().valueAsInt());
        assertTrue(udp.hasValidChecksum(inet(REMOTE), inet(GUEST_IP), false));
        assertArrayEquals(payload, udp.getPayload().getRawData());
        assertEquals(1, stack.counters().udpOut);
    }

    @Test
    void anEmptyDatagramFromTheHostReachesTheGuestAndReadingGoesOn() {
        sendUdp(REMOTE, GPORT, 7000, "q".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.deliverBatch(s, REMOTE, 7000, java.util.List.of(new byte[0], new byte[] {5}));
        java.util.List<byte[]> out = frames();
        assertEquals(2, out.size());
        assertArrayEquals(expectedUdp(out.get(0), REMOTE, 7000, GPORT, new byte[0]), out.get(0));
        assertArrayEquals(expectedUdp(out.get(1), REMOTE, 7000, GPORT, new byte[] {5}), out.get(1));
    }

    @Test
    void repliesFromAnySourceComeFromThatSource() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        FakeHostDatagrams.Sock s = datagrams.last();
        int other = NetConfig.parseIpv4("203.0.113.9");
        datagrams.deliver(s, other, 1234, new byte[] {9});
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, other, 1234, GPORT, new byte[] {9}), f);
    }

    @Test
    void gatewayIsHostLoopbackBothWays() {
        sendUdp(GATEWAY_IP, GPORT, 5353, "hi".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        assertEquals(LOOPBACK, s.lastSent().dstAddr);
        assertEquals(5353, s.lastSent().dstPort);
        datagrams.deliver(s, LOOPBACK, 5353, "yo".getBytes());
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, GATEWAY_IP, 5353, GPORT, "yo".getBytes()), f);
    }

    @Test
    void disableHostLoopbackAnswersAdministrativelyProhibited() throws Exception {
        build(RelayOptions.defaults().withDisableHostLoopback(true));
        sendUdp(GATEWAY_IP, GPORT, 5353, "hi".getBytes());
        byte[] f = one();
        assertArrayEquals(expectedIcmpError(f, GATEWAY_IP, 3, 13, GATEWAY_IP, GPORT, 5353, 10), f);
        assertTrue(datagrams.sockets().isEmpty());
        assertEquals(1, stack.counters().udpLoopbackRefused);
    }

    @Test
    void otherLoopbackSourcesAndOurNetworkAreNotPassedOn() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.deliver(s, NetConfig.parseIpv4("127.0.0.2"), 1, new byte[] {1});
        datagrams.deliver(s, DNS_IP, 1, new byte[] {1});
        datagrams.deliver(s, REMOTE, 0, new byte[] {1});
        nothing();
        assertEquals(3, stack.counters().udpBadSource);

        build(RelayOptions.defaults().withDisableHostLoopback(true));
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        datagrams.deliver(datagrams.last(), LOOPBACK, 5353, new byte[] {1});
        nothing();
        assertEquals(1, stack.counters().udpBadSource);
    }

    @Test
    void portUnreachableFromLoopbackBecomesAnExactIcmpErrorFromTheGateway() throws Exception {
        sendUdp(GATEWAY_IP, GPORT, 5353, "hello".getBytes());
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmpError(s, HostSockets.ECONNREFUSED, 3, 3, LOOPBACK, LOOPBACK, 5353);
        byte[] f = one();
        assertArrayEquals(expectedIcmpError(f, GATEWAY_IP, 3, 3, GATEWAY_IP, GPORT, 5353, 13), f);
        IcmpV4DestinationUnreachablePacket icmp = EthernetPacket.newPacket(f, 0, f.length)
                .get(IcmpV4DestinationUnreachablePacket.class);
        assertNotNull(icmp);
        IcmpV4CommonPacket common = EthernetPacket.newPacket(f, 0, f.length).get(IcmpV4CommonPacket.class);
        assertTrue(common.hasValidChecksum(false));
        assertEquals(1, stack.counters().icmpErrorsToGuest);

        // The pending errno makes the next sendto fail once; the datagram is sent again, not lost.
        s.sendResults.add(-HostSockets.ECONNREFUSED);
        sendUdp(GATEWAY_IP, GPORT, 5353, "again".getBytes());
        assertArrayEquals("again".getBytes(), s.lastSent().data);
        assertEquals(0, stack.counters().udpSendErrors);
    }

    @Test
    void errorsFromRoutersComeFromTheRouter() {
        sendUdp(REMOTE, GPORT, 33434, new byte[12]);
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmpError(s, HostSockets.EHOSTUNREACH, 3, 1, ROUTER, REMOTE, 33434);
        byte[] f = one();
        assertArrayEquals(expectedIcmpError(f, ROUTER, 3, 1, REMOTE, GPORT, 33434, 20), f);
        datagrams.icmpError(s, 0, 11, 0, ROUTER, REMOTE, 33434);
        f = one();
        assertArrayEquals(expectedIcmpError(f, ROUTER, 11, 0, REMOTE, GPORT, 33434, 20), f);
        // Port unreachable from the destination itself.
        datagrams.icmpError(s, HostSockets.ECONNREFUSED, 3, 3, REMOTE, REMOTE, 33434);
        f = one();
        assertArrayEquals(expectedIcmpError(f, REMOTE, 3, 3, REMOTE, GPORT, 33434, 20), f);
        // Fragmentation needed has no MTU in DatagramInfo: not passed on.
        datagrams.icmpError(s, 90, 3, 4, ROUTER, REMOTE, 33434);
        nothing();
        assertEquals(1, stack.counters().icmpErrorsDropped);
    }

    @Test
    void errorsFromAnAddressTheGuestMustNotSeeComeFromTheGateway() {
        // RFC 1812 4.3.2.4, RFC 1122 3.2.2: an ICMP error never has a broadcast or multicast source; the host's
        // loopback and addresses inside the virtual network would mislead the guest. All appear as network+2.
        sendUdp(REMOTE, GPORT, 33434, new byte[12]);
        FakeHostDatagrams.Sock s = datagrams.last();
        for (String offender : new String[] {"224.0.0.5", "240.0.0.1", "255.255.255.255", "127.0.0.2", "10.0.2.9"}) {
            datagrams.icmpError(s, HostSockets.EHOSTUNREACH, 3, 1, NetConfig.parseIpv4(offender), REMOTE, 33434);
            byte[] f = one();
            assertArrayEquals(expectedIcmpError(f, GATEWAY_IP, 3, 1, REMOTE, GPORT, 33434, 20), f, offender);
        }
    }

    @Test
    void hostWithoutRouteAnswersUnreachableFromTheGateway() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        FakeHostDatagrams.Sock s = datagrams.last();
        s.sendResults.add(-HostSockets.ENETUNREACH);
        s.sendResults.add(-HostSockets.ENETUNREACH);
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1, 2});
        byte[] f = one();
        assertArrayEquals(expectedIcmpError(f, GATEWAY_IP, 3, 0, REMOTE, GPORT, 7000, 10), f);
        assertEquals(1, stack.counters().udpSendErrors);
        s.sendResults.add(0);
        s.sendResults.add(0);
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1, 2});
        nothing();
        assertEquals(1, stack.counters().udpHostBufferFull);
    }

    @Test
    void withoutHostDatagramsRelayedUdpIsPortUnreachable() {
        stack.close();
        stack = new io.jslirp.stack.Stack(NET, clock, sink, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1, 2, 3});
        byte[] f = one();
        assertArrayEquals(expectedIcmpError(f, REMOTE, 3, 3, REMOTE, GPORT, 7000, 11), f);
        assertEquals(1, stack.counters().udpNoSocket);
    }

    @Test
    void openFailureIsCountedAndDropped() {
        datagrams.failOpenUdp = HostSockets.EMFILE;
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        nothing();
        assertEquals(1, stack.counters().udpNoSocket);
        assertEquals(0, stack.activeUdpFlows());
    }

    @Test
    void broadcastMulticastAndOurNetworkAreDropped() {
        sendUdp(-1, GPORT, 9999, new byte[] {1});
        sendUdp(NET.broadcast(), GPORT, 9999, new byte[] {1});
        sendUdp(NetConfig.parseIpv4("224.0.0.251"), 5353, 5353, new byte[] {1});
        sendUdp(NetConfig.parseIpv4("10.0.2.5"), GPORT, 9999, new byte[] {1});
        nothing();
        assertEquals(4, stack.counters().udpBadDestination);
        assertTrue(datagrams.sockets().isEmpty());
        // From 0.0.0.0 only a service may hear it.
        send(ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(0, REMOTE, 17, 1, 0, 64, udp(0, REMOTE, 68, 67, new byte[4]))));
        nothing();
        assertEquals(1, stack.counters().udpBadSource);
    }

    @Test
    void malformedDatagramsAreCounted() {
        Counters c = stack.counters();
        byte[] bad = udpFrame(REMOTE, GPORT, 7000, pattern(20));
        bad[bad.length - 1] ^= 1;
        send(bad);
        byte[] longLength = udpFrame(REMOTE, GPORT, 7000, pattern(20));
        longLength[14 + 20 + 5] += 1;
        send(longLength);
        send(ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, REMOTE, 17, 1, 0, 64, new byte[6])));
        nothing();
        assertEquals(1, c.udpBadChecksum);
        assertEquals(1, c.udpBadLength);
        assertEquals(1, c.udpTruncated);
        assertTrue(datagrams.sockets().isEmpty());
        // Checksum 0 means none (RFC 768).
        byte[] none = udpFrame(REMOTE, GPORT, 7000, pattern(20));
        none[14 + 20 + 6] = 0;
        none[14 + 20 + 7] = 0;
        send(none);
        assertArrayEquals(pattern(20), datagrams.last().lastSent().data);
    }

    @Test
    void sixtyThousandBytesEachWay() {
        byte[] payload = pattern(60_000);
        byte[] datagram = udp(GUEST_IP, REMOTE, GPORT, 7000, payload);
        for (byte[] frag : fragmentFrames(GATEWAY_MAC, GUEST_IP, REMOTE, 17, 0x777, datagram, 1480)) {
            send(frag);
        }
        nothing();
        assertArrayEquals(payload, datagrams.last().lastSent().data);

        byte[] back = pattern(60_001);
        datagrams.deliver(datagrams.last(), REMOTE, 7000, back);
        List<byte[]> frags = frames();
        assertEquals((60_001 + 8 + 1479) / 1480, frags.size());
        byte[] whole = new byte[8 + back.length];
        int ident = u16(frags.get(0), 18);
        for (int i = 0; i < frags.size(); i++) {
            byte[] f = frags.get(i);
            assertTrue(f.length <= 14 + NET.mtu(), "fragment within the MTU");
            assertEquals(0, checksum(f, 14, 20));
            assertEquals(ident, u16(f, 18));
            int flags = u16(f, 20);
            assertEquals(i < frags.size() - 1, (flags & 0x2000) != 0);
            int total = u16(f, 16);
            System.arraycopy(f, 34, whole, (flags & 0x1fff) * 8, total - 20);
        }
        assertEquals(udpChecksum(REMOTE, GUEST_IP, whole), u16(whole, 6));
        assertArrayEquals(back, Arrays.copyOfRange(whole, 8, whole.length));
        assertEquals(8 + back.length, u16(whole, 4));
    }

    @Test
    void manyDatagramsInOneEventAreReadUpToTheBound() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        FakeHostDatagrams.Sock s = datagrams.last();
        List<byte[]> many = new java.util.ArrayList<>();
        for (int i = 0; i < UdpLayer.READS_PER_EVENT + 5; i++) {
            many.add(new byte[] {(byte) i});
        }
        datagrams.deliverBatch(s, REMOTE, 7000, many);
        assertEquals(UdpLayer.READS_PER_EVENT, frames().size());
        s.handler.onSocketEvent(s.handle, HostSockets.READABLE);
        assertEquals(5, frames().size());
    }

    @Test
    void idleFlowsExpireAndActivityEitherWayKeepsThem() {
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        FakeHostDatagrams.Sock s = datagrams.last();
        long opened = clock.nanoTime();
        assertEquals(opened + UdpLayer.IDLE_NANOS, stack.nextDeadlineNanos());
        clock.advanceSeconds(50);
        datagrams.deliver(s, REMOTE, 7000, new byte[] {2});
        frames();
        clock.advanceSeconds(50);
        stack.runTimers();
        assertFalse(s.closed, "a reply 50 s in keeps the flow");
        clock.advanceSeconds(10);
        stack.runTimers();
        assertTrue(s.closed);
        assertEquals(0, stack.activeUdpFlows());
        assertEquals(1, stack.counters().udpFlowsExpired);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
        // A late datagram for the closed flow's handle is ignored; a new one opens a new socket.
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        assertEquals(2, datagrams.sockets().size());
    }

    @Test
    void tableIsBoundedAndTheOldestGoes() {
        build(RelayOptions.defaults().withMaxFlows(3));
        for (int i = 0; i < 3; i++) {
            sendUdp(REMOTE, GPORT + i, 7000, new byte[] {1});
            clock.advanceSeconds(1);
        }
        // The first flow is used again, so the second is now the oldest.
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        sendUdp(REMOTE, GPORT + 3, 7000, new byte[] {1});
        assertEquals(3, stack.activeUdpFlows());
        assertEquals(1, stack.counters().udpFlowsEvicted);
        assertFalse(datagrams.sockets().get(0).closed);
        assertTrue(datagrams.sockets().get(1).closed);
        assertEquals(3, datagrams.open());
        for (int i = 0; i < 1000; i++) {
            sendUdp(REMOTE, 1000 + i, 7000, new byte[] {1});
        }
        assertEquals(3, stack.activeUdpFlows());
        assertEquals(3, datagrams.open());
    }

    @Test
    void closeClosesEveryHandle() {
        for (int i = 0; i < 10; i++) {
            sendUdp(REMOTE, GPORT + i, 7000, new byte[] {1});
        }
        stack.close();
        assertEquals(0, datagrams.open());
    }
}
