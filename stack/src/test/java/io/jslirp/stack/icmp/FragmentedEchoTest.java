package io.jslirp.stack.icmp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4EchoReplyPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.util.IpV4Helper;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ping -s 2000 10.0.2.2} at MTU 1500: fragments in, fragments out. */
@ExtendWith(LeakCheckExtension.class)
class FragmentedEchoTest {
    private static final int ID = 0x77;
    private final FakeClock clock = new FakeClock();
    private final CapturingSink sink = new CapturingSink();
    private final Stack stack = new Stack(NET, clock, sink, PooledByteBufAllocator.DEFAULT);

    @AfterEach
    void close() {
        stack.close();
    }

    private byte[][] requestFragments(int ident, byte[] data, int chunk) {
        return fragmentFrames(GATEWAY_MAC, GUEST_IP, GATEWAY_IP, 1, ident, icmpEcho(8, ID, 1, data), chunk);
    }

    private void send(byte[] frame) {
        stack.receiveFrame(Frames.buf(frame));
    }

    /** Reassembles reply fragments by hand (independent of the stack) into one unfragmented frame. */
    private static byte[] reassembleByHand(List<byte[]> frames) {
        byte[] first = null;
        byte[] payload = new byte[65536];
        int total = 0;
        for (byte[] f : frames) {
            int flags = u16(f, 14 + 6);
            int off = (flags & 0x1fff) * 8;
            int len = u16(f, 14 + 2) - 20;
            System.arraycopy(f, 34, payload, off, len);
            if ((flags & 0x2000) == 0) {
                total = off + len;
            }
            if (off == 0) {
                first = f;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first, 0, 34);
        out.write(payload, 0, total);
        byte[] whole = out.toByteArray();
        whole[14 + 2] = (byte) ((20 + total) >>> 8);
        whole[14 + 3] = (byte) (20 + total);
        whole[14 + 6] = 0;
        whole[14 + 7] = 0;
        whole[14 + 10] = 0;
        whole[14 + 11] = 0;
        int c = checksum(whole, 14, 20);
        whole[14 + 10] = (byte) (c >>> 8);
        whole[14 + 11] = (byte) c;
        return whole;
    }

    private void assertReplyFragments(List<byte[]> out, byte[] data) throws Exception {
        assertTrue(out.size() >= 2, "reply must be fragmented, got " + out.size());
        List<IpV4Packet> ipFragments = new ArrayList<>();
        for (byte[] f : out) {
            assertTrue(f.length <= 14 + NET.mtu(), "frame " + f.length + " exceeds MTU");
            assertTrue(u16(f, 14 + 2) <= NET.mtu());
            assertEquals(0, checksum(f, 14, 20), "fragment header checksum");
            EthernetPacket eth = EthernetPacket.newPacket(f, 0, f.length);
            IpV4Packet ip = eth.get(IpV4Packet.class);
            assertTrue(ip.getHeader().hasValidChecksum(false));
            ipFragments.add(ip);
        }
        // pcap4j's own reassembly, as an independent judge.
        IpV4Packet whole = IpV4Helper.defragment(ipFragments);
        IcmpV4CommonPacket icmp = whole.get(IcmpV4CommonPacket.class);
        assertTrue(icmp.hasValidChecksum(false));
        IcmpV4EchoReplyPacket echo = whole.get(IcmpV4EchoReplyPacket.class);
        assertEquals((short) ID, echo.getHeader().getIdentifier());
        Packet payload = echo.getPayload();
        assertArrayEquals(data, payload.getRawData());
        // And byte for byte, against the unfragmented reply we would expect.
        assertArrayEquals(IcmpEchoTest.expectedReply(GATEWAY_IP, u16(out.get(0), 14 + 4), ID, 1, data),
                reassembleByHand(out));
    }

    @Test
    void inOrder() throws Exception {
        byte[] data = pattern(2000);
        byte[][] frags = requestFragments(0x100, data, 1480);
        assertEquals(2, frags.length);
        for (byte[] f : frags) {
            send(f);
        }
        List<byte[]> out = sink.take();
        assertEquals(2, out.size());
        assertEquals(1514, out.get(0).length);
        assertReplyFragments(out, data);
        Counters c = stack.counters();
        assertEquals(2, c.ipv4FragmentsIn);
        assertEquals(1, c.ipv4Reassembled);
        assertEquals(2, c.ipv4FragmentsOut);
        assertEquals(0, c.drops());
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
    }

    @Test
    void outOfOrderAndShuffled() throws Exception {
        byte[] data = pattern(5000);
        byte[][] frags = requestFragments(0x200, data, 1480);
        Collections.reverse(Arrays.asList(frags));
        for (byte[] f : frags) {
            send(f);
        }
        assertReplyFragments(sink.take(), data);

        Random r = new Random(42);
        for (int round = 0; round < 20; round++) {
            byte[] d = pattern(1 + r.nextInt(9000));
            List<byte[]> list = new ArrayList<>(Arrays.asList(requestFragments(0x300 + round, d, 8 * (1 + r.nextInt(185)))));
            Collections.shuffle(list, r);
            list.forEach(this::send);
            List<byte[]> out = sink.take();
            if (d.length + 28 <= NET.mtu()) {
                assertEquals(1, out.size());
                assertArrayEquals(IcmpEchoTest.expectedReply(GATEWAY_IP, u16(out.get(0), 18), ID, 1, d), out.get(0));
            } else {
                assertReplyFragments(out, d);
            }
        }
        assertEquals(0, stack.counters().drops());
    }

    @Test
    void largestPossiblePing() throws Exception {
        byte[] data = pattern(65535 - 28);
        for (byte[] f : requestFragments(0x400, data, 1480)) {
            send(f);
        }
        List<byte[]> out = sink.take();
        assertEquals(45, out.size());
        assertReplyFragments(out, data);
    }

    @Test
    void smallMtuFragmentsOnEightByteBoundaries() throws Exception {
        CapturingSink small = new CapturingSink();
        Stack s = new Stack(NetConfig.of("10.0.2.0/24", 576), clock, small, PooledByteBufAllocator.DEFAULT);
        try {
            byte[] data = pattern(1200);
            for (byte[] f : requestFragments(0x500, data, 552)) {
                s.receiveFrame(Frames.buf(f));
            }
            List<byte[]> out = small.take();
            assertEquals(3, out.size());
            for (byte[] f : out) {
                assertTrue(u16(f, 16) <= 576);
            }
            assertEquals(552 / 8, u16(out.get(1), 20) & 0x1fff);
            assertArrayEquals(IcmpEchoTest.expectedReply(GATEWAY_IP, u16(out.get(0), 18), ID, 1, data),
                    reassembleByHand(out));
        } finally {
            s.close();
        }
    }
}
