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
class ArpPacketTest {
    /** who-has 10.0.2.2 tell 10.0.2.100 from 02:42:ac:11:00:02. */
    private static final byte[] REQUEST = {
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
            0x02, 0x42, (byte) 0xac, 0x11, 0x00, 0x02, 0x0a, 0x00, 0x02, 0x64,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x02};

    @Test
    void parses() {
        ByteBuf b = Frames.buf(REQUEST);
        try {
            ArpPacket arp = new ArpPacket();
            assertTrue(arp.wrap(b, 0, 28));
            assertEquals(ArpPacket.OP_REQUEST, arp.operation());
            assertEquals(0x0242_ac11_0002L, arp.senderMac());
            assertEquals(0x0a000264, arp.senderIp());
            assertEquals(0, arp.targetMac());
            assertEquals(0x0a000202, arp.targetIp());
        } finally {
            b.release();
        }
    }

    @Test
    void builds() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(28);
        try {
            ArpPacket.write(b, 0, 1, 0x0242_ac11_0002L, 0x0a000264, 0, 0x0a000202);
            byte[] out = new byte[28];
            b.getBytes(0, out);
            assertArrayEquals(REQUEST, out);
        } finally {
            b.release();
        }
    }

    @Test
    void truncatedAtEveryLength() {
        ByteBuf b = Frames.buf(REQUEST);
        try {
            ArpPacket arp = new ArpPacket();
            for (int len = 0; len < 28; len++) {
                assertFalse(arp.wrap(b, 0, len), "length " + len);
            }
            assertFalse(arp.wrap(b, 1, 28));
        } finally {
            b.release();
        }
    }

    @Test
    void rejectsOtherHardwareOrProtocol() {
        int[][] corruptions = {{1, 6}, {2, 0x86}, {3, 0xdd}, {4, 8}, {5, 16}};
        for (int[] c : corruptions) {
            byte[] bad = REQUEST.clone();
            bad[c[0]] = (byte) c[1];
            ByteBuf b = Frames.buf(bad);
            try {
                assertFalse(new ArpPacket().wrap(b, 0, 28), "byte " + c[0]);
            } finally {
                b.release();
            }
        }
    }
}
