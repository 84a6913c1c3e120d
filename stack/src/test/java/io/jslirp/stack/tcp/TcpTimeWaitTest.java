package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * TIME_WAIT as a primitive record: the connection object goes when the guest's FIN is acknowledged after ours,
 * and the record alone re-acknowledges, challenges, restarts, expires, holds its room in the table and gives way
 * to a new SYN, as the connection did.
 */
class TcpTimeWaitTest extends TcpHarness {
    static final int G = GUEST_ISN + 1;
    static final int O = OUR_ISN + 1;

    private TcpConnection conn(int port) {
        return stack.tcp().connection(GUEST_IP, port, REMOTE, RPORT);
    }

    private int state(int port) {
        return stack.tcp().state(GUEST_IP, port, REMOTE, RPORT);
    }

    /**
     * The peer benchmark's churn, one connection: the host closes first, the guest acknowledges our FIN and
     * sends its own, we acknowledge it and enter TIME_WAIT. Returns the host socket.
     */
    private FakeHostSockets.Sock toTimeWait(int port) {
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(7).sackOk().ts(100, 0).ports(port, RPORT));
        recvNothing();
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        assertEquals(Seg.SYN | Seg.ACK, recv().flags);
        send(gack(G, O, 502).ports(port, RPORT));
        host.hostEof(s);
        Seg fin = recv();
        assertEquals(Seg.ACK | Seg.FIN, fin.flags);
        send(gack(G, O + 1, 502).ports(port, RPORT));
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN).ports(port, RPORT));
        recv(ourAck(O + 1, G + 1).ports(RPORT, port));
        assertEquals(TcpState.TIME_WAIT, state(port));
        return s;
    }

    @Test
    void enteringTimeWaitLetsTheConnectionObjectGo() throws InterruptedException {
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(7).sackOk().ts(100, 0));
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        recv();
        send(gack(G, O, 502));
        WeakReference<TcpConnection> ref = new WeakReference<>(conn(GPORT));
        assertNotNull(ref.get());
        host.hostEof(s);
        recv();
        send(gack(G, O + 1, 502));
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN));
        recv(ourAck(O + 1, G + 1));
        assertTrue(s.closed);
        assertNull(conn(GPORT), "the flow table holds no object for the tuple");
        assertEquals(1, stack.tcp().timeWaitRecords());
        assertEquals(1, stack.activeFlows(), "the record still counts as a flow");
        // Nothing else holds it either (the timer heap, the flush list, the handle index): the collector takes it.
        for (int i = 0; i < 100 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(ref.get(), "a TIME_WAIT connection's object is unreachable");
    }

    @Test
    void aRetransmittedFinIsAcknowledgedAgainFromTheRecord() {
        toTimeWait(GPORT);
        long outOfWindow = stack.counters().tcpOutOfWindow;
        long segmentsOut = stack.counters().tcpSegmentsOut;
        clock.advanceNanos(3_000_000_000L);
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN));
        recv(ourAck(O + 1, G + 1));
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN));
        recv(ourAck(O + 1, G + 1));
        // Below RCV.NXT, so unacceptable (RFC 9293 3.10.7.4 first check): counted as the connection counted it.
        assertEquals(outOfWindow + 2, stack.counters().tcpOutOfWindow);
        assertEquals(segmentsOut + 2, stack.counters().tcpSegmentsOut);
        // A FIN with data, retransmitted whole, too.
        send(gack(G - 5, O + 1, 502).flags(Seg.ACK | Seg.FIN | Seg.PSH).data(pattern(5)));
        recv(ourAck(O + 1, G + 1));
        assertEquals(1, stack.tcp().timeWaitRecords());
    }

    @Test
    void theRecordAnswersWithoutTimestampsOrScalingWhenNoneWereAgreed() {
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS));
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        recv();
        send(Seg.of(Seg.ACK).seq(G).ack(O).win(64240));
        host.hostEof(s);
        recv();
        send(Seg.of(Seg.ACK).seq(G).ack(O + 1).win(64240));
        send(Seg.of(Seg.ACK | Seg.FIN).seq(G).ack(O + 1).win(64240));
        Seg ack = Seg.of(Seg.ACK).seq(O + 1).ack(G + 1).win(0xffff);
        recv(ack);
        assertEquals(TcpState.TIME_WAIT, state(GPORT));
        send(Seg.of(Seg.ACK | Seg.FIN).seq(G).ack(O + 1).win(64240));
        recv(ack);
    }

    @Test
    void otherSegmentsAreAnsweredAsTheConnectionAnsweredThem() {
        toTimeWait(GPORT);
        // In the window, not at RCV.NXT: a RST draws a challenge ACK (RFC 5961 3.2), as does a SYN with ACK.
        send(Seg.of(Seg.RST).seq(G + 10));
        recv(ourAck(O + 1, G + 1));
        send(gack(G + 1, O + 1, 502).flags(Seg.SYN | Seg.ACK));
        recv(ourAck(O + 1, G + 1));
        // A SYN at RCV.NXT is not above the old sequence space: a challenge ACK, the record stays.
        send(Seg.of(Seg.SYN).seq(G + 1).win(64240).mss(MSS));
        recv(ourAck(O + 1, G + 1));
        // An ACK of something never sent: an ACK, counted out of window.
        long outOfWindow = stack.counters().tcpOutOfWindow;
        send(gack(G + 1, O + 100, 502));
        recv(ourAck(O + 1, G + 1));
        assertEquals(outOfWindow + 1, stack.counters().tcpOutOfWindow);
        // No ACK bit: dropped, counted.
        long unexpected = stack.counters().tcpUnexpected;
        send(Seg.of(Seg.PSH).seq(G + 1).data(pattern(3)));
        recvNothing();
        assertEquals(unexpected + 1, stack.counters().tcpUnexpected);
        // A plain ACK at RCV.NXT: nothing to say.
        send(gack(G + 1, O + 1, 502));
        recvNothing();
        // A RST outside the window: dropped silently.
        send(Seg.of(Seg.RST).seq(G - 100));
        recvNothing();
        assertEquals(1, stack.tcp().timeWaitRecords());
        // Exactly at RCV.NXT: the record ends, nothing is sent.
        long closed = stack.counters().tcpFlowsClosed;
        send(Seg.of(Seg.RST).seq(G + 1));
        recvNothing();
        assertEquals(0, stack.activeFlows());
        assertEquals(closed + 1, stack.counters().tcpFlowsClosed);
        // The tuple is free: a segment now finds no flow and draws the RST of the CLOSED state.
        send(gack(G + 1, O + 1, 502));
        recv(Seg.of(Seg.RST).seq(O + 1).win(0));
    }

    @Test
    void timestampsAtRcvNxtAreRememberedForTheEcho() {
        toTimeWait(GPORT);
        send(Seg.of(Seg.ACK).seq(G + 1).ack(O + 1).win(502).ts(300, tsNow()));
        recvNothing();
        // A retransmitted FIN is not at RCV.NXT: its timestamp is not taken (RFC 7323 4.3).
        send(Seg.of(Seg.ACK | Seg.FIN).seq(G).ack(O + 1).win(502).ts(400, tsNow()));
        recv(Seg.of(Seg.ACK).seq(O + 1).ack(G + 1).win(WIN).ts(tsNow(), 300));
    }

    @Test
    void theRecordExpiresAfterTwoMslAndFreesItsSlot() {
        long entered = clock.nanoTime();
        toTimeWait(GPORT);
        assertTrue(stack.nextDeadlineNanos() <= entered + TcpConnection.TIME_WAIT_TIME);
        clock.advanceNanos(TcpConnection.TIME_WAIT_TIME - 1);
        stack.runTimers();
        assertEquals(1, stack.activeFlows());
        long closed = stack.counters().tcpFlowsClosed;
        clock.advanceNanos(1);
        stack.runTimers();
        recvNothing();
        assertEquals(0, stack.activeFlows());
        assertEquals(closed + 1, stack.counters().tcpFlowsClosed);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
        assertEquals(TcpState.CLOSED, state(GPORT));
        // A late FIN finds no flow: the CLOSED state's RST.
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN));
        recv(Seg.of(Seg.RST).seq(O + 1).win(0));
    }

    @Test
    void anAcceptableSegmentRestartsTheRecordsTwoMslWithoutDisturbingTheOthers() {
        toTimeWait(GPORT);
        clock.advanceNanos(1_000_000_000L);
        toTimeWait(GPORT + 1);
        clock.advanceNanos(9_000_000_000L);
        // The first record's 2MSL starts again (RFC 9293: an acceptable segment in TIME-WAIT).
        send(gack(G + 1, O + 1, 502));
        recvNothing();
        clock.advanceNanos(6_000_000_000L);
        stack.runTimers();
        assertEquals(TcpState.TIME_WAIT, state(GPORT), "restarted at 10 s, due at 25 s");
        assertEquals(TcpState.CLOSED, state(GPORT + 1), "entered at 1 s, due at 16 s");
        clock.advanceNanos(8_999_999_999L);
        stack.runTimers();
        assertEquals(TcpState.TIME_WAIT, state(GPORT));
        clock.advanceNanos(1);
        stack.runTimers();
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void aNewSynAboveTheOldSequenceSpaceReopensTheTuple() {
        toTimeWait(GPORT);
        long closed = stack.counters().tcpFlowsClosed;
        long opened = stack.counters().tcpFlowsOpened;
        // The old SYN again lies below RCV.NXT: unacceptable, answered with an ACK; the record stays.
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS));
        recv(ourAck(O + 1, G + 1));
        send(Seg.of(Seg.SYN).seq(G + 100_000).win(64240).mss(MSS).ws(7));
        recvNothing();
        assertEquals(TcpState.CONNECTING, state(GPORT));
        assertEquals(0, stack.tcp().timeWaitRecords());
        assertEquals(1, stack.activeFlows());
        assertEquals(closed + 1, stack.counters().tcpFlowsClosed);
        assertEquals(opened + 1, stack.counters().tcpFlowsOpened);
        host.settleConnect(host.last(), 0);
        Seg synAck = recv();
        assertEquals(Seg.SYN | Seg.ACK, synAck.flags);
        assertEquals(G + 100_001, synAck.ack);
    }

    @Test
    void recordsHoldTheirRoomInTheFlowTable() {
        build(RelayOptions.defaults().withMaxFlows(2));
        toTimeWait(GPORT);
        toTimeWait(GPORT + 1);
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ports(GPORT + 2, RPORT));
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0).ports(RPORT, GPORT + 2));
        assertEquals(1, stack.counters().tcpTableFull);
        // A record's own tuple may still be reopened: the SYN takes the room its record gives back.
        send(Seg.of(Seg.SYN).seq(G + 100_000).win(64240).mss(MSS));
        recvNothing();
        assertEquals(TcpState.CONNECTING, state(GPORT));
        clock.advanceNanos(TcpConnection.TIME_WAIT_TIME);
        stack.runTimers();
        assertEquals(1, stack.activeFlows(), "the other record expired");
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ports(GPORT + 2, RPORT));
        recvNothing();
        assertEquals(TcpState.CONNECTING, state(GPORT + 2));
    }

    @Test
    void aChurnLeavesSmallRecordsAndTheirMemoryComesBack() {
        int n = 3000;
        build(RelayOptions.defaults());
        long empty = stack.tcp().timeWaitFootprintBytes();
        for (int i = 0; i < n; i++) {
            toTimeWait(10_000 + i);
        }
        assertEquals(n, stack.tcp().timeWaitRecords());
        assertEquals(n, stack.activeFlows());
        for (int i = 0; i < n; i += 97) {
            assertNull(conn(10_000 + i));
        }
        assertTrue(TimeWaitTable.BYTES_PER_SLOT <= 64, "a record and its index entries: " + TimeWaitTable.BYTES_PER_SLOT);
        long bytes = stack.tcp().timeWaitFootprintBytes();
        assertTrue(bytes <= 2L * n * TimeWaitTable.BYTES_PER_SLOT, bytes + " bytes for " + n + " records");
        // Every record still answers.
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN).ports(10_000 + n / 2, RPORT));
        recv(ourAck(O + 1, G + 1).ports(RPORT, 10_000 + n / 2));
        clock.advanceNanos(TcpConnection.TIME_WAIT_TIME);
        while (stack.nextDeadlineNanos() <= clock.nanoTime()) {
            stack.runTimers();
        }
        assertEquals(0, stack.activeFlows());
        assertEquals(empty, stack.tcp().timeWaitFootprintBytes(), "the table shrinks back once empty");
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
    }

    /**
     * Past {@link RelayOptions#maxTimeWait} records the oldest ends for each new one: counted as a closed flow
     * and as an eviction, its tuple closed, the newest still in TIME_WAIT.
     */
    @Test
    void aFullTimeWaitTableEndsItsOldestRecords() {
        int max = 128;
        build(RelayOptions.defaults().withMaxTimeWait(max));
        assertEquals(RelayOptions.DEFAULT_MAX_TIME_WAIT, RelayOptions.defaults().maxTimeWait());
        assertThrows(IllegalArgumentException.class, () -> RelayOptions.defaults().withMaxTimeWait(3000));
        assertThrows(IllegalArgumentException.class, () -> RelayOptions.defaults().withMaxTimeWait(1 << 21));
        for (int i = 0; i < max + 3; i++) {
            toTimeWait(10_000 + i);
        }
        assertEquals(max, stack.tcp().timeWaitRecords());
        assertEquals(max, stack.activeFlows());
        assertEquals(3, stack.counters().tcpTimeWaitEvicted);
        assertEquals(3, stack.counters().tcpFlowsClosed);
        assertEquals(TcpState.CLOSED, state(10_002));
        assertEquals(TcpState.TIME_WAIT, state(10_003));
        assertEquals(TcpState.TIME_WAIT, state(10_000 + max + 2));
        clock.advanceNanos(TcpConnection.TIME_WAIT_TIME);
        while (stack.nextDeadlineNanos() <= clock.nanoTime()) {
            stack.runTimers();
        }
        assertEquals(0, stack.activeFlows());
        assertEquals(max + 3, stack.counters().tcpFlowsClosed);
    }
}
