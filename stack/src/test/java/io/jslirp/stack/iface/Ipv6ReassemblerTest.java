package io.jslirp.stack.iface;

import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.Ipv6ExtensionHeaders;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.UdpPacket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class Ipv6ReassemblerTest {
    private static final String SRC = "fd00::100";
    private static final String DST = "2001:db8::1";
    private static final int MAX_BYTES = 2 * Ipv6Reassembler.MAX_PACKET;
    /** A 3000-octet UDP datagram: fragments of 1232, 1232 and 536 octets. */
    private static final byte[] UDP = Ipv6Frames.udp(SRC, DST, 4000, 5000, pattern(2992));

    private final FakeClock clock = new FakeClock();
    private Ipv6Reassembler reassembler = new Ipv6Reassembler(PooledByteBufAllocator.DEFAULT, clock, 4, 16, MAX_BYTES);
    private final Ipv6Packet ip = new Ipv6Packet();
    private final Ipv6ExtensionHeaders chain = new Ipv6ExtensionHeaders();

    @AfterEach
    void clear() {
        reassembler.clear();
        assertEquals(0, reassembler.bytesHeld());
        assertEquals(0, reassembler.inProgress());
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + i / 251);
        }
        return b;
    }

    /** One fragment: IPv6 header, {@code before} (unfragmentable headers naming 44 last), fragment header, data. */
    private static byte[] fragment(int firstNext, byte[] before, int id, byte[] whole, int from, int to, boolean more) {
        byte[] frag = hex(String.format("1100 %04x %08x", from | (more ? 1 : 0), id));
        return Ipv6Frames.ipv6(firstNext, 64, SRC, DST, concat(before, frag, Arrays.copyOfRange(whole, from, to)));
    }

    private static byte[] fragment(int id, int from, int to, boolean more) {
        return fragment(44, new byte[0], id, UDP, from, to, more);
    }

    /** Wraps, walks and offers a packet; returns the reassembled bytes (its buffer released) or null. */
    private byte[] offer(byte[] packet) {
        ByteBuf b = Frames.buf(packet);
        try {
            assertTrue(ip.wrap(b, 0, packet.length));
            assertTrue(chain.walk(ip), "walk error " + chain.error());
            ByteBuf out = reassembler.offer(ip, chain);
            if (out == null) {
                return null;
            }
            try {
                byte[] r = new byte[out.readableBytes()];
                out.getBytes(out.readerIndex(), r);
                return r;
            } finally {
                out.release();
            }
        } finally {
            b.release();
        }
    }

    @Test
    void inOrder() throws IllegalRawDataException {
        assertNull(offer(fragment(1, 0, 1232, true)));
        assertNull(offer(fragment(1, 1232, 2464, true)));
        assertEquals(1, reassembler.inProgress());
        byte[] whole = offer(fragment(1, 2464, 3000, false));
        assertArrayEquals(Ipv6Frames.ipv6(17, 64, SRC, DST, UDP), whole);
        assertEquals(1, reassembler.reassembled);
        assertEquals(3, reassembler.fragmentsIn);
        assertEquals(0, reassembler.bytesHeld());
        byte[] frame = Ipv6Frames.ethernet(1, 2, whole);
        UdpPacket udp = EthernetPacket.newPacket(frame, 0, frame.length).get(UdpPacket.class);
        assertTrue(udp.hasValidChecksum(Ipv6Frames.inet6(SRC), Ipv6Frames.inet6(DST), false));
        assertEquals(3000, udp.getHeader().getLengthAsInt());
    }

    @Test
    void outOfOrder() {
        assertNull(offer(fragment(2, 2464, 3000, false)));
        assertNull(offer(fragment(2, 0, 1232, true)));
        assertArrayEquals(Ipv6Frames.ipv6(17, 64, SRC, DST, UDP), offer(fragment(2, 1232, 2464, true)));
    }

    @Test
    void unfragmentableHeadersComeFromTheFirstFragment() {
        byte[] hopByHop = hex("2c00 0104 0000 0000");
        byte[] first = fragment(0, hopByHop, 3, UDP, 0, 1232, true);
        byte[] rest = fragment(0, hopByHop, 3, UDP, 1232, 3000, false);
        assertNull(offer(rest));
        byte[] whole = offer(first);
        byte[] expected = Ipv6Frames.ipv6(0, 64, SRC, DST, concat(hex("1100 0104 0000 0000"), UDP));
        assertArrayEquals(expected, whole, "the hop-by-hop header now names UDP; payload length counts it");
        ByteBuf b = Frames.buf(whole);
        try {
            assertTrue(ip.wrap(b, 0, whole.length));
            assertTrue(chain.walk(ip));
            assertFalse(chain.isFragment());
            assertEquals(17, chain.upperProtocol());
            assertEquals(48, chain.upperOffset());
        } finally {
            b.release();
        }
    }

    @Test
    void duplicateIsIgnored() {
        assertNull(offer(fragment(4, 0, 1232, true)));
        assertNull(offer(fragment(4, 0, 1232, true)));
        assertEquals(1, reassembler.duplicate);
        assertNull(offer(fragment(4, 1232, 2464, true)));
        assertNotNull(offer(fragment(4, 2464, 3000, false)));
    }

    @Test
    void overlapDiscardsTheWholePacketAndItsLaterFragments() {
        assertNull(offer(fragment(5, 0, 1232, true)));
        assertNull(offer(fragment(5, 1224, 2464, true)), "starts 8 octets inside the first");
        assertEquals(1, reassembler.overlap);
        assertEquals(0, reassembler.bytesHeld(), "released at once");
        assertNull(offer(fragment(5, 1232, 2464, true)));
        assertNull(offer(fragment(5, 2464, 3000, false)));
        assertNull(offer(fragment(5, 0, 1232, true)));
        assertEquals(3, reassembler.afterOverlap, "RFC 5722: fragments not yet received are discarded too");
        assertEquals(0, reassembler.bytesHeld());

        clock.advanceNanos(Ipv6Reassembler.TIMEOUT_NANOS);
        reassembler.expire(clock.nanoTime());
        assertEquals(0, reassembler.inProgress());
        assertEquals(0, reassembler.timeout, "forgetting a discarded packet is not a timeout");
        assertNull(offer(fragment(5, 0, 1232, true)));
        assertNull(offer(fragment(5, 1232, 2464, true)));
        assertNotNull(offer(fragment(5, 2464, 3000, false)), "the identification is usable again later");
    }

    @Test
    void timeoutIsSixtySecondsFromTheFirstFragment() {
        assertNull(offer(fragment(6, 0, 1232, true)));
        clock.advanceSeconds(59);
        assertNull(offer(fragment(6, 1232, 2464, true)));
        reassembler.expire(clock.nanoTime());
        assertEquals(1, reassembler.inProgress());
        assertEquals(clock.nanoTime() + 1_000_000_000L, reassembler.nextDeadline(), "later fragments do not extend it");
        clock.advanceSeconds(1);
        reassembler.expire(clock.nanoTime());
        assertEquals(1, reassembler.timeout);
        assertEquals(0, reassembler.inProgress());
        assertEquals(0, reassembler.bytesHeld());
        assertEquals(Long.MAX_VALUE, reassembler.nextDeadline());
        assertNull(offer(fragment(6, 2464, 3000, false)), "the rest alone is not a packet");
        assertEquals(1, reassembler.inProgress());

        // A fragment arriving after the deadline, before any timer ran, does not join the stale packet.
        assertNull(offer(fragment(9, 0, 1232, true)));
        clock.advanceNanos(Ipv6Reassembler.TIMEOUT_NANOS);
        assertNull(offer(fragment(9, 1232, 3000, false)));
        assertEquals(3, reassembler.timeout, "packets 6 (second try) and 9 timed out");
        assertEquals(1, reassembler.inProgress());
    }

    @Test
    void expiryShowsTheFirstFragmentAsItArrived() {
        List<byte[]> expired = new ArrayList<>();
        reassembler = new Ipv6Reassembler(PooledByteBufAllocator.DEFAULT, clock, 4, 16, MAX_BYTES,
                (packet, offset, length) -> {
                    byte[] b = new byte[length];
                    packet.getBytes(offset, b);
                    expired.add(b);
                });
        byte[] first = fragment(7, 0, 1232, true);
        assertNull(offer(fragment(7, 1232, 2464, true)));
        assertNull(offer(first));
        assertNull(offer(fragment(8, 1232, 2464, true)));
        clock.advanceNanos(Ipv6Reassembler.TIMEOUT_NANOS);
        reassembler.expire(clock.nanoTime());
        assertEquals(2, reassembler.timeout);
        assertEquals(1, expired.size(), "packet 8 never had its first fragment: no Time Exceeded for it");
        assertArrayEquals(first, expired.get(0));
    }

    @Test
    void slotCapEvictsTheOldest() {
        for (int id = 10; id < 14; id++) {
            assertNull(offer(fragment(id, 0, 1232, true)));
            clock.advanceSeconds(1);
        }
        assertEquals(4, reassembler.inProgress());
        assertNull(offer(fragment(14, 0, 1232, true)));
        assertEquals(1, reassembler.evicted, "id 10, the oldest, made room");
        assertEquals(4, reassembler.inProgress());
        assertNotNull(offer(fragment(12, 1232, 3000, false)), "12 survived");
        assertNotNull(offer(fragment(13, 1232, 3000, false)), "13 survived");
        assertNull(offer(fragment(10, 1232, 3000, false)), "10's first fragment is gone");
        assertEquals(1, reassembler.evicted, "a free slot needs no eviction");
    }

    @Test
    void fragmentCapDropsThePacket() {
        reassembler = new Ipv6Reassembler(PooledByteBufAllocator.DEFAULT, clock, 4, 2, MAX_BYTES);
        assertNull(offer(fragment(20, 0, 8, true)));
        assertNull(offer(fragment(20, 8, 16, true)));
        assertNull(offer(fragment(20, 16, 24, true)));
        assertEquals(1, reassembler.tooMany);
        assertEquals(0, reassembler.inProgress());
        assertEquals(0, reassembler.bytesHeld());
    }

    @Test
    void byteCapEvictsOtherPackets() {
        byte[] big = pattern(64000);
        int step = 8000;
        for (int id = 30; id < 32; id++) {
            for (int from = 0; from < 64000; from += step) {
                assertNull(offer(fragment(44, new byte[0], id, big, from, from + step, true)));
            }
            clock.advanceSeconds(1);
        }
        assertEquals(2 * (48 + 64000), reassembler.bytesHeld(), "first fragments are held whole");
        assertEquals(0, reassembler.evicted);
        assertNull(offer(fragment(44, new byte[0], 32, big, 0, step, true)));
        assertEquals(1, reassembler.evicted, "packet 30 made room for packet 32");
        assertEquals(2, reassembler.inProgress());
        assertEquals(48 + 64000 + 48 + step, reassembler.bytesHeld());
        assertThrows(IllegalArgumentException.class,
                () -> new Ipv6Reassembler(PooledByteBufAllocator.DEFAULT, clock, 4, 16, MAX_BYTES - 1));
    }

    @Test
    void malformedFragmentsDropThePacket() {
        assertNull(offer(fragment(40, 0, 1232, true)));
        assertEquals(-1, reassembler.icmpCode());
        assertNull(offer(fragment(40, 1232, 1236, true)), "not last and not a multiple of 8");
        assertEquals(1, reassembler.malformed);
        assertEquals(Ipv6ExtensionHeaders.CODE_ERRONEOUS_FIELD, reassembler.icmpCode());
        assertEquals(4, reassembler.icmpPointer(), "RFC 8200 4.5 points at the Payload Length");
        assertEquals(0, reassembler.inProgress());

        assertNull(offer(fragment(41, 1232, 1232, true)), "empty");
        assertEquals(2, reassembler.malformed);

        assertNull(offer(fragment(42, 2464, 3000, false)));
        assertNull(offer(fragment(42, 2464, 3008, true)), "beyond the known end");
        assertEquals(3, reassembler.malformed);
        assertNull(offer(fragment(43, 2464, 3000, false)));
        assertNull(offer(fragment(43, 8, 16, false)), "a second last fragment with another end");
        assertEquals(4, reassembler.malformed);
        assertNull(offer(fragment(44, 1232, 2464, true)));
        assertNull(offer(fragment(44, 8, 16, false)), "a last fragment ending before a held one");
        assertEquals(5, reassembler.malformed);
        assertEquals(0, reassembler.inProgress());
        assertEquals(0, reassembler.bytesHeld());
    }

    @Test
    void fragmentOfAFragmentIsRefused() {
        byte[] inner = concat(hex("1100 0001 0000 0063"), pattern(1224));
        byte[] first = Ipv6Frames.ipv6(44, 64, SRC, DST, concat(hex("2c00 0001 0000 0064"), inner));
        assertNull(offer(first));
        assertEquals(1, reassembler.malformed);
        assertEquals(0, reassembler.inProgress());
    }

    @Test
    void oversizeIsRefused() {
        byte[] data = pattern(16);
        byte[] last = Ipv6Frames.ipv6(44, 64, SRC, DST, concat(hex("1100 fff0 0000 002d"), data));
        assertNull(offer(last), "65520 + 16 octets exceed 65535");
        assertEquals(1, reassembler.oversize);
        assertEquals(Ipv6ExtensionHeaders.CODE_ERRONEOUS_FIELD, reassembler.icmpCode());
        assertEquals(42, reassembler.icmpPointer(), "RFC 8200 4.5 points at the Fragment Offset");
        byte[] fits = Ipv6Frames.ipv6(44, 64, SRC, DST, concat(hex("1100 fff0 0000 002d"), pattern(15)));
        assertNull(offer(fits), "65520 + 15 = 65535 is the largest payload");
        assertEquals(1, reassembler.oversize);
        assertEquals(-1, reassembler.icmpCode());
        assertEquals(1, reassembler.inProgress());
    }

    @Test
    void atomicFragmentIsProcessedInIsolation() {
        assertNull(offer(fragment(50, 0, 1232, true)));
        int held = reassembler.bytesHeld();
        byte[] atomic = fragment(50, 0, 3000, false);
        assertArrayEquals(Ipv6Frames.ipv6(17, 64, SRC, DST, UDP), offer(atomic));
        assertEquals(1, reassembler.atomic);
        assertEquals(held, reassembler.bytesHeld(), "RFC 6946: the reassembly with the same id is untouched");
        assertEquals(1, reassembler.inProgress());
        assertNull(offer(fragment(50, 1232, 2464, true)));
        assertNotNull(offer(fragment(50, 2464, 3000, false)));
    }

    @Test
    void notAFragmentIsCountedNotThrown() {
        byte[] plain = Ipv6Frames.ipv6(17, 64, SRC, DST, UDP);
        assertNull(offer(plain));
        assertEquals(1, reassembler.malformed);
    }
}
