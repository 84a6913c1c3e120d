package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.UdpPacket;

import java.util.Random;

import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class Ipv6PacketTest {
    /**
     * Version 6, traffic class 0x12, flow label 0x34567, payload 4, next header 59 (none), hop limit 64,
     * fd00::100 -> fd00::2, then 4 payload octets and 6 octets of Ethernet padding.
     */
    private static final byte[] FIXTURE = hex(
            "6123 4567 0004 3b40"
                    + "fd00 0000 0000 0000 0000 0000 0000 0100"
                    + "fd00 0000 0000 0000 0000 0000 0000 0002"
                    + "0102 0304"
                    + "0000 0000 0000");

    @Test
    void parses() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            Ipv6Packet ip = new Ipv6Packet();
            assertTrue(ip.wrap(b, 0, FIXTURE.length), "error " + ip.error());
            assertEquals(0x12, ip.trafficClass());
            assertEquals(0x34567, ip.flowLabel());
            assertEquals(4, ip.payloadLength());
            assertEquals(44, ip.totalLength(), "padding is outside the view");
            assertEquals(44, ip.end());
            assertEquals(59, ip.nextHeader());
            assertEquals(64, ip.hopLimit());
            assertEquals(0xfd00_0000_0000_0000L, ip.sourceHi());
            assertEquals(0x100L, ip.sourceLo());
            assertEquals(hi("fd00::2"), ip.destinationHi());
            assertEquals(lo("fd00::2"), ip.destinationLo());
            assertEquals(40, ip.payloadOffset());
        } finally {
            b.release();
        }
    }

    @Test
    void builds() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(FIXTURE.length);
        try {
            b.writeZero(FIXTURE.length);
            Ipv6Packet.writeHeader(b, 0, 0x12, 0x34567, 4, Ipv6Packet.NEXT_NONE, 64,
                    hi("fd00::100"), lo("fd00::100"), hi("fd00::2"), lo("fd00::2"));
            b.setBytes(40, new byte[] {1, 2, 3, 4});
            byte[] out = new byte[FIXTURE.length];
            b.getBytes(0, out);
            assertArrayEquals(FIXTURE, out);
        } finally {
            b.release();
        }
    }

    @Test
    void rejectsTruncationBadVersionAndLyingLength() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            Ipv6Packet ip = new Ipv6Packet();
            for (int len = 0; len < 44; len++) {
                assertFalse(ip.wrap(b, 0, len), "length " + len);
                assertEquals(len < 40 ? Ipv6Packet.ERR_TRUNCATED : Ipv6Packet.ERR_PAYLOAD_LENGTH, ip.error());
            }
            assertFalse(ip.wrap(b, -1, 44));
            assertEquals(Ipv6Packet.ERR_TRUNCATED, ip.error());
            assertFalse(ip.wrap(b, 8, FIXTURE.length), "range past the buffer");
            assertEquals(Ipv6Packet.ERR_TRUNCATED, ip.error());

            b.setByte(0, 0x41);
            assertFalse(ip.wrap(b, 0, FIXTURE.length));
            assertEquals(Ipv6Packet.ERR_VERSION, ip.error());
            b.setByte(0, 0x61);
            b.setShort(4, 11); // one more than the 10 octets after the header
            assertFalse(ip.wrap(b, 0, FIXTURE.length));
            assertEquals(Ipv6Packet.ERR_PAYLOAD_LENGTH, ip.error());
            b.setShort(4, 10);
            assertTrue(ip.wrap(b, 0, FIXTURE.length));
            b.setShort(4, 0);
            assertTrue(ip.wrap(b, 0, FIXTURE.length), "zero payload length is legal (no next header)");
            assertEquals(40, ip.totalLength());
        } finally {
            b.release();
        }
    }

    @Test
    void pseudoHeaderSumMatchesTheDrawnPseudoHeaderAndPcap4j() {
        String src = "2001:db8::1234:5678:9abc:def0";
        String dst = "fe80::1:ff02:3";
        byte[] payload = "an odd-length udp payload".getBytes();
        byte[] udp = Ipv6Frames.udp(src, dst, 40000, 53, payload);
        ByteBuf b = Frames.buf(udp);
        try {
            long pseudo = Ipv6Packet.pseudoHeaderSum(hi(src), lo(src), hi(dst), lo(dst), 17, udp.length);
            assertTrue(Checksum.verify(pseudo, b, 0, udp.length));
            b.setShort(6, 0);
            int ours = Checksum.finish(Checksum.add(pseudo, b, 0, udp.length));
            assertEquals(Ipv6Frames.checksum(src, dst, 17, withZeroChecksum(udp)), ours);
        } finally {
            b.release();
        }
        byte[] frame = Ipv6Frames.ethernet(1, 2, Ipv6Frames.ipv6(17, 64, src, dst, udp));
        UdpPacket p = parse(frame).get(UdpPacket.class);
        assertTrue(p.hasValidChecksum(Ipv6Frames.inet6(src), Ipv6Frames.inet6(dst), false));
    }

    @Test
    void viewPseudoHeaderSumUsesItsAddresses() {
        byte[] udp = Ipv6Frames.udp("fd00::100", "fd00::3", 1, 2, new byte[] {9, 8, 7});
        byte[] packet = Ipv6Frames.ipv6(17, 64, "fd00::100", "fd00::3", udp);
        ByteBuf b = Frames.buf(packet);
        try {
            Ipv6Packet ip = new Ipv6Packet();
            assertTrue(ip.wrap(b, 0, packet.length));
            assertTrue(Checksum.verify(ip.pseudoHeaderSum(17, udp.length), b, 40, udp.length));
        } finally {
            b.release();
        }
    }

    @Test
    void writerOutputDecodedByPcap4j() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(64);
        try {
            b.writeZero(14 + 40 + 8);
            Ipv6Packet.writeHeader(b, 14, 0xb8, 0xabcde, 8, Ipv6Packet.NEXT_UDP, 255,
                    hi("fe80::2"), lo("fe80::2"), hi("ff02::1"), lo("ff02::1"));
            b.setShort(12, Ipv6Frames.ETHERTYPE_IPV6);
            byte[] frame = new byte[b.readableBytes()];
            b.getBytes(0, frame);
            IpV6Packet.IpV6Header h = parse(frame).get(IpV6Packet.class).getHeader();
            assertEquals(0xb8, h.getTrafficClass().value() & 0xff);
            assertEquals(0xabcde, h.getFlowLabel().value());
            assertEquals(8, h.getPayloadLengthAsInt());
            assertEquals(17, h.getNextHeader().value() & 0xff);
            assertEquals(255, h.getHopLimitAsInt());
            assertEquals(Ipv6Frames.inet6("fe80::2"), h.getSrcAddr());
            assertEquals(Ipv6Frames.inet6("ff02::1"), h.getDstAddr());
        } finally {
            b.release();
        }
    }

    @Test
    void addressClasses() {
        assertTrue(Ipv6Packet.isUnspecified(hi("::"), lo("::")));
        assertFalse(Ipv6Packet.isUnspecified(hi("::1"), lo("::1")));
        assertTrue(Ipv6Packet.isLoopback(hi("::1"), lo("::1")));
        assertFalse(Ipv6Packet.isLoopback(hi("fd00::1"), lo("fd00::1")));
        assertTrue(Ipv6Packet.isMulticast(hi("ff02::1")));
        assertTrue(Ipv6Packet.isMulticast(hi("ff0e::101")));
        assertFalse(Ipv6Packet.isMulticast(hi("fe80::1")));
        assertTrue(Ipv6Packet.isLinkLocal(hi("fe80::1")));
        assertTrue(Ipv6Packet.isLinkLocal(hi("febf:ffff::1")), "fe80::/10 reaches febf");
        assertFalse(Ipv6Packet.isLinkLocal(hi("fec0::1")));
        assertFalse(Ipv6Packet.isLinkLocal(hi("fd00::2")));
        assertTrue(Ipv6Packet.isIpv4Mapped(hi("::ffff:192.0.2.1"), lo("::ffff:192.0.2.1")));
        assertEquals(0xc000_0201, Ipv6Packet.ipv4OfMapped(lo("::ffff:192.0.2.1")));
        assertFalse(Ipv6Packet.isIpv4Mapped(hi("::192.0.2.1"), lo("::192.0.2.1")));
        assertFalse(Ipv6Packet.isIpv4Mapped(hi("64:ff9b::c000:201"), lo("64:ff9b::c000:201")));
        assertTrue(Ipv6Packet.isUnicastSource(hi("fe80::1"), lo("fe80::1")));
        assertTrue(Ipv6Packet.isUnicastSource(hi("2001:db8::1"), lo("2001:db8::1")));
        for (String bad : new String[] {"::", "::1", "ff02::1", "::ffff:10.0.2.2"}) {
            assertFalse(Ipv6Packet.isUnicastSource(hi(bad), lo(bad)), bad);
        }
        assertEquals(lo("ff02::1:ff45:6789"), Ipv6Packet.solicitedNodeLo(lo("fd00::1:2345:6789")));
        assertEquals(hi("ff02::1:ff45:6789"), Ipv6Packet.SOLICITED_NODE_HI);
        assertTrue(Ipv6Packet.isSolicitedNode(hi("ff02::1:ff00:2"), lo("ff02::1:ff00:2")));
        assertFalse(Ipv6Packet.isSolicitedNode(hi("ff02::1"), lo("ff02::1")));
        assertFalse(Ipv6Packet.isSolicitedNode(hi("ff02::2:ff00:2"), lo("ff02::2:ff00:2")));
        assertEquals(0x3333_0000_0001L, Ipv6Packet.multicastMac(lo("ff02::1")));
        assertEquals(0x3333_ff00_0002L, Ipv6Packet.multicastMac(lo("ff02::1:ff00:2")));
        assertEquals(hi("ff02::1"), Ipv6Packet.ALL_NODES_HI);
        assertEquals(lo("ff02::1"), Ipv6Packet.ALL_NODES_LO);
    }

    @Test
    void randomInputNeverThrows() {
        Random r = new Random(6);
        Ipv6Packet ip = new Ipv6Packet();
        Ipv6ExtensionHeaders chain = new Ipv6ExtensionHeaders();
        Icmpv6Packet icmp = new Icmpv6Packet();
        byte[] bytes = new byte[200];
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(bytes.length);
        try {
            int walked = 0;
            for (int i = 0; i < 20_000; i++) {
                r.nextBytes(bytes);
                bytes[0] = (byte) (0x60 | (bytes[0] & 0x0f));
                int len = r.nextInt(bytes.length + 1);
                // Plausible payload lengths and next headers so that the walker sees real chains.
                int payload = Math.max(0, len - 40 - r.nextInt(3));
                bytes[4] = (byte) (payload >>> 8);
                bytes[5] = (byte) payload;
                int[] next = {0, 43, 44, 60, 58, 17};
                bytes[6] = (byte) next[r.nextInt(next.length)];
                for (int at = 40; at + 8 < bytes.length; at += 8) {
                    if (r.nextBoolean()) {
                        bytes[at] = (byte) next[r.nextInt(next.length)];
                        bytes[at + 1] = (byte) r.nextInt(3);
                    }
                }
                b.clear().writeBytes(bytes);
                if (ip.wrap(b, 0, len) && chain.walk(ip)) {
                    walked++;
                    assertTrue(chain.upperOffset() <= ip.end());
                    if (!chain.isFragment() && chain.upperProtocol() == Ipv6Packet.NEXT_ICMPV6) {
                        icmp.wrapChecksumTrusted(b, chain.upperOffset(), chain.upperLength(), ip.hopLimit());
                    }
                }
            }
            assertTrue(walked > 100, "the generator reached the walker " + walked + " times");
        } finally {
            b.release();
        }
    }

    private static byte[] withZeroChecksum(byte[] udp) {
        byte[] c = udp.clone();
        c[6] = 0;
        c[7] = 0;
        return c;
    }

    private static EthernetPacket parse(byte[] frame) {
        try {
            return EthernetPacket.newPacket(frame, 0, frame.length);
        } catch (org.pcap4j.packet.IllegalRawDataException e) {
            throw new AssertionError(e);
        }
    }
}
