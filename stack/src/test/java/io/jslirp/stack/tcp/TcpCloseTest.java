package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every way a connection ends, and that ending it always lets go of the host socket and the buffers. */
class TcpCloseTest extends TcpHarness {
    static final int G = GUEST_ISN + 1;
    static final int O = OUR_ISN + 1;

    private TcpConnection conn() {
        return stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
    }

    /** The tuple's state, a TIME_WAIT record's included. */
    private int state() {
        return stack.tcp().state(GUEST_IP, GPORT, REMOTE, RPORT);
    }

    @Test
    void guestFinHalfClosesWhileHostDataKeepsFlowingThenHostEofCloses() {
        FakeHostSockets.Sock s = establish();
        send(gack(G, O, 502).flags(Seg.ACK | Seg.FIN));
        assertTrue(s.shutdownWrite, "guest FIN becomes shutdown(SHUT_WR)");
        recv(ourAck(O, G + 1));
        assertEquals(TcpState.CLOSE_WAIT, conn().state());
        // The other direction keeps flowing.
        host.hostSends(s, pattern(500));
        Seg data = recv();
        assertEquals(500, data.payload.length);
        assertEquals(G + 1, data.ack);
        send(gack(G + 1, O + 500, 502));
        recvNothing();
        // Host EOF: our FIN after the data; LAST_ACK until the guest acknowledges it.
        host.hostEof(s);
        recv(Seg.of(Seg.ACK | Seg.FIN).seq(O + 500).ack(G + 1).win(WIN).ts(tsNow(), 200));
        assertEquals(TcpState.LAST_ACK, conn().state());
        assertFalse(s.released());
        send(gack(G + 1, O + 501, 502));
        recvNothing();
        assertTrue(s.closed);
        assertFalse(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void guestFinWaitsForQueuedDataBeforeShutdown() {
        FakeHostSockets.Sock s = establish();
        s.writeRoom = 10;
        send(gack(G, O, 502).flags(Seg.ACK | Seg.FIN | Seg.PSH).data(pattern(100)));
        assertFalse(s.shutdownWrite, "queued bytes first");
        recv(ourAck(O, G + 101).win((TcpConnection.RCV_BUFFER - 90) >>> 7));
        host.drain(s, Long.MAX_VALUE);
        assertArrayEquals(pattern(100), s.written());
        assertTrue(s.shutdownWrite);
    }

    @Test
    void aTimeWaitRecordThatStillHadBytesForTheHostLetsGoOfSocketAndRingOnceTheyAreWritten() {
        FakeHostSockets.Sock s = establish();
        s.writeRoom = 10;
        send(gack(G, O, 502).flags(Seg.ACK | Seg.FIN | Seg.PSH).data(pattern(100)));
        recv(ourAck(O, G + 101).win((TcpConnection.RCV_BUFFER - 90) >>> 7));
        host.hostEof(s);
        Seg fin = recv();
        assertEquals(Seg.ACK | Seg.FIN, fin.flags & (Seg.ACK | Seg.FIN | Seg.SYN | Seg.RST));
        send(gack(G + 101, O + 1, 502));
        // Our FIN is acknowledged with 90 bytes still queued for the host: TIME_WAIT keeps the socket.
        assertEquals(TcpState.TIME_WAIT, conn().state());
        assertFalse(s.closed);
        assertTrue(conn().toHost.capacity() > 0);
        host.drain(s, Long.MAX_VALUE);
        assertArrayEquals(pattern(100), s.written());
        assertTrue(s.closed, "the bytes are written: the socket goes");
        assertEquals(TcpState.TIME_WAIT, state());
        assertNull(conn(), "and so does the connection, its queue's ring with it: a record stays");
        assertEquals(1, stack.tcp().timeWaitRecords());
    }

    @Test
    void hostEofFirstThenGuestKeepsSendingThenGuestFinTimeWaitWithoutHostSocket() {
        FakeHostSockets.Sock s = establish();
        host.hostSends(s, pattern(10));
        recv();
        assertTrue(conn().rtx.capacity() > 0, "a connection that sent holds its retransmit queue");
        host.hostEof(s);
        recv(Seg.of(Seg.ACK | Seg.FIN).seq(O + 10).ack(G).win(WIN).ts(tsNow(), 101));
        assertEquals(TcpState.FIN_WAIT_1, conn().state());
        assertFalse(s.readInterest);
        send(gack(G, O + 11, 502));
        recvNothing();
        assertEquals(TcpState.FIN_WAIT_2, conn().state());
        // Guest-to-host still flows in FIN_WAIT_2, here its second half first (held out of order).
        send(gack(G + 100, O + 11, 502).flags(Seg.ACK | Seg.PSH).data(java.util.Arrays.copyOfRange(pattern(300), 100, 300)));
        recv();
        assertTrue(conn().ooo.hasArrays(), "an out-of-order segment is held");
        send(gack(G, O + 11, 502).flags(Seg.ACK | Seg.PSH).data(java.util.Arrays.copyOf(pattern(300), 100)));
        recv(ourAck(O + 11, G + 300));
        assertArrayEquals(pattern(300), s.written());
        send(gack(G + 300, O + 11, 502).flags(Seg.ACK | Seg.FIN));
        recv(ourAck(O + 11, G + 301));
        assertEquals(TcpState.TIME_WAIT, state());
        assertTrue(s.shutdownWrite);
        assertTrue(s.closed, "TIME_WAIT holds no host socket");
        // Nor queue arrays, nor the connection at all: after a connection churn ten thousand such records wait
        // out TIME_WAIT.
        assertNull(conn());
        assertEquals(1, stack.tcp().timeWaitRecords());
        // A retransmitted FIN is acknowledged again.
        send(gack(G + 300, O + 11, 502).flags(Seg.ACK | Seg.FIN));
        recv(ourAck(O + 11, G + 301));
        clock.advanceNanos(TcpConnection.TIME_WAIT_TIME);
        stack.runTimers();
        recvNothing();
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void simultaneousCloseGoesThroughClosing() {
        FakeHostSockets.Sock s = establish();
        host.hostEof(s);
        recv(Seg.of(Seg.ACK | Seg.FIN).seq(O).ack(G).win(WIN).ts(tsNow(), 101));
        // The guest's FIN crosses ours: it does not acknowledge our FIN yet.
        send(gack(G, O, 502).flags(Seg.ACK | Seg.FIN));
        assertEquals(TcpState.CLOSING, conn().state());
        recv(ourAck(O + 1, G + 1));
        send(gack(G + 1, O + 1, 502));
        assertEquals(TcpState.TIME_WAIT, state());
        assertTrue(s.closed);
        recvNothing();
    }

    @Test
    void timeWaitTupleCanBeReopenedByANewSyn() {
        FakeHostSockets.Sock s = establish();
        host.hostEof(s);
        recv();
        send(gack(G, O + 1, 502));
        send(gack(G, O + 1, 502).flags(Seg.ACK | Seg.FIN));
        recv();
        assertEquals(TcpState.TIME_WAIT, state());
        send(Seg.of(Seg.SYN).seq(G + 100_000).win(64240).mss(MSS));
        recvNothing();
        assertEquals(2, host.sockets().size());
        assertEquals(TcpState.CONNECTING, conn().state());
        assertEquals(1, stack.activeFlows());
    }

    @Test
    void guestRstInEachSynchronizedStateAbortsTheHost() {
        // ESTABLISHED
        FakeHostSockets.Sock s = establish();
        send(Seg.of(Seg.RST).seq(G));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
        // CLOSE_WAIT
        s = establish();
        send(gack(G, O, 502).flags(Seg.ACK | Seg.FIN));
        recv();
        send(Seg.of(Seg.RST).seq(G + 1));
        assertTrue(s.aborted);
        // FIN_WAIT_1
        s = establish();
        host.hostEof(s);
        recv();
        send(Seg.of(Seg.RST).seq(G));
        assertTrue(s.aborted);
        // FIN_WAIT_2
        s = establish();
        host.hostEof(s);
        recv();
        send(gack(G, O + 1, 502));
        send(Seg.of(Seg.RST).seq(G));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
        assertEquals(4, stack.counters().tcpRstIn);
        recvNothing();
    }

    @Test
    void rstInLastAckAndTimeWaitJustEndsTheRecord() {
        FakeHostSockets.Sock s = establish();
        send(gack(G, O, 502).flags(Seg.ACK | Seg.FIN));
        host.hostEof(s);
        recvAll();
        assertEquals(TcpState.LAST_ACK, conn().state());
        send(Seg.of(Seg.RST).seq(G + 1));
        assertTrue(s.released());
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void idleEstablishedFlowIsReapedAfterTwoHours() {
        FakeHostSockets.Sock s = establish();
        clock.advanceNanos(TcpConnection.ESTABLISHED_IDLE - 1_000_000_000L);
        stack.runTimers();
        recvNothing();
        // Activity pushes the deadline back.
        send(gack(G, O, 502).flags(Seg.ACK | Seg.PSH).data(pattern(1)));
        recv();
        clock.advanceNanos(TcpConnection.ESTABLISHED_IDLE - 1);
        stack.runTimers();
        recvNothing();
        clock.advanceNanos(1);
        stack.runTimers();
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O).ack(G + 1).win(0));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpFlowsReaped);
    }

    @Test
    void finWait2IsReapedAfterSixtySeconds() {
        FakeHostSockets.Sock s = establish();
        host.hostEof(s);
        recv();
        send(gack(G, O + 1, 502));
        assertEquals(TcpState.FIN_WAIT_2, conn().state());
        clock.advanceNanos(TcpConnection.FIN_WAIT_2_IDLE);
        stack.runTimers();
        recv(Seg.of(Seg.RST | Seg.ACK).seq(O + 1).ack(G).win(0));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void closeAbortsEverySocketAndReleasesEveryBuffer() {
        FakeHostSockets.Sock a = establish();
        a.writeRoom = 0;
        send(gack(G, O, 502).flags(Seg.ACK).data(pattern(1000)));          // queued toward the host
        send(gack(G + 2000, O, 502).flags(Seg.ACK).data(pattern(1000)));   // held out of order
        host.hostSends(a, pattern(3000));                                   // unacknowledged toward the guest
        sink.take();
        assertEquals(1, stack.activeFlows());
        stack.close();
        assertTrue(a.aborted);
        assertEquals(0, stack.activeFlows());
        // The harness closes again after the test: harmless.
    }

    @Test
    void thousandsOfFlowsThenAllReaped() {
        int n = 3000;
        build(RelayOptions.defaults());
        for (int i = 0; i < n; i++) {
            int port = 10_000 + i;
            send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(7).ports(port, RPORT));
            host.settleConnect(host.last(), 0);
            send(Seg.of(Seg.ACK).seq(G).ack(OUR_ISN + 1).win(502).ports(port, RPORT));
        }
        List<byte[]> out = frames();
        assertEquals(n, out.size(), "one SYN-ACK each");
        assertEquals(n, stack.activeFlows());
        for (int i = 0; i < n; i++) {
            assertEquals(TcpState.ESTABLISHED,
                    stack.tcp().connection(GUEST_IP, 10_000 + i, REMOTE, RPORT).state());
        }
        // Half close from the guest side, half stay established; all are reaped by their idle timers.
        for (int i = 0; i < n; i += 2) {
            send(Seg.of(Seg.ACK | Seg.FIN).seq(G).ack(OUR_ISN + 1).win(502).ports(10_000 + i, RPORT));
        }
        frames();
        clock.advanceNanos(TcpConnection.ESTABLISHED_IDLE);
        while (stack.nextDeadlineNanos() <= clock.nanoTime()) {
            stack.runTimers();
        }
        assertEquals(n, frames().size(), "one RST each");
        assertEquals(0, stack.activeFlows());
        for (FakeHostSockets.Sock s : host.sockets()) {
            assertTrue(s.aborted, "handle " + s.handle);
        }
        assertEquals(n, stack.counters().tcpFlowsReaped);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
    }
}
