package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(LeakCheckExtension.class)
class VirtioNetHeaderTest {
    /** What a Linux guest's TSO segment carries: NEEDS_CSUM, TCPV4, hdr_len 66, gso_size 1448, 34, 16. */
    static final byte[] GUEST_TSO = {0x01, 0x01, 66, 0, (byte) 0xa8, 0x05, 34, 0, 16, 0};

    @Test
    void parsesLittleEndianFields() {
        ByteBuf b = Unpooled.wrappedBuffer(GUEST_TSO);
        VirtioNetHeader h = new VirtioNetHeader();
        assertTrue(h.wrap(b, 0, b.readableBytes()));
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, h.flags());
        assertEquals(VirtioNetHeader.GSO_TCPV4, h.gsoType());
        assertEquals(66, h.hdrLen());
        assertEquals(1448, h.gsoSize());
        assertEquals(34, h.csumStart());
        assertEquals(16, h.csumOffset());
        assertTrue(h.checksumTrusted());
        b.release();
    }

    @Test
    void zeroHeaderTrustsNothingAndTruncatedIsRefused() {
        VirtioNetHeader h = new VirtioNetHeader();
        ByteBuf zero = Unpooled.wrappedBuffer(new byte[10]);
        assertTrue(h.wrap(zero, 0, 10));
        assertFalse(h.checksumTrusted());
        assertEquals(VirtioNetHeader.GSO_NONE, h.gsoType());
        assertFalse(h.wrap(zero, 0, 9));
        assertFalse(h.wrap(zero, 1, 10));
        ByteBuf valid = Unpooled.wrappedBuffer(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertTrue(h.wrap(valid, 0, 10));
        assertTrue(h.checksumTrusted(), "DATA_VALID");
        zero.release();
        valid.release();
    }

    @Test
    void writesTheSameBytesItParses() {
        ByteBuf b = Unpooled.buffer(12);
        b.setByte(10, 0x5a);
        VirtioNetHeader.write(b, 0, 1, 1, 66, 1448, 34, 16);
        assertArrayEquals(GUEST_TSO, ByteBufUtil.getBytes(b, 0, 10));
        VirtioNetHeader.writeNone(b, 0);
        assertArrayEquals(new byte[10], ByteBufUtil.getBytes(b, 0, 10));
        assertEquals(0x5a, b.getByte(10), "writes exactly ten bytes");
        b.release();
    }

    @Test
    void headerForATcpFrameIsTsoOnlyAboveOneSegment() {
        byte[] opts = new byte[12];
        opts[0] = 1;
        opts[1] = 1;
        opts[2] = 8;
        opts[3] = 10;
        byte[] big = Frames.tcpFrame(Frames.GUEST_IP, 80, 40000, 1, 2, 0x18, 100, opts, new byte[3000]);
        ByteBuf frame = Unpooled.wrappedBuffer(big);
        ByteBuf h = Unpooled.buffer(10);
        VirtioNetHeader.writeForTcp(h, 0, frame, 1448);
        // NEEDS_CSUM, TCPV4, hdr_len 14+20+32 = 66, gso_size 1448, csum_start 34, csum_offset 16.
        assertArrayEquals(GUEST_TSO, ByteBufUtil.getBytes(h, 0, 10));
        frame.release();
        byte[] small = Frames.tcpFrame(Frames.GUEST_IP, 80, 40000, 1, 2, 0x18, 100, opts, new byte[1448]);
        frame = Unpooled.wrappedBuffer(small);
        VirtioNetHeader.writeForTcp(h, 0, frame, 1448);
        assertArrayEquals(new byte[] {1, 0, 66, 0, 0, 0, 34, 0, 16, 0}, ByteBufUtil.getBytes(h, 0, 10));
        frame.release();
        h.release();
    }

    @Test
    void partialChecksumIsThePseudoHeaderSumAlone() {
        byte[] f = Frames.tcpFrame(Frames.GUEST_IP, 80, 40000, 1, 2, 0x18, 100, new byte[0], new byte[100]);
        ByteBuf b = Unpooled.wrappedBuffer(f);
        int src = Frames.u32(f, 26);
        int dst = Frames.u32(f, 30);
        TcpSegment.writePartialChecksum(b, 34, 120, Checksum.addressSum(src, dst));
        long pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + 120;
        while (pseudo > 0xffff) {
            pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
        }
        assertEquals(pseudo, b.getUnsignedShort(34 + 16));
        b.release();
    }
}
