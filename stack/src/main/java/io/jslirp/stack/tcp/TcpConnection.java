package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Seq;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import static io.jslirp.stack.tcp.TcpState.*;

/**
 * One guest TCP connection, terminated here and relayed to one host socket. Usually the guest is the active
 * opener and we are the passive side; for a port forward we open toward the guest ({@code SYN_SENT}) on
 * behalf of an accepted host client, and from ESTABLISHED on both kinds are the same. Fields carry their
 * direction: {@code ...ToGuest}/{@code snd...} is what
 * we send (bytes read from the host), {@code ...FromGuest}/{@code rcv...} is what the guest sends (bytes
 * written to the host). See the package documentation for the whole design.
 */
public final class TcpConnection {
    /** Per-connection bound on bytes accepted from the guest but not yet taken by the host socket. */
    public static final int RCV_BUFFER = 4 << 20;
    /** Our window-scale shift: the smallest that lets 4 MiB fit the 16-bit field (RFC 7323 2.2). */
    public static final int RCV_SHIFT = 7;
    public static final int DEFAULT_GUEST_MSS = 536;
    static final int MIN_MSS = 48;
    public static final long MIN_RTO = 200_000_000L;
    public static final long MAX_RTO = 60_000_000_000L;
    public static final long INITIAL_RTO = 1_000_000_000L;
    /** RFC 6298 5.7: the RTO when data begins after a SYN had to be retransmitted. */
    static final long SYN_TIMEOUT_RTO = 3_000_000_000L;
    /** Unanswered retransmissions of the same data before we give up (Linux's tcp_retries2 is 15). */
    public static final int MAX_RETRANSMITS = 12;
    public static final int MAX_SYNACK_RETRANSMITS = 5;
    /**
     * Retransmissions of our SYN to the guest (port forwards) before the host client is reset: with the RTO
     * doubling from 1 s they go out at 1, 3 and 7 s, and the attempt ends at 15 s.
     */
    public static final int MAX_SYN_RETRANSMITS = 3;
    public static final int MAX_OOO_SEGMENTS = 64;
    static final int DUP_ACK_THRESHOLD = 3;
    static final int PUMP_BUDGET = 128;
    /** Guest segments smaller than this, after the first of a batch, wait for the flush's gathering write. */
    static final int COALESCE_BELOW = 16 * 1024;

    public static final long CONNECT_TIMEOUT = 130_000_000_000L;
    public static final long ESTABLISHED_IDLE = 7_200_000_000_000L;
    public static final long CLOSE_WAIT_IDLE = 600_000_000_000L;
    public static final long CLOSING_IDLE = 120_000_000_000L;
    public static final long FIN_WAIT_2_IDLE = 60_000_000_000L;
    public static final long TIME_WAIT_TIME = 15_000_000_000L;

    private final TcpLayer layer;
    private final Counters counters;
    private final HostSockets host;
    /** The guest's MAC; for a port forward {@link ArpCache#NONE} until ARP finds it. */
    long guestMac;
    final int guestAddr;
    final int guestPort;
    final int remoteAddr;
    final int remotePort;
    final long createdAt;
    long lastActivity;

    int state = CLOSED;
    int handle = -1;

    // ---- toward the guest (send sequence space, RFC 9293 3.3.1)
    int iss;
    int sndUna;
    int sndNxt;
    /** Guest's receive window in bytes, already scaled. */
    int sndWnd;
    int sndWl1;
    int sndWl2;
    int maxSndWnd;
    int sndShift;
    int effMss;
    /** Largest payload of one frame toward the guest: effMss, or a TSO super-segment's worth with offload. */
    int maxSegToGuest;
    boolean finSentToGuest;
    int finSeqToGuest;
    /** Host sent EOF: no more reads; our FIN follows the data. */
    boolean hostEof;

    // ---- from the guest (receive sequence space)
    int irs;
    int rcvNxt;
    int rcvShift;
    /** RCV.NXT + advertised window, as last sent: the right edge never moves left (RFC 9293 3.8.6). */
    int rcvAdvertisedEdge;
    int lastAckSent;
    boolean finFromGuest;
    boolean hostWriteShut;

    // ---- options
    boolean sackOk;
    boolean tsOk;
    int tsRecent;
    /** TCP header length of our non-SYN segments: 20, or 32 with timestamps. */
    int tcpHeaderLength;

    // ---- retransmission (RFC 6298)
    final RttEstimator rtt = new RttEstimator();
    int retransmits;
    int dupAcks;
    int recover;
    boolean inRecovery;
    long rtxDeadline = Long.MAX_VALUE;
    long persistDeadline = Long.MAX_VALUE;
    long persistInterval;
    int synAckRetransmits;
    long synAckSentAt;
    /** Port forward: retransmissions of our SYN, and when the first one went out (an RTT sample). */
    int synRetransmits;
    long synSentAt;
    /** Port forward: in the layer's list of connections whose first SYN waits for the guest's MAC. */
    boolean awaitingMac;

    final RetransmitQueue rtx = new RetransmitQueue();
    final ToHostQueue toHost = new ToHostQueue();
    final OutOfOrderQueue ooo;

    // ---- host interest and batching
    private boolean readInterest;
    private boolean writeInterest;
    boolean ackDue;
    boolean sendPending;
    /** A write to the host socket happened in this event-loop batch: later bytes wait for the flush. */
    private boolean wroteThisBatch;
    /** Bytes were queued only to coalesce them (not because the kernel was full): the flush writes them. */
    private boolean drainDue;
    boolean pending;
    private boolean destroyed;
    long heapKey;
    int heapIndex = -1;

    TcpConnection(TcpLayer layer, long guestMac, int guestAddr, int guestPort, int remoteAddr, int remotePort,
                  long now) {
        this.layer = layer;
        this.counters = layer.counters;
        this.host = layer.host;
        this.guestMac = guestMac;
        this.guestAddr = guestAddr;
        this.guestPort = guestPort;
        this.remoteAddr = remoteAddr;
        this.remotePort = remotePort;
        this.createdAt = now;
        this.lastActivity = now;
        this.ooo = new OutOfOrderQueue(layer);
    }

    public int state() {
        return state;
    }

    public int handle() {
        return handle;
    }

    public int effectiveMss() {
        return effMss;
    }

    public long rtoNanos() {
        return rtt.rto();
    }

    public int queuedToHost() {
        return toHost.queued();
    }

    public int sendWindow() {
        return sndWnd;
    }

    @Override
    public String toString() {
        return TcpState.name(state) + " " + guestPort + "->" + remotePort + " snd " + sndUna + ".." + sndNxt
                + " wnd " + sndWnd + " rcv " + rcvNxt;
    }

    // ================================================================ handshake

    /** Records the guest's SYN (RFC 9293 3.10.7.2, LISTEN state, "third check for a SYN"). */
    void acceptSyn(TcpSegment s, int isn) {
        irs = s.seq();
        // Data on a SYN (TCP Fast Open) is not acknowledged; the guest sends it again after the handshake.
        rcvNxt = irs + 1;
        iss = isn;
        sndUna = iss;
        sndNxt = iss;
        takeSynOptions(s);
        state = CONNECTING;
    }

    /**
     * The options of the guest's SYN or SYN-ACK. We offer every option we speak (or, answering a SYN, exactly
     * those it offered), so what it sends is what is agreed.
     */
    private void takeSynOptions(TcpSegment s) {
        int guestMss = s.mss() > 0 ? s.mss() : DEFAULT_GUEST_MSS;
        if (s.windowScale() >= 0) {
            // RFC 7323 2.2: scaling is on only when both SYNs carry the option.
            sndShift = s.windowScale();
            rcvShift = RCV_SHIFT;
        } else {
            sndShift = 0;
            rcvShift = 0;
        }
        sackOk = s.sackPermitted();
        tsOk = s.hasTimestamps();
        if (tsOk) {
            tsRecent = s.tsVal();
        }
        tcpHeaderLength = TcpSegment.MIN_HEADER_LENGTH + (tsOk ? 12 : 0);
        // Our frames never exceed the MTU: the guest's MSS, capped by ours, less the options we always send.
        effMss = Math.max(MIN_MSS, Math.min(guestMss, layer.mtu - 40) - (tsOk ? 12 : 0));
        // With offload one frame carries as many whole MSS-sized segments as an IPv4 datagram holds; the
        // device (the guest's stack) cuts it back to effMss.
        maxSegToGuest = layer.offload
                ? Math.max(effMss, (TcpLayer.MAX_DATAGRAM - 20 - tcpHeaderLength) / effMss * effMss)
                : effMss;
        sndWnd = s.window(); // unscaled in a SYN (RFC 7323 2.2)
        maxSndWnd = sndWnd;
    }

    /** Decision table for a guest segment while the host connect is pending (we have not answered yet). */
    private boolean onSegmentConnecting(TcpSegment s) {
        int flags = s.flags();
        if ((flags & TcpSegment.RST) != 0) {
            // The guest gave up on its SYN: pass it on by aborting the host connect.
            counters.tcpRstIn++;
            destroy(true);
            return false;
        }
        if ((flags & TcpSegment.SYN) != 0 && (flags & TcpSegment.ACK) == 0) {
            if (s.seq() == irs) {
                // Retransmitted SYN: the SYN-ACK comes once the host connect settles.
                counters.tcpSynAbsorbed++;
                return false;
            }
            // A new ISN on the same tuple: the guest abandoned the first attempt; so do we.
            destroy(true);
            state = CLOSED;
            return true;
        }
        // We have sent nothing, so nothing can be acknowledged: no conforming guest sends this.
        counters.tcpUnexpected++;
        return false;
    }

    void onHostEvent(int events) {
        if (state == SYN_SENT) {
            // The accepted socket has no interest yet, but epoll reports errors and hangups regardless: the
            // client reset before the guest answered. Give up the attempt at once (RFC 9293 ABORT in
            // SYN-SENT: delete the TCB, send nothing); a SYN-ACK still on its way finds no flow and draws a RST.
            if ((events & (HostSockets.ERROR | HostSockets.HANGUP)) != 0) {
                counters.tcpForwardAbandoned++;
                destroy(true);
            }
            return;
        }
        if (state == CONNECTING) {
            int r = Math.abs(host.connectResult(handle));
            if (r == HostSockets.EINPROGRESS || r == HostSockets.EAGAIN || r == HostSockets.EINTR) {
                return;
            }
            if (r != 0) {
                connectFailed(r);
                return;
            }
            counters.tcpConnectOk++;
            state = SYN_RECEIVED;
            setInterest(false, false);
            sendSynAck(false);
            rtxDeadline = now() + rtt.rto();
            scheduleTimers();
            return;
        }
        if (state == CLOSED || handle < 0) {
            return;
        }
        if ((events & (HostSockets.WRITABLE | HostSockets.ERROR | HostSockets.HANGUP)) != 0 && !toHost.isEmpty()) {
            drainToHost();
            if (state == CLOSED) {
                return;
            }
        }
        if ((events & (HostSockets.READABLE | HostSockets.ERROR | HostSockets.HANGUP | HostSockets.READ_HANGUP))
                != 0) {
            pumpToGuest();
            if (state == CLOSED) {
                return;
            }
        }
        if ((events & HostSockets.ERROR) != 0 && handle >= 0) {
            // A pending socket error that reading did not surface (our read side is paused): the kernel
            // discards queued data on a reset anyway, so pass the reset on now.
            hostError(HostSockets.ECONNRESET);
        }
    }

    /** Host connect failed (at once or later): answer the guest as its kernel would answer a real network. */
    void connectFailed(int errno) {
        switch (errno) {
            case HostSockets.ECONNREFUSED:
                counters.tcpConnectRefused++;
                resetSyn();
                break;
            case HostSockets.ENETUNREACH:
            case HostSockets.ENETDOWN:
                counters.tcpConnectUnreachable++;
                layer.sendUnreachable(guestMac, guestAddr, remoteAddr, guestPort, remotePort, irs,
                        Icmpv4Packet.CODE_NET_UNREACHABLE);
                break;
            case HostSockets.EHOSTUNREACH:
            case HostSockets.EHOSTDOWN:
                counters.tcpConnectUnreachable++;
                layer.sendUnreachable(guestMac, guestAddr, remoteAddr, guestPort, remotePort, irs,
                        Icmpv4Packet.CODE_HOST_UNREACHABLE);
                break;
            case HostSockets.ETIMEDOUT:
                counters.tcpConnectTimeout++;
                resetSyn();
                break;
            default:
                counters.tcpConnectFailed++;
                resetSyn();
        }
        destroy(false);
    }

    /** The answer to a SYN nobody accepts: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (RFC 9293 3.10.7.1). */
    private void resetSyn() {
        layer.sendReset(guestMac, guestAddr, remoteAddr, guestPort, remotePort, 0, irs + 1,
                TcpSegment.RST | TcpSegment.ACK);
    }

    private void sendSynAck(boolean retransmission) {
        int optLen = 4 + (tsOk ? 12 : (sackOk ? 4 : 0)) + (rcvShift > 0 ? 4 : 0);
        int hl = TcpSegment.MIN_HEADER_LENGTH + optLen;
        ByteBuf f = layer.alloc.directBuffer(TcpLayer.ETH_IP + hl);
        layer.writeEthIp(f, guestMac, remoteAddr, guestAddr, hl);
        // RFC 7323 2.2: the window in a SYN is never scaled.
        int window = Math.min(receiveSpace(), 0xffff);
        TcpSegment.writeHeader(f, TcpLayer.TCP_AT, remotePort, guestPort, iss, rcvNxt, hl,
                TcpSegment.SYN | TcpSegment.ACK, window);
        int at = TcpSegment.writeMss(f, TcpLayer.TCP_AT + 20, layer.mtu - 40);
        if (tsOk) {
            at = TcpSegment.writeTimestamps(f, at, tsNow(), tsRecent, sackOk);
        } else if (sackOk) {
            at = TcpSegment.writeSackPermitted(f, at);
        }
        if (rcvShift > 0) {
            TcpSegment.writeWindowScale(f, at, RCV_SHIFT);
        }
        TcpSegment.writeChecksum(f, TcpLayer.TCP_AT, hl, remoteAddr, guestAddr);
        f.writerIndex(TcpLayer.ETH_IP + hl);
        sndNxt = iss + 1;
        rcvAdvertisedEdge = rcvNxt + window;
        lastAckSent = rcvNxt;
        if (!retransmission) {
            synAckSentAt = now();
        }
        layer.sendFrame(f);
    }

    // ================================================================ active open (port forwards)

    /**
     * Opens the connection a port forward makes into the guest for the accepted host socket {@code h}: our
     * SYN now when the guest's MAC is known, else as soon as ARP finds it. The socket stays without interest
     * until the guest accepts: nothing is read from the client before there is somewhere to put it, so what
     * it sends meanwhile (and its EOF) waits in the kernel and is read, in order, once ESTABLISHED.
     */
    void openToGuest(int h, int isn) {
        handle = h;
        readInterest = false;
        writeInterest = false;
        iss = isn;
        sndUna = iss;
        sndNxt = iss;
        state = SYN_SENT;
        guestMac = layer.resolveGuest(guestAddr);
        if (guestMac != ArpCache.NONE) {
            sendSyn();
        } else {
            // resolve() sent an ARP request; the layer hands us the answer (guestMacKnown) in the same event.
            layer.awaitMac(this);
        }
        rtxDeadline = now() + rtt.rto();
        scheduleTimers();
    }

    /** The guest's MAC arrived while our first SYN waited for it: send it now, the SYN timer counting from here. */
    void guestMacKnown(long mac) {
        guestMac = mac;
        sendSyn();
        rtxDeadline = now() + rtt.rto();
        scheduleTimers();
    }

    /**
     * Our SYN, offering everything we speak in Linux's layout (MSS = MTU - 40, SACK-permitted, timestamps,
     * window scale 7); the guest's SYN-ACK says what it agrees to.
     */
    private void sendSyn() {
        int hl = TcpSegment.MIN_HEADER_LENGTH + 20;
        ByteBuf f = layer.alloc.directBuffer(TcpLayer.ETH_IP + hl);
        layer.writeEthIp(f, guestMac, remoteAddr, guestAddr, hl);
        // RFC 7323 2.2: the window in a SYN is never scaled.
        TcpSegment.writeHeader(f, TcpLayer.TCP_AT, remotePort, guestPort, iss, 0, hl, TcpSegment.SYN,
                Math.min(receiveSpace(), 0xffff));
        int at = TcpSegment.writeMss(f, TcpLayer.TCP_AT + 20, layer.mtu - 40);
        at = TcpSegment.writeTimestamps(f, at, tsNow(), 0, true);
        TcpSegment.writeWindowScale(f, at, RCV_SHIFT);
        TcpSegment.writeChecksum(f, TcpLayer.TCP_AT, hl, remoteAddr, guestAddr);
        f.writerIndex(TcpLayer.ETH_IP + hl);
        if (sndNxt == iss) {
            synSentAt = now();
        }
        sndNxt = iss + 1;
        layer.sendFrame(f);
    }

    /** Decision table for a guest segment while our SYN is unanswered (RFC 9293 3.10.7.3, SYN-SENT). */
    private boolean onSegmentSynSent(TcpSegment s) {
        if (sndNxt == iss) {
            // Our SYN has not gone out yet (the guest's MAC is unknown), so nothing the guest sends can be
            // about this connection: a stray segment of an older one on the same tuple.
            counters.tcpUnexpected++;
            return false;
        }
        int flags = s.flags();
        boolean hasAck = (flags & TcpSegment.ACK) != 0;
        int ack = s.ack();
        // First check, ACK: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set,
        // if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST>".
        if (hasAck && !(Seq.gt(ack, iss) && Seq.le(ack, sndNxt))) {
            if ((flags & TcpSegment.RST) == 0) {
                counters.tcpOutOfWindow++;
                layer.sendReset(guestMac, guestAddr, remoteAddr, guestPort, remotePort, ack, 0, TcpSegment.RST);
            }
            return false;
        }
        // Second check, RST: with an acceptable ACK the guest refused ("error: connection reset"), and the
        // client learns it at once from a reset of its own; without an ACK, drop (RFC 5961 3.2 accepts a
        // RST in SYN-SENT only when it acknowledges our SYN).
        if ((flags & TcpSegment.RST) != 0) {
            if (hasAck) {
                counters.tcpRstIn++;
                counters.tcpForwardRefused++;
                destroy(true);
            } else {
                counters.tcpUnexpected++;
            }
            return false;
        }
        // Fourth check, SYN: "If neither of the SYN or RST bits is set, then drop the segment and return."
        if ((flags & TcpSegment.SYN) == 0) {
            counters.tcpUnexpected++;
            return false;
        }
        long now = now();
        irs = s.seq();
        rcvNxt = irs + 1;
        takeSynOptions(s);
        if (!hasAck) {
            // Simultaneous open (the guest connected out from this port to the client's address and port at
            // this very moment): "enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT>"; the
            // passive side's SYN_RECEIVED handling takes it from there.
            state = SYN_RECEIVED;
            sendSynAck(false);
            rtxDeadline = now + rtt.rto();
            scheduleTimers();
            return false;
        }
        // "If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED, form an
        // ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it." Data on the SYN-ACK is not
        // acknowledged; the guest sends it again.
        sndUna = ack;
        sndWl1 = irs;
        sndWl2 = ack;
        rtxDeadline = Long.MAX_VALUE;
        if (tsOk && s.tsEcr() != 0) {
            rtt.sample((long) (tsNow() - s.tsEcr()) * 1_000_000L);
        } else if (synRetransmits == 0) {
            rtt.sample(now - synSentAt);
        } else {
            rtt.afterSynTimeout();
        }
        lastActivity = now;
        state = ESTABLISHED;
        counters.tcpForwardEstablished++;
        // The right edge our SYN offered (its window is never scaled): window updates are measured from it,
        // as the passive side's are from its SYN-ACK's.
        rcvAdvertisedEdge = rcvNxt + Math.min(receiveSpace(), 0xffff);
        sendAckNow();
        // The client's bytes now have somewhere to go: what it sent while we waited, then its EOF, are read
        // at the end of this batch, in order.
        sendPending = true;
        layer.markPending(this);
        updateInterest();
        scheduleTimers();
        return false;
    }

    // ================================================================ guest segments

    /**
     * Processes one segment for this flow.
     *
     * @return true when the flow was closed and the segment should be handled as a new connection attempt
     */
    boolean onSegment(TcpSegment s) {
        if (state == CONNECTING) {
            return onSegmentConnecting(s);
        }
        if (state == SYN_SENT) {
            return onSegmentSynSent(s);
        }
        long now = now();
        int flags = s.flags();
        int seq = s.seq();
        int segLen = s.seqLength();

        // SYN_RECEIVED, first check: the guest's SYN again means our SYN-ACK was lost; say it again.
        if (state == SYN_RECEIVED && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN && seq == irs) {
            counters.tcpSynAckRetransmits++;
            sendSynAck(true);
            return false;
        }
        // TIME_WAIT: a new SYN above the old sequence space may reopen the tuple (RFC 9293 3.10.7.4 note,
        // RFC 6191); the caller starts a fresh connection from it.
        if (state == TIME_WAIT && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN
                && Seq.gt(seq, rcvNxt)) {
            destroy(false);
            return true;
        }

        // First check, sequence number (RFC 9293 3.10.7.4): the acceptability test.
        int rcvWnd = receiveSpace();
        boolean ackOnly = false;
        if (!acceptable(seq, segLen, rcvWnd)) {
            if ((flags & TcpSegment.RST) == 0) {
                // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply."
                counters.tcpOutOfWindow++;
                sendAckNow();
            }
            // Zero window: the ACK and window of a probe at RCV.NXT still count (RFC 9293 3.10.7.4 note).
            if (!(rcvWnd == 0 && seq == rcvNxt && (flags & TcpSegment.ACK) != 0 && (flags & TcpSegment.RST) == 0)) {
                return false;
            }
            ackOnly = true;
        }
        lastActivity = now;

        // Second check, RST (RFC 5961 3.2): exactly at RCV.NXT resets, elsewhere in the window only
        // draws a challenge ACK, so a blind attacker must guess the exact sequence number.
        if ((flags & TcpSegment.RST) != 0) {
            if (seq != rcvNxt) {
                sendAckNow();
                return false;
            }
            counters.tcpRstIn++;
            // SYN_RECEIVED, ESTABLISHED, FIN_WAIT_*, CLOSE_WAIT: reset, pass it on to the host (abort).
            // CLOSING, LAST_ACK, TIME_WAIT: close; the host side is done or is aborted the same way.
            destroy(true);
            return false;
        }

        // Fourth check, SYN in a synchronized state (RFC 5961 4.2): challenge ACK, drop.
        if ((flags & TcpSegment.SYN) != 0) {
            sendAckNow();
            return false;
        }

        // Fifth check: no ACK, drop.
        if ((flags & TcpSegment.ACK) == 0) {
            counters.tcpUnexpected++;
            return false;
        }

        int ack = s.ack();
        if (state == SYN_RECEIVED) {
            // SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED", else
            // <SEQ=SEG.ACK><CTL=RST>.
            if (!(Seq.lt(sndUna, ack) && Seq.le(ack, sndNxt))) {
                layer.sendReset(guestMac, guestAddr, remoteAddr, guestPort, remotePort, ack, 0, TcpSegment.RST);
                return false;
            }
            sndUna = ack;
            sndWnd = s.window() << sndShift;
            maxSndWnd = sndWnd;
            sndWl1 = seq;
            sndWl2 = ack;
            rtxDeadline = Long.MAX_VALUE;
            if (synAckRetransmits == 0 && !tsOk) {
                rtt.sample(now - synAckSentAt);
            } else if (tsOk && s.tsEcr() != 0) {
                rtt.sample((long) (tsNow() - s.tsEcr()) * 1_000_000L);
            }
            retransmits = 0;
            state = ESTABLISHED;
            sendPending = true;
            layer.markPending(this);
            updateInterest();
        } else {
            if (!processAck(s, seq, ack, now)) {
                return false;
            }
            if (state == CLOSED) {
                return false;
            }
        }
        if (tsOk && s.hasTimestamps() && Seq.le(seq, lastAckSent)) {
            // RFC 7323 4.3: remember the guest's clock from segments at the left window edge.
            tsRecent = s.tsVal();
        }

        // Seventh check, segment text: only while the guest has not sent its FIN.
        boolean fin = (flags & TcpSegment.FIN) != 0;
        int payload = s.payloadLength();
        if (!ackOnly && (payload > 0 || fin)) {
            if (state == ESTABLISHED || state == FIN_WAIT_1 || state == FIN_WAIT_2) {
                receiveData(s, seq, payload, fin, rcvWnd);
            } else if (state == TIME_WAIT && fin) {
                // A retransmitted FIN: our last ACK was lost; acknowledge again (and restart 2MSL, which
                // lastActivity just did).
                sendAckNow();
            } else {
                // CLOSE_WAIT, CLOSING, LAST_ACK: the guest's FIN came already, anything later is a
                // duplicate (RFC 9293: "ignore the segment text"); an ACK tells it where we are.
                if (Seq.lt(seq, rcvNxt)) {
                    sendAckNow();
                }
            }
        }
        return false;
    }

    /** RFC 9293 3.10.7.4 acceptability: the four cases of segment length against window. */
    private boolean acceptable(int seq, int segLen, int rcvWnd) {
        if (segLen == 0) {
            return rcvWnd == 0 ? seq == rcvNxt : Seq.inRange(seq, rcvNxt, rcvNxt + rcvWnd);
        }
        if (rcvWnd == 0) {
            return false;
        }
        return Seq.inRange(seq, rcvNxt, rcvNxt + rcvWnd) || Seq.inRange(seq + segLen - 1, rcvNxt, rcvNxt + rcvWnd);
    }

    /** Fifth check, ACK field, in a synchronized state. Returns false when the segment is to be dropped. */
    private boolean processAck(TcpSegment s, int seq, int ack, long now) {
        if (Seq.gt(ack, sndNxt)) {
            // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT) then send an ACK, drop the segment."
            counters.tcpOutOfWindow++;
            sendAckNow();
            return false;
        }
        int window = s.window() << sndShift;
        if (Seq.lt(ack, sndUna)) {
            // Old duplicate ACK: ignore the ACK, still take the data.
            return true;
        }
        boolean windowChanged = false;
        // Window update rule: newer segment, or same segment acknowledging more (RFC 9293 3.10.7.4).
        if (Seq.lt(sndWl1, seq) || (sndWl1 == seq && Seq.le(sndWl2, ack))) {
            windowChanged = window != sndWnd;
            int oldWnd = sndWnd;
            sndWnd = window;
            sndWl1 = seq;
            sndWl2 = ack;
            if (window > maxSndWnd) {
                maxSndWnd = window;
            }
            if (window > oldWnd) {
                // The window opened: read more from the host at the end of the batch.
                sendPending = true;
                layer.markPending(this);
            }
        }
        if (sackOk && s.sackCount() > 0) {
            markSacked(s);
        }
        if (Seq.gt(ack, sndUna)) {
            ackAdvanced(s, ack, now);
            if (state == CLOSED) {
                return false;
            }
        } else if (s.payloadLength() == 0 && !s.fin() && !windowChanged && sndNxt != sndUna) {
            // RFC 5681 duplicate ACK: no data, no window change, outstanding data, same SEG.ACK.
            counters.tcpDupAcksIn++;
            if (++dupAcks == DUP_ACK_THRESHOLD) {
                counters.tcpFastRetransmits++;
                inRecovery = true;
                recover = sndNxt;
                retransmitFirst(now);
            }
        }
        updateInterest();
        armPersistIfNeeded();
        return true;
    }

    private void ackAdvanced(TcpSegment s, int ack, long now) {
        dupAcks = 0;
        retransmits = 0;
        long sampleSentAt = rtx.removeAcked(ack, layer);
        sndUna = ack;
        if (tsOk && s.hasTimestamps() && s.tsEcr() != 0) {
            rtt.sample((long) (tsNow() - s.tsEcr()) * 1_000_000L);
        } else if (sampleSentAt >= 0) {
            // Karn's algorithm: only segments never retransmitted give samples.
            rtt.sample(now - sampleSentAt);
        }
        if (inRecovery) {
            if (Seq.lt(ack, recover)) {
                // NewReno partial ACK (RFC 6582): the next hole is lost too; repair it now.
                retransmitFirst(now);
            } else {
                inRecovery = false;
            }
        }
        rtxDeadline = sndUna != sndNxt ? now + rtt.rto() : Long.MAX_VALUE;
        if (rtxDeadline != Long.MAX_VALUE) {
            layer.timers.schedule(this, rtxDeadline);
        }
        // Our FIN counts once SND.UNA passes it.
        if (finSentToGuest && Seq.gt(ack, finSeqToGuest)) {
            onOurFinAcked();
        }
    }

    /** The host-to-guest direction is complete. */
    private void onOurFinAcked() {
        switch (state) {
            case FIN_WAIT_1:
                // FIN-WAIT-1: "if our FIN is now acknowledged then enter FIN-WAIT-2".
                state = FIN_WAIT_2;
                scheduleTimers();
                break;
            case CLOSING:
                // CLOSING: "if the ACK acknowledges our FIN then enter the TIME-WAIT state".
                enterTimeWait();
                break;
            case LAST_ACK:
                // LAST-ACK: "if our FIN is now acknowledged, delete the TCB, enter the CLOSED state";
                // unless the host has not taken all of the guest's data yet: then a TIME_WAIT record keeps
                // the host socket until the queue drains.
                if (toHost.isEmpty()) {
                    destroy(false);
                } else {
                    enterTimeWait();
                }
                break;
            default:
                break;
        }
    }

    private void enterTimeWait() {
        state = TIME_WAIT;
        // Both directions are done: the host socket goes now (or as soon as it has taken the guest's
        // last bytes), only this small record stays.
        releaseSendBuffers();
        if (toHost.isEmpty()) {
            releaseHost(false);
        }
        rtxDeadline = Long.MAX_VALUE;
        persistDeadline = Long.MAX_VALUE;
        lastActivity = now();
        scheduleTimers();
    }

    private void markSacked(TcpSegment s) {
        for (int b = 0; b < s.sackCount(); b++) {
            int left = s.sackLeft(b);
            int right = s.sackRight(b);
            // RFC 2018: blocks outside SND.UNA..SND.NXT are bogus; ignore them.
            if (!Seq.le(sndUna, left) || !Seq.lt(left, right) || !Seq.le(right, sndNxt)) {
                continue;
            }
            rtx.markSacked(left, right);
        }
    }

    /** Segment text for ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, trimmed to the window, in or out of order. */
    private void receiveData(TcpSegment s, int seq, int payload, boolean fin, int rcvWnd) {
        ByteBuf buf = s.buffer();
        int at = s.payloadOffset();
        int len = payload;
        // Trim what we already have (a retransmission overlapping RCV.NXT).
        int behind = Seq.diff(rcvNxt, seq);
        if (behind > 0) {
            if (behind > len) {
                // Only the FIN (or nothing) is new; a FIN whose sequence we passed is a duplicate.
                if (fin && behind == len) {
                    len = 0;
                    seq = rcvNxt;
                } else {
                    sendAckNow();
                    return;
                }
            } else {
                at += behind;
                len -= behind;
                seq = rcvNxt;
            }
        }
        // Trim what lies beyond the window; a trimmed tail takes the FIN with it.
        int room = Seq.diff(rcvNxt + rcvWnd, seq);
        if (len > room) {
            len = Math.max(room, 0);
            fin = false;
        }
        if (seq != rcvNxt) {
            counters.tcpOutOfOrderIn++;
            ooo.hold(buf, at, len, seq, fin);
            if (!writeDeferred()) {
                return;
            }
            // RFC 5681 4.2: an out-of-order segment is acknowledged at once (the duplicate ACK that
            // drives the guest's fast retransmit), with SACK blocks when agreed.
            sendAckNow();
            return;
        }
        if (len > 0) {
            rcvNxt += len;
            counters.tcpBytesFromGuest += len;
            if (!deliverToHost(buf, at, len)) {
                return;
            }
        }
        boolean filledGap = !ooo.isEmpty();
        if (filledGap && !drainOutOfOrder()) {
            return;
        }
        boolean finNow = fin || ooo.finAt(rcvNxt);
        if ((filledGap || finNow) && !writeDeferred()) {
            return;
        }
        if (finNow) {
            receiveFin();
            if (state == CLOSED) {
                return;
            }
        }
        if (filledGap) {
            // A filled hole is acknowledged at once so the guest leaves recovery quickly (RFC 5681 4.2).
            sendAckNow();
        } else {
            markAckDue();
        }
    }

    /** Eighth check, FIN (RFC 9293 3.10.7.4). */
    private void receiveFin() {
        rcvNxt += 1;
        finFromGuest = true;
        ooo.clearFin();
        switch (state) {
            case ESTABLISHED:
                // ESTABLISHED: enter CLOSE-WAIT; the host gets shutdown(SHUT_WR) once our queue is empty.
                state = CLOSE_WAIT;
                break;
            case FIN_WAIT_1:
                // FIN-WAIT-1: our FIN not yet acknowledged (else we would be in FIN-WAIT-2): CLOSING.
                state = CLOSING;
                break;
            case FIN_WAIT_2:
                // FIN-WAIT-2: enter TIME-WAIT.
                state = TIME_WAIT;
                break;
            default:
                break;
        }
        if (toHost.isEmpty()) {
            shutHostWrite();
        }
        if (state == TIME_WAIT) {
            sendAckNow();
            enterTimeWait();
            return;
        }
        scheduleTimers();
    }

    private void shutHostWrite() {
        if (!hostWriteShut && handle >= 0) {
            hostWriteShut = true;
            host.shutdownWrite(handle);
        }
    }

    // ---------------------------------------------------------------- guest -> host

    /** Writes straight to the host socket; queues (a retained slice) what the kernel does not take. */
    private boolean deliverToHost(ByteBuf buf, int index, int len) {
        if (toHost.isEmpty() && (!wroteThisBatch || len >= COALESCE_BELOW)) {
            // The first bytes of a batch go at once (latency); later small segments of the batch are gathered
            // into one write at the flush, so a stream of MSS-sized segments costs one system call per batch.
            // A big (TSO) segment is worth its own call, and holding it would pin its 64 KiB read buffer.
            wroteThisBatch = true;
            layer.markPending(this);
            int n = host.write(handle, buf, index, len);
            if (n < 0) {
                hostError(-n);
                return false;
            }
            if (n >= len) {
                return true;
            }
            // The kernel is full: keep the rest until it reports WRITABLE.
            toHost.add(layer.keep(buf, index + n, len - n));
            setInterest(readInterest, true);
            return true;
        }
        toHost.add(layer.keep(buf, index, len));
        if (!writeInterest && !drainDue) {
            // Held only to be coalesced: the flush writes it (and asks for WRITABLE if the kernel is full).
            drainDue = true;
            layer.markPending(this);
        }
        return true;
    }

    /**
     * Writes the bytes held for the flush now, before an ACK that cannot wait (its window must count them as
     * gone) or a FIN that must follow them. False when the flow died on a host error.
     */
    private boolean writeDeferred() {
        if (drainDue && !toHost.isEmpty() && !writeInterest) {
            drainDue = false;
            drainToHost();
            return state != CLOSED;
        }
        return true;
    }

    /** WRITABLE: hand the queue to the kernel; open the window again as it drains. */
    private void drainToHost() {
        int before = receiveSpace();
        long err = toHost.writeTo(host, handle);
        if (err < 0) {
            hostError((int) -err);
            return;
        }
        if (!toHost.isEmpty() && !writeInterest) {
            setInterest(readInterest, true);
        }
        if (toHost.isEmpty()) {
            setInterest(readInterest, false);
            if (finFromGuest) {
                shutHostWrite();
                if (state == TIME_WAIT) {
                    releaseHost(false);
                    return;
                }
            }
        }
        // Window update when the right edge moves enough to matter (RFC 9293 3.8.6.2.2 receiver SWS
        // avoidance: by min(buffer/2, MSS)), or when it reopens from zero.
        int after = receiveSpace();
        int edgeGain = Seq.diff(rcvNxt + advertisableWindow(after), rcvAdvertisedEdge);
        if (after > before && (before == 0 || edgeGain >= Math.min(RCV_BUFFER / 2, effMss))) {
            markAckDue();
        }
    }

    /** Free space in the per-connection queue toward the host: the window we can offer the guest. */
    int receiveSpace() {
        return Math.max(0, RCV_BUFFER - toHost.queued());
    }

    private int advertisableWindow(int space) {
        return Math.min(space >>> rcvShift, 0xffff) << rcvShift;
    }

    /** Delivers held segments that RCV.NXT has reached. False when the flow died on a host error. */
    private boolean drainOutOfOrder() {
        while (ooo.headReached(rcvNxt)) {
            int a = ooo.headSeq();
            // Off the queue before delivering: a host error destroys the flow, and destroy() releases only
            // what is still held, so the segment in hand must no longer be among it.
            ByteBuf d = ooo.pollHead();
            int len = d.readableBytes();
            int skip = Seq.diff(rcvNxt, a);
            boolean ok = true;
            try {
                if (skip < len) {
                    int n = len - skip;
                    rcvNxt += n;
                    counters.tcpBytesFromGuest += n;
                    ok = deliverToHost(d, d.readerIndex() + skip, n);
                }
            } finally {
                d.release();
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- host -> guest

    private boolean sendingState() {
        return (state == ESTABLISHED || state == CLOSE_WAIT) && !hostEof && handle >= 0;
    }

    /** Room in the guest's window for new data now, with sender-side SWS avoidance (RFC 9293 3.8.6.2.1). */
    private int usableWindow() {
        int inflight = Seq.diff(sndNxt, sndUna);
        int avail = sndWnd - inflight;
        if (avail <= 0) {
            return 0;
        }
        if (avail < effMss && inflight > 0 && avail < maxSndWnd / 2) {
            return 0;
        }
        return Math.min(avail, maxSegToGuest);
    }

    /** Reads from the host socket straight into frames for the guest, as far as the guest's window allows. */
    void pumpToGuest() {
        sendPending = false;
        if (!sendingState()) {
            return;
        }
        int hl = tcpHeaderLength;
        int payloadAt = TcpLayer.ETH_IP + hl;
        for (int budget = PUMP_BUDGET; ; budget--) {
            if (budget == 0) {
                // Fairness: let other flows run; the level-triggered readiness brings us back.
                sendPending = true;
                layer.markPending(this);
                break;
            }
            int want = Math.min(usableWindow(), layer.frameCapacity - payloadAt);
            if (want <= 0) {
                break;
            }
            ByteBuf f = layer.readBuffer();
            f.writerIndex(payloadAt);
            int r;
            try {
                r = host.read(handle, f, want);
            } catch (RuntimeException e) {
                f.release();
                throw e;
            }
            if (r > 0) {
                // The frame stays queued until acknowledged: a short read must not pin a 64 KiB buffer.
                f = layer.fitReadBuffer(f, payloadAt + r);
                lastActivity = now();
                counters.tcpBytesToGuest += r;
                sendNewSegment(f, r, TcpSegment.ACK | TcpSegment.PSH);
                if (r < want) {
                    // A stream socket that gave less than asked is empty for now; asking again would only
                    // return EAGAIN (a wasted syscall per request/response), and level-triggered
                    // readiness brings us back when more arrives.
                    break;
                }
                continue;
            }
            f.release();
            if (r == 0) {
                break;
            }
            if (r == HostSockets.EOF) {
                onHostEof();
                return;
            }
            hostError(-r);
            return;
        }
        updateInterest();
        armPersistIfNeeded();
    }

    /** Fills headers around {@code payload} bytes already in {@code f}, sends a duplicate, keeps {@code f}. */
    private void sendNewSegment(ByteBuf f, int payload, int flags) {
        int seq = sndNxt;
        int seqLen = payload + ((flags & TcpSegment.FIN) != 0 ? 1 : 0);
        f.writerIndex(TcpLayer.ETH_IP + tcpHeaderLength + payload);
        layer.writeEthIp(f, guestMac, remoteAddr, guestAddr, tcpHeaderLength + payload);
        writeTcp(f, seq, flags, payload);
        sndNxt = seq + seqLen;
        long now = now();
        rtx.add(f, seq, seqLen, now);
        if (rtxDeadline == Long.MAX_VALUE) {
            rtxDeadline = now + rtt.rto();
            layer.timers.schedule(this, rtxDeadline);
        }
        // The queue keeps its reference; the sink releases the other. Not a duplicate: a duplicate is one
        // more object per segment, and the sink only reads the frame (retransmission resets its readerIndex).
        layer.sendDataFrame(f.retain(), effMss);
    }

    /** Writes (or rewrites, on retransmission) the TCP header of a frame: current ACK, window, timestamps. */
    private void writeTcp(ByteBuf f, int seq, int flags, int payload) {
        int at = TcpLayer.TCP_AT;
        int space = receiveSpace();
        int window = Math.min(space >>> rcvShift, 0xffff);
        TcpSegment.writeHeader(f, at, remotePort, guestPort, seq, rcvNxt, tcpHeaderLength, flags, window);
        if (tsOk) {
            TcpSegment.writeTimestamps(f, at + TcpSegment.MIN_HEADER_LENGTH, tsNow(), tsRecent, false);
        }
        if (layer.offload) {
            // The device completes it (NEEDS_CSUM); a receiving Linux takes a partial checksum as valid.
            TcpSegment.writePartialChecksum(f, at, tcpHeaderLength + payload, remoteAddr, guestAddr);
        } else {
            TcpSegment.writeChecksum(f, at, tcpHeaderLength + payload, remoteAddr, guestAddr);
        }
        noteAckSent(window);
    }

    private void noteAckSent(int windowField) {
        lastAckSent = rcvNxt;
        int edge = rcvNxt + (windowField << rcvShift);
        if (Seq.gt(edge, rcvAdvertisedEdge)) {
            rcvAdvertisedEdge = edge;
        }
        ackDue = false;
    }

    private void onHostEof() {
        hostEof = true;
        // Host EOF: our FIN follows the data already sent (it needs no window, RFC 9293 3.8.6.2.1).
        ByteBuf f = layer.alloc.directBuffer(TcpLayer.ETH_IP + tcpHeaderLength);
        f.writerIndex(TcpLayer.ETH_IP + tcpHeaderLength);
        finSentToGuest = true;
        finSeqToGuest = sndNxt;
        state = state == ESTABLISHED ? FIN_WAIT_1 : LAST_ACK;
        persistDeadline = Long.MAX_VALUE;
        sendNewSegment(f, 0, TcpSegment.ACK | TcpSegment.FIN);
        updateInterest();
        scheduleTimers();
    }

    /** Resends the oldest segment the guest has not acknowledged or SACKed. */
    private void retransmitFirst(long now) {
        int i = rtx.firstUnsacked();
        if (i < 0) {
            return;
        }
        ByteBuf f = rtx.frame(i);
        int payload = f.writerIndex() - TcpLayer.ETH_IP - tcpHeaderLength;
        int flags = f.getUnsignedByte(TcpLayer.TCP_AT + 13);
        writeTcp(f, rtx.seq(i), flags, payload);
        rtx.markResent(i, now);
        counters.tcpRetransmits++;
        f.readerIndex(0);
        layer.sendDataFrame(f.retain(), effMss);
    }

    // ---------------------------------------------------------------- ACKs toward the guest

    private void markAckDue() {
        ackDue = true;
        layer.markPending(this);
    }

    /** An ACK (with SACK blocks when we hold out-of-order data and the guest agreed), sent now. */
    void sendAckNow() {
        if (state == CONNECTING || state == SYN_SENT || state == CLOSED) {
            return;
        }
        if (state == SYN_RECEIVED) {
            // Nothing is synchronized yet: the only thing to say is the SYN-ACK.
            return;
        }
        int blocks = sackOk ? Math.min(ooo.sackBlocks(layer.sackLeft, layer.sackRight), tsOk ? 3 : 4) : 0;
        int hl = tcpHeaderLength + (blocks > 0 ? 4 + 8 * blocks : 0);
        ByteBuf f = layer.alloc.directBuffer(TcpLayer.ETH_IP + hl);
        layer.writeEthIp(f, guestMac, remoteAddr, guestAddr, hl);
        int at = TcpLayer.TCP_AT;
        int window = Math.min(receiveSpace() >>> rcvShift, 0xffff);
        TcpSegment.writeHeader(f, at, remotePort, guestPort, sndNxt, rcvNxt, hl, TcpSegment.ACK, window);
        int opt = at + TcpSegment.MIN_HEADER_LENGTH;
        if (tsOk) {
            opt = TcpSegment.writeTimestamps(f, opt, tsNow(), tsRecent, false);
        }
        if (blocks > 0) {
            TcpSegment.writeSackBlocks(f, opt, layer.sackLeft, layer.sackRight, blocks);
        }
        TcpSegment.writeChecksum(f, at, hl, remoteAddr, guestAddr);
        f.writerIndex(TcpLayer.ETH_IP + hl);
        noteAckSent(window);
        layer.sendFrame(f);
    }


    /** End of batch: read what the guest's window allows now, then any ACK still owed. */
    void flush() {
        wroteThisBatch = false;
        if (drainDue) {
            drainDue = false;
            if (!toHost.isEmpty() && handle >= 0 && !writeInterest) {
                drainToHost();
                if (state == CLOSED) {
                    return;
                }
            }
        }
        if (sendPending) {
            pumpToGuest();
            if (state == CLOSED) {
                return;
            }
        }
        if (ackDue && state != TIME_WAIT) {
            sendAckNow();
        }
    }

    // ---------------------------------------------------------------- interest

    private void updateInterest() {
        if (handle < 0 || state == CONNECTING || state == SYN_SENT) {
            return;
        }
        boolean read = sendingState() && usableWindow() > 0;
        // Bytes held only for the flush need no WRITABLE report: the flush writes them.
        setInterest(read, !toHost.isEmpty() && (writeInterest || !drainDue));
    }

    /**
     * Takes the host socket of a connect in progress. HostSockets watches such a socket for WRITABLE, so that
     * is our view too; otherwise the first setInterest(false, false) looks like no change and a level-triggered
     * EPOLLOUT stays armed on the connected socket, waking the loop on every turn.
     */
    void adoptHandle(int h) {
        handle = h;
        readInterest = false;
        writeInterest = true;
    }

    private void setInterest(boolean read, boolean write) {
        if (handle < 0 || (read == readInterest && write == writeInterest)) {
            return;
        }
        readInterest = read;
        writeInterest = write;
        host.setInterest(handle, read, write);
    }

    public boolean readInterest() {
        return readInterest;
    }

    public boolean writeInterest() {
        return writeInterest;
    }

    // ---------------------------------------------------------------- timers

    private void armPersistIfNeeded() {
        // RFC 9293 3.8.6.1: with a zero window and nothing in flight, probe so a lost window update cannot
        // deadlock the connection.
        if (sendingState() && sndWnd == 0 && sndNxt == sndUna) {
            if (persistDeadline == Long.MAX_VALUE) {
                persistInterval = Math.max(rtt.rto(), MIN_RTO);
                persistDeadline = now() + persistInterval;
                layer.timers.schedule(this, persistDeadline);
            }
        } else {
            persistDeadline = Long.MAX_VALUE;
        }
    }

    private long lifetimeDeadline() {
        switch (state) {
            case CONNECTING:
            case SYN_SENT:
                // SYN_SENT ends by the SYN timer long before; this only bounds it should that ever change.
                return createdAt + CONNECT_TIMEOUT;
            case SYN_RECEIVED:
                return createdAt + CONNECT_TIMEOUT + MAX_RTO;
            case ESTABLISHED:
                return lastActivity + ESTABLISHED_IDLE;
            case CLOSE_WAIT:
                return lastActivity + CLOSE_WAIT_IDLE;
            case FIN_WAIT_2:
                return lastActivity + FIN_WAIT_2_IDLE;
            case TIME_WAIT:
                return lastActivity + TIME_WAIT_TIME;
            case CLOSED:
                return Long.MAX_VALUE;
            default:
                return lastActivity + CLOSING_IDLE;
        }
    }

    void scheduleTimers() {
        if (state == CLOSED) {
            return;
        }
        long d = Math.min(Math.min(rtxDeadline, persistDeadline), lifetimeDeadline());
        layer.timers.schedule(this, d);
    }

    void onTimer(long now) {
        if (state == CLOSED) {
            return;
        }
        if (rtxDeadline <= now) {
            rtxDeadline = Long.MAX_VALUE;
            onRetransmitTimeout(now);
            if (state == CLOSED) {
                return;
            }
        }
        if (persistDeadline <= now) {
            persistDeadline = Long.MAX_VALUE;
            if (sendingState() && sndWnd == 0 && sndNxt == sndUna) {
                // A zero-window probe as Linux sends it: an ACK at SND.UNA-1, which is out of window and
                // so must be answered with an ACK carrying the current window.
                counters.tcpPersistProbes++;
                sendProbe();
                persistInterval = Math.min(persistInterval * 2, MAX_RTO);
                persistDeadline = now + persistInterval;
            }
        }
        if (lifetimeDeadline() <= now) {
            onLifetimeExpired();
            return;
        }
        scheduleTimers();
    }

    private void sendProbe() {
        int hl = tcpHeaderLength;
        ByteBuf f = layer.alloc.directBuffer(TcpLayer.ETH_IP + hl);
        layer.writeEthIp(f, guestMac, remoteAddr, guestAddr, hl);
        f.writerIndex(TcpLayer.ETH_IP + hl);
        writeTcp(f, sndUna - 1, TcpSegment.ACK, 0);
        layer.sendDataFrame(f, effMss);
    }

    private void onRetransmitTimeout(long now) {
        if (state == SYN_SENT) {
            if (synRetransmits >= MAX_SYN_RETRANSMITS) {
                // Nothing answers at the guest's address and port (guest down, or its firewall drops): reset
                // the client, as a kernel whose SYNs go unanswered fails connect() instead of hanging.
                counters.tcpForwardTimeout++;
                destroy(true);
                return;
            }
            synRetransmits++;
            counters.tcpSynRetransmits++;
            rtt.backOff();
            if (guestMac == ArpCache.NONE) {
                // Still no ARP answer: ask again (the layer is told if it comes later).
                long mac = layer.resolveGuest(guestAddr);
                if (mac != ArpCache.NONE) {
                    layer.stopAwaitingMac(this);
                    guestMac = mac;
                    sendSyn();
                }
            } else {
                sendSyn();
            }
            rtxDeadline = now + rtt.rto();
            return;
        }
        if (state == SYN_RECEIVED) {
            if (synAckRetransmits >= MAX_SYNACK_RETRANSMITS) {
                counters.tcpRetransmitGiveUps++;
                resetBothWays();
                return;
            }
            synAckRetransmits++;
            counters.tcpSynAckRetransmits++;
            rtt.backOff();
            sendSynAck(true);
            rtxDeadline = now + rtt.rto();
            return;
        }
        if (rtx.isEmpty()) {
            return;
        }
        if (retransmits >= MAX_RETRANSMITS) {
            // The guest stopped answering: give up, RST both ways (RFC 9293 3.8.3, R2).
            counters.tcpRetransmitGiveUps++;
            resetBothWays();
            return;
        }
        retransmits++;
        // RFC 6298 5.5-5.6: back off and retransmit the earliest unacknowledged segment.
        rtt.backOff();
        dupAcks = 0;
        inRecovery = false;
        retransmitFirst(now);
        rtxDeadline = now + rtt.rto();
    }

    private void onLifetimeExpired() {
        if (state == TIME_WAIT) {
            destroy(false);
            return;
        }
        if (state == CONNECTING) {
            counters.tcpConnectTimeout++;
            resetSyn();
            destroy(true);
            return;
        }
        counters.tcpFlowsReaped++;
        resetBothWays();
    }

    // ---------------------------------------------------------------- endings

    /** Host read/write failed (ECONNRESET, EPIPE...): RST the guest, drop the flow. */
    private void hostError(int errno) {
        counters.tcpHostResets++;
        sendRstToGuest();
        destroy(false);
    }

    /** Give-up or reap: RST to the guest and a reset (abort) to the host peer. */
    private void resetBothWays() {
        sendRstToGuest();
        destroy(true);
    }

    private void sendRstToGuest() {
        if (state == SYN_RECEIVED || state == ESTABLISHED || state == FIN_WAIT_1 || state == FIN_WAIT_2
                || state == CLOSE_WAIT || state == CLOSING || state == LAST_ACK) {
            layer.sendReset(guestMac, guestAddr, remoteAddr, guestPort, remotePort, sndNxt, rcvNxt,
                    TcpSegment.RST | TcpSegment.ACK);
        }
    }

    private void releaseHost(boolean abort) {
        if (handle < 0) {
            return;
        }
        if (abort) {
            host.abort(handle);
        } else {
            host.close(handle);
        }
        layer.handles.remove(handle, this);
        handle = -1;
        readInterest = false;
        writeInterest = false;
    }

    private void releaseSendBuffers() {
        rtx.releaseAll();
        ooo.releaseAll();
    }

    private void releaseBuffers() {
        releaseSendBuffers();
        toHost.releaseAll();
    }

    /** Removes the flow: host socket closed (or aborted) in the same moment, every buffer released. */
    void destroy(boolean abortHost) {
        if (destroyed) {
            return;
        }
        destroyed = true;
        releaseHost(abortHost);
        releaseBuffers();
        state = CLOSED;
        layer.forget(this);
    }

    private long now() {
        return layer.clock.nanoTime();
    }

    private int tsNow() {
        return (int) (layer.clock.nanoTime() / 1_000_000L);
    }
}
