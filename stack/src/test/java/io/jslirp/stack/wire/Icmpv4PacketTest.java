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
class Icmpv4PacketTest {
    /** Echo request id 0x0102 seq 0x0003 data "abcd": 0800+0102+0003+6162+6364 = 0xcdcb -> ~ = 0x3234. */
    private static final byte[] FIXTURE = {
            0x08, 0x00, 0x32, 0x34, 0x01, 0x02, 0x00, 0x03, 'a', 'b', 'c', 'd'};

    @Test
    void parses() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            Icmpv4Packet icmp = new Icmpv4Packet();
            assertTrue(icmp.wrap(b, 0, FIXTURE.length), "error " + icmp.error());
            assertEquals(Icmpv4Packet.TYPE_ECHO_REQUEST, icmp.type());
            assertEquals(0, icmp.code());
            assertEquals(0x3234, icmp.checksum());
            assertEquals(0x0102, icmp.identifier());
            assertEquals(3, icmp.sequence());
            assertEquals(8, icmp.dataOffset());
            assertEquals(4, icmp.dataLength());
        } finally {
            b.release();
        }
    }

    @Test
    void builds() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(12);
        try {
            Icmpv4Packet.writeEchoHeader(b, 0, 8, 0x0102, 3, 0);
            b.setBytes(8, new byte[] {'a', 'b', 'c', 'd'});
            Icmpv4Packet.writeChecksum(b, 0, 12);
            byte[] out = new byte[12];
            b.getBytes(0, out);
            assertArrayEquals(FIXTURE, out);
            assertArrayEquals(Frames.icmpEcho(8, 0x0102, 3, new byte[] {'a', 'b', 'c', 'd'}), out);
        } finally {
            b.release();
        }
    }

    @Test
    void truncatedAtEveryLength() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            Icmpv4Packet icmp = new Icmpv4Packet();
            for (int len = 0; len < 8; len++) {
                assertFalse(icmp.wrap(b, 0, len), "length " + len);
                assertEquals(Icmpv4Packet.ERR_TRUNCATED, icmp.error());
            }
            for (int len = 8; len < FIXTURE.length; len++) {
                // The checksum covers the whole message, so a cut-short message fails it.
                assertFalse(icmp.wrap(b, 0, len), "length " + len);
                assertEquals(Icmpv4Packet.ERR_CHECKSUM, icmp.error());
            }
        } finally {
            b.release();
        }
    }

    @Test
    void badChecksumOverData() {
        byte[] bad = FIXTURE.clone();
        bad[11] ^= 0x40;
        ByteBuf b = Frames.buf(bad);
        try {
            Icmpv4Packet icmp = new Icmpv4Packet();
            assertFalse(icmp.wrap(b, 0, bad.length));
            assertEquals(Icmpv4Packet.ERR_CHECKSUM, icmp.error());
        } finally {
            b.release();
        }
    }
}
