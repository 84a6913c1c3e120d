package io.jslirp.stack.tcp;

import io.jslirp.stack.wire.Seq;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import static io.jslirp.stack.tcp.TcpConnection.*;
import static io.jslirp.stack.tcp.TcpState.*;

/**
 * The decision tables for a segment from the guest, one per state, each branch with the rule of RFC 9293
 * 3.10.7 (or RFC 5961, 6582, 7323, 2018) it follows.
 *
 * <h2>Theory of operation</h2>
 * {@link #onSegment} is the whole of "SEGMENT ARRIVES" for an existing flow (the layer handles the CLOSED
 * state, a segment with no flow). While the host connect is pending ({@code CONNECTING}) we have sent
 * nothing, so the table only absorbs SYN retransmissions and passes a RST on as an abort. In {@code SYN_SENT}
 * (a port forward's SYN to the guest) the checks run in the RFC's order for that state: ACK, RST, SYN. In
 * every synchronized state they run in the RFC's order too: sequence acceptability (with the zero-window
 * probe exception), RST (exactly at RCV.NXT, else a challenge ACK), SYN (challenge ACK), ACK (the state
 * transitions of SYN_RECEIVED, FIN_WAIT_1, CLOSING and LAST_ACK happen when our SYN or FIN is acknowledged),
 * then the text and the FIN. Text is trimmed to RCV.NXT and the window; in-order bytes go to the host
 * ({@code TcpConnection.deliverToHost}), out-of-order ones to the {@link OutOfOrderQueue}. An ACK that
 * advances SND.UNA frees the {@link RetransmitQueue}, gives an RTT sample to the {@link RttEstimator}, and
 * repairs the next hole during NewReno recovery; the third duplicate ACK starts fast retransmit. The
 * methods are static over the connection's fields: they are the connection's behaviour, kept apart from its
 * state and the sending side ({@link SegmentsToGuest}) as gVisor keeps rcv.go apart from snd.go.
 */
final class SegmentsFromGuest {
    private SegmentsFromGuest() {
    }

    /**
     * Processes one segment for this flow.
     *
     * @return true when the flow was closed and the segment should be handled as a new connection attempt
     */
    static boolean onSegment(TcpConnection c, TcpSegment s) {
        if (c.state == CONNECTING) {
            return onSegmentConnecting(c, s);
        }
        if (c.state == SYN_SENT) {
            return onSegmentSynSent(c, s);
        }
        long now = c.now();
        int flags = s.flags();
        int seq = s.seq();
        int segLen = s.seqLength();

        // SYN_RECEIVED, first check: the guest's SYN again means our SYN-ACK was lost; say it again.
        if (c.state == SYN_RECEIVED && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN && seq == c.irs) {
            c.counters.tcpSynAckRetransmits++;
            SegmentsToGuest.sendSynAck(c, true);
            return false;
        }
        // TIME_WAIT: a new SYN above the old sequence space may reopen the tuple (RFC 9293 3.10.7.4 note,
        // RFC 6191); the caller starts a fresh connection from it.
        if (c.state == TIME_WAIT && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN
                && Seq.gt(seq, c.rcvNxt)) {
            c.destroy(false);
            return true;
        }

        // First check, sequence number (RFC 9293 3.10.7.4): the acceptability test.
        int rcvWnd = c.receiveSpace();
        boolean ackOnly = false;
        if (!acceptable(c, seq, segLen, rcvWnd)) {
            if ((flags & TcpSegment.RST) == 0) {
                // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply."
                c.counters.tcpOutOfWindow++;
                SegmentsToGuest.sendAckNow(c);
            }
            // Zero window: the ACK and window of a probe at RCV.NXT still count (RFC 9293 3.10.7.4 note).
            if (!(rcvWnd == 0 && seq == c.rcvNxt && (flags & TcpSegment.ACK) != 0 && (flags & TcpSegment.RST) == 0)) {
                return false;
            }
            ackOnly = true;
        }
        c.lastActivity = now;

        // Second check, RST (RFC 5961 3.2): exactly at RCV.NXT resets, elsewhere in the window only
        // draws a challenge ACK, so a blind attacker must guess the exact sequence number.
        if ((flags & TcpSegment.RST) != 0) {
            if (seq != c.rcvNxt) {
                SegmentsToGuest.sendAckNow(c);
                return false;
            }
            c.counters.tcpRstIn++;
            // SYN_RECEIVED, ESTABLISHED, FIN_WAIT_*, CLOSE_WAIT: reset, pass it on to the host (abort).
            // CLOSING, LAST_ACK, TIME_WAIT: close; the host side is done or is aborted the same way.
            c.destroy(true);
            return false;
        }

        // Fourth check, SYN in a synchronized state (RFC 5961 4.2): challenge ACK, drop.
        if ((flags & TcpSegment.SYN) != 0) {
            SegmentsToGuest.sendAckNow(c);
            return false;
        }

        // Fifth check: no ACK, drop.
        if ((flags & TcpSegment.ACK) == 0) {
            c.counters.tcpUnexpected++;
            return false;
        }

        int ack = s.ack();
        if (c.state == SYN_RECEIVED) {
            // SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED", else
            // <SEQ=SEG.ACK><CTL=RST>.
            if (!(Seq.lt(c.sndUna, ack) && Seq.le(ack, c.sndNxt))) {
                c.sendReset(ack, 0, TcpSegment.RST);
                return false;
            }
            c.sndUna = ack;
            c.sndWnd = s.window() << c.sndShift;
            c.maxSndWnd = c.sndWnd;
            c.sndWl1 = seq;
            c.sndWl2 = ack;
            c.rtxDeadline = Long.MAX_VALUE;
            if (c.synAckRetransmits == 0 && !c.tsOk) {
                c.rtt.sample(now - c.synAckSentAt);
            } else if (c.tsOk && s.tsEcr() != 0) {
                c.rtt.sample((long) (c.tsNow() - s.tsEcr()) * 1_000_000L);
            }
            c.retransmits = 0;
            c.state = ESTABLISHED;
            c.sendPending = true;
            c.layer.markPending(c);
            c.updateInterest();
        } else {
            if (!processAck(c, s, seq, ack, now)) {
                return false;
            }
            if (c.state == CLOSED) {
                return false;
            }
        }
        if (c.tsOk && s.hasTimestamps() && Seq.le(seq, c.lastAckSent)) {
            // RFC 7323 4.3: remember the guest's clock from segments at the left window edge.
            c.tsRecent = s.tsVal();
        }

        // Seventh check, segment text: only while the guest has not sent its FIN.
        boolean fin = (flags & TcpSegment.FIN) != 0;
        int payload = s.payloadLength();
        if (!ackOnly && (payload > 0 || fin)) {
            if (c.state == ESTABLISHED || c.state == FIN_WAIT_1 || c.state == FIN_WAIT_2) {
                receiveData(c, s, seq, payload, fin, rcvWnd);
            } else if (c.state == TIME_WAIT && fin) {
                // A retransmitted FIN: our last ACK was lost; acknowledge again (and restart 2MSL, which
                // lastActivity just did).
                SegmentsToGuest.sendAckNow(c);
            } else {
                // CLOSE_WAIT, CLOSING, LAST_ACK: the guest's FIN came already, anything later is a
                // duplicate (RFC 9293: "ignore the segment text"); an ACK tells it where we are.
                if (Seq.lt(seq, c.rcvNxt)) {
                    SegmentsToGuest.sendAckNow(c);
                }
            }
        }
        return false;
    }

    /** Records the guest's SYN (RFC 9293 3.10.7.2, LISTEN state, "third check for a SYN"). */
    static void acceptSyn(TcpConnection c, TcpSegment s, int isn) {
        c.irs = s.seq();
        // Data on a SYN (TCP Fast Open) is not acknowledged; the guest sends it again after the handshake.
        c.rcvNxt = c.irs + 1;
        c.iss = isn;
        c.sndUna = c.iss;
        c.sndNxt = c.iss;
        takeSynOptions(c, s);
        c.state = CONNECTING;
    }

    /**
     * The options of the guest's SYN or SYN-ACK. We offer every option we speak (or, answering a SYN, exactly
     * those it offered), so what it sends is what is agreed.
     */
    static void takeSynOptions(TcpConnection c, TcpSegment s) {
        int guestMss = s.mss() > 0 ? s.mss() : DEFAULT_GUEST_MSS;
        if (s.windowScale() >= 0) {
            // RFC 7323 2.2: scaling is on only when both SYNs carry the option.
            c.sndShift = s.windowScale();
            c.rcvShift = RCV_SHIFT;
        } else {
            c.sndShift = 0;
            c.rcvShift = 0;
        }
        c.sackOk = s.sackPermitted();
        c.tsOk = s.hasTimestamps();
        if (c.tsOk) {
            c.tsRecent = s.tsVal();
        }
        c.tcpHeaderLength = TcpSegment.MIN_HEADER_LENGTH + (c.tsOk ? 12 : 0);
        // Our frames never exceed the MTU: the guest's MSS, capped by ours, less the options we always send.
        c.effMss = Math.max(MIN_MSS, Math.min(guestMss, c.ourMss()) - (c.tsOk ? 12 : 0));
        // With offload one frame carries as many whole MSS-sized segments as an IP datagram and a frame
        // buffer hold; the device (the guest's stack) cuts it back to effMss.
        int l4Room = Math.min(c.out.maxL4Length(), c.layer.memory.frameCapacity - c.l4At);
        c.maxSegToGuest = c.layer.offload
                ? Math.max(c.effMss, (l4Room - c.tcpHeaderLength) / c.effMss * c.effMss)
                : c.effMss;
        c.sndWnd = s.window(); // unscaled in a SYN (RFC 7323 2.2)
        c.maxSndWnd = c.sndWnd;
    }

    /** Decision table for a guest segment while the host connect is pending (we have not answered yet). */
    private static boolean onSegmentConnecting(TcpConnection c, TcpSegment s) {
        int flags = s.flags();
        if ((flags & TcpSegment.RST) != 0) {
            // The guest gave up on its SYN: pass it on by aborting the host connect.
            c.counters.tcpRstIn++;
            c.destroy(true);
            return false;
        }
        if ((flags & TcpSegment.SYN) != 0 && (flags & TcpSegment.ACK) == 0) {
            if (s.seq() == c.irs) {
                // Retransmitted SYN: the SYN-ACK comes once the host connect settles.
                c.counters.tcpSynAbsorbed++;
                return false;
            }
            // A new ISN on the same tuple: the guest abandoned the first attempt; so do we.
            c.destroy(true);
            c.state = CLOSED;
            return true;
        }
        // We have sent nothing, so nothing can be acknowledged: no conforming guest sends this.
        c.counters.tcpUnexpected++;
        return false;
    }

    /** Decision table for a guest segment while our SYN is unanswered (RFC 9293 3.10.7.3, SYN-SENT). */
    private static boolean onSegmentSynSent(TcpConnection c, TcpSegment s) {
        if (c.sndNxt == c.iss) {
            // Our SYN has not gone out yet (the guest's MAC is unknown), so nothing the guest sends can be
            // about this connection: a stray segment of an older one on the same tuple.
            c.counters.tcpUnexpected++;
            return false;
        }
        int flags = s.flags();
        boolean hasAck = (flags & TcpSegment.ACK) != 0;
        int ack = s.ack();
        // First check, ACK: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set,
        // if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST>".
        if (hasAck && !(Seq.gt(ack, c.iss) && Seq.le(ack, c.sndNxt))) {
            if ((flags & TcpSegment.RST) == 0) {
                c.counters.tcpOutOfWindow++;
                c.sendReset(ack, 0, TcpSegment.RST);
            }
            return false;
        }
        // Second check, RST: with an acceptable ACK the guest refused ("error: connection reset"), and the
        // client learns it at once from a reset of its own; without an ACK, drop (RFC 5961 3.2 accepts a
        // RST in SYN-SENT only when it acknowledges our SYN).
        if ((flags & TcpSegment.RST) != 0) {
            if (hasAck) {
                c.counters.tcpRstIn++;
                if (!c.refusedOrFallBack()) {
                    c.counters.tcpForwardRefused++;
                }
            } else {
                c.counters.tcpUnexpected++;
            }
            return false;
        }
        // Fourth check, SYN: "If neither of the SYN or RST bits is set, then drop the segment and return."
        if ((flags & TcpSegment.SYN) == 0) {
            c.counters.tcpUnexpected++;
            return false;
        }
        long now = c.now();
        c.irs = s.seq();
        c.rcvNxt = c.irs + 1;
        takeSynOptions(c, s);
        if (!hasAck) {
            // Simultaneous open (the guest connected out from this port to the client's address and port at
            // this very moment): "enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT>"; the
            // passive side's SYN_RECEIVED handling takes it from there.
            c.state = SYN_RECEIVED;
            SegmentsToGuest.sendSynAck(c, false);
            c.rtxDeadline = now + c.rtt.rto();
            ConnectionTimers.scheduleTimers(c);
            return false;
        }
        // "If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED, form an
        // ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it." Data on the SYN-ACK is not
        // acknowledged; the guest sends it again.
        c.sndUna = ack;
        c.sndWl1 = c.irs;
        c.sndWl2 = ack;
        c.rtxDeadline = Long.MAX_VALUE;
        if (c.tsOk && s.tsEcr() != 0) {
            c.rtt.sample((long) (c.tsNow() - s.tsEcr()) * 1_000_000L);
        } else if (c.synRetransmits == 0) {
            c.rtt.sample(now - c.synSentAt);
        } else {
            c.rtt.afterSynTimeout();
        }
        c.lastActivity = now;
        c.state = ESTABLISHED;
        c.counters.tcpForwardEstablished++;
        // The right edge our SYN offered (its window is never scaled): window updates are measured from it,
        // as the passive side's are from its SYN-ACK's.
        c.rcvAdvertisedEdge = c.rcvNxt + Math.min(c.receiveSpace(), 0xffff);
        SegmentsToGuest.sendAckNow(c);
        // The client's bytes now have somewhere to go: what it sent while we waited, then its EOF, are read
        // at the end of this batch, in order.
        c.sendPending = true;
        c.layer.markPending(c);
        c.updateInterest();
        ConnectionTimers.scheduleTimers(c);
        return false;
    }

    /** RFC 9293 3.10.7.4 acceptability: the four cases of segment length against window. */
    private static boolean acceptable(TcpConnection c, int seq, int segLen, int rcvWnd) {
        if (segLen == 0) {
            return rcvWnd == 0 ? seq == c.rcvNxt : Seq.inRange(seq, c.rcvNxt, c.rcvNxt + rcvWnd);
        }
        if (rcvWnd == 0) {
            return false;
        }
        return Seq.inRange(seq, c.rcvNxt, c.rcvNxt + rcvWnd)
                || Seq.inRange(seq + segLen - 1, c.rcvNxt, c.rcvNxt + rcvWnd);
    }

    /** Fifth check, ACK field, in a synchronized state. Returns false when the segment is to be dropped. */
    private static boolean processAck(TcpConnection c, TcpSegment s, int seq, int ack, long now) {
        if (Seq.gt(ack, c.sndNxt)) {
            // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT) then send an ACK, drop the segment."
            c.counters.tcpOutOfWindow++;
            SegmentsToGuest.sendAckNow(c);
            return false;
        }
        int window = s.window() << c.sndShift;
        if (Seq.lt(ack, c.sndUna)) {
            // Old duplicate ACK: ignore the ACK, still take the data.
            return true;
        }
        boolean windowChanged = false;
        // Window update rule: newer segment, or same segment acknowledging more (RFC 9293 3.10.7.4).
        if (Seq.lt(c.sndWl1, seq) || (c.sndWl1 == seq && Seq.le(c.sndWl2, ack))) {
            windowChanged = window != c.sndWnd;
            int oldWnd = c.sndWnd;
            c.sndWnd = window;
            c.sndWl1 = seq;
            c.sndWl2 = ack;
            if (window > c.maxSndWnd) {
                c.maxSndWnd = window;
            }
            if (window > oldWnd) {
                // The window opened: read more from the host at the end of the batch.
                c.sendPending = true;
                c.layer.markPending(c);
            }
        }
        if (c.sackOk && s.sackCount() > 0) {
            markSacked(c, s);
        }
        if (Seq.gt(ack, c.sndUna)) {
            ackAdvanced(c, s, ack, now);
            if (c.state == CLOSED) {
                return false;
            }
        } else if (s.payloadLength() == 0 && !s.fin() && !windowChanged && c.sndNxt != c.sndUna) {
            // RFC 5681 duplicate ACK: no data, no window change, outstanding data, same SEG.ACK.
            c.counters.tcpDupAcksIn++;
            if (++c.dupAcks == DUP_ACK_THRESHOLD) {
                c.counters.tcpFastRetransmits++;
                c.inRecovery = true;
                c.recover = c.sndNxt;
                SegmentsToGuest.retransmitFirst(c, now);
            }
        }
        c.updateInterest();
        ConnectionTimers.armPersistIfNeeded(c);
        return true;
    }

    private static void ackAdvanced(TcpConnection c, TcpSegment s, int ack, long now) {
        c.dupAcks = 0;
        c.retransmits = 0;
        long sampleSentAt = c.rtx.removeAcked(ack, c.layer);
        c.sndUna = ack;
        if (c.tsOk && s.hasTimestamps() && s.tsEcr() != 0) {
            c.rtt.sample((long) (c.tsNow() - s.tsEcr()) * 1_000_000L);
        } else if (sampleSentAt >= 0) {
            // Karn's algorithm: only segments never retransmitted give samples.
            c.rtt.sample(now - sampleSentAt);
        }
        if (c.inRecovery) {
            if (Seq.lt(ack, c.recover)) {
                // NewReno partial ACK (RFC 6582): the next hole is lost too; repair it now.
                SegmentsToGuest.retransmitFirst(c, now);
            } else {
                c.inRecovery = false;
            }
        }
        c.rtxDeadline = c.sndUna != c.sndNxt ? now + c.rtt.rto() : Long.MAX_VALUE;
        if (c.rtxDeadline != Long.MAX_VALUE) {
            c.layer.timers.schedule(c, c.rtxDeadline);
        }
        // Our FIN counts once SND.UNA passes it.
        if (c.finSentToGuest && Seq.gt(ack, c.finSeqToGuest)) {
            onOurFinAcked(c);
        }
    }

    /** The host-to-guest direction is complete. */
    private static void onOurFinAcked(TcpConnection c) {
        switch (c.state) {
            case FIN_WAIT_1:
                // FIN-WAIT-1: "if our FIN is now acknowledged then enter FIN-WAIT-2".
                c.state = FIN_WAIT_2;
                ConnectionTimers.scheduleTimers(c);
                break;
            case CLOSING:
                // CLOSING: "if the ACK acknowledges our FIN then enter the TIME-WAIT state".
                c.enterTimeWait();
                break;
            case LAST_ACK:
                // LAST-ACK: "if our FIN is now acknowledged, delete the TCB, enter the CLOSED state";
                // unless the host has not taken all of the guest's data yet: then a TIME_WAIT record keeps
                // the host socket until the queue drains.
                if (c.toHost.isEmpty()) {
                    c.destroy(false);
                } else {
                    c.enterTimeWait();
                }
                break;
            default:
                break;
        }
    }

    private static void markSacked(TcpConnection c, TcpSegment s) {
        for (int b = 0; b < s.sackCount(); b++) {
            int left = s.sackLeft(b);
            int right = s.sackRight(b);
            // RFC 2018: blocks outside SND.UNA..SND.NXT are bogus; ignore them.
            if (!Seq.le(c.sndUna, left) || !Seq.lt(left, right) || !Seq.le(right, c.sndNxt)) {
                continue;
            }
            c.rtx.markSacked(left, right);
        }
    }

    /** Segment text for ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, trimmed to the window, in or out of order. */
    private static void receiveData(TcpConnection c, TcpSegment s, int seq, int payload, boolean fin, int rcvWnd) {
        ByteBuf buf = s.buffer();
        int at = s.payloadOffset();
        int len = payload;
        // Trim what we already have (a retransmission overlapping RCV.NXT).
        int behind = Seq.diff(c.rcvNxt, seq);
        if (behind > 0) {
            if (behind > len) {
                // Only the FIN (or nothing) is new; a FIN whose sequence we passed is a duplicate.
                if (fin && behind == len) {
                    len = 0;
                    seq = c.rcvNxt;
                } else {
                    SegmentsToGuest.sendAckNow(c);
                    return;
                }
            } else {
                at += behind;
                len -= behind;
                seq = c.rcvNxt;
            }
        }
        // Trim what lies beyond the window; a trimmed tail takes the FIN with it.
        int room = Seq.diff(c.rcvNxt + rcvWnd, seq);
        if (len > room) {
            len = Math.max(room, 0);
            fin = false;
        }
        if (seq != c.rcvNxt) {
            c.counters.tcpOutOfOrderIn++;
            c.ooo.hold(buf, at, len, seq, fin);
            if (!c.writeDeferred()) {
                return;
            }
            // RFC 5681 4.2: an out-of-order segment is acknowledged at once (the duplicate ACK that
            // drives the guest's fast retransmit), with SACK blocks when agreed.
            SegmentsToGuest.sendAckNow(c);
            return;
        }
        if (len > 0) {
            c.rcvNxt += len;
            c.counters.tcpBytesFromGuest += len;
            if (!c.deliverToHost(buf, at, len)) {
                return;
            }
        }
        boolean filledGap = !c.ooo.isEmpty();
        if (filledGap && !c.drainOutOfOrder()) {
            return;
        }
        boolean finNow = fin || c.ooo.finAt(c.rcvNxt);
        if ((filledGap || finNow) && !c.writeDeferred()) {
            return;
        }
        if (finNow) {
            receiveFin(c);
            if (c.state == CLOSED) {
                return;
            }
        }
        if (filledGap) {
            // A filled hole is acknowledged at once so the guest leaves recovery quickly (RFC 5681 4.2).
            SegmentsToGuest.sendAckNow(c);
        } else {
            c.markAckDue();
        }
    }

    /** Eighth check, FIN (RFC 9293 3.10.7.4). */
    private static void receiveFin(TcpConnection c) {
        c.rcvNxt += 1;
        c.finFromGuest = true;
        c.ooo.clearFin();
        switch (c.state) {
            case ESTABLISHED:
                // ESTABLISHED: enter CLOSE-WAIT; the host gets shutdown(SHUT_WR) once our queue is empty.
                c.state = CLOSE_WAIT;
                break;
            case FIN_WAIT_1:
                // FIN-WAIT-1: our FIN not yet acknowledged (else we would be in FIN-WAIT-2): CLOSING.
                c.state = CLOSING;
                break;
            case FIN_WAIT_2:
                // FIN-WAIT-2: enter TIME-WAIT.
                c.state = TIME_WAIT;
                break;
            default:
                break;
        }
        if (c.toHost.isEmpty()) {
            c.shutHostWrite();
        }
        if (c.state == TIME_WAIT) {
            SegmentsToGuest.sendAckNow(c);
            c.enterTimeWait();
            return;
        }
        ConnectionTimers.scheduleTimers(c);
    }
}
