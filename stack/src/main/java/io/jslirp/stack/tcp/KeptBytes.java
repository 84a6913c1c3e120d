package io.jslirp.stack.tcp;

import io.jslirp.stack.wire.Seq;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

/**
 * Bytes toward the guest that stay in the host socket until the guest acknowledges them.
 *
 * <h2>Theory of operation</h2>
 * TCP must be able to send again whatever the guest has not acknowledged. Copying it out of the host socket
 * means holding it: every unacknowledged frame stays in the retransmission queue, and a fast download keeps
 * the layer's whole flight budget of frames in jslirp's memory ({@link FlightToGuest}), a budget that is then
 * a trade between memory and speed. The host socket already has the bytes, though. Where the kernel lets a
 * reader peek at an offset (Linux 6.9+: SO_PEEK_OFF on TCP), a connection leaves them there, as passt does:
 * <ul>
 *   <li>{@link SegmentsToGuest#pumpToGuest} <i>peeks</i> new bytes into a pooled frame buffer, sends the frame
 *       and hands the buffer straight back to the pool; the retransmission queue records only the sequence
 *       range (a null frame). One buffer serves the whole stream, and nothing in flight is ours.</li>
 *   <li>An ACK that moves SND.UNA past {@link #DISCARD_BATCH} acknowledged bytes marks the connection; its
 *       flush drops them from the socket ({@link #discardAcked}), one system call per batch of ACKs, and
 *       an orderly close drops the rest first. {@code keptFromSeq} is the sequence number of the oldest byte
 *       still in the socket.</li>
 *   <li>A retransmission peeks the bytes again at their offset from that oldest byte ({@link #reread}), and
 *       the next new peek resumes where sending had got to.</li>
 * </ul>
 * What is in flight is then bounded by the guest's window and the host socket's receive buffer (the kernel's
 * {@code tcp_rmem}, which also pushes back on the host sender), not by a budget of jslirp's memory, so these
 * connections skip the flight budget. Their host sockets report readability once per arrival of new bytes
 * (bytes already peeked keep a socket readable); a pump that stops with bytes left (the guest's window, the
 * fairness budget) is brought back by the ACK that opens the window, whose interest change re-arms the report,
 * or by the flush. The decision is made per connection, at its first read: a kernel without SO_PEEK_OFF
 * keeps the copying path ({@link HostBytes#COPIED}). A graceful close drops the last acknowledged bytes first:
 * a socket closed with unread bytes resets its peer.
 */
final class KeptBytes {
    /**
     * Acknowledged bytes left in the socket before the flush drops them. A request/response exchange would
     * otherwise pay a discard call per response, one more system call in every round trip; a download
     * acknowledges far more than this per ACK anyway. The bytes it leaves cost the host sender that much of
     * its window at most, a fraction of the smallest receive buffer ({@code tcp_rmem}'s default 128 KiB).
     */
    static final int DISCARD_BATCH = 16 * 1024;
    /** What a kept byte the host socket no longer gives back counts as. */
    private static final int EIO = 5;

    private KeptBytes() {
    }

    /** At the first read: keep the bytes in the host socket if it can. */
    static void decide(TcpConnection c) {
        if (c.host.keepUntilDiscarded(c.handle)) {
            c.hostBytes = HostBytes.KEPT;
            c.keptFromSeq = c.sndNxt;
            c.counters.tcpKeptFlows++;
        } else {
            c.hostBytes = HostBytes.COPIED;
        }
    }

    /**
     * SND.UNA moved: once {@link #DISCARD_BATCH} acknowledged bytes are waiting in the socket, the flush drops
     * them (one call for all the ACKs of a batch).
     */
    static void acknowledged(TcpConnection c) {
        if (c.hostBytes == HostBytes.KEPT && !c.discardDue && acknowledgedInSocket(c) >= DISCARD_BATCH) {
            c.discardDue = true;
            c.layer.markPending(c);
        }
    }

    /**
     * Drops the acknowledged bytes from the host socket. False when the socket failed, and the flow has been
     * reset.
     */
    static boolean discardAcked(TcpConnection c) {
        c.discardDue = false;
        if (c.hostBytes != HostBytes.KEPT || c.handle < 0) {
            return true;
        }
        int n = acknowledgedInSocket(c);
        if (n <= 0) {
            return true;
        }
        int r = c.host.discard(c.handle, n);
        if (r < 0) {
            c.hostError(-r);
            return false;
        }
        c.keptFromSeq += r;
        return true;
    }

    /**
     * An orderly close: acknowledged bytes still in the socket would make it a reset (a socket closed with
     * unread bytes resets its peer). A failure here is one too, and nothing is left to tell.
     */
    static void beforeClose(TcpConnection c) {
        if (c.hostBytes == HostBytes.KEPT) {
            int n = acknowledgedInSocket(c);
            if (n > 0) {
                c.host.discard(c.handle, n);
            }
        }
    }

    /** Bytes the guest acknowledged that are still in the socket. Our FIN is a sequence number, not a byte. */
    private static int acknowledgedInSocket(TcpConnection c) {
        int upTo = c.finSentToGuest && Seq.gt(c.sndUna, c.finSeqToGuest) ? c.finSeqToGuest : c.sndUna;
        return Seq.diff(upTo, c.keptFromSeq);
    }

    /** Where the next new peek starts, from the oldest byte kept: everything sent, less our FIN. */
    private static int resumeAt(TcpConnection c) {
        return Seq.diff(c.sndNxt, c.keptFromSeq) - (c.finSentToGuest ? 1 : 0);
    }

    /**
     * The frame of retransmission queue entry {@code slot}, built again: its bytes peeked from the host socket
     * (those of it the guest has acknowledged already are left out), or our FIN. Null when the socket no longer
     * gives them (it failed, or a bug lost count), after the flow has been reset: a segment that cannot be sent
     * again would stall the guest forever.
     */
    static ByteBuf reread(TcpConnection c, int slot) {
        int seq = c.rtx.seq(slot);
        int end = seq + c.rtx.len(slot);
        if (c.finSentToGuest && seq == c.finSeqToGuest) {
            int hl = c.tcpHeaderLength;
            ByteBuf f = c.layer.alloc.directBuffer(c.l4At + hl);
            f.writerIndex(c.l4At + hl);
            c.writeHeaders(f, hl);
            SegmentsToGuest.writeTcp(c, f, seq, TcpSegment.ACK | TcpSegment.FIN, 0);
            return f;
        }
        if (Seq.lt(seq, c.keptFromSeq)) {
            seq = c.keptFromSeq;
        }
        int payload = Seq.diff(end, seq);
        int payloadAt = c.l4At + c.tcpHeaderLength;
        ByteBuf f = c.layer.memory.readBuffer();
        f.writerIndex(payloadAt);
        int r = payload > 0 && payload <= f.writableBytes()
                ? c.host.peekAt(c.handle, Seq.diff(seq, c.keptFromSeq), f, payload, resumeAt(c))
                : -1;
        if (r != payload) {
            c.layer.memory.recycle(f);
            c.counters.tcpKeptRereadsFailed++;
            c.hostError(r < 0 ? -r : EIO);
            return null;
        }
        c.writeHeaders(f, c.tcpHeaderLength + payload);
        SegmentsToGuest.writeTcp(c, f, seq, TcpSegment.ACK | TcpSegment.PSH, payload);
        return f;
    }
}
