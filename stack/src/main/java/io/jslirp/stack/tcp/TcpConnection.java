package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.iface.IpOutput;
import io.jslirp.stack.iface.PendingNeighbors;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Seq;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import static io.jslirp.stack.tcp.ConnectionTimers.scheduleTimers;
import static io.jslirp.stack.tcp.SegmentsToGuest.pumpToGuest;
import static io.jslirp.stack.tcp.SegmentsToGuest.resetSyn;
import static io.jslirp.stack.tcp.SegmentsToGuest.sendAckNow;
import static io.jslirp.stack.tcp.SegmentsToGuest.sendRstToGuest;
import static io.jslirp.stack.tcp.SegmentsToGuest.sendSyn;
import static io.jslirp.stack.tcp.SegmentsToGuest.sendSynAck;
import static io.jslirp.stack.tcp.SegmentsToGuest.sendingState;
import static io.jslirp.stack.tcp.SegmentsToGuest.usableWindow;
import static io.jslirp.stack.tcp.TcpState.*;

/**
 * One guest TCP connection, terminated here and relayed to one host socket. Usually the guest is the active
 * opener and we are the passive side; for a port forward we open toward the guest ({@code SYN_SENT}) on
 * behalf of an accepted host client, and from ESTABLISHED on both kinds are the same. Fields carry their
 * direction: {@code ...ToGuest}/{@code snd...} is what
 * we send (bytes read from the host), {@code ...FromGuest}/{@code rcv...} is what the guest sends (bytes
 * written to the host). See the package documentation for the whole design.
 *
 * <p>This class is the connection's state (the TCB) and its host side: opening, host readiness, guest bytes
 * on their way to the host socket, interest, the end-of-batch flush and the endings. Its behaviour toward the
 * guest lives beside it, as static methods over these fields: {@link SegmentsFromGuest} (the decision tables
 * for arriving segments), {@link SegmentsToGuest} (everything we send) and {@link ConnectionTimers}; and its
 * queues and estimator are objects of their own: {@link RetransmitQueue}, {@link OutOfOrderQueue},
 * {@link ToHostQueue}, {@link RttEstimator}.
 */
public final class TcpConnection implements PendingNeighbors.Waiter {
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

    final TcpLayer layer;
    final Counters counters;
    final HostSockets host;
    /** The guest's MAC; for a port forward {@link ArpCache#NONE} until ARP finds it. */
    long guestMac;
    /** The guest's address and the remote one as the guest sees it: family-neutral (IpAddress). */
    final long guestAddrHi;
    final long guestAddrLo;
    final int guestPort;
    final long remoteAddrHi;
    final long remoteAddrLo;
    final int remotePort;
    /** The IP version's way to the guest, and where its frames put the TCP header. */
    final IpOutput out;
    final int l4At;
    /** The pseudo-header's address part for every segment toward the guest, summed once per connection. */
    final long addressSum;
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
    /** Port forward: in the interface's pending queue, its first SYN waiting for the guest's MAC. */
    boolean awaitingMac;
    /**
     * Port forward naming no guest address, tried over IPv6: the IPv4 guest address (host order) the same host
     * client moves to when the guest refuses it here (TcpForwards.fallBackToIpv4); 0 for every other flow.
     */
    int fallbackV4;

    final RetransmitQueue rtx;
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

    TcpConnection(TcpLayer layer, long guestMac, long guestAddrHi, long guestAddrLo, int guestPort,
                  long remoteAddrHi, long remoteAddrLo, int remotePort, long now) {
        this.layer = layer;
        this.counters = layer.counters;
        this.host = layer.host;
        this.guestMac = guestMac;
        this.guestAddrHi = guestAddrHi;
        this.guestAddrLo = guestAddrLo;
        this.guestPort = guestPort;
        this.remoteAddrHi = remoteAddrHi;
        this.remoteAddrLo = remoteAddrLo;
        this.out = layer.outputFor(guestAddrHi, guestAddrLo);
        this.l4At = out.l4Offset();
        this.remotePort = remotePort;
        this.addressSum = Checksum.addressSum(remoteAddrHi, remoteAddrLo, guestAddrHi, guestAddrLo);
        this.createdAt = now;
        this.lastActivity = now;
        this.ooo = new OutOfOrderQueue(layer);
        this.rtx = new RetransmitQueue(layer.flight);
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

    // ================================================================ host events and opening

    /** Readiness of the host socket: the connect's outcome, room to write, bytes or EOF to read, an error. */
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
            sendSynAck(this, false);
            rtxDeadline = now() + rtt.rto();
            scheduleTimers(this);
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
            pumpToGuest(this);
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
                resetSyn(this);
                break;
            case HostSockets.ENETUNREACH:
            case HostSockets.ENETDOWN:
                counters.tcpConnectUnreachable++;
                layer.connects.sendUnreachable(guestMac, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo,
                        guestPort, remotePort, irs, true);
                break;
            case HostSockets.EHOSTUNREACH:
            case HostSockets.EHOSTDOWN:
                counters.tcpConnectUnreachable++;
                layer.connects.sendUnreachable(guestMac, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo,
                        guestPort, remotePort, irs, false);
                break;
            case HostSockets.ETIMEDOUT:
                counters.tcpConnectTimeout++;
                resetSyn(this);
                break;
            default:
                counters.tcpConnectFailed++;
                resetSyn(this);
        }
        destroy(false);
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
        guestMac = layer.resolveGuest(guestAddrHi, guestAddrLo);
        if (guestMac != ArpCache.NONE) {
            sendSyn(this);
        } else {
            // resolve() sent an ARP request; the pending queue hands us the answer (neighborKnown) in the same
            // event that brings it.
            layer.awaitMac(this);
        }
        rtxDeadline = now() + rtt.rto();
        scheduleTimers(this);
    }

    /** The guest's MAC arrived while our first SYN waited for it: send it now, the SYN timer counting from here. */
    @Override
    public void neighborKnown(long mac) {
        awaitingMac = false;
        guestMac = mac;
        sendSyn(this);
        rtxDeadline = now() + rtt.rto();
        scheduleTimers(this);
    }

    /**
     * Gives the host socket up without closing it, for a fallback that carries the same client on: the socket
     * had no interest yet (SYN_SENT), so nothing needs undoing. Returns the handle, or -1.
     */
    int takeHandle() {
        int h = handle;
        if (h >= 0) {
            layer.handles.remove(h, this);
            handle = -1;
        }
        return h;
    }

    /**
     * The guest refused our SYN (RST, ICMP unreachable) or never answered it: the host client is reset, or,
     * for a forward that names no guest address tried over IPv6, tries IPv4 instead. True for the fallback.
     */
    boolean refusedOrFallBack() {
        if (fallbackV4 != 0 && state == SYN_SENT) {
            layer.fallBackToIpv4(this);
            return true;
        }
        destroy(true);
        return false;
    }

    // ================================================================ endings of the guest's direction

    void enterTimeWait() {
        state = TIME_WAIT;
        // Both directions are done: the host socket goes now (or as soon as it has taken the guest's
        // last bytes), and then this object too: a primitive record in the layer's TimeWaitTable stays.
        releaseSendBuffers();
        rtxDeadline = Long.MAX_VALUE;
        persistDeadline = Long.MAX_VALUE;
        lastActivity = now();
        if (toHost.isEmpty()) {
            releaseHost(false);
            toHost.releaseAll(); // its ring, that is: nothing is queued
            SegmentsInTimeWait.retire(this);
            return;
        }
        scheduleTimers(this);
    }

    /** Its TIME_WAIT record took over ({@link SegmentsInTimeWait#retire}): this object is done. */
    void retired() {
        destroyed = true;
        state = CLOSED;
    }

    void shutHostWrite() {
        if (!hostWriteShut && handle >= 0) {
            hostWriteShut = true;
            host.shutdownWrite(handle);
        }
    }

    // ---------------------------------------------------------------- guest -> host

    /** Writes straight to the host socket; queues (a retained slice) what the kernel does not take. */
    boolean deliverToHost(ByteBuf buf, int index, int len) {
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
            toHost.add(layer.memory.keep(buf, index + n, len - n));
            setInterest(readInterest, true);
            return true;
        }
        toHost.add(layer.memory.keep(buf, index, len));
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
    boolean writeDeferred() {
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
                    toHost.releaseAll(); // its ring, that is: the queue just drained
                    SegmentsInTimeWait.retire(this);
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
    boolean drainOutOfOrder() {
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

    // ---------------------------------------------------------------- end of batch

    void markAckDue() {
        ackDue = true;
        layer.markPending(this);
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
            pumpToGuest(this);
            if (state == CLOSED) {
                return;
            }
        }
        if (ackDue && state != TIME_WAIT) {
            sendAckNow(this);
        }
    }

    // ---------------------------------------------------------------- interest

    void updateInterest() {
        if (handle < 0 || state == CONNECTING || state == SYN_SENT) {
            return;
        }
        boolean read = sendingState(this) && usableWindow(this) > 0;
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

    void setInterest(boolean read, boolean write) {
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

    // ---------------------------------------------------------------- endings

    /** A RST from the remote end of this flow to the guest (no options, window 0). */
    void sendReset(int seq, int ack, int flags) {
        layer.sendReset(guestMac, guestAddrHi, guestAddrLo, remoteAddrHi, remoteAddrLo, guestPort, remotePort, seq,
                ack, flags);
    }

    /**
     * Ethernet and IP headers of a frame from the remote end to the guest carrying {@code tcpLength} bytes of
     * TCP (DF set, as Linux sets it on TCP); returns where the TCP header goes, {@link #l4At}.
     */
    int writeHeaders(ByteBuf f, int tcpLength) {
        return out.writeHeaders(f, 0, guestMac, remoteAddrHi, remoteAddrLo, guestAddrHi, guestAddrLo,
                Ipv4Packet.PROTO_TCP, tcpLength, true);
    }

    /** The MSS we offer and the cap on the guest's: what fits the MTU after this IP version's and TCP's headers. */
    int ourMss() {
        return layer.mtu - (l4At - EthernetFrame.HEADER_LENGTH) - TcpSegment.MIN_HEADER_LENGTH;
    }

    /** Host read/write failed (ECONNRESET, EPIPE...): RST the guest, drop the flow. */
    void hostError(int errno) {
        counters.tcpHostResets++;
        sendRstToGuest(this);
        destroy(false);
    }

    /** Give-up or reap: RST to the guest and a reset (abort) to the host peer. */
    void resetBothWays() {
        sendRstToGuest(this);
        destroy(true);
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

    long now() {
        return layer.clock.nanoTime();
    }

    int tsNow() {
        return (int) (layer.clock.nanoTime() / 1_000_000L);
    }
}
