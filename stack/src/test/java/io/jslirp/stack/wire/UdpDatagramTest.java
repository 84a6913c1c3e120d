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
class UdpDatagramTest {
    static final int SRC = 0x0a000264;
    static final int DST = 0xc000020a;
    /** 10.0.2.100:40000 -> 192.0.2.10:53, payload "abc", checksum computed by hand below. */
    static final byte[] FIXTURE = Frames.udp(SRC, DST, 40000, 53, new byte[] {'a', 'b', 'c'});

    private final UdpDatagram udp = new UdpDatagram();

    @Test
    void parsesTheFixture() {
        ByteBuf b = Frames.buf(FIXTURE);
        try {
            assertTrue(udp.wrap(b, 0, FIXTURE.length, Checksum.addressSum(SRC, DST), true));
            assertEquals(40000, udp.sourcePort());
            assertEquals(53, udp.destinationPort());
            assertEquals(11, udp.length());
            assertEquals(8, udp.payloadOffset());
            assertEquals(3, udp.payloadLength());
            assertEquals(Frames.u16(FIXTURE, 6), udp.checksum());
            // The wrong pseudo-header fails; unverified, it passes.
            assertFalse(udp.wrap(b, 0, FIXTURE.length, Checksum.addressSum(SRC, DST + 1), true));
            assertEquals(UdpDatagram.ERR_CHECKSUM, udp.error());
            assertTrue(udp.wrap(b, 0, FIXTURE.length, Checksum.addressSum(SRC, DST + 1), false));
        } finally {
            b.release();
        }
    }

    @Test
    void lengthAgainstThePayload() {
        byte[] padded = new byte[FIXTURE.length + 5];
        System.arraycopy(FIXTURE, 0, padded, 0, FIXTURE.length);
        ByteBuf b = Frames.buf(padded);
        try {
            assertTrue(udp.wrap(b, 0, padded.length, Checksum.addressSum(SRC, DST), true), "trailing bytes beyond Length are padding");
            assertEquals(3, udp.payloadLength());
            assertFalse(udp.wrap(b, 0, FIXTURE.length - 1, Checksum.addressSum(SRC, DST), true));
            assertEquals(UdpDatagram.ERR_LENGTH, udp.error());
            assertFalse(udp.wrap(b, 0, 7, Checksum.addressSum(SRC, DST), true));
            assertEquals(UdpDatagram.ERR_TRUNCATED, udp.error());
            b.setShort(4, 7);
            assertFalse(udp.wrap(b, 0, padded.length, Checksum.addressSum(SRC, DST), true));
            assertEquals(UdpDatagram.ERR_LENGTH, udp.error());
        } finally {
            b.release();
        }
    }

    @Test
    void zeroChecksumIsNone() {
        byte[] none = FIXTURE.clone();
        none[6] = 0;
        none[7] = 0;
        ByteBuf b = Frames.buf(none);
        try {
            assertTrue(udp.wrap(b, 0, none.length, Checksum.addressSum(SRC, DST), true));
        } finally {
            b.release();
        }
    }

    @Test
    void writerMatchesTheIndependentBuilder() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(11);
        try {
            UdpDatagram.writeHeader(b, 0, 40000, 53, 11);
            b.setBytes(8, new byte[] {'a', 'b', 'c'});
            UdpDatagram.writeChecksum(b, 0, 11, Checksum.addressSum(SRC, DST));
            byte[] out = new byte[11];
            b.getBytes(0, out);
            assertArrayEquals(FIXTURE, out);
        } finally {
            b.release();
        }
    }

    @Test
    void aComputedZeroIsSentAsAllOnes() {
        // Find a payload word that makes the sum come out 0, then check the writer says 0xffff.
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(10);
        try {
            UdpDatagram.writeHeader(b, 0, 1, 2, 10);
            b.setShort(8, 0);
            UdpDatagram.writeChecksum(b, 0, 10, Checksum.addressSum(SRC, DST));
            int c = b.getUnsignedShort(6);
            // Adding the checksum value as payload makes the new sum's complement 0.
            b.setShort(8, c);
            UdpDatagram.writeChecksum(b, 0, 10, Checksum.addressSum(SRC, DST));
            assertEquals(0xffff, b.getUnsignedShort(6));
            assertTrue(udp.wrap(b, 0, 10, Checksum.addressSum(SRC, DST), true));
        } finally {
            b.release();
        }
    }
}
