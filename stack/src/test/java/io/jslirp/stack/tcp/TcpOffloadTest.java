package io.jslirp.stack.tcp;

import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.TcpPacket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/** A stack in VNET_HDR format: virtio-net headers in, TSO super-segments with partial checksums out. */
class TcpOffloadTest extends TcpHarness {
    static final int G = GUEST_ISN + 1;
    static final int O = OUR_ISN + 1;
    /** Payload per segment with timestamps. */
    static final int SEG = MSS - 12;

    TcpOffloadTest() {
        build(RelayOptions.defaults(), Stack.DeviceFormat.VNET_HDR);
    }

    private void guestTso() {
        vnetIn = new byte[] {VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, 0,
                (byte) SEG, (byte) (SEG >>> 8), 34, 0, 16, 0};
    }

    private void plainHeader() {
        vnetIn = new byte[10];
    }

    /** The frames of one batch, each with the gsoSize it went out with (-1: sendFrame). */
    private List<Object[]> batch() {
        stack.flush();
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < sink.frames().size(); i++) {
            out.add(new Object[] {sink.frames().get(i), sink.gsoSizes().get(i)});
        }
        sink.take();
        return out;
    }

    @Test
    void handshakeAndAcksAreOrdinaryFramesWithCompleteChecksums() {
        establish(); // recv() inside checks both checksums of the SYN-ACK
        FakeHostSockets.Sock s = host.last();
        send(gack(G, O, 502).flags(Seg.ACK | Seg.PSH).data(pattern(100)));
        List<Object[]> out = batch();
        assertEquals(1, out.size());
        assertEquals(-1, out.get(0)[1], "a pure ACK takes the all-zero header");
        decode((byte[]) out.get(0)[0], REMOTE);
        assertEquals(100, s.written().length);
    }

    @Test
    void guestTsoSegmentWithPartialChecksumIsTakenWhole() {
        FakeHostSockets.Sock s = establish();
        guestTso();
        byte[] d = pattern(60_000);
        // The harness computes a full checksum; a NEEDS_CSUM frame's field is anything, so spoil it.
        Seg seg = gack(G, O, 502).flags(Seg.ACK | Seg.PSH).data(d);
        byte[] frame = tcpFrame(REMOTE, GPORT, RPORT, seg.seq, seg.ack, seg.flags, seg.window, seg.optionBytes(),
                seg.payload);
        frame[34 + 16] ^= 0x55;
        byte[] withHeader = new byte[10 + frame.length];
        System.arraycopy(vnetIn, 0, withHeader, 0, 10);
        System.arraycopy(frame, 0, withHeader, 10, frame.length);
        stack.receiveFrame(buf(withHeader));
        assertArrayEquals(d, s.written());
        assertEquals(1, stack.counters().gsoFramesIn);
        assertEquals(0, stack.counters().tcpBadChecksum);
        recv(ourAck(O, G + 60_000));

        // The same damage under an all-zero header is a bad checksum: dropped, counted.
        plainHeader();
        frame = tcpFrame(REMOTE, GPORT, RPORT, G + 60_000, O, Seg.ACK, 502, seg.optionBytes(), pattern(10));
        frame[34 + 16] ^= 0x55;
        withHeader = new byte[10 + frame.length];
        System.arraycopy(frame, 0, withHeader, 10, frame.length);
        stack.receiveFrame(buf(withHeader));
        assertEquals(1, stack.counters().tcpBadChecksum);
        assertEquals(60_000, s.written().length);
    }

    @Test
    void frameShorterThanItsHeaderIsCounted() {
        stack.receiveFrame(buf(new byte[9]));
        assertEquals(1, stack.counters().vnetTruncated);
        recvNothing();
    }

    @Test
    void hostBytesGoOutAsSuperSegmentsOfWholeMssMultiples() throws Exception {
        FakeHostSockets.Sock s = establish();
        send(gack(G, O, 4000)); // 4000 << 7: room for all of it
        recvNothing();
        byte[] d = pattern(100_000);
        host.hostSends(s, d);
        List<Object[]> out = batch();
        assertEquals(2, out.size());
        int first = (65535 - 20 - 32) / SEG * SEG;
        int[] lens = {first, 100_000 - first};
        int off = 0;
        for (int i = 0; i < 2; i++) {
            byte[] f = (byte[]) out.get(i)[0];
            assertEquals(SEG, out.get(i)[1], "gso_size is the MSS less the timestamps");
            assertEquals(14 + 20 + 32 + lens[i], f.length);
            assertEquals(20 + 32 + lens[i], u16(f, 16), "IPv4 total length is the real one");
            assertEquals(0, checksum(f, 14, 20), "IPv4 header checksum is complete");
            // TCP checksum field: the folded pseudo-header sum only (NEEDS_CSUM).
            int tcpLen = 32 + lens[i];
            long pseudo = (REMOTE >>> 16) + (REMOTE & 0xffff) + (GUEST_IP >>> 16) + (GUEST_IP & 0xffff) + 6 + tcpLen;
            while (pseudo > 0xffff) {
                pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
            }
            assertEquals(pseudo, u16(f, 34 + 16));
            Seg seg = Seg.parse(f, 34, tcpLen);
            assertEquals(O + off, seg.seq);
            assertArrayEquals(Arrays.copyOfRange(d, off, off + lens[i]), seg.payload);
            ByteBuf frame = Unpooled.wrappedBuffer(f);
            ByteBuf h = Unpooled.buffer(10);
            VirtioNetHeader.writeForTcp(h, 0, frame, SEG);
            assertArrayEquals(new byte[] {1, 1, 66, 0, (byte) SEG, (byte) (SEG >>> 8), 34, 0, 16, 0},
                    ByteBufUtil.getBytes(h, 0, 10));
            frame.release();
            h.release();
            off += lens[i];
        }
        // An independent parser sees a sound TCP/IP frame (all but the checksum, which the device completes).
        byte[] f0 = (byte[]) out.get(0)[0];
        TcpPacket tcp = EthernetPacket.newPacket(f0, 0, f0.length).get(TcpPacket.class);
        assertEquals(first, tcp.getPayload().getRawData().length);
        assertNotNull(EthernetPacket.newPacket(f0, 0, f0.length).get(IpV4Packet.class));
        assertEquals(2, stack.counters().gsoFramesOut);
        assertEquals(100_000, stack.counters().tcpBytesToGuest);
        // Acknowledged, both frames leave the retransmission queue (the leak check would see them otherwise).
        send(gack(G, O + 100_000, 4000));
        recvNothing();
    }

    @Test
    void shortHostReadDoesNotPinABigBuffer() {
        FakeHostSockets.Sock s = establish();
        send(gack(G, O, 4000));
        recvNothing();
        host.hostSends(s, pattern(10));
        List<Object[]> out = batch();
        assertEquals(1, out.size());
        assertEquals(14 + 20 + 32 + 10, ((byte[]) out.get(0)[0]).length);
        host.hostSends(s, pattern(20));
        assertEquals(1, batch().size());
    }

    @Test
    void retransmissionKeepsTheSuperSegmentAndItsGsoSize() {
        FakeHostSockets.Sock s = establish();
        send(gack(G, O, 4000));
        recvNothing();
        host.hostSends(s, pattern(10_000));
        assertEquals(1, batch().size());
        clock.advanceNanos(TcpConnection.INITIAL_RTO);
        stack.runTimers();
        List<Object[]> out = batch();
        assertEquals(1, out.size());
        assertEquals(SEG, out.get(0)[1]);
        assertEquals(14 + 20 + 32 + 10_000, ((byte[]) out.get(0)[0]).length);
        assertEquals(1, stack.counters().tcpRetransmits);
    }
}
