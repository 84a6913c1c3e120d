package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(LeakCheckExtension.class)
class TcpSegmentTest {
    static final int SRC = 0x0a00_0264;
    static final int DST = 0xc000_020a;

    private static final byte[] LINUX_SYN_OPTIONS = {
        2, 4, 0x05, (byte) 0xb4, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0, 1, 3, 3, 7};

    @Test
    void parsesLinuxSynOptions() {
        byte[] seg = Frames.tcp(SRC, DST, 40000, 80, 0xfffffff0, 0, 0x02, 64240, LINUX_SYN_OPTIONS, new byte[0]);
        ByteBuf b = Frames.buf(seg);
        try {
            TcpSegment t = new TcpSegment();
            assertTrue(t.wrap(b, 0, seg.length, Checksum.addressSum(SRC, DST)));
            assertEquals(40000, t.sourcePort());
            assertEquals(80, t.destinationPort());
            assertEquals(0xfffffff0, t.seq());
            assertTrue(t.syn());
            assertFalse(t.hasAck());
            assertEquals(40, t.headerLength());
            assertEquals(1460, t.mss());
            assertEquals(7, t.windowScale());
            assertTrue(t.sackPermitted());
            assertTrue(t.hasTimestamps());
            assertEquals(100, t.tsVal());
            assertEquals(0, t.tsEcr());
            assertEquals(1, t.seqLength());
            assertEquals(0, t.payloadLength());
        } finally {
            b.release();
        }
    }

    @Test
    void parsesSackBlocksAndPayload() {
        byte[] opts = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40};
        byte[] seg = Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x11, 100, opts, new byte[] {1, 2, 3});
        ByteBuf b = Frames.buf(seg);
        try {
            TcpSegment t = new TcpSegment();
            assertTrue(t.wrap(b, 0, seg.length, Checksum.addressSum(SRC, DST)));
            assertEquals(2, t.sackCount());
            assertEquals(10, t.sackLeft(0));
            assertEquals(40, t.sackRight(1));
            assertEquals(3, t.payloadLength());
            assertEquals(4, t.seqLength(), "payload + FIN");
            assertEquals(-1, t.mss());
        } finally {
            b.release();
        }
    }

    @Test
    void rejectsBadChecksumDataOffsetTruncationAndMalformedOptions() {
        TcpSegment t = new TcpSegment();
        byte[] ok = Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x10, 100, new byte[0], new byte[] {9});
        check(t, ok, SRC, DST + 1, TcpSegment.ERR_CHECKSUM);
        byte[] shortSeg = java.util.Arrays.copyOf(ok, 19);
        check(t, shortSeg, SRC, DST, TcpSegment.ERR_TRUNCATED);
        byte[] offsetTooBig = Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x10, 100, new byte[0], new byte[0]);
        offsetTooBig[12] = (byte) 0x60;
        check(t, offsetTooBig, SRC, DST, TcpSegment.ERR_HEADER_LENGTH);
        byte[] offsetTooSmall = offsetTooBig.clone();
        offsetTooSmall[12] = (byte) 0x40;
        check(t, offsetTooSmall, SRC, DST, TcpSegment.ERR_HEADER_LENGTH);
        // Checksums below are correct, so only the options are wrong.
        check(t, Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x02, 1, new byte[] {2, 3, 5, 0}, new byte[0]), SRC, DST,
                TcpSegment.ERR_OPTIONS); // MSS with length 3
        check(t, Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x02, 1, new byte[] {8, 10, 0, 0}, new byte[0]), SRC, DST,
                TcpSegment.ERR_OPTIONS); // runs past the header
        check(t, Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x02, 1, new byte[] {1, 1, 30, 1}, new byte[0]), SRC, DST,
                TcpSegment.ERR_OPTIONS); // length below 2
        check(t, Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x02, 1, new byte[] {1, 1, 5, 6, 0, 0, 0, 0}, new byte[0]), SRC,
                DST, TcpSegment.ERR_OPTIONS); // SACK block of 4 bytes
    }

    private static void check(TcpSegment t, byte[] seg, int src, int dst, int error) {
        ByteBuf b = Frames.buf(seg);
        try {
            assertFalse(t.wrap(b, 0, seg.length, Checksum.addressSum(src, dst)));
            assertEquals(error, t.error());
        } finally {
            b.release();
        }
    }

    @Test
    void unknownOptionsAreSkippedAndBigShiftsCapped() {
        byte[] opts = {(byte) 254, 4, 0, 0, 1, 3, 3, 20};
        byte[] seg = Frames.tcp(SRC, DST, 1, 2, 5, 6, 0x02, 1, opts, new byte[0]);
        ByteBuf b = Frames.buf(seg);
        try {
            TcpSegment t = new TcpSegment();
            assertTrue(t.wrap(b, 0, seg.length, Checksum.addressSum(SRC, DST)));
            assertEquals(14, t.windowScale());
        } finally {
            b.release();
        }
    }

    @Test
    void writerProducesWhatTheIndependentBuilderDoes() {
        byte[] expected = Frames.tcp(DST, SRC, 80, 40000, 7, 9, 0x12, 65535, LINUX_SYN_OPTIONS, new byte[0]);
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(40);
        try {
            TcpSegment.writeHeader(b, 0, 80, 40000, 7, 9, 40, 0x12, 65535);
            int at = TcpSegment.writeMss(b, 20, 1460);
            at = TcpSegment.writeTimestamps(b, at, 100, 0, true);
            TcpSegment.writeWindowScale(b, at, 7);
            TcpSegment.writeChecksum(b, 0, 40, Checksum.addressSum(DST, SRC));
            b.writerIndex(40);
            byte[] got = new byte[40];
            b.getBytes(0, got);
            assertArrayEquals(expected, got, Frames.hex(got));
        } finally {
            b.release();
        }
    }
}
