package io.jslirp.stack.icmp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.FrameBuffers;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.iface.IpOutput;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * The echo relay of both families, once: the flow table keyed by family-neutral addresses, one host ping socket
 * per flow, idle expiry and eviction, the bounded read and error loops and their counters. What differs per
 * family (which requests may go, the ping socket, the reply's identifier and checksum, the error sent to the
 * guest) is left to {@link IcmpEchoRelay} and {@link Icmpv6EchoRelay}. See the package documentation.
 */
abstract class EchoRelay implements HostSocketHandler {
    /** A ping flow's socket is closed after this long without a request or a reply. */
    public static final long IDLE_NANOS = 30_000_000_000L;
    public static final int MAX_FLOWS = 1024;
    static final int READS_PER_EVENT = 64;
    static final int ERRORS_PER_EVENT = 16;

    /** One (guest, identifier, destination): the guest's ping process toward one host, and its host socket. */
    static final class PingFlow extends IdleList.Node {
        final long guestHi;
        final long guestLo;
        final int guestId;
        final long remoteHi;
        final long remoteLo;
        final int handle;
        long guestMac;
        int lastSeq;
        int lastLength;

        PingFlow(long guestMac, long guestHi, long guestLo, int guestId, long remoteHi, long remoteLo, int handle) {
            this.guestMac = guestMac;
            this.guestHi = guestHi;
            this.guestLo = guestLo;
            this.guestId = guestId;
            this.remoteHi = remoteHi;
            this.remoteLo = remoteLo;
            this.handle = handle;
        }
    }

    final Clock clock;
    final Counters counters;
    final DatagramInfo info = new DatagramInfo();
    HostDatagrams datagrams;
    private final IpOutput output;
    /** Where the ICMP message starts in a reply frame, and the longest message one datagram carries. */
    private final int messageAt;
    private final int maxMessage;
    private final FlowTable<PingFlow> flows;
    private final HandleIndex<PingFlow> handles = new HandleIndex<>();
    private final IdleList<PingFlow> idle = new IdleList<>();
    private final FrameBuffers readBuffers;
    private boolean pingUnavailable;

    EchoRelay(Clock clock, Counters counters, ByteBufAllocator alloc, IpOutput output, RelayOptions options,
              int messageAt, int maxMessage) {
        this.clock = clock;
        this.counters = counters;
        this.output = output;
        this.messageAt = messageAt;
        this.maxMessage = maxMessage;
        this.flows = new FlowTable<>(Math.min(MAX_FLOWS, options.maxFlows()));
        this.readBuffers = new FrameBuffers(alloc, messageAt + maxMessage, 2);
    }

    public void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
    }

    /**
     * True once the host refused a ping socket (EPERM/EACCES: {@code net.ipv4.ping_group_range} excludes us and
     * we are not privileged for a raw one); pings to the outside are then dropped, counted in icmpEchoNoSocket.
     */
    public boolean pingUnavailable() {
        return pingUnavailable;
    }

    public int activeFlows() {
        return flows.size();
    }

    // ---------------------------------------------------------------- per family

    /** A new ping socket of this family for this handler: its handle, or a negated errno. */
    abstract int openSocket();

    /**
     * Checks the {@code n}-byte message the host read into {@code b} at {@code messageAt} (not truncated) is an
     * echo reply and makes {@code b} the frame to the guest; false (nothing written) when it is not one.
     */
    abstract boolean replyToGuest(PingFlow f, ByteBuf b, int n);

    /** The host's socket reported the error now in {@link #info} about {@code f}'s echo: send it on or drop it. */
    abstract void errorToGuest(PingFlow f);

    /** The send failed with ENETUNREACH ({@code noRoute}) or EHOSTUNREACH: tell the guest so. */
    abstract void unreachableToGuest(PingFlow f, boolean noRoute);

    // ---------------------------------------------------------------- guest to host

    /**
     * Sends the guest's echo request ({@code length} bytes at {@code offset} in {@code buf}, already judged
     * relayable by the family) from {@code s} to {@code d} through its flow's socket, opening it if need be.
     */
    final void relay(long sourceMac, long sHi, long sLo, int id, int seq, long dHi, long dLo, ByteBuf buf,
                     int offset, int length) {
        if (datagrams == null) {
            counters.icmpEchoNoSocket++;
            return;
        }
        PingFlow f = flows.get(sHi, sLo, id, dHi, dLo, 0);
        if (f == null) {
            f = open(sourceMac, sHi, sLo, id, dHi, dLo);
            if (f == null) {
                return;
            }
        }
        f.guestMac = sourceMac;
        f.lastSeq = seq;
        f.lastLength = length;
        idle.touch(f, clock.nanoTime());
        int n = datagrams.sendPing(f.handle, dHi, dLo, buf, offset, length);
        if (n > 0) {
            counters.icmpEchoRelayed++;
        } else if (n == 0) {
            counters.icmpEchoSendDropped++;
        } else {
            counters.icmpEchoSendErrors++;
            if (n == -HostSockets.ENETUNREACH || n == -HostSockets.EHOSTUNREACH) {
                unreachableToGuest(f, n == -HostSockets.ENETUNREACH);
            }
        }
    }

    private PingFlow open(long mac, long sHi, long sLo, int id, long dHi, long dLo) {
        if (flows.isFull()) {
            counters.icmpEchoFlowsEvicted++;
            destroy(idle.first());
        }
        int handle = openSocket();
        if (handle < 0) {
            counters.icmpEchoNoSocket++;
            if (handle == -HostSockets.EPERM || handle == -HostSockets.EACCES) {
                pingUnavailable = true;
            }
            return null;
        }
        PingFlow f = new PingFlow(mac, sHi, sLo, id, dHi, dLo, handle);
        flows.put(sHi, sLo, id, dHi, dLo, 0, f);
        handles.put(handle, f);
        counters.icmpEchoFlowsOpened++;
        return f;
    }

    // ---------------------------------------------------------------- host to guest

    @Override
    public void onSocketEvent(int handle, int events) {
        PingFlow f = handles.get(handle);
        if (f == null) {
            return;
        }
        try {
            if ((events & HostSockets.ERROR) != 0) {
                drainErrors(f);
            }
            if ((events & HostSockets.READABLE) != 0 && f.listed()) {
                drainReplies(f);
            }
        } catch (RuntimeException e) {
            counters.internalErrors++;
        }
    }

    private void drainReplies(PingFlow f) {
        for (int i = 0; i < READS_PER_EVENT; i++) {
            ByteBuf b = readBuffers.take();
            b.writerIndex(messageAt);
            info.clear();
            int n;
            try {
                n = datagrams.receivePing(f.handle, b, maxMessage, info);
            } catch (RuntimeException e) {
                readBuffers.giveBack(b);
                throw e;
            }
            if (n < 0) {
                readBuffers.giveBack(b);
                if (n == -HostSockets.EAGAIN) {
                    return;
                }
                counters.icmpEchoReceiveErrors++;
                continue;
            }
            if (info.truncated || !replyToGuest(f, b, n)) {
                counters.icmpEchoBadReply++;
                readBuffers.giveBack(b);
                continue;
            }
            b.setIndex(0, messageAt + n);
            idle.touch(f, clock.nanoTime());
            counters.icmpEchoRepliesRelayed++;
            b.retain();
            output.send(b);
            readBuffers.giveBack(b);
        }
    }

    private void drainErrors(PingFlow f) {
        for (int i = 0; i < ERRORS_PER_EVENT; i++) {
            info.clear();
            if (datagrams.receiveError(f.handle, info) <= 0) {
                return;
            }
            errorToGuest(f);
        }
    }

    /** The quoted echo request header's first eight bytes: {@code type}, code 0, the guest's identifier, sequence. */
    static long quotedEcho(PingFlow f, int type) {
        return ((long) type << 56) | ((long) f.guestId << 16) | f.lastSeq;
    }

    // ---------------------------------------------------------------- timers and teardown

    public long nextDeadlineNanos() {
        PingFlow f = idle.first();
        return f == null ? Long.MAX_VALUE : f.lastActive + IDLE_NANOS;
    }

    public void runTimers(long now) {
        for (PingFlow f = idle.first(); f != null && now - (f.lastActive + IDLE_NANOS) >= 0; f = idle.first()) {
            counters.icmpEchoFlowsExpired++;
            destroy(f);
        }
    }

    private void destroy(PingFlow f) {
        flows.remove(f.guestHi, f.guestLo, f.guestId, f.remoteHi, f.remoteLo, 0);
        handles.remove(f.handle, f);
        idle.remove(f);
        datagrams.close(f.handle);
    }

    /** The loop has gone quiet: releases the pooled read buffers (see {@code Stack.releaseIdleBuffers}). */
    public int releaseIdleBuffers() {
        return readBuffers.clear();
    }

    public void close() {
        List<PingFlow> all = new ArrayList<>(flows.size());
        flows.forEach(all::add);
        for (PingFlow f : all) {
            destroy(f);
        }
        readBuffers.clear();
    }
}
