package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class ChecksumTest {
    /** RFC 1071 section 3's worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d. */
    @Test
    void rfc1071Example() {
        ByteBuf b = Frames.buf(new byte[] {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7});
        try {
            assertEquals(0xddf2, Checksum.fold(Checksum.add(0, b, 0, 8)));
            assertEquals(0x220d, Checksum.compute(b, 0, 8));
        } finally {
            b.release();
        }
    }

    @Test
    void matchesTextbookForEveryLengthAndOffset() {
        Random r = new Random(1071);
        byte[] data = new byte[300];
        r.nextBytes(data);
        ByteBuf b = Frames.buf(data);
        try {
            for (int off = 0; off < 4; off++) {
                for (int len = 0; len < 290; len++) {
                    assertEquals(Frames.checksum(data, off, len), Checksum.compute(b, off, len), off + "/" + len);
                }
            }
        } finally {
            b.release();
        }
    }

    @Test
    void largestDatagramDoesNotLoseCarries() {
        byte[] data = new byte[65535];
        java.util.Arrays.fill(data, (byte) 0xff);
        ByteBuf b = Frames.buf(data);
        try {
            assertEquals(Frames.checksum(data, 0, data.length), Checksum.compute(b, 0, data.length));
        } finally {
            b.release();
        }
    }

    @Test
    void verifyAcceptsStoredChecksum() {
        byte[] ip = Frames.ipv4(0x0a000264, 0x0a000202, 1, 7, 0, 64, new byte[0]);
        ByteBuf b = Frames.buf(ip);
        try {
            assertTrue(Checksum.verify(b, 0, 20));
            b.setByte(8, 63);
            assertEquals(false, Checksum.verify(b, 0, 20));
        } finally {
            b.release();
        }
    }

    @Test
    void incrementalUpdateEqualsRecompute() {
        Random r = new Random(1624);
        for (int i = 0; i < 2000; i++) {
            byte[] data = new byte[2 + 2 * r.nextInt(40)];
            r.nextBytes(data);
            int word = r.nextInt(data.length / 2) * 2;
            int old = Frames.u16(data, word);
            int before = Frames.checksum(data, 0, data.length);
            int updated = r.nextInt(0x10000);
            data[word] = (byte) (updated >>> 8);
            data[word + 1] = (byte) updated;
            int after = Frames.checksum(data, 0, data.length);
            // One's complement has two zeros; either is a valid checksum of the same data (RFC 1624 sec. 3).
            int adjusted = Checksum.adjust(before, old, updated);
            assertTrue(adjusted == after || (adjusted ^ after) == 0xffff && (after == 0 || after == 0xffff),
                    Integer.toHexString(adjusted) + " vs " + Integer.toHexString(after));
        }
    }

    @Test
    void incremental32AndPseudoHeader() {
        byte[] pseudo = new byte[12];
        java.nio.ByteBuffer.wrap(pseudo).putInt(0x0a000264).putInt(0x0a000202).put((byte) 0).put((byte) 17).putShort((short) 8);
        ByteBuf b = Frames.buf(pseudo);
        try {
            assertEquals(Checksum.fold(Checksum.add(0, b, 0, 12)),
                    Checksum.fold(Checksum.pseudoHeaderSum(0x0a000264, 0x0a000202, 17, 8)));
        } finally {
            b.release();
        }
        byte[] data = new byte[8];
        java.nio.ByteBuffer.wrap(data).putInt(0x0a000264).putInt(0x12345678);
        int before = Frames.checksum(data, 0, 8);
        java.nio.ByteBuffer.wrap(data).putInt(0, 0xc0000201);
        assertEquals(Frames.checksum(data, 0, 8), Checksum.adjust32(before, 0x0a000264, 0xc0000201));
    }

    @Test
    void addressSumOfNeutralAddressesIsIpv4sForIpv4AndTheWordsForIpv6() {
        assertEquals(Checksum.addressSum(0x0a000264, 0x0a000202),
                Checksum.addressSum(0, IpAddress.v4Lo(0x0a000264), 0, IpAddress.v4Lo(0x0a000202)));
        // RFC 8200 8.1: source, destination, 32-bit length, three zero bytes, next header.
        byte[] pseudo = new byte[40];
        java.nio.ByteBuffer.wrap(pseudo).putLong(0x2001_0db8_0000_0001L).putLong(0xffff_0000_0000_0064L)
                .putLong(0xfe80_0000_0000_0000L).putLong(0x0000_0000_0000_0002L).putInt(70_000).putInt(17);
        ByteBuf b = Frames.buf(pseudo);
        try {
            long addresses = Checksum.addressSum(0x2001_0db8_0000_0001L, 0xffff_0000_0000_0064L,
                    0xfe80_0000_0000_0000L, 0x0000_0000_0000_0002L);
            assertEquals(Checksum.fold(Checksum.add(0, b, 0, 40)),
                    Checksum.fold(Checksum.pseudoHeaderSum(addresses, 17, 70_000)));
        } finally {
            b.release();
        }
    }
}
