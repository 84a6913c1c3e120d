package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.FakeHostSockets;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpTimestampsOption;

import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/** Bytes both ways: coalesced ACKs, flow control, out-of-order and overlapping segments, retransmission. */
class TcpDataTest extends TcpHarness {
    static final int G = GUEST_ISN + 1;
    static final int O = OUR_ISN + 1;

    private static byte[] range(byte[] all, int from, int to) {
        return Arrays.copyOfRange(all, from, to);
    }

    @Test
    void guestDataGoesStraightToTheHostAndAcksAreCoalescedUntilFlush() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(2896);
        send(gack(G, O, 502).flags(Seg.ACK | Seg.PSH).data(range(d, 0, 1448)));
        assertArrayEquals(range(d, 0, 1448), s.written(), "the first segment of a batch goes at once");
        send(gack(G + 1448, O, 502).flags(Seg.ACK | Seg.PSH).data(range(d, 1448, 2896)));
        assertEquals(1448, s.written().length, "later small ones wait for the flush");
        assertEquals(0, sink.size(), "no ACK before the end of the batch");
        recv(ourAck(O, G + 2896));
        assertArrayEquals(d, s.written());
        assertEquals(2896, stack.counters().tcpBytesFromGuest);
    }

    @Test
    void aBatchOfSmallSegmentsIsOneGatheringWriteAndTheAckCountsItGone() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(10 * 1448);
        for (int i = 0; i < 10; i++) {
            send(gack(G + i * 1448, O, 502).flags(Seg.ACK).data(range(d, i * 1448, (i + 1) * 1448)));
        }
        assertEquals(0, host.gatherCalls);
        assertFalse(s.writeInterest, "held for the flush, not for WRITABLE");
        recv(ourAck(O, G + d.length)); // the full window: the flush wrote before it acknowledged
        assertEquals(1, host.gatherCalls);
        assertArrayEquals(d, s.written());
        assertEquals(0, stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).queuedToHost());
    }

    @Test
    void heldBytesGoOutBeforeAnOutOfOrderAckAndBeforeTheFin() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(4 * 1448);
        send(gack(G, O, 502).flags(Seg.ACK).data(range(d, 0, 1448)));
        send(gack(G + 1448, O, 502).flags(Seg.ACK).data(range(d, 1448, 2896)));
        // A gap: the duplicate ACK goes now, with the whole window, so the held bytes were written first.
        send(gack(G + 4344, O, 502).flags(Seg.ACK).data(range(d, 4344, 5792)));
        assertEquals(2896, s.written().length);
        Seg dup = recv();
        assertEquals(G + 2896, dup.ack);
        assertEquals(WIN, dup.window);
        send(gack(G + 2896, O, 502).flags(Seg.ACK | Seg.FIN).data(range(d, 2896, 4344)));
        assertArrayEquals(d, s.written());
        assertTrue(s.shutdownWrite, "FIN passed on after every byte");
    }

    @Test
    void slowHostSocketShrinksTheWindowAndWritableDrainsIt() {
        FakeHostSockets.Sock s = establish();
        s.writeRoom = 1000;
        byte[] d = pattern(1448);
        send(gack(G, O, 502).flags(Seg.ACK | Seg.PSH).data(d));
        assertEquals(1000, s.written().length);
        assertTrue(s.writeInterest, "WRITABLE interest while bytes are queued");
        // 448 bytes queued: the window shrinks by that much (in units of 128).
        recv(ourAck(O, G + 1448).win((TcpConnection.RCV_BUFFER - 448) >>> 7));
        host.drain(s, Long.MAX_VALUE);
        assertArrayEquals(d, s.written());
        assertFalse(s.writeInterest);
        // Reopening by 448 bytes is less than an MSS: no window update on its own (receiver SWS avoidance).
        recvNothing();
    }

    @Test
    void hostThatTakesNothingClosesTheWindowToZero() {
        FakeHostSockets.Sock s = establish();
        s.writeRoom = 0;
        byte[] d = pattern(1448);
        int seq = G;
        // Fill the 4 MiB queue.
        int segments = TcpConnection.RCV_BUFFER / 1448 + 1;
        for (int i = 0; i < segments; i++) {
            send(gack(seq, O, 502).flags(Seg.ACK).data(d));
            seq += 1448;
        }
        TcpConnection c = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
        assertEquals(TcpConnection.RCV_BUFFER, c.queuedToHost());
        Seg ack = recv();
        assertEquals(0, ack.window);
        assertEquals(G + TcpConnection.RCV_BUFFER, ack.ack);
        // Beyond the window: only an ACK (RFC 9293 acceptability).
        send(gack(ack.ack, O, 502).flags(Seg.ACK).data(d));
        recv(ourAck(O, G + TcpConnection.RCV_BUFFER).win(0));
        assertEquals(1, stack.counters().tcpOutOfWindow);
        // The host drains: WRITABLE empties the queue and a window update goes out.
        host.drain(s, Long.MAX_VALUE);
        assertEquals(TcpConnection.RCV_BUFFER, s.written().length);
        recv(ourAck(O, G + TcpConnection.RCV_BUFFER));
    }

    @Test
    void outOfOrderSegmentIsHeldDupAckedWithSackAndDeliveredWhenTheGapFills() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(3000);
        send(gack(G + 1000, O, 502).flags(Seg.ACK).data(range(d, 1000, 2000)));
        // TS.Recent is only taken from segments at the left edge (RFC 7323 4.3): still the handshake's 101.
        recv(ourAck(O, G).sack(G + 1000, G + 2000).ts(tsNow(), 101));
        assertEquals(0, s.written().length);
        send(gack(G + 2000, O, 502).flags(Seg.ACK).data(range(d, 2000, 3000)));
        recv(ourAck(O, G).sack(G + 1000, G + 3000).ts(tsNow(), 101));
        send(gack(G, O, 502).flags(Seg.ACK).data(range(d, 0, 1000)));
        recv(ourAck(O, G + 3000));
        assertArrayEquals(d, s.written());
        assertEquals(2, stack.counters().tcpOutOfOrderIn);
    }

    @Test
    void overlappingAndDuplicateSegmentsAreTrimmed() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(4000);
        send(gack(G, O, 502).flags(Seg.ACK).data(range(d, 0, 1000)));
        recv(ourAck(O, G + 1000));
        // Overlaps RCV.NXT: only the new 500 bytes are taken.
        send(gack(G + 500, O, 502).flags(Seg.ACK).data(range(d, 500, 1500)));
        recv(ourAck(O, G + 1500));
        // Out of order pieces that overlap each other and a held piece that a bigger one swallows.
        send(gack(G + 2500, O, 502).flags(Seg.ACK).data(range(d, 2500, 3000)));
        recv(ourAck(O, G + 1500).sack(G + 2500, G + 3000));
        send(gack(G + 2000, O, 502).flags(Seg.ACK).data(range(d, 2000, 3400)));
        recv(ourAck(O, G + 1500).sack(G + 2000, G + 3400));
        send(gack(G + 3200, O, 502).flags(Seg.ACK).data(range(d, 3200, 4000)));
        recv(ourAck(O, G + 1500).sack(G + 2000, G + 4000));
        // A complete duplicate of what the host already has: ACK only.
        send(gack(G, O, 502).flags(Seg.ACK).data(range(d, 0, 1000)));
        recv(ourAck(O, G + 1500).sack(G + 2000, G + 4000));
        send(gack(G + 1500, O, 502).flags(Seg.ACK).data(range(d, 1500, 2200)));
        recv(ourAck(O, G + 4000));
        assertArrayEquals(d, s.written());
    }

    @Test
    void hostDataIsSegmentedByMssWithTimestampsAndPcap4jAgrees() throws Exception {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(3000);
        host.hostSends(s, d);
        List<byte[]> out = frames();
        assertEquals(3, out.size());
        int mss = MSS - 12;
        int[] lens = {mss, mss, 3000 - 2 * mss};
        int off = 0;
        for (int i = 0; i < 3; i++) {
            Seg seg = decode(out.get(i), REMOTE);
            assertEquals(Seg.of(Seg.ACK | Seg.PSH).ports(RPORT, GPORT).seq(O + off).ack(G).win(WIN)
                    .ts(tsNow(), 101).data(range(d, off, off + lens[i])), seg);
            off += lens[i];
        }
        EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
        IpV4Packet ip = eth.get(IpV4Packet.class);
        TcpPacket tcp = eth.get(TcpPacket.class);
        assertTrue(tcp.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        assertTrue(tcp.getHeader().getOptions().stream().anyMatch(o -> o instanceof TcpTimestampsOption));
        assertArrayEquals(range(d, 0, mss), tcp.getPayload().getRawData());
        assertEquals(3000, stack.counters().tcpBytesToGuest);
    }

    @Test
    void guestWindowLimitsReadsAndDropsReadInterestUntilItOpens() {
        FakeHostSockets.Sock s = establish(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(0).ts(100, 0));
        // ws(0) in establish's ACK means 502 unscaled; tell the window is 1000 bytes.
        send(gack(G, O, 1000));
        byte[] d = pattern(5000);
        host.hostSends(s, d);
        List<Seg> segs = recvAll();
        assertEquals(1, segs.size());
        assertEquals(1000, segs.get(0).payload.length);
        assertFalse(s.readInterest, "no reading while the guest's window is full");
        assertEquals(4000, s.pendingRead());
        // The guest acknowledges and opens 2000: the flush reads again.
        send(gack(G, O + 1000, 3000));
        segs = recvAll();
        // Two full segments; the 104 bytes left in the window wait (sender SWS avoidance, RFC 9293 3.8.6.2.1).
        assertEquals(2, segs.size());
        assertEquals(O + 1000, segs.get(0).seq);
        assertEquals(MSS - 12, segs.get(0).payload.length);
        assertEquals(MSS - 12, segs.get(1).payload.length);
        assertFalse(s.readInterest);
    }

    @Test
    void zeroWindowStopsReadingThenProbesWithBackoffUntilItOpens() {
        FakeHostSockets.Sock s = establish();
        send(gack(G, O, 0));
        recvNothing();
        assertFalse(s.readInterest);
        host.hostSends(s, pattern(100));
        recvNothing();
        long rto = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).rtoNanos();
        clock.advanceNanos(rto);
        stack.runTimers();
        // Linux-style probe: an ACK at SND.UNA - 1, which the guest must answer with its window.
        recv(ourAck(O - 1, G));
        clock.advanceNanos(rto);
        stack.runTimers();
        recvNothing();
        clock.advanceNanos(rto);
        stack.runTimers();
        recv(ourAck(O - 1, G));
        assertEquals(2, stack.counters().tcpPersistProbes);
        // The answer opens the window: reading resumes.
        send(gack(G, O, 502));
        Seg data = recv();
        assertEquals(100, data.payload.length);
        assertTrue(s.readInterest);
    }

    @Test
    void retransmissionTimeoutBacksOffThenGivesUpWithRstBothWays() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(100));
        Seg first = recv();
        long rto = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).rtoNanos();
        for (int i = 0; i < TcpConnection.MAX_RETRANSMITS; i++) {
            rto = Math.min(rto * 2, TcpConnection.MAX_RTO);
            clock.advanceNanos(stack.nextDeadlineNanos() - clock.nanoTime());
            stack.runTimers();
            Seg again = recv();
            assertEquals(first.seq, again.seq);
            assertArrayEquals(first.payload, again.payload);
            assertEquals(rto, stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).rtoNanos());
        }
        clock.advanceNanos(stack.nextDeadlineNanos() - clock.nanoTime());
        stack.runTimers();
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O + 100).ack(G).win(0));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
        assertEquals(TcpConnection.MAX_RETRANSMITS, stack.counters().tcpRetransmits);
        assertEquals(1, stack.counters().tcpRetransmitGiveUps);
    }

    @Test
    void rtoFollowsRfc6298FromTimestampSamples() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(100));
        recv();
        clock.advanceNanos(50_000_000L);
        send(gack(G, O + 100, 502));
        TcpConnection c = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
        // Samples so far are ~0 ms (handshake) and 50 ms: far below the 200 ms floor.
        assertEquals(TcpConnection.MIN_RTO, c.rtoNanos());
    }

    @Test
    void threeDuplicateAcksTriggerFastRetransmit() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(4 * (MSS - 12)));
        List<Seg> segs = recvAll();
        assertEquals(4, segs.size());
        int seg2 = segs.get(1).seq;
        send(gack(G, seg2, 502));
        send(gack(G, seg2, 502).sack(segs.get(2).seq, segs.get(3).seq));
        send(gack(G, seg2, 502).sack(segs.get(2).seq, segs.get(3).seq + segs.get(3).payload.length));
        recvNothing();
        send(gack(G, seg2, 502).sack(segs.get(2).seq, segs.get(3).seq + segs.get(3).payload.length));
        Seg re = recv();
        assertEquals(seg2, re.seq);
        assertArrayEquals(segs.get(1).payload, re.payload);
        assertEquals(1, stack.counters().tcpFastRetransmits);
        // Everything acknowledged: nothing more to resend even when the timer would have fired.
        send(gack(G, O + 4 * (MSS - 12), 502));
        clock.advanceSeconds(5);
        stack.runTimers();
        recvNothing();
    }

    @Test
    void sackedSegmentsAreNotResent() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(3 * (MSS - 12)));
        List<Seg> segs = recvAll();
        assertEquals(3, segs.size());
        // The guest has 1 and 3 but not 2... then the first one is acked, and segment 3 is SACKed.
        int end3 = segs.get(2).seq + segs.get(2).payload.length;
        send(gack(G, segs.get(1).seq, 502).sack(segs.get(2).seq, end3));
        clock.advanceSeconds(2);
        stack.runTimers();
        Seg re = recv();
        assertEquals(segs.get(1).seq, re.seq);
        // Ack up to 3's start: the next timeout must not resend 3, which the guest holds.
        send(gack(G, segs.get(2).seq, 502).sack(segs.get(2).seq, end3));
        clock.advanceSeconds(10);
        stack.runTimers();
        recvNothing();
    }

    @Test
    void ackForUnsentDataIsAnsweredAndIgnored() {
        establish();
        send(gack(G, O + 5000, 502));
        recv(ourAck(O, G).ts(tsNow(), 101));
        assertEquals(TcpState.ESTABLISHED, stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).state());
    }

    @Test
    void sequenceNumbersWrapAroundTwoToThe32() {
        ourIsn = 0xffff_fff0;
        int gIsn = 0xffff_ff00;
        send(Seg.of(Seg.SYN).seq(gIsn).win(64240).mss(MSS).ws(7).sackOk());
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        recv(Seg.of(Seg.SYN | Seg.ACK).seq(ourIsn).ack(gIsn + 1).win(65535).mss(1460).sackOk().ws(7));
        send(Seg.of(Seg.ACK).seq(gIsn + 1).ack(ourIsn + 1).win(502));
        byte[] d = pattern(1000);
        // Guest data across the wrap, out of order first.
        send(Seg.of(Seg.ACK).seq(gIsn + 1 + 500).ack(ourIsn + 1).win(502).data(range(d, 500, 1000)));
        recv(Seg.of(Seg.ACK).seq(ourIsn + 1).ack(gIsn + 1).win(WIN).sack(gIsn + 501, gIsn + 1001));
        send(Seg.of(Seg.ACK).seq(gIsn + 1).ack(ourIsn + 1).win(502).data(range(d, 0, 500)));
        recv(Seg.of(Seg.ACK).seq(ourIsn + 1).ack(gIsn + 1001).win(WIN));
        assertArrayEquals(d, s.written());
        // Host data across our wrap; acknowledged past zero.
        host.hostSends(s, pattern(100));
        Seg seg = recv();
        assertEquals(ourIsn + 1, seg.seq);
        send(Seg.of(Seg.ACK).seq(gIsn + 1001).ack(ourIsn + 101).win(502));
        recvNothing();
        TcpConnection c = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
        assertEquals(ourIsn + 101, c.sndUna);
        assertEquals(0x55, c.sndUna);
        clock.advanceSeconds(5);
        stack.runTimers();
        recvNothing();
    }

    @Test
    void hostWriteErrorResetsTheGuest() {
        FakeHostSockets.Sock s = establish();
        s.error = HostSockets.EPIPE;
        send(gack(G, O, 502).flags(Seg.ACK | Seg.PSH).data(pattern(10)));
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O).ack(G + 10).win(0));
        assertTrue(s.closed);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void hostWriteErrorWhileHeldSegmentsDrainResetsCleanly() {
        build(io.jslirp.stack.relay.RelayOptions.defaults(), io.jslirp.stack.Stack.DeviceFormat.VNET_HDR);
        FakeHostSockets.Sock s = establish();
        // Segments of 16 KiB and more (what TSO delivers: GSO super-packets from an offloading TAP, which
        // alone may exceed the MTU) are written at once rather than gathered at the flush, so the failing
        // write happens inside the drain of held segments.
        vnetIn = new byte[] {io.jslirp.stack.wire.VirtioNetHeader.F_NEEDS_CSUM,
                io.jslirp.stack.wire.VirtioNetHeader.GSO_TCPV4, 66, 0, (byte) 1448, 1448 >>> 8, 34, 0, 16, 0};
        int k = 20_000;
        byte[] d = pattern(3 * k);
        send(gack(G + k, O, 502).flags(Seg.ACK).data(range(d, k, 2 * k)));
        recv(ourAck(O, G).sack(G + k, G + 2 * k).ts(tsNow(), 101));
        send(gack(G + 2 * k, O, 502).flags(Seg.ACK).data(range(d, 2 * k, 3 * k)));
        recv(ourAck(O, G).sack(G + k, G + 3 * k).ts(tsNow(), 101));
        s.failAfterWritten = k;
        s.failAfterError = HostSockets.EPIPE;
        send(gack(G, O, 502).flags(Seg.ACK).data(range(d, 0, k)));
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O).ack(G + 2 * k).win(0));
        recvNothing();
        assertTrue(s.closed);
        assertEquals(k, s.written().length);
        assertEquals(0, stack.activeFlows());
        assertEquals(0, stack.counters().internalErrors, "the error path must not throw (NPE, double release)");
    }

    @Test
    void aBugInTheHostReadEndsTheFlowInsteadOfLeavingItHalfDead() {
        FakeHostSockets.Sock s = establish();
        s.throwOnRead = new IllegalStateException("a bug");
        host.hostSends(s, pattern(10));
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O).ack(G).win(0));
        recvNothing();
        assertTrue(s.aborted, "the host peer is reset, not left connected");
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().internalErrors);
        host.pollReadable(s);
        assertEquals(1, stack.counters().internalErrors, "no event of the dead flow reaches it again");
        stack.counters().internalErrors = 0; // counted on purpose here; the harness checks for stray ones
    }

    @Test
    void hostResetIsRstToTheGuest() {
        FakeHostSockets.Sock s = establish();
        host.hostReset(s);
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O).ack(G).win(0));
        assertTrue(s.closed);
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpHostResets);
    }

    @Test
    void keepaliveFromGuestIsAnswered() {
        establish();
        send(gack(G - 1, O, 502));
        recv(ourAck(O, G).ts(tsNow(), 101));
    }

    @Test
    void rstInsideTheWindowButNotExactDrawsAChallengeAck() {
        FakeHostSockets.Sock s = establish();
        send(Seg.of(Seg.RST).seq(G + 100));
        recv(Seg.of(Seg.ACK).seq(O).ack(G).win(WIN).ts(tsNow(), 101));
        assertFalse(s.released());
        send(Seg.of(Seg.RST).seq(G));
        recvNothing();
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void synInEstablishedDrawsAChallengeAck() {
        establish();
        send(Seg.of(Seg.SYN).seq(G + 5000).win(100));
        recv(Seg.of(Seg.ACK).seq(O).ack(G).win(WIN).ts(tsNow(), 101));
        assertEquals(1, stack.activeFlows());
    }
}
