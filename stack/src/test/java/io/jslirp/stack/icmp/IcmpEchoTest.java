package io.jslirp.stack.icmp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Stack;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4EchoReplyPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.namednumber.IcmpV4Type;
import org.pcap4j.util.MacAddress;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One echo request in, exactly the expected reply out (or nothing). */
@ExtendWith(LeakCheckExtension.class)
class IcmpEchoTest {
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

    /** The reply we expect: TTL 255, our first identification (1), same id/seq/data, from the pinged address. */
    static byte[] expectedReply(int pinged, int ident, int id, int seq, byte[] data) {
        return ethernet(GUEST_MAC, io.jslirp.stack.NetConfig.slirpMacFor(pinged), 0x0800,
                ipv4(pinged, GUEST_IP, 1, ident, 0, 255, icmpEcho(0, id, seq, data)));
    }

    @Test
    void pingGateway() throws Exception {
        byte[] data = pattern(56);
        List<byte[]> out = send(pingFrame(GATEWAY_IP, 0x4242, 7, data));
        assertEquals(1, out.size());
        byte[] reply = out.get(0);
        assertArrayEquals(expectedReply(GATEWAY_IP, 1, 0x4242, 7, data), reply, hex(reply));

        EthernetPacket eth = EthernetPacket.newPacket(reply, 0, reply.length);
        assertEquals(MacAddress.getByName("52:55:0a:00:02:02"), eth.getHeader().getSrcAddr());
        assertEquals(MacAddress.getByName("02:42:ac:11:00:02"), eth.getHeader().getDstAddr());
        IpV4Packet ip = eth.get(IpV4Packet.class);
        assertTrue(ip.getHeader().hasValidChecksum(false));
        assertEquals((byte) 255, ip.getHeader().getTtl());
        assertEquals(InetAddress.getByName("10.0.2.2"), ip.getHeader().getSrcAddr());
        assertEquals(InetAddress.getByName("10.0.2.100"), ip.getHeader().getDstAddr());
        IcmpV4CommonPacket icmp = eth.get(IcmpV4CommonPacket.class);
        assertEquals(IcmpV4Type.ECHO_REPLY, icmp.getHeader().getType());
        assertTrue(icmp.hasValidChecksum(false));
        IcmpV4EchoReplyPacket echo = eth.get(IcmpV4EchoReplyPacket.class);
        assertEquals((short) 0x4242, echo.getHeader().getIdentifier());
        assertEquals((short) 7, echo.getHeader().getSequenceNumber());
        assertArrayEquals(data, echo.getPayload().getRawData());
        Counters c = stack.counters();
        assertEquals(1, c.icmpEchoRequestsIn);
        assertEquals(1, c.icmpEchoRepliesOut);
        assertEquals(1, c.ipv4PacketsOut);
        assertEquals(0, c.drops());
    }

    @Test
    void pingDnsRepliesFromDns() throws Exception {
        byte[] data = pattern(8);
        List<byte[]> out = send(pingFrame(DNS_IP, 1, 1, data));
        assertEquals(1, out.size());
        assertArrayEquals(expectedReply(DNS_IP, 1, 1, 1, data), out.get(0));
        IpV4Packet ip = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length).get(IpV4Packet.class);
        assertEquals(InetAddress.getByName("10.0.2.3"), ip.getHeader().getSrcAddr());
    }

    @Test
    void identificationAdvancesAndEmptyPayloadWorks() {
        send(pingFrame(GATEWAY_IP, 1, 1, new byte[0]));
        List<byte[]> out = send(pingFrame(GATEWAY_IP, 1, 2, new byte[0]));
        assertArrayEquals(expectedReply(GATEWAY_IP, 2, 1, 2, new byte[0]), out.get(0));
    }

    @Test
    void checksumEdgeCasesStayValid() {
        // Data chosen so that request checksums take extreme values; the incremental update must stay valid.
        for (int first = 0; first < 0x10000; first += 0x0fff) {
            byte[] data = {(byte) (first >>> 8), (byte) first, 0, 0};
            byte[] reply = send(pingFrame(GATEWAY_IP, 0xf7ff, 0xffff, data)).get(0);
            assertEquals(0, Frames.checksum(reply, 34, reply.length - 34), "ICMP checksum must verify, data " + first);
        }
    }

    @Test
    void ethernetPaddingIsNotEchoed() {
        byte[] data = pattern(2);
        List<byte[]> out = send(pad(pingFrame(GATEWAY_IP, 5, 5, data), 60));
        assertArrayEquals(expectedReply(GATEWAY_IP, 1, 5, 5, data), out.get(0));
    }

    @Test
    void otherDestinationsAreNotAnswered() {
        int elsewhere = io.jslirp.stack.NetConfig.parseIpv4("10.0.2.5");
        byte[] f = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, elsewhere, 1, 1, 0, 64,
                icmpEcho(8, 1, 1, new byte[4])));
        assertTrue(send(f).isEmpty());
        byte[] outside = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, 0xc0000201, 1, 1, 0, 64,
                icmpEcho(8, 1, 1, new byte[4])));
        assertTrue(send(outside).isEmpty());
        // Inside the virtual network nothing lives; outside, a stack without host datagrams has no ping socket.
        assertEquals(1, stack.counters().icmpBadDestination);
        assertEquals(1, stack.counters().icmpEchoNoSocket);
    }

    @Test
    void otherIcmpAndBadIcmpAreCountedAndDropped() {
        Counters c = stack.counters();
        byte[] echoReply = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800,
                ipv4(GUEST_IP, GATEWAY_IP, 1, 1, 0, 64, icmpEcho(0, 1, 1, new byte[4])));
        assertTrue(send(echoReply).isEmpty());
        byte[] timestamp = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800,
                ipv4(GUEST_IP, GATEWAY_IP, 1, 1, 0, 64, icmpEcho(13, 1, 1, new byte[12])));
        assertTrue(send(timestamp).isEmpty());
        assertEquals(2, c.icmpUnhandled);

        byte[] badSum = pingFrame(GATEWAY_IP, 1, 1, pattern(10));
        badSum[badSum.length - 1] ^= 1;
        assertTrue(send(badSum).isEmpty());
        assertEquals(1, c.icmpBadChecksum);

        byte[] shortIcmp = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, GATEWAY_IP, 1, 1, 0, 64, new byte[4]));
        assertTrue(send(shortIcmp).isEmpty());
        assertEquals(1, c.icmpTruncated);
    }

    @Test
    void ipv4LayerDropsAreCounted() {
        Counters c = stack.counters();
        byte[] udp = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, GATEWAY_IP, 17, 1, 0, 64, new byte[8]));
        assertTrue(send(udp).isEmpty());
        assertEquals(1, c.udpBadLength, "UDP length 0");
        byte[] unknown = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, GATEWAY_IP, 253, 1, 0, 64, new byte[8]));
        assertTrue(send(unknown).isEmpty());
        assertEquals(1, c.ipv4UnknownProtocol);

        byte[] badHeader = pingFrame(GATEWAY_IP, 1, 1, pattern(8));
        badHeader[14 + 10] ^= 0x10;
        assertTrue(send(badHeader).isEmpty());
        assertEquals(1, c.ipv4BadChecksum);

        byte[] truncated = Arrays.copyOf(pingFrame(GATEWAY_IP, 1, 1, pattern(8)), 14 + 30);
        assertTrue(send(truncated).isEmpty());
        assertEquals(1, c.ipv4Truncated);

        byte[] v6in4 = pingFrame(GATEWAY_IP, 1, 1, pattern(8));
        v6in4[14] = 0x65;
        assertTrue(send(v6in4).isEmpty());
        assertEquals(1, c.ipv4BadVersion);

        for (int src : new int[] {0, -1, 0xe0000001, GATEWAY_IP, DNS_IP, NET.broadcast(), NET.network(), 0x7f000001}) {
            byte[] spoof = ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(src, GATEWAY_IP, 1, 1, 0, 64,
                    icmpEcho(8, 1, 1, new byte[4])));
            assertTrue(send(spoof).isEmpty(), Integer.toHexString(src));
        }
        assertEquals(8, c.ipv4BadSource);
        assertEquals(0, c.framesOut);
        assertEquals(0, c.internalErrors);
    }
}
