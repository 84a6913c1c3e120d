package io.jslirp.stack.tcp;

import io.jslirp.stack.iface.IpOutput;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Seq;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import static io.jslirp.stack.tcp.TcpConnection.RCV_BUFFER;
import static io.jslirp.stack.tcp.TcpConnection.RCV_SHIFT;
import static io.jslirp.stack.tcp.TcpConnection.TIME_WAIT_TIME;

/**
 * TIME_WAIT from a {@link TimeWaitTable} record: how a connection whose host side and buffers are gone enters
 * it, and the decision table for a guest segment that finds it there.
 *
 * <h2>Theory of operation</h2>
 * A connection enters TIME_WAIT with an ACK of the guest's FIN; once it also holds no host socket (its queue
 * toward the host is empty) {@link #retire} turns it into a record and lets the object go. The table below is
 * {@code SegmentsFromGuest.onSegment} for TIME_WAIT with nothing queued, so a record answers exactly as the
 * connection would have: the receive window is the whole of {@link TcpConnection#RCV_BUFFER}, SND.UNA equals
 * SND.NXT (our FIN was acknowledged, nothing follows it), Last.ACK.sent is RCV.NXT, and nothing is held out of
 * order, so there are no SACK blocks. In RFC 9293 3.10.7.4 order:
 * <ul>
 * <li>a SYN without ACK above RCV.NXT ends the record and opens a new connection (RFC 6191; the caller does);</li>
 * <li>an unacceptable segment (a retransmitted FIN lies wholly below RCV.NXT) is answered with an ACK unless it
 *     is a RST (counted in tcpOutOfWindow);</li>
 * <li>an acceptable one restarts the 2MSL; then a RST exactly at RCV.NXT ends the record, elsewhere it draws a
 *     challenge ACK (RFC 5961), as does a SYN; no ACK bit: dropped; an ACK of something never sent: ACK;</li>
 * <li>a FIN, or text starting below RCV.NXT, is acknowledged; TS.Recent follows a timestamp at RCV.NXT.</li>
 * </ul>
 * The ACK goes to the MAC the segment came from, as the echo relay answers pings: the record keeps no MAC.
 */
final class SegmentsInTimeWait {
    private SegmentsInTimeWait() {
    }

    /**
     * {@code c} is in TIME_WAIT and holds no host socket and no bytes: its record takes over its 4-tuple, its
     * flow-table entry and its timer, and the object is done ({@link TcpState#CLOSED}, never destroyed again).
     * The flow stays counted (tcpFlowsClosed counts it when the record ends).
     */
    static void retire(TcpConnection c) {
        TcpLayer layer = c.layer;
        layer.flows.remove(c.guestAddrHi, c.guestAddrLo, c.guestPort, c.remoteAddrHi, c.remoteAddrLo, c.remotePort);
        layer.timers.remove(c);
        layer.timeWait.add(c.guestAddrHi, c.guestAddrLo, c.guestPort, c.remoteAddrHi,
                c.remoteAddrLo, c.remotePort, c.rcvNxt, c.sndNxt, c.tsOk, c.tsRecent, c.rcvShift != 0,
                c.lastActivity + TIME_WAIT_TIME);
        c.retired();
        layer.timeWaitEvicted(layer.timeWait.takeEvicted());
    }

    /**
     * A guest segment for the record in {@code slot}, which came from {@code mac}.
     *
     * @return true when the record ended and the segment is to be handled as a new connection attempt
     */
    static boolean onSegment(TcpLayer layer, int slot, TcpSegment s, long mac) {
        TimeWaitTable tw = layer.timeWait;
        int flags = s.flags();
        int seq = s.seq();
        int rcvNxt = tw.rcvNxt(slot);
        if ((flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN && Seq.gt(seq, rcvNxt)) {
            layer.endTimeWait(slot);
            return true;
        }
        if (!acceptable(seq, s.seqLength(), rcvNxt)) {
            if ((flags & TcpSegment.RST) == 0) {
                // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply."
                layer.counters.tcpOutOfWindow++;
                sendAck(layer, slot, mac);
            }
            return false;
        }
        slot = tw.restart(slot, layer.clock.nanoTime() + TIME_WAIT_TIME);
        // The record came back at the tail; at the bound, making room for it may have ended older ones.
        layer.timeWaitEvicted(tw.takeEvicted());
        if ((flags & TcpSegment.RST) != 0) {
            if (seq != rcvNxt) {
                sendAck(layer, slot, mac);
                return false;
            }
            layer.counters.tcpRstIn++;
            layer.endTimeWait(slot);
            return false;
        }
        if ((flags & TcpSegment.SYN) != 0) {
            sendAck(layer, slot, mac);
            return false;
        }
        if ((flags & TcpSegment.ACK) == 0) {
            layer.counters.tcpUnexpected++;
            return false;
        }
        if (Seq.gt(s.ack(), tw.sndNxt(slot))) {
            layer.counters.tcpOutOfWindow++;
            sendAck(layer, slot, mac);
            return false;
        }
        if (tw.tsOk(slot) && s.hasTimestamps() && Seq.le(seq, rcvNxt)) {
            tw.setTsRecent(slot, s.tsVal());
        }
        if ((flags & TcpSegment.FIN) != 0 || (s.payloadLength() > 0 && Seq.lt(seq, rcvNxt))) {
            sendAck(layer, slot, mac);
        }
        return false;
    }

    /** RFC 9293 3.10.7.4 acceptability with the whole receive window open. */
    private static boolean acceptable(int seq, int segLen, int rcvNxt) {
        if (segLen == 0) {
            return Seq.inRange(seq, rcvNxt, rcvNxt + RCV_BUFFER);
        }
        return Seq.inRange(seq, rcvNxt, rcvNxt + RCV_BUFFER) || Seq.inRange(seq + segLen - 1, rcvNxt, rcvNxt + RCV_BUFFER);
    }

    /** {@code <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>}, with timestamps when agreed, as the connection sent it. */
    private static void sendAck(TcpLayer layer, int slot, long mac) {
        TimeWaitTable tw = layer.timeWait;
        long gHi = tw.guestHi(slot);
        long gLo = tw.guestLo(slot);
        long rHi = tw.remoteHi(slot);
        long rLo = tw.remoteLo(slot);
        boolean ts = tw.tsOk(slot);
        int hl = TcpSegment.MIN_HEADER_LENGTH + (ts ? 12 : 0);
        IpOutput route = layer.outputFor(gHi, gLo);
        int at = route.l4Offset();
        ByteBuf f = layer.alloc.directBuffer(at + hl);
        route.writeHeaders(f, 0, mac, rHi, rLo, gHi, gLo, Ipv4Packet.PROTO_TCP, hl, true);
        int window = Math.min(RCV_BUFFER >>> (tw.scaled(slot) ? RCV_SHIFT : 0), 0xffff);
        TcpSegment.writeHeader(f, at, tw.remotePort(slot), tw.guestPort(slot), tw.sndNxt(slot), tw.rcvNxt(slot), hl,
                TcpSegment.ACK, window);
        if (ts) {
            TcpSegment.writeTimestamps(f, at + TcpSegment.MIN_HEADER_LENGTH,
                    (int) (layer.clock.nanoTime() / 1_000_000L), tw.tsRecent(slot), false);
        }
        TcpSegment.writeChecksum(f, at, hl, Checksum.addressSum(rHi, rLo, gHi, gLo));
        f.writerIndex(at + hl);
        layer.counters.tcpSegmentsOut++;
        route.send(f);
    }
}
