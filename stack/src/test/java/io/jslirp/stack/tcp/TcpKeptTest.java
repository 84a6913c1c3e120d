package io.jslirp.stack.tcp;

import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What only a connection whose host socket keeps its bytes does ({@link KeptBytes}): no frame held for
 * retransmission, no flight budget, acknowledged bytes dropped from the socket once per batch, and
 * retransmissions read from the socket again. The {@code *KeptTest} classes run every other TCP case this way.
 */
class TcpKeptTest extends TcpHarness {
    static final int G = GUEST_ISN + 1;
    static final int O = OUR_ISN + 1;
    static final int SEG = MSS - 12;
    private static final byte[] BYE = "bye".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    TcpKeptTest() {
        host.keepBytes = true;
    }

    private TcpConnection conn() {
        return stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
    }

    private void expire() {
        clock.advanceNanos(stack.nextDeadlineNanos() - clock.nanoTime());
        stack.runTimers();
    }

    @Test
    void aDownloadHoldsNoFrameAndOneBufferServesIt() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(4 * SEG);
        host.hostSends(s, d);
        List<Seg> segs = recvAll();
        assertEquals(4, segs.size());
        assertTrue(s.kept);
        assertEquals(1, stack.counters().tcpKeptFlows);
        assertEquals(4 * SEG, s.keptBytes(), "everything sent stays in the socket");
        assertEquals(0, s.pendingRead(), "and is peeked");
        assertEquals(0, stack.tcp().flight.bytes(), "nothing of ours is in flight");
        assertEquals(1, stack.counters().tcpFrameBuffersAllocated, "one pooled buffer for every frame");
        assertEquals(HostBytes.KEPT, conn().hostBytes);
    }

    @Test
    void acknowledgedBytesLeaveTheSocketOncePerBatchPastTheThreshold() {
        FakeHostSockets.Sock s = establish();
        int segs = KeptBytes.DISCARD_BATCH / SEG + 2;
        host.hostSends(s, pattern(segs * SEG));
        assertEquals(segs, recvAll().size());
        int callsBefore = host.calls;
        // Below the threshold the acknowledged bytes stay (no call per round trip).
        send(gack(G, O + SEG, 502));
        recvNothing();
        assertEquals(0, s.discarded);
        assertEquals(callsBefore, host.calls);
        // Two ACKs in one batch past it: one discard at the flush.
        send(gack(G, O + (segs - 2) * SEG, 502));
        send(gack(G, O + (segs - 1) * SEG, 502));
        assertEquals(0, s.discarded, "nothing dropped before the flush");
        recvNothing();
        assertEquals((long) (segs - 1) * SEG, s.discarded);
        assertEquals(SEG, s.keptBytes());
        assertEquals(1, host.calls - callsBefore, "one discard for both ACKs (the flush has nothing to read)");
        assertEquals(O + (segs - 1) * SEG, conn().keptFromSeq);
    }

    @Test
    void theFlightBudgetDoesNotApplyToKeptBytes() {
        build(RelayOptions.defaults(), Stack.DeviceFormat.VNET_HDR); // 64 KiB frames: a few hundred, not thousands
        // Window scale 10 and 65535: 64 MiB of window, eight times the smallest budget.
        FakeHostSockets.Sock s = establish(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(10).sackOk().ts(100, 0));
        send(gack(G, O, 65535));
        int size = FlightToGuest.BUDGET + 64 * SEG;
        host.hostSends(s, pattern(size));
        long sent = 0;
        for (int turn = 0; turn < 10_000 && s.pendingRead() > 0; turn++) {
            host.pollReadable(s);
            stack.flush();
            for (byte[] f : sink.take()) {
                sent += u16(f, 16) - 20 - 32;
            }
        }
        assertEquals(size, sent, "past the budget, with no ACK");
        assertEquals(0, stack.counters().tcpFlightBudgetStops);
        assertEquals(size, s.keptBytes());
    }

    @Test
    void aTimeoutResendsTheSegmentReadAgainFromTheSocket() {
        FakeHostSockets.Sock s = establish();
        byte[] d = pattern(3 * SEG);
        host.hostSends(s, d);
        List<Seg> segs = recvAll();
        send(gack(G, O + SEG, 502));
        expire();
        Seg again = recv();
        assertEquals(O + SEG, again.seq);
        assertEquals(Seg.ACK | Seg.PSH, again.flags);
        assertArrayEquals(segs.get(1).payload, again.payload);
        assertEquals(1, host.peekAtCalls);
        // New bytes continue where sending had got to, not after the resent ones.
        byte[] more = pattern(SEG + 7);
        host.hostSends(s, more);
        List<Seg> next = recvAll();
        assertEquals(2, next.size());
        assertEquals(O + 3 * SEG, next.get(0).seq);
        assertArrayEquals(Arrays.copyOf(more, SEG), next.get(0).payload);
        assertArrayEquals(Arrays.copyOfRange(more, SEG, SEG + 7), next.get(1).payload);
    }

    @Test
    void aSegmentAcknowledgedInPartIsResentFromTheOldestByteStillKept() {
        FakeHostSockets.Sock s = establish();
        int whole = KeptBytes.DISCARD_BATCH / SEG + 1;
        byte[] d = pattern((whole + 1) * SEG);
        host.hostSends(s, d);
        recvAll();
        // The guest takes the whole segments and 100 bytes of the last (its buffer was nearly full): past the
        // threshold, so those bytes leave the socket, the 100 among them.
        int acked = whole * SEG + 100;
        send(gack(G, O + acked, 502));
        recvNothing();
        assertEquals(acked, s.discarded);
        expire();
        Seg again = recv();
        assertEquals(O + acked, again.seq);
        assertArrayEquals(Arrays.copyOfRange(d, acked, d.length), again.payload);
    }

    @Test
    void ourFinIsResentWithoutTouchingTheSocket() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(10));
        recv();
        send(gack(G, O + 10, 502));
        recvNothing();
        host.hostEof(s);
        Seg fin = recv();
        assertEquals(Seg.ACK | Seg.FIN, fin.flags);
        int peeks = host.peekAtCalls;
        expire();
        Seg again = recv();
        assertEquals(Seg.ACK | Seg.FIN, again.flags);
        assertEquals(O + 10, again.seq);
        assertEquals(0, again.payload.length);
        assertEquals(peeks, host.peekAtCalls);
    }

    @Test
    void anOrderlyCloseEmptiesTheSocketFirstSoThePeerSeesAFinNotAReset() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(50));
        recv();
        host.hostEof(s);
        recv(); // our FIN
        // The guest acknowledges the data and our FIN and closes its side in one segment.
        send(gack(G, O + 51, 502).flags(Seg.ACK | Seg.FIN));
        recv(); // our ACK of its FIN
        assertTrue(s.closed, "closed, not aborted");
        assertFalse(s.aborted);
        assertEquals(0, s.keptBytes(), "nothing left unread to turn the close into a reset");
        assertEquals(50, s.discarded);
    }

    @Test
    void theLastBytesAndTheHostsFinInOneReportBothReachTheGuest() {
        FakeHostSockets.Sock s = establish();
        // Edge-triggered: this is the one report; a pump that stopped at the short peek would never see the EOF.
        host.hostSendsAndCloses(s, BYE);
        List<Seg> segs = recvAll();
        assertEquals(2, segs.size(), segs.toString());
        assertEquals(Seg.ACK | Seg.PSH, segs.get(0).flags);
        assertArrayEquals(BYE, segs.get(0).payload);
        assertEquals(Seg.ACK | Seg.FIN, segs.get(1).flags);
        assertEquals(O + 3, segs.get(1).seq);
    }

    @Test
    void bytesTheSocketNoLongerHasResetTheFlowInsteadOfStallingIt() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(SEG));
        recv();
        s.error = HostSockets.ECONNRESET;
        expire();
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O + SEG).ack(G).win(0));
        assertEquals(1, stack.counters().tcpKeptRereadsFailed);
        assertEquals(0, stack.activeFlows());
        assertTrue(s.released());
    }

    @Test
    void aSocketThatCannotKeepItsBytesIsReadAndItsFramesHeld() {
        host.keepBytes = false;
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(2 * SEG));
        recvAll();
        assertFalse(s.kept);
        assertEquals(0, s.keptBytes());
        assertEquals(HostBytes.COPIED, conn().hostBytes);
        assertEquals(2L * SEG, stack.tcp().flight.bytes());
        assertEquals(0, stack.counters().tcpKeptFlows);
    }
}
