package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class Ipv4PacketTest {
    /**
     * 10.0.2.100 -> 10.0.2.2, ICMP, id 0x1c46, DF, TTL 64, 4 payload bytes; checksum computed by hand:
     * 4500+0018+1c46+4000+4001+0a00+0264+0a00+0202 = 0xf9c5 (no carry) -> ~ = 0x063a.
     */
    private static final byte[] FIXTURE = {
            0x45, 0x00, 0x00, 0x18, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x01, 0x06, 0x3a,
            0x0a, 0x00, 0x02, 0x64, 0x0a, 0x00, 0x02, 0x02,
            0x01, 0x02, 0x03, 0x04};

    private static ByteBuf fixture(byte[] bytes) {
        return Frames.buf(bytes);
    }

    @Test
    void parses() {
        ByteBuf b = fixture(FIXTURE);
        try {
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(b, 0, FIXTURE.length), "error " + ip.error());
            assertEquals(20, ip.headerLength());
            assertEquals(24, ip.totalLength());
            assertEquals(0x1c46, ip.identification());
            assertEquals(Ipv4Packet.FLAG_DF, ip.flags());
            assertTrue(ip.dontFragment());
            assertFalse(ip.moreFragments());
            assertFalse(ip.isFragment());
            assertEquals(0, ip.fragmentOffset());
            assertEquals(64, ip.ttl());
            assertEquals(1, ip.protocol());
            assertEquals(0x063a, ip.headerChecksum());
            assertEquals(0x0a000264, ip.source());
            assertEquals(0x0a000202, ip.destination());
            assertEquals(20, ip.payloadOffset());
            assertEquals(4, ip.payloadLength());
        } finally {
            b.release();
        }
    }

    @Test
    void builds() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(24);
        try {
            Ipv4Packet.writeHeader(b, 0, 0, 24, 0x1c46, Ipv4Packet.FLAG_DF, 64, 1, 0x0a000264, 0x0a000202);
            b.setBytes(20, new byte[] {1, 2, 3, 4});
            byte[] out = new byte[24];
            b.getBytes(0, out);
            assertArrayEquals(FIXTURE, out);
        } finally {
            b.release();
        }
    }

    @Test
    void fragmentFields() {
        byte[] frag = Frames.ipv4(1, 2, 1, 9, Ipv4Packet.FLAG_MF | 185, 64, new byte[8]);
        ByteBuf b = fixture(frag);
        try {
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(b, 0, frag.length));
            assertTrue(ip.isFragment());
            assertTrue(ip.moreFragments());
            assertEquals(185, ip.fragmentOffset());
            assertEquals(1480, ip.fragmentOffsetBytes());
        } finally {
            b.release();
        }
    }

    @Test
    void ethernetPaddingIsTrimmed() {
        byte[] padded = Frames.pad(FIXTURE, 46);
        ByteBuf b = fixture(padded);
        try {
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(b, 0, padded.length));
            assertEquals(4, ip.payloadLength());
            assertEquals(24, ip.totalLength());
        } finally {
            b.release();
        }
    }

    @Test
    void truncatedAtEveryLength() {
        ByteBuf b = fixture(FIXTURE);
        try {
            Ipv4Packet ip = new Ipv4Packet();
            for (int len = 0; len < FIXTURE.length; len++) {
                assertFalse(ip.wrap(b, 0, len), "length " + len);
                assertEquals(Ipv4Packet.ERR_TRUNCATED, ip.error(), "length " + len);
            }
        } finally {
            b.release();
        }
    }

    private static int errorOf(byte[] bytes) {
        ByteBuf b = fixture(bytes);
        try {
            Ipv4Packet ip = new Ipv4Packet();
            assertFalse(ip.wrap(b, 0, bytes.length));
            return ip.error();
        } finally {
            b.release();
        }
    }

    /** Rewrites a header field and fixes the checksum, so only the intended error is present. */
    private static byte[] withField(int at, int value16) {
        byte[] bad = FIXTURE.clone();
        bad[at] = (byte) (value16 >>> 8);
        bad[at + 1] = (byte) value16;
        bad[10] = 0;
        bad[11] = 0;
        int ihl = Math.min((bad[0] & 0x0f) * 4, bad.length);
        int c = Frames.checksum(bad, 0, Math.max(20, ihl));
        bad[10] = (byte) (c >>> 8);
        bad[11] = (byte) c;
        return bad;
    }

    @Test
    void badFieldsAreNamed() {
        assertEquals(Ipv4Packet.ERR_VERSION, errorOf(withField(0, 0x6500)));
        assertEquals(Ipv4Packet.ERR_HEADER_LENGTH, errorOf(withField(0, 0x4400)));
        assertEquals(Ipv4Packet.ERR_TRUNCATED, errorOf(withField(0, 0x4f00)), "IHL 60 > 24 available");
        assertEquals(Ipv4Packet.ERR_TOTAL_LENGTH, errorOf(withField(2, 19)));
        assertEquals(Ipv4Packet.ERR_TRUNCATED, errorOf(withField(2, 25)));
        byte[] badSum = FIXTURE.clone();
        badSum[11] ^= 1;
        assertEquals(Ipv4Packet.ERR_CHECKSUM, errorOf(badSum));
    }

    @Test
    void optionsAreSkipped() {
        byte[] withOptions = new byte[28];
        System.arraycopy(FIXTURE, 0, withOptions, 0, 20);
        withOptions[0] = 0x46;
        withOptions[3] = 28;
        withOptions[20] = 1; // NOP
        withOptions[21] = 1;
        withOptions[22] = 1;
        withOptions[23] = 0; // EOL
        withOptions[24] = 9;
        withOptions[10] = 0;
        withOptions[11] = 0;
        int c = Frames.checksum(withOptions, 0, 24);
        withOptions[10] = (byte) (c >>> 8);
        withOptions[11] = (byte) c;
        ByteBuf b = fixture(withOptions);
        try {
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(b, 0, 28));
            assertEquals(24, ip.headerLength());
            assertEquals(24, ip.payloadOffset());
            assertEquals(4, ip.payloadLength());
        } finally {
            b.release();
        }
    }

    @Test
    void addressClasses() {
        int[] unicast = {ip("0.0.0.1"), ip("1.1.1.1"), ip("10.0.2.100"), ip("126.255.255.255"), ip("128.0.0.0"),
                ip("223.255.255.255")};
        int[] notUnicast = {0, ip("127.0.0.1"), ip("127.255.255.255"), ip("224.0.0.1"), ip("239.255.255.255"),
                ip("240.0.0.1"), ip("255.255.255.255")};
        for (int a : unicast) {
            assertTrue(Ipv4Packet.isUnicast(a), io.jslirp.stack.NetConfig.formatIpv4(a));
            assertFalse(Ipv4Packet.isLoopback(a), io.jslirp.stack.NetConfig.formatIpv4(a));
        }
        for (int a : notUnicast) {
            assertFalse(Ipv4Packet.isUnicast(a), io.jslirp.stack.NetConfig.formatIpv4(a));
        }
        assertTrue(Ipv4Packet.isLoopback(ip("127.0.0.1")));
        assertTrue(Ipv4Packet.isLoopback(ip("127.255.255.255")));
        assertFalse(Ipv4Packet.isLoopback(ip("128.0.0.1")));
    }

    private static int ip(String s) {
        return io.jslirp.stack.NetConfig.parseIpv4(s);
    }
}
