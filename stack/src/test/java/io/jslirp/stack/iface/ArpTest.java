package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.ArpPacket;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.namednumber.ArpOperation;
import org.pcap4j.packet.namednumber.EtherType;
import org.pcap4j.util.MacAddress;

import java.net.InetAddress;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One ARP frame in, exactly the expected frame out (or nothing). */
@ExtendWith(LeakCheckExtension.class)
class ArpTest {
    private final FakeClock clock = new FakeClock();
    private final CapturingSink sink = new CapturingSink();
    private final Stack stack = new Stack(NET, clock, sink, PooledByteBufAllocator.DEFAULT);

    @AfterEach
    void close() {
        stack.close();
    }

    private List<byte[]> send(byte[] frame) {
        stack.receiveFrame(Frames.buf(frame));
        return sink.take();
    }

    private static byte[] expectedReply(long ourMac, int ourIp, long toMac, int toIp) {
        return pad(ethernet(toMac, ourMac, 0x0806, arp(2, ourMac, ourIp, toMac, toIp)), 60);
    }

    @Test
    void answersForGateway() throws Exception {
        List<byte[]> out = send(arpRequestFrame(GATEWAY_IP));
        assertEquals(1, out.size());
        byte[] reply = out.get(0);
        assertArrayEquals(expectedReply(GATEWAY_MAC, GATEWAY_IP, GUEST_MAC, GUEST_IP), reply, hex(reply));

        EthernetPacket eth = EthernetPacket.newPacket(reply, 0, reply.length);
        assertEquals(EtherType.ARP, eth.getHeader().getType());
        assertEquals(MacAddress.getByName("52:55:0a:00:02:02"), eth.getHeader().getSrcAddr());
        assertEquals(MacAddress.getByName("02:42:ac:11:00:02"), eth.getHeader().getDstAddr());
        ArpPacket.ArpHeader arp = eth.get(ArpPacket.class).getHeader();
        assertEquals(ArpOperation.REPLY, arp.getOperation());
        assertEquals(MacAddress.getByName("52:55:0a:00:02:02"), arp.getSrcHardwareAddr());
        assertEquals(InetAddress.getByName("10.0.2.2"), arp.getSrcProtocolAddr());
        assertEquals(MacAddress.getByName("02:42:ac:11:00:02"), arp.getDstHardwareAddr());
        assertEquals(InetAddress.getByName("10.0.2.100"), arp.getDstProtocolAddr());
        assertEquals(1, stack.counters().arpRepliesOut);
        assertEquals(1, stack.counters().framesOut);
    }

    @Test
    void answersForDns() throws Exception {
        List<byte[]> out = send(arpRequestFrame(DNS_IP));
        assertEquals(1, out.size());
        assertArrayEquals(expectedReply(DNS_MAC, DNS_IP, GUEST_MAC, GUEST_IP), out.get(0));
        ArpPacket.ArpHeader arp = EthernetPacket.newPacket(out.get(0), 0, 60).get(ArpPacket.class).getHeader();
        assertEquals(MacAddress.getByName("52:55:0a:00:02:03"), arp.getSrcHardwareAddr());
        assertEquals(InetAddress.getByName("10.0.2.3"), arp.getSrcProtocolAddr());
    }

    @Test
    void unicastRequestToOurMacIsAnswered() {
        byte[] req = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0806, arp(1, GUEST_MAC, GUEST_IP, 0, GATEWAY_IP));
        assertEquals(1, send(req).size());
    }

    @Test
    void paddedRequestIsAnswered() {
        assertEquals(1, send(pad(arpRequestFrame(GATEWAY_IP), 60)).size());
    }

    @Test
    void silentForOtherAddresses() {
        for (String other : new String[] {"10.0.2.1", "10.0.2.4", "10.0.2.100", "10.0.2.255", "192.0.2.1"}) {
            assertTrue(send(arpRequestFrame(NetConfig.parseIpv4(other))).isEmpty(), other);
        }
        assertEquals(5, stack.counters().arpNotForUs);
        assertEquals(0, stack.counters().framesOut);
    }

    @Test
    void probeIsAnsweredToItsSenderMac() {
        // RFC 5227 probe: sender IP 0.0.0.0. Answering lets the prober detect the conflict; not learned.
        byte[] probe = ethernet(BROADCAST, GUEST_MAC, 0x0806, arp(1, GUEST_MAC, 0, 0, GATEWAY_IP));
        List<byte[]> out = send(probe);
        assertEquals(1, out.size());
        assertArrayEquals(expectedReply(GATEWAY_MAC, GATEWAY_IP, GUEST_MAC, 0), out.get(0));
        assertEquals(0, stack.counters().arpLearned);
    }

    @Test
    void replyFromGuestIsLearnedNotAnswered() {
        assertTrue(send(ethernet(GATEWAY_MAC, GUEST_MAC, 0x0806,
                arp(2, GUEST_MAC, GUEST_IP, GATEWAY_MAC, GATEWAY_IP))).isEmpty());
        assertEquals(1, stack.counters().arpRepliesIn);
        assertEquals(1, stack.counters().arpLearned);
    }

    @Test
    void malformedAndUnknownOperation() {
        byte[] truncated = java.util.Arrays.copyOf(arpRequestFrame(GATEWAY_IP), 14 + 27);
        assertTrue(send(truncated).isEmpty());
        byte[] ipv6Arp = arpRequestFrame(GATEWAY_IP);
        ipv6Arp[14 + 2] = (byte) 0x86;
        assertTrue(send(ipv6Arp).isEmpty());
        assertEquals(2, stack.counters().arpMalformed);
        byte[] rarp = ethernet(BROADCAST, GUEST_MAC, 0x0806, arp(3, GUEST_MAC, GUEST_IP, 0, GATEWAY_IP));
        assertTrue(send(rarp).isEmpty());
        assertEquals(1, stack.counters().arpUnknownOp);
    }

    @Test
    void demuxDropsForeignUnicastUnknownTypesAndRunts() {
        Counters c = stack.counters();
        byte[] foreign = ethernet(0x0242_ac11_0099L, GUEST_MAC, 0x0806, arp(1, GUEST_MAC, GUEST_IP, 0, GATEWAY_IP));
        assertTrue(send(foreign).isEmpty());
        assertEquals(1, c.ethNotForUs);
        assertTrue(send(ethernet(BROADCAST, GUEST_MAC, 0x86dd, new byte[40])).isEmpty());
        assertTrue(send(ethernet(BROADCAST, GUEST_MAC, 0x8100, new byte[40])).isEmpty());
        assertEquals(2, c.ethUnknownType);
        assertTrue(send(new byte[13]).isEmpty());
        assertTrue(send(new byte[0]).isEmpty());
        assertEquals(2, c.ethTruncated);
        assertTrue(send(ethernet(BROADCAST, BROADCAST, 0x0806, arp(1, GUEST_MAC, GUEST_IP, 0, GATEWAY_IP))).isEmpty());
        assertEquals(1, c.ethBadSource);
        assertEquals(6, c.framesIn);
        assertEquals(0, c.framesOut);
        assertEquals(0, c.internalErrors);
    }

    @Test
    void learnsGuestsFromArpOnly() {
        Counters counters = new Counters();
        EthernetInterface iface = new EthernetInterface(NET, clock, counters, PooledByteBufAllocator.DEFAULT, sink);
        try {
            io.netty.buffer.ByteBuf f = Frames.buf(arpRequestFrame(GATEWAY_IP));
            iface.receive(f);
            f.release();
            assertEquals(GUEST_MAC, iface.arpCache().get(GUEST_IP));

            long otherMac = 0x0242_ac11_0007L;
            int otherIp = NetConfig.parseIpv4("10.0.2.7");
            byte[] ping = ethernet(GATEWAY_MAC, otherMac, 0x0800,
                    ipv4(otherIp, GATEWAY_IP, 17, 1, 0, 64, new byte[8]));
            f = Frames.buf(ping);
            iface.receive(f);
            f.release();
            assertEquals(ArpCache.NONE, iface.arpCache().get(otherIp), "IPv4 traffic is not learned from");
            assertEquals(1, counters.arpLearned, "one mapping learned, from the ARP request");

            // Outside the network, our own address, and 0.0.0.0 are never learned.
            int outside = NetConfig.parseIpv4("192.0.2.9");
            for (int ip : new int[] {outside, GATEWAY_IP, 0}) {
                f = Frames.buf(ethernet(BROADCAST, otherMac, 0x0806, arp(1, otherMac, ip, 0, DNS_IP)));
                iface.receive(f);
                f.release();
                assertEquals(ArpCache.NONE, iface.arpCache().get(ip));
            }
            sink.take();
        } finally {
            iface.close();
        }
    }

    @Test
    void arpCacheIsBounded() {
        ArpCache cache = new ArpCache(64);
        for (int i = 0; i < 100_000; i++) {
            cache.put(0x0a000000 + i, i);
        }
        assertTrue(cache.size() <= cache.capacity());
        cache.put(0x0a000264, 0x1234);
        assertEquals(0x1234, cache.get(0x0a000264));
        cache.put(0x0a000264, 0x5678);
        assertEquals(0x5678, cache.get(0x0a000264));
        assertEquals(ArpCache.NONE, new ArpCache(8).get(1));
    }
}
