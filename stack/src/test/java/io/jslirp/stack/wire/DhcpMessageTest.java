package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class DhcpMessageTest {
    private static final long MAC = 0x0242_ac11_0002L;

    /**
     * Captured from BusyBox v1.35.0 udhcpc on a veth (MAC 02:42:ac:11:00:02): 300 octets, all zero between
     * the first 44 and the cookie, and zero padding after End at 279. Options: 53=1, 57=576,
     * 55=[1,3,6,12,15,28,42], 60="udhcp 1.35.0", 61=01:02:42:ac:11:00:02.
     */
    static final byte[] UDHCPC_DISCOVER = fixture(
            "01010600a276335600000000000000000000000000000000000000000242ac11000200000000000000000000",
            "638253633501013902024037070103060c0f1c2a3c0c756468637020312e33352e303d07010242ac110002ff", 300);
    /** The same udhcpc selecting 10.0.2.17 from server 10.0.2.2 (secs 2); End at 291. */
    static final byte[] UDHCPC_REQUEST = fixture(
            "01010600a276335600020000000000000000000000000000000000000242ac11000200000000000000000000",
            "6382536335010332040a00021136040a0002023902024037070103060c0f1c2a3c0c756468637020312e33352e303d"
                    + "07010242ac110002ff", 300);

    /**
     * Hand-built in ISC dhclient 4.4's layout: an INIT-REBOOT REQUEST for 10.0.2.15 (no server id), secs 3,
     * options 53, 50, 12 "guest", 55 (dhclient's default list), End, padded to 300.
     */
    static final byte[] DHCLIENT_REQUEST = dhclientRequest();

    private static byte[] fixture(String headHex, String tailHex, int total) {
        byte[] out = new byte[total];
        byte[] head = HexFormat.of().parseHex(headHex);
        byte[] tail = HexFormat.of().parseHex(tailHex);
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, 236, tail.length);
        return out;
    }

    private static byte[] dhclientRequest() {
        ByteBuffer b = ByteBuffer.allocate(300);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0);
        b.putInt(0x3903f326);
        b.putShort((short) 3).putShort((short) 0);
        b.putInt(0).putInt(0).putInt(0).putInt(0);
        b.put(new byte[] {0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
        b.position(236);
        b.putInt(0x63825363);
        b.put(new byte[] {53, 1, 3});
        b.put(new byte[] {50, 4, 10, 0, 2, 15});
        b.put(new byte[] {12, 5}).put("guest".getBytes(StandardCharsets.US_ASCII));
        b.put(new byte[] {55, 13, 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42});
        b.put((byte) 255);
        return b.array();
    }

    @Test
    void parsesUdhcpcDiscover() {
        ByteBuf b = Frames.buf(UDHCPC_DISCOVER);
        try {
            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 0, 300));
            assertEquals(DhcpMessage.OP_BOOTREQUEST, m.op());
            assertEquals(1, m.htype());
            assertEquals(6, m.hlen());
            assertEquals(0, m.hops());
            assertEquals(0xa2763356, m.xid());
            assertEquals(0, m.secs());
            assertEquals(0, m.flags());
            assertFalse(m.broadcastFlag());
            assertEquals(0, m.ciaddr());
            assertEquals(0, m.yiaddr());
            assertEquals(0, m.siaddr());
            assertEquals(0, m.giaddr());
            assertEquals(MAC, m.chaddr());
            assertEquals(DhcpMessage.DISCOVER, m.messageType());
            assertFalse(m.hasRequestedIp());
            assertEquals(0, m.requestedIp());
            assertFalse(m.hasServerId());
            assertEquals(576, m.maxMessageSize());
            assertEquals(7, m.parameterListLength());
            byte[] params = new byte[7];
            b.getBytes(m.parameterListIndex(), params);
            assertArrayEquals(new byte[] {1, 3, 6, 12, 15, 28, 42}, params);
            assertTrue(m.requestsParameter(DhcpMessage.OPT_BROADCAST));
            assertFalse(m.requestsParameter(DhcpMessage.OPT_MTU));
            assertEquals(7, m.clientIdLength());
            assertEquals(1, b.getUnsignedByte(m.clientIdIndex()));
            assertEquals(MAC, EthernetFrame.readMac(b, m.clientIdIndex() + 1));
            assertEquals(-1, m.hostnameIndex());
            assertEquals(279, m.endIndex());
        } finally {
            b.release();
        }
    }

    @Test
    void parsesUdhcpcRequest() {
        ByteBuf b = Frames.buf(UDHCPC_REQUEST);
        try {
            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 0, 300));
            assertEquals(DhcpMessage.REQUEST, m.messageType());
            assertEquals(2, m.secs());
            assertTrue(m.hasRequestedIp());
            assertEquals(0x0a000211, m.requestedIp());
            assertTrue(m.hasServerId());
            assertEquals(0x0a000202, m.serverId());
            assertEquals(0, m.ciaddr());
            assertEquals(291, m.endIndex());
        } finally {
            b.release();
        }
    }

    @Test
    void parsesDhclientRequest() {
        ByteBuf b = Frames.buf(DHCLIENT_REQUEST);
        try {
            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 0, 300));
            assertEquals(DhcpMessage.REQUEST, m.messageType());
            assertEquals(0x3903f326, m.xid());
            assertEquals(3, m.secs());
            assertEquals(0x5254_0012_3456L, m.chaddr());
            assertEquals(0x0a00020f, m.requestedIp());
            assertFalse(m.hasServerId());
            assertEquals(0, m.serverId());
            assertEquals(0, m.maxMessageSize());
            assertEquals(-1, m.clientIdIndex());
            assertEquals(5, m.hostnameLength());
            assertEquals("guest", b.toString(m.hostnameIndex(), 5, StandardCharsets.US_ASCII));
            assertEquals(13, m.parameterListLength());
            assertTrue(m.requestsParameter(DhcpMessage.OPT_MTU));
        } finally {
            b.release();
        }
    }

    @Test
    void wrapsAtAnOffsetInsideALargerBuffer() {
        byte[] framed = new byte[42 + 300];
        System.arraycopy(UDHCPC_REQUEST, 0, framed, 42, 300);
        ByteBuf b = Frames.buf(framed);
        try {
            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 42, 300));
            assertEquals(0x0a000211, m.requestedIp());
            assertEquals(MAC, m.chaddr());
            assertFalse(m.wrap(b, 43, 300), "range beyond capacity");
            assertFalse(m.wrap(b, -1, 300));
        } finally {
            b.release();
        }
    }

    @Test
    void truncatedAtEveryLength() {
        ByteBuf b = Frames.buf(UDHCPC_DISCOVER);
        try {
            DhcpMessage m = new DhcpMessage();
            for (int len = 0; len <= 279; len++) {
                assertFalse(m.wrap(b, 0, len), "length " + len);
                assertEquals(len < DhcpMessage.MIN_LENGTH ? DhcpMessage.ERR_TRUNCATED : DhcpMessage.ERR_OPTIONS,
                        m.error(), "length " + len);
            }
            // End is at 279: from 280 on the rest is padding and the message is whole.
            for (int len = 280; len <= 300; len++) {
                assertTrue(m.wrap(b, 0, len), "length " + len);
                assertEquals(DhcpMessage.DISCOVER, m.messageType());
            }
        } finally {
            b.release();
        }
    }

    @Test
    void rejectsBadCookie() {
        for (int i = 236; i < 240; i++) {
            byte[] bad = UDHCPC_DISCOVER.clone();
            bad[i] ^= 0x01;
            ByteBuf b = Frames.buf(bad);
            try {
                DhcpMessage m = new DhcpMessage();
                assertFalse(m.wrap(b, 0, 300), "byte " + i);
                assertEquals(DhcpMessage.ERR_COOKIE, m.error());
            } finally {
                b.release();
            }
        }
    }

    @Test
    void rejectsNonEthernetHardware() {
        int[][] corruptions = {{1, 6}, {2, 16}, {2, 0}};
        for (int[] c : corruptions) {
            byte[] bad = UDHCPC_DISCOVER.clone();
            bad[c[0]] = (byte) c[1];
            ByteBuf b = Frames.buf(bad);
            try {
                DhcpMessage m = new DhcpMessage();
                assertFalse(m.wrap(b, 0, 300), "byte " + c[0]);
                assertEquals(DhcpMessage.ERR_HARDWARE, m.error());
            } finally {
                b.release();
            }
        }
    }

    /** Options region (after the cookie) replaced by {@code options}, zero-padded to 300. */
    private static byte[] withOptions(int... options) {
        byte[] out = new byte[300];
        System.arraycopy(UDHCPC_DISCOVER, 0, out, 0, 240);
        for (int i = 0; i < options.length; i++) {
            out[240 + i] = (byte) options[i];
        }
        return out;
    }

    private static boolean wraps(byte[] message, int length) {
        ByteBuf b = Frames.buf(message);
        try {
            return new DhcpMessage().wrap(b, 0, length);
        } finally {
            b.release();
        }
    }

    @Test
    void rejectsOptionOverruns() {
        // Option 60 claims 20 octets but the range ends after 10.
        assertFalse(wraps(withOptions(53, 1, 1, 60, 20, 'u', 'd', 'h', 'c', 'p', 'c', 'x', 'y'), 240 + 13));
        // A code with no length octet at the very end.
        assertFalse(wraps(withOptions(53, 1, 1, 60), 240 + 4));
        // Option length reaching exactly the end, End missing.
        assertFalse(wraps(withOptions(53, 1, 1, 60, 2, 'a', 'b'), 240 + 7));
        // Only pad, no End.
        assertFalse(wraps(withOptions(), 260));
        // A length octet of 255 running past the 300-octet message.
        assertFalse(wraps(withOptions(53, 1, 1, 43, 255), 300));
    }

    @Test
    void rejectsKnownOptionsWithWrongLength() {
        // The options the exchange depends on: a bad length makes the message unusable.
        assertFalse(wraps(withOptions(53, 2, 1, 0, 255), 300));
        assertFalse(wraps(withOptions(53, 1, 1, 50, 3, 10, 0, 2, 255), 300));
        assertFalse(wraps(withOptions(53, 1, 1, 54, 5, 10, 0, 2, 2, 0, 255), 300));
    }

    @Test
    void optionsTheServerDoesNotNeedAreOnlyDroppedWhenMalformed() {
        int[][] bad = {
            {53, 1, 1, 57, 1, 2, 255},   // max message size needs 2 octets
            {53, 1, 1, 61, 1, 1, 255},   // client id needs a type and at least one octet
            {53, 1, 1, 55, 0, 255},      // empty parameter request list
            {53, 1, 1, 12, 0, 255},      // empty hostname
        };
        for (int[] options : bad) {
            ByteBuf b = Frames.buf(withOptions(options));
            try {
                DhcpMessage m = new DhcpMessage();
                assertTrue(m.wrap(b, 0, 300), java.util.Arrays.toString(options));
                assertEquals(DhcpMessage.DISCOVER, m.messageType());
                assertEquals(0, m.maxMessageSize());
                assertEquals(-1, m.clientIdIndex());
                assertEquals(-1, m.parameterListIndex());
                assertEquals(-1, m.hostnameIndex());
            } finally {
                b.release();
            }
        }
    }

    @Test
    void skipsPadFirstOccurrenceWinsAndIgnoresAfterEnd() {
        byte[] msg = withOptions(0, 0, 53, 1, 3, 0, 50, 4, 10, 0, 2, 20, 50, 4, 10, 0, 2, 21, 52, 1, 3, 255,
                53, 9); // garbage after End is padding by definition
        ByteBuf b = Frames.buf(msg);
        try {
            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 0, 300));
            assertEquals(DhcpMessage.REQUEST, m.messageType());
            assertEquals(0x0a000214, m.requestedIp());
            assertEquals(240 + 21, m.endIndex());
        } finally {
            b.release();
        }
    }

    @Test
    void plainBootpHasNoMessageType() {
        ByteBuf b = Frames.buf(withOptions(255));
        try {
            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 0, 300));
            assertEquals(0, m.messageType());
        } finally {
            b.release();
        }
    }

    @Test
    void buildsAReplyByteForByte() {
        ByteBuffer e = ByteBuffer.allocate(300);
        e.put(new byte[] {2, 1, 6, 0});
        e.putInt(0xa2763356);
        e.putShort((short) 0).putShort((short) 0x8000);
        e.putInt(0).putInt(0x0a00020f).putInt(0x0a000202).putInt(0);
        e.put(new byte[] {0x02, 0x42, (byte) 0xac, 0x11, 0x00, 0x02});
        e.position(236);
        e.put(new byte[] {99, (byte) 130, 83, 99});
        e.put(new byte[] {53, 1, 2});
        e.put(new byte[] {54, 4, 10, 0, 2, 2});
        e.put(new byte[] {51, 4, 0, 1, 0x51, (byte) 0x80});
        e.put(new byte[] {26, 2, 0x05, (byte) 0xdc});
        e.put(new byte[] {56, 2, 'h', 'i'});
        e.put((byte) 255);
        byte[] expected = e.array();

        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(300);
        try {
            b.setZero(0, 300);
            b.setByte(100, 0x55); // stale bytes in sname must be cleared by writeHeader
            b.setByte(299, 0x55); // and in the padding by writeEnd
            int at = DhcpMessage.writeHeader(b, 0, DhcpMessage.OP_BOOTREPLY, 0xa2763356, DhcpMessage.FLAG_BROADCAST,
                    0, 0x0a00020f, 0x0a000202, 0, MAC);
            assertEquals(240, at);
            at = DhcpMessage.writeByteOption(b, at, DhcpMessage.OPT_MESSAGE_TYPE, DhcpMessage.OFFER);
            at = DhcpMessage.writeIntOption(b, at, DhcpMessage.OPT_SERVER_ID, 0x0a000202);
            at = DhcpMessage.writeIntOption(b, at, DhcpMessage.OPT_LEASE_TIME, 86400);
            at = DhcpMessage.writeShortOption(b, at, DhcpMessage.OPT_MTU, 1500);
            at = DhcpMessage.writeBytesOption(b, at, DhcpMessage.OPT_MESSAGE, new byte[] {'h', 'i'});
            int end = DhcpMessage.writeEnd(b, 0, at);
            assertEquals(300, end);
            byte[] out = new byte[300];
            b.getBytes(0, out);
            assertArrayEquals(expected, out);

            DhcpMessage m = new DhcpMessage();
            assertTrue(m.wrap(b, 0, end));
            assertEquals(DhcpMessage.OP_BOOTREPLY, m.op());
            assertEquals(DhcpMessage.OFFER, m.messageType());
            assertTrue(m.broadcastFlag());
            assertEquals(0x0a00020f, m.yiaddr());
            assertEquals(0x0a000202, m.serverId());
        } finally {
            b.release();
        }
    }
}
