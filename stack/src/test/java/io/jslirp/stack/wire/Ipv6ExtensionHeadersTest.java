package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6ExtFragmentPacket;

import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class Ipv6ExtensionHeadersTest {
    private static final String SRC = "fd00::100";
    private static final String DST = "fd00::2";
    private static final byte[] UDP = Ipv6Frames.udp(SRC, DST, 1234, 5678, new byte[] {1, 2, 3});

    /** An 8-octet options header (hop-by-hop or destination) holding one PadN of four. */
    private static byte[] padOptions(int next) {
        return hex(String.format("%02x00 0104 0000 0000", next));
    }

    private static byte[] routing(int next, int type, int segmentsLeft) {
        return hex(String.format("%02x00 %02x%02x 0000 0000", next, type, segmentsLeft));
    }

    private static byte[] fragment(int next, int offsetBytes, boolean more, int id) {
        return hex(String.format("%02x00 %04x %08x", next, offsetBytes | (more ? 1 : 0), id));
    }

    private final Ipv6Packet ip = new Ipv6Packet();
    private final Ipv6ExtensionHeaders chain = new Ipv6ExtensionHeaders();

    /** Wraps and walks; returns the walk's result. */
    private boolean walk(byte[] packet) {
        ByteBuf b = Frames.buf(packet);
        try {
            assertTrue(ip.wrap(b, 0, packet.length), "ip error " + ip.error());
            return chain.walk(ip);
        } finally {
            b.release();
        }
    }

    @Test
    void noExtensionHeaders() {
        assertTrue(walk(Ipv6Frames.ipv6(17, 64, SRC, DST, UDP)));
        assertEquals(17, chain.upperProtocol());
        assertEquals(40, chain.upperOffset());
        assertEquals(UDP.length, chain.upperLength());
        assertEquals(6, chain.nextHeaderPointer());
        assertEquals(0, chain.headerCount());
        assertFalse(chain.isFragment());
        assertEquals(-1, chain.fragmentHeaderOffset());
    }

    @Test
    void walksHopByHopDestinationOptionsAndAFinishedRoutingHeader() {
        byte[] packet = Ipv6Frames.ipv6(0, 64, SRC, DST,
                concat(padOptions(60), hex("2b01 0103 0000 0000 0000 0000 0000 0000"), routing(17, 4, 0), UDP));
        assertTrue(walk(packet), "error " + chain.error());
        assertEquals(3, chain.headerCount());
        assertEquals(17, chain.upperProtocol());
        assertEquals(40 + 8 + 16 + 8, chain.upperOffset());
        assertEquals(UDP.length, chain.upperLength());
        assertEquals(40 + 8 + 16, chain.nextHeaderPointer(), "the routing header names UDP");
    }

    @Test
    void hopByHopOnlyFirst() {
        byte[] packet = Ipv6Frames.ipv6(60, 64, SRC, DST, concat(padOptions(0), padOptions(17), UDP));
        assertFalse(walk(packet));
        assertEquals(Ipv6ExtensionHeaders.ERR_HOP_BY_HOP_POSITION, chain.error());
        assertEquals(Ipv6ExtensionHeaders.CODE_UNRECOGNIZED_NEXT_HEADER, chain.errorIcmpCode());
        assertEquals(40, chain.errorPointer(), "the destination options' Next Header field named it");
    }

    @Test
    void routingHeaderWithSegmentsLeftIsRefused() {
        assertFalse(walk(Ipv6Frames.ipv6(43, 64, SRC, DST, concat(routing(17, 0, 1), UDP))));
        assertEquals(Ipv6ExtensionHeaders.ERR_ROUTING, chain.error());
        assertEquals(Ipv6ExtensionHeaders.CODE_ERRONEOUS_FIELD, chain.errorIcmpCode());
        assertEquals(42, chain.errorPointer(), "RFC 8200 4.4 points at the Routing Type");
    }

    @Test
    void chainLengthIsBounded() {
        byte[] eight = new byte[0];
        for (int i = 0; i < Ipv6ExtensionHeaders.MAX_HEADERS; i++) {
            eight = concat(eight, padOptions(i == Ipv6ExtensionHeaders.MAX_HEADERS - 1 ? 17 : 60));
        }
        assertTrue(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(eight, UDP))));
        assertEquals(Ipv6ExtensionHeaders.MAX_HEADERS, chain.headerCount());

        byte[] nine = new byte[0];
        for (int i = 0; i <= Ipv6ExtensionHeaders.MAX_HEADERS; i++) {
            nine = concat(nine, padOptions(i == Ipv6ExtensionHeaders.MAX_HEADERS ? 17 : 60));
        }
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(nine, UDP))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TOO_MANY, chain.error());
        assertEquals(Ipv6ExtensionHeaders.CODE_TOO_MANY_HEADERS, chain.errorIcmpCode());
        assertEquals(40 + 8 * Ipv6ExtensionHeaders.MAX_HEADERS, chain.errorPointer());

        // Nine fragment-free headers ending in a fragment header: the fragment header is the ninth.
        byte[] withFragment = concat(eight, new byte[0]);
        withFragment[8 * 7] = 44;
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(withFragment, fragment(17, 0, false, 1), UDP))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TOO_MANY, chain.error());
    }

    @Test
    void truncatedHeadersAndOptions() {
        // Header shorter than 8 octets.
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, hex("1100 0104"))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TRUNCATED, chain.error());
        assertEquals(-1, chain.errorIcmpCode());
        // Hdr Ext Len 1 (16 octets) with 8 present.
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, hex("1101 0104 0000 0000"))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TRUNCATED, chain.error());
        // PadN claiming 10 octets inside an 8-octet header.
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(hex("1100 010a 0000 0000"), UDP))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TRUNCATED, chain.error());
        // An option type in the last octet, with no room for its length.
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(hex("1100 0103 0000 0001"), UDP))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TRUNCATED, chain.error());
        // Fragment header cut short.
        assertFalse(walk(Ipv6Frames.ipv6(44, 64, SRC, DST, hex("1100 0001 0000"))));
        assertEquals(Ipv6ExtensionHeaders.ERR_TRUNCATED, chain.error());
        // Pad1 options are single octets and fill a header legally.
        assertTrue(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(hex("1100 0000 0000 0000"), UDP))));
    }

    @Test
    void unrecognisedOptionsFollowTheirActionBits() {
        byte[] skip = hex("1100 3e00 0100 0000");
        assertTrue(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(skip, UDP))), "00: skipped");

        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(hex("1100 7e00 0100 0000"), UDP))));
        assertEquals(Ipv6ExtensionHeaders.ERR_OPTION, chain.error());
        assertEquals(-1, chain.errorIcmpCode(), "01: silent");

        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(hex("1100 0100 be00 0000"), UDP))));
        assertEquals(Ipv6ExtensionHeaders.CODE_UNRECOGNIZED_OPTION, chain.errorIcmpCode(), "10: always ICMP");
        assertEquals(44, chain.errorPointer(), "points at the option type");
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, "ff02::1", concat(hex("1100 be00 0100 0000"), UDP))));
        assertEquals(Ipv6ExtensionHeaders.CODE_UNRECOGNIZED_OPTION, chain.errorIcmpCode());

        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(hex("1100 fe00 0100 0000"), UDP))));
        assertEquals(Ipv6ExtensionHeaders.CODE_UNRECOGNIZED_OPTION, chain.errorIcmpCode(), "11: ICMP to unicast");
        assertEquals(42, chain.errorPointer());
        assertFalse(walk(Ipv6Frames.ipv6(60, 64, SRC, "ff02::1", concat(hex("1100 fe00 0100 0000"), UDP))));
        assertEquals(-1, chain.errorIcmpCode(), "11: silent to multicast");
    }

    @Test
    void firstAndLaterFragmentsStopAtTheFragmentHeader() {
        byte[] first = Ipv6Frames.ipv6(60, 64, SRC, DST, concat(padOptions(44), fragment(17, 0, true, 0xdeadbeef),
                new byte[16]));
        assertTrue(walk(first));
        assertTrue(chain.isFragment());
        assertFalse(chain.atomicFragment());
        assertEquals(0, chain.fragmentOffsetBytes());
        assertTrue(chain.moreFragments());
        assertEquals(0xdeadbeef, chain.fragmentIdentification());
        assertEquals(48, chain.fragmentHeaderOffset());
        assertEquals(48, chain.unfragmentableEnd());
        assertEquals(40, chain.fragmentNextHeaderField(), "the destination options named the fragment header");
        assertEquals(17, chain.upperProtocol());
        assertEquals(56, chain.upperOffset());
        assertEquals(16, chain.upperLength());

        byte[] later = Ipv6Frames.ipv6(44, 64, SRC, DST, concat(fragment(17, 1448, false, 7), new byte[5]));
        assertTrue(walk(later));
        assertTrue(chain.isFragment());
        assertEquals(1448, chain.fragmentOffsetBytes());
        assertFalse(chain.moreFragments());
        assertEquals(6, chain.fragmentNextHeaderField());
        assertEquals(40, chain.unfragmentableEnd());
        assertEquals(48, chain.upperOffset());
        assertEquals(5, chain.upperLength());
    }

    @Test
    void atomicFragmentIsWalkedThrough() {
        byte[] packet = Ipv6Frames.ipv6(44, 64, SRC, DST, concat(fragment(17, 0, false, 9), UDP));
        assertTrue(walk(packet));
        assertFalse(chain.isFragment());
        assertTrue(chain.atomicFragment());
        assertEquals(17, chain.upperProtocol());
        assertEquals(48, chain.upperOffset());
        assertEquals(40, chain.fragmentHeaderOffset());
    }

    @Test
    void fragmentHeaderInAFragmentIsRefused() {
        byte[] packet = Ipv6Frames.ipv6(44, 64, SRC, DST,
                concat(fragment(44, 0, false, 9), fragment(17, 8, true, 9), new byte[8]));
        assertFalse(walk(packet));
        assertEquals(Ipv6ExtensionHeaders.ERR_SECOND_FRAGMENT, chain.error());
        assertEquals(-1, chain.errorIcmpCode());
    }

    @Test
    void unknownAndTerminalNextHeadersAreReported() {
        assertTrue(walk(Ipv6Frames.ipv6(60, 64, SRC, DST, concat(padOptions(253), new byte[4]))));
        assertEquals(253, chain.upperProtocol());
        assertEquals(40, chain.nextHeaderPointer());
        assertTrue(walk(Ipv6Frames.ipv6(59, 64, SRC, DST, new byte[0])));
        assertEquals(Ipv6Packet.NEXT_NONE, chain.upperProtocol());
        assertEquals(0, chain.upperLength());
        assertTrue(walk(Ipv6Frames.ipv6(50, 64, SRC, DST, new byte[12])));
        assertEquals(Ipv6Packet.NEXT_ESP, chain.upperProtocol());
    }

    @Test
    void jumbogramIsTruncated() {
        // Payload Length 0 with a hop-by-hop header (RFC 2675): nothing of it is inside the view.
        byte[] packet = Ipv6Frames.ipv6(0, 64, SRC, DST, concat(hex("1100 c204 0001 0000"), UDP));
        packet[4] = 0;
        packet[5] = 0;
        assertFalse(walk(packet));
        assertEquals(Ipv6ExtensionHeaders.ERR_TRUNCATED, chain.error());
    }

    @Test
    void fragmentWriterDecodedByPcap4jAndOurWalker() throws IllegalRawDataException {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(64);
        try {
            b.writeBytes(Ipv6Frames.ipv6(44, 64, SRC, DST, new byte[16]));
            Ipv6ExtensionHeaders.writeFragmentHeader(b, 40, 17, 2960, true, 0x01020304);
            assertTrue(ip.wrap(b, 0, b.readableBytes()));
            assertTrue(chain.walk(ip));
            assertEquals(2960, chain.fragmentOffsetBytes());
            assertTrue(chain.moreFragments());
            assertEquals(0x01020304, chain.fragmentIdentification());
            byte[] packet = new byte[b.readableBytes()];
            b.getBytes(0, packet);
            byte[] frame = Ipv6Frames.ethernet(1, 2, packet);
            IpV6ExtFragmentPacket.IpV6ExtFragmentHeader h = EthernetPacket.newPacket(frame, 0, frame.length)
                    .get(IpV6ExtFragmentPacket.class).getHeader();
            assertEquals(17, h.getNextHeader().value() & 0xff);
            assertEquals(2960 / 8, h.getFragmentOffset());
            assertTrue(h.getM());
            assertEquals(0x01020304, h.getIdentification());
        } finally {
            b.release();
        }
    }
}
