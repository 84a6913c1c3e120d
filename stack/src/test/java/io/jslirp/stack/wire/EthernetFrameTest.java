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
class EthernetFrameTest {
    /** dst 52:55:0a:00:02:02, src 02:42:ac:11:00:02, type 0x0806, 2 payload bytes. */
    private static final byte[] FIXTURE = {
            0x52, 0x55, 0x0a, 0x00, 0x02, 0x02,
            0x02, 0x42, (byte) 0xac, 0x11, 0x00, 0x02,
            0x08, 0x06, (byte) 0xaa, (byte) 0xbb};

    @Test
    void parses() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            EthernetFrame eth = new EthernetFrame();
            assertTrue(eth.wrap(b, 0, b.readableBytes()));
            assertEquals(0x5255_0a00_0202L, eth.destination());
            assertEquals(0x0242_ac11_0002L, eth.source());
            assertEquals(EthernetFrame.TYPE_ARP, eth.etherType());
            assertEquals(14, eth.payloadOffset());
            assertEquals(2, eth.payloadLength());
        } finally {
            b.release();
        }
    }

    @Test
    void parsesAtNonZeroOffset() {
        byte[] shifted = new byte[FIXTURE.length + 5];
        System.arraycopy(FIXTURE, 0, shifted, 5, FIXTURE.length);
        ByteBuf b = Frames.buf(shifted);
        try {
            EthernetFrame eth = new EthernetFrame();
            assertTrue(eth.wrap(b, 5, FIXTURE.length));
            assertEquals(0x0242_ac11_0002L, eth.source());
            assertEquals(19, eth.payloadOffset());
        } finally {
            b.release();
        }
    }

    @Test
    void builds() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(16);
        try {
            EthernetFrame.writeHeader(b, 0, 0x5255_0a00_0202L, 0x0242_ac11_0002L, 0x0806);
            b.setByte(14, 0xaa).setByte(15, 0xbb).writerIndex(16);
            byte[] out = new byte[16];
            b.getBytes(0, out);
            assertArrayEquals(FIXTURE, out);
            assertEquals(0, b.readerIndex());
        } finally {
            b.release();
        }
    }

    @Test
    void truncatedAtEveryLength() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            EthernetFrame eth = new EthernetFrame();
            for (int len = 0; len < 14; len++) {
                assertFalse(eth.wrap(b, 0, len), "length " + len);
            }
            assertTrue(eth.wrap(b, 0, 14));
            assertFalse(eth.wrap(b, 0, FIXTURE.length + 1), "longer than the buffer");
            assertFalse(eth.wrap(b, -1, 14));
            assertFalse(eth.wrap(b, 10, 14));
        } finally {
            b.release();
        }
    }

    @Test
    void unknownEtherTypeIsStillAFrame() {
        byte[] f = Frames.ethernet(1, 2, 0x88b5, new byte[0]);
        ByteBuf b = Frames.buf(f);
        try {
            EthernetFrame eth = new EthernetFrame();
            assertTrue(eth.wrap(b, 0, f.length));
            assertEquals(0x88b5, eth.etherType());
        } finally {
            b.release();
        }
    }

    @Test
    void groupBit() {
        assertTrue(EthernetFrame.isGroup(0xffff_ffff_ffffL));
        assertTrue(EthernetFrame.isGroup(0x0100_5e00_0001L));
        assertFalse(EthernetFrame.isGroup(0x5255_0a00_0202L));
    }
}
