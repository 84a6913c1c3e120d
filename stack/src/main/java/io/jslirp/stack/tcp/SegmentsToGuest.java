package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.Seq;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import static io.jslirp.stack.tcp.TcpConnection.*;
import static io.jslirp.stack.tcp.TcpState.*;

/**
 * Everything a connection sends the guest: the handshake segments, data read from the host socket, our FIN,
 * retransmissions, ACKs with SACK blocks, window probes and resets.
 *
 * <h2>Theory of operation</h2>
 * Data goes out zero-copy: {@link #pumpToGuest} takes a frame buffer from the layer's pool ({@link FrameMemory}),
 * reads the host socket straight into its payload area, and writes the headers around the bytes; the frame then
 * stays in the {@link RetransmitQueue} (one reference) while the sink sends and releases another. How much is
 * read is the guest's window less what is in flight, with sender SWS avoidance (RFC 9293 3.8.6.2.1: a full MSS,
 * half the largest window seen, or nothing in flight), and at most a super-segment with offload. A retransmission
 * rewrites only the TCP header of the queued frame (current ACK, window and timestamps: {@link #writeTcp}),
 * which is why every frame's TCP header starts at a fixed offset. Every segment we send records the ACK and
 * right window edge it advertised ({@link #noteAckSent}), so the receive side knows when a window update is
 * due and that the edge never moves left. Handshake segments, ACKs and RSTs are small, complete frames;
 * data frames carry a partial checksum and TSO when the device offloads. The methods are static over the
 * connection's fields, apart from the receive side ({@link SegmentsFromGuest}) as in gVisor's snd.go.
 */
final class SegmentsToGuest {
    private SegmentsToGuest() {
    }

    static void sendSynAck(TcpConnection c, boolean retransmission) {
        int optLen = 4 + (c.tsOk ? 12 : (c.sackOk ? 4 : 0)) + (c.rcvShift > 0 ? 4 : 0);
        int hl = TcpSegment.MIN_HEADER_LENGTH + optLen;
        ByteBuf f = c.layer.alloc.directBuffer(c.l4At + hl);
        c.writeHeaders(f, hl);
        // RFC 7323 2.2: the window in a SYN is never scaled.
        int window = Math.min(c.receiveSpace(), 0xffff);
        TcpSegment.writeHeader(f, c.l4At, c.remotePort, c.guestPort, c.iss, c.rcvNxt, hl,
                TcpSegment.SYN | TcpSegment.ACK, window);
        int at = TcpSegment.writeMss(f, c.l4At + 20, c.ourMss());
        if (c.tsOk) {
            at = TcpSegment.writeTimestamps(f, at, c.tsNow(), c.tsRecent, c.sackOk);
        } else if (c.sackOk) {
            at = TcpSegment.writeSackPermitted(f, at);
        }
        if (c.rcvShift > 0) {
            TcpSegment.writeWindowScale(f, at, RCV_SHIFT);
        }
        TcpSegment.writeChecksum(f, c.l4At, hl, c.addressSum);
        f.writerIndex(c.l4At + hl);
        c.sndNxt = c.iss + 1;
        c.rcvAdvertisedEdge = c.rcvNxt + window;
        c.lastAckSent = c.rcvNxt;
        if (!retransmission) {
            c.synAckSentAt = c.now();
        }
        sendFrame(c, f);
    }

    /**
     * Our SYN, offering everything we speak in Linux's layout (MSS = MTU - 40, SACK-permitted, timestamps,
     * window scale 7); the guest's SYN-ACK says what it agrees to.
     */
    static void sendSyn(TcpConnection c) {
        int hl = TcpSegment.MIN_HEADER_LENGTH + 20;
        ByteBuf f = c.layer.alloc.directBuffer(c.l4At + hl);
        c.writeHeaders(f, hl);
        // RFC 7323 2.2: the window in a SYN is never scaled.
        TcpSegment.writeHeader(f, c.l4At, c.remotePort, c.guestPort, c.iss, 0, hl, TcpSegment.SYN,
                Math.min(c.receiveSpace(), 0xffff));
        int at = TcpSegment.writeMss(f, c.l4At + 20, c.ourMss());
        at = TcpSegment.writeTimestamps(f, at, c.tsNow(), 0, true);
        TcpSegment.writeWindowScale(f, at, RCV_SHIFT);
        TcpSegment.writeChecksum(f, c.l4At, hl, c.addressSum);
        f.writerIndex(c.l4At + hl);
        if (c.sndNxt == c.iss) {
            c.synSentAt = c.now();
        }
        c.sndNxt = c.iss + 1;
        sendFrame(c, f);
    }

    /** The answer to a SYN nobody accepts: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (RFC 9293 3.10.7.1). */
    static void resetSyn(TcpConnection c) {
        c.sendReset(0, c.irs + 1, TcpSegment.RST | TcpSegment.ACK);
    }

    static boolean sendingState(TcpConnection c) {
        return (c.state == ESTABLISHED || c.state == CLOSE_WAIT) && !c.hostEof && c.handle >= 0;
    }

    /**
     * Room in the guest's window for new data now, with sender-side SWS avoidance (RFC 9293 3.8.6.2.1), and
     * none while this connection's bytes in flight reach its share of the layer's budget
     * ({@link FlightToGuest}; its ACKs bring it back).
     */
    static int usableWindow(TcpConnection c) {
        int inflight = Seq.diff(c.sndNxt, c.sndUna);
        int avail = c.sndWnd - inflight;
        if (avail <= 0) {
            return 0;
        }
        if (avail < c.effMss && inflight > 0 && avail < c.maxSndWnd / 2) {
            return 0;
        }
        if (overShare(c)) {
            return 0;
        }
        return Math.min(avail, c.maxSegToGuest);
    }

    /**
     * This connection's bytes in flight reached its share of the layer's budget, or the layer's total reached
     * the budget: no new frame starts until its ACKs come. With nothing in flight it may always start one (so
     * that ACKs do come; nobody else would wake it).
     */
    private static boolean overShare(TcpConnection c) {
        int inflight = Seq.diff(c.sndNxt, c.sndUna);
        FlightToGuest flight = c.layer.flight;
        return inflight > 0 && (inflight >= flight.share() || flight.bytes() >= FlightToGuest.BUDGET);
    }

    /** Reads from the host socket straight into frames for the guest, as far as the guest's window allows. */
    static void pumpToGuest(TcpConnection c) {
        c.sendPending = false;
        if (!sendingState(c)) {
            return;
        }
        int hl = c.tcpHeaderLength;
        int payloadAt = c.l4At + hl;
        for (int budget = PUMP_BUDGET; ; budget--) {
            if (budget == 0) {
                // Fairness: let other flows run; the level-triggered readiness brings us back.
                c.sendPending = true;
                c.layer.markPending(c);
                break;
            }
            int want = Math.min(usableWindow(c), c.layer.memory.frameCapacity - payloadAt);
            if (want <= 0) {
                if (overShare(c)) {
                    c.counters.tcpFlightBudgetStops++;
                }
                break;
            }
            ByteBuf f = c.layer.memory.readBuffer();
            f.writerIndex(payloadAt);
            int r;
            try {
                r = c.host.read(c.handle, f, want);
            } catch (RuntimeException e) {
                f.release();
                throw e;
            }
            if (r > 0) {
                // The frame stays queued until acknowledged: a short read must not pin a 64 KiB buffer.
                f = c.layer.memory.fitReadBuffer(f, payloadAt + r);
                c.lastActivity = c.now();
                c.counters.tcpBytesToGuest += r;
                sendNewSegment(c, f, r, TcpSegment.ACK | TcpSegment.PSH);
                if (r < want) {
                    // A stream socket that gave less than asked is empty for now; asking again would only
                    // return EAGAIN (a wasted syscall per request/response), and level-triggered
                    // readiness brings us back when more arrives.
                    break;
                }
                continue;
            }
            // Nothing read (EAGAIN after an ACK opened the window, EOF, an error): the buffer goes back to the
            // pool, not to the allocator, or every window update would cost a new one.
            c.layer.memory.recycle(f);
            if (r == 0) {
                break;
            }
            if (r == HostSockets.EOF) {
                onHostEof(c);
                return;
            }
            c.hostError(-r);
            return;
        }
        c.updateInterest();
        ConnectionTimers.armPersistIfNeeded(c);
    }

    /** Fills headers around {@code payload} bytes already in {@code f}, sends a duplicate, keeps {@code f}. */
    private static void sendNewSegment(TcpConnection c, ByteBuf f, int payload, int flags) {
        int seq = c.sndNxt;
        int seqLen = payload + ((flags & TcpSegment.FIN) != 0 ? 1 : 0);
        f.writerIndex(c.l4At + c.tcpHeaderLength + payload);
        c.writeHeaders(f, c.tcpHeaderLength + payload);
        writeTcp(c, f, seq, flags, payload);
        c.sndNxt = seq + seqLen;
        long now = c.now();
        c.rtx.add(f, seq, seqLen, now);
        if (c.rtxDeadline == Long.MAX_VALUE) {
            c.rtxDeadline = now + c.rtt.rto();
            c.layer.timers.schedule(c, c.rtxDeadline);
        }
        // The queue keeps its reference; the sink releases the other. Not a duplicate: a duplicate is one
        // more object per segment, and the sink only reads the frame (retransmission resets its readerIndex).
        sendDataFrame(c, f.retain(), c.effMss, c.l4At);
    }

    /** Writes (or rewrites, on retransmission) the TCP header of a frame: current ACK, window, timestamps. */
    private static void writeTcp(TcpConnection c, ByteBuf f, int seq, int flags, int payload) {
        int at = c.l4At;
        int space = c.receiveSpace();
        int window = Math.min(space >>> c.rcvShift, 0xffff);
        TcpSegment.writeHeader(f, at, c.remotePort, c.guestPort, seq, c.rcvNxt, c.tcpHeaderLength, flags, window);
        if (c.tsOk) {
            TcpSegment.writeTimestamps(f, at + TcpSegment.MIN_HEADER_LENGTH, c.tsNow(), c.tsRecent, false);
        }
        if (c.layer.offload) {
            // The device completes it (NEEDS_CSUM); a receiving Linux takes a partial checksum as valid.
            TcpSegment.writePartialChecksum(f, at, c.tcpHeaderLength + payload, c.addressSum);
        } else {
            TcpSegment.writeChecksum(f, at, c.tcpHeaderLength + payload, c.addressSum);
        }
        noteAckSent(c, window);
    }

    private static void noteAckSent(TcpConnection c, int windowField) {
        c.lastAckSent = c.rcvNxt;
        int edge = c.rcvNxt + (windowField << c.rcvShift);
        if (Seq.gt(edge, c.rcvAdvertisedEdge)) {
            c.rcvAdvertisedEdge = edge;
        }
        c.ackDue = false;
    }

    private static void onHostEof(TcpConnection c) {
        c.hostEof = true;
        // Host EOF: our FIN follows the data already sent (it needs no window, RFC 9293 3.8.6.2.1).
        ByteBuf f = c.layer.alloc.directBuffer(c.l4At + c.tcpHeaderLength);
        f.writerIndex(c.l4At + c.tcpHeaderLength);
        c.finSentToGuest = true;
        c.finSeqToGuest = c.sndNxt;
        c.state = c.state == ESTABLISHED ? FIN_WAIT_1 : LAST_ACK;
        c.persistDeadline = Long.MAX_VALUE;
        sendNewSegment(c, f, 0, TcpSegment.ACK | TcpSegment.FIN);
        c.updateInterest();
        ConnectionTimers.scheduleTimers(c);
    }

    /** Resends the oldest segment the guest has not acknowledged or SACKed. */
    static void retransmitFirst(TcpConnection c, long now) {
        int i = c.rtx.firstUnsacked();
        if (i < 0) {
            return;
        }
        ByteBuf f = c.rtx.frame(i);
        int payload = f.writerIndex() - c.l4At - c.tcpHeaderLength;
        int flags = f.getUnsignedByte(c.l4At + 13);
        writeTcp(c, f, c.rtx.seq(i), flags, payload);
        c.rtx.markResent(i, now);
        c.counters.tcpRetransmits++;
        f.readerIndex(0);
        sendDataFrame(c, f.retain(), c.effMss, c.l4At);
    }

    /** An ACK (with SACK blocks when we hold out-of-order data and the guest agreed), sent now. */
    static void sendAckNow(TcpConnection c) {
        if (c.state == CONNECTING || c.state == SYN_SENT || c.state == CLOSED) {
            return;
        }
        if (c.state == SYN_RECEIVED) {
            // Nothing is synchronized yet: the only thing to say is the SYN-ACK.
            return;
        }
        int blocks = c.sackOk ? Math.min(c.ooo.sackBlocks(c.layer.sackLeft, c.layer.sackRight), c.tsOk ? 3 : 4) : 0;
        int hl = c.tcpHeaderLength + (blocks > 0 ? 4 + 8 * blocks : 0);
        ByteBuf f = c.layer.alloc.directBuffer(c.l4At + hl);
        c.writeHeaders(f, hl);
        int at = c.l4At;
        int window = Math.min(c.receiveSpace() >>> c.rcvShift, 0xffff);
        TcpSegment.writeHeader(f, at, c.remotePort, c.guestPort, c.sndNxt, c.rcvNxt, hl, TcpSegment.ACK, window);
        int opt = at + TcpSegment.MIN_HEADER_LENGTH;
        if (c.tsOk) {
            opt = TcpSegment.writeTimestamps(f, opt, c.tsNow(), c.tsRecent, false);
        }
        if (blocks > 0) {
            TcpSegment.writeSackBlocks(f, opt, c.layer.sackLeft, c.layer.sackRight, blocks);
        }
        TcpSegment.writeChecksum(f, at, hl, c.addressSum);
        f.writerIndex(c.l4At + hl);
        noteAckSent(c, window);
        sendFrame(c, f);
    }

    static void sendProbe(TcpConnection c) {
        int hl = c.tcpHeaderLength;
        ByteBuf f = c.layer.alloc.directBuffer(c.l4At + hl);
        c.writeHeaders(f, hl);
        f.writerIndex(c.l4At + hl);
        writeTcp(c, f, c.sndUna - 1, TcpSegment.ACK, 0);
        sendDataFrame(c, f, c.effMss, c.l4At);
    }

    static void sendRstToGuest(TcpConnection c) {
        if (c.state == SYN_RECEIVED || c.state == ESTABLISHED || c.state == FIN_WAIT_1 || c.state == FIN_WAIT_2
                || c.state == CLOSE_WAIT || c.state == CLOSING || c.state == LAST_ACK) {
            c.sendReset(c.sndNxt, c.rcvNxt, TcpSegment.RST | TcpSegment.ACK);
        }
    }

    /** A complete frame of {@code c}'s, on its route. */
    private static void sendFrame(TcpConnection c, ByteBuf f) {
        c.layer.counters.tcpSegmentsOut++;
        c.out.send(f);
    }

    /**
     * A segment from writeTcp, its TCP header at {@code l4At}: partial checksum and TSO for an offloading
     * device, else complete.
     */
    private static void sendDataFrame(TcpConnection c, ByteBuf f, int gsoSize, int l4At) {
        Counters counters = c.layer.counters;
        counters.tcpSegmentsOut++;
        if (c.layer.offload) {
            if (f.readableBytes() - l4At - (f.getUnsignedByte(l4At + 12) >>> 4) * 4 > gsoSize) {
                counters.gsoFramesOut++;
            }
            c.out.sendOffload(f, gsoSize);
        } else {
            c.out.send(f);
        }
    }
}
