package io.jslirp.stack.icmp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.FrameBuffers;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.iface.Icmpv6Handler;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * ICMPv6 echo from the guest to anywhere but our own addresses (which {@link Icmpv6Responder} answers),
 * relayed through the host's ICMPv6 ping sockets ({@link HostDatagrams#openPing6}), the IPv6 twin of
 * {@link IcmpEchoRelay}: one flow and socket per (guest address, identifier, destination), idle-expired after
 * 30 s; the reply gets the guest's identifier back and its checksum computed for the guest's pseudo-header
 * (RFC 4443 2.3: the addresses differ from the host's); ICMPv6 errors the host's socket receives
 * (IPV6_RECVERR) about an echo go to the guest quoting the echo request as rebuilt from the flow.
 *
 * <p>Decision table for a request (IPv6 input hands over only echo requests to addresses not ours and not
 * multicast):
 * <ol>
 * <li>a destination inside our prefix or on the link (nobody lives there), or another name of the host or of
 *     IPv4 (::1, ::ffff:0:0/96, ::/96): dropped (icmpBadDestination), as IPv4 drops pings into the network.</li>
 * <li>no host datagram sockets, or the host refuses a ping socket: dropped (icmpEchoNoSocket); EPERM/EACCES
 *     also set {@link #pingUnavailable}.</li>
 * <li>otherwise sent; ENETUNREACH/EHOSTUNREACH from the send come back as destination unreachable (no route,
 *     address unreachable) from the router.</li>
 * </ol>
 */
public final class Icmpv6EchoRelay implements HostSocketHandler, Icmpv6Handler {
    public static final long IDLE_NANOS = IcmpEchoRelay.IDLE_NANOS;
    public static final int MAX_FLOWS = IcmpEchoRelay.MAX_FLOWS;
    static final int READS_PER_EVENT = 64;
    static final int ERRORS_PER_EVENT = 16;
    static final int MAX_MESSAGE = Ipv6Packet.MAX_PAYLOAD_LENGTH;

    /** One (guest, identifier, destination): the guest's ping process toward one host, and its host socket. */
    static final class PingFlow6 extends IdleList.Node {
        final long guestHi;
        final long guestLo;
        final int guestId;
        final long remoteHi;
        final long remoteLo;
        final int handle;
        long guestMac;
        int lastSeq;
        int lastLength;

        PingFlow6(long guestMac, long guestHi, long guestLo, int guestId, long remoteHi, long remoteLo, int handle) {
            this.guestMac = guestMac;
            this.guestHi = guestHi;
            this.guestLo = guestLo;
            this.guestId = guestId;
            this.remoteHi = remoteHi;
            this.remoteLo = remoteLo;
            this.handle = handle;
        }
    }

    private final Ipv6Config config;
    private final Clock clock;
    private final Counters counters;
    private final Ipv6Output output;
    private final FlowTable<PingFlow6> flows;
    private final HandleIndex<PingFlow6> handles = new HandleIndex<>();
    private final IdleList<PingFlow6> idle = new IdleList<>();
    private final FrameBuffers readBuffers;
    private final DatagramInfo info = new DatagramInfo();
    private HostDatagrams datagrams;
    private boolean pingUnavailable;

    public Icmpv6EchoRelay(Ipv6Config config, Clock clock, Counters counters, ByteBufAllocator alloc,
                           Ipv6Output output, RelayOptions options) {
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.output = output;
        this.flows = new FlowTable<>(Math.min(MAX_FLOWS, options.maxFlows()));
        this.readBuffers = new FrameBuffers(alloc, Ipv6Output.L4_OFFSET + MAX_MESSAGE, 2);
    }

    public void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
    }

    /** True once the host refused an ICMPv6 ping socket (EPERM/EACCES). */
    public boolean pingUnavailable() {
        return pingUnavailable;
    }

    public int activeFlows() {
        return flows.size();
    }

    // ---------------------------------------------------------------- guest to host

    @Override
    public void receive(Ipv6Packet ip, Icmpv6Packet echo, long sourceMac) {
        long dHi = ip.destinationHi();
        long dLo = ip.destinationLo();
        if (config.inPrefix(dHi) || Ipv6Packet.isLinkLocal(dHi) || Ipv6Packet.isMulticast(dHi)
                || Ipv6Packet.isLoopback(dHi, dLo) || Ipv6Packet.isUnspecified(dHi, dLo)
                || IpAddress.isV4(dHi, dLo) || (dHi == 0 && (dLo >>> 32) == 0)) {
            counters.icmpBadDestination++;
            return;
        }
        if (echo.code() != 0) {
            counters.icmpUnhandled++;
            return;
        }
        if (datagrams == null) {
            counters.icmpEchoNoSocket++;
            return;
        }
        long sHi = ip.sourceHi();
        long sLo = ip.sourceLo();
        int id = echo.identifier();
        PingFlow6 f = flows.get(sHi, sLo, id, dHi, dLo, 0);
        if (f == null) {
            f = open(sourceMac, sHi, sLo, id, dHi, dLo);
            if (f == null) {
                return;
            }
        }
        f.guestMac = sourceMac;
        f.lastSeq = echo.sequence();
        f.lastLength = echo.length();
        idle.touch(f, clock.nanoTime());
        int n = datagrams.sendPing(f.handle, dHi, dLo, ip.buffer(), echo.offset(), echo.length());
        if (n > 0) {
            counters.icmpEchoRelayed++;
        } else if (n == 0) {
            counters.icmpEchoSendDropped++;
        } else {
            counters.icmpEchoSendErrors++;
            if (n == -HostSockets.ENETUNREACH || n == -HostSockets.EHOSTUNREACH) {
                sendError(f, Icmpv6Packet.TYPE_DEST_UNREACHABLE, n == -HostSockets.ENETUNREACH
                        ? Icmpv6Packet.CODE_NO_ROUTE : Icmpv6Packet.CODE_ADDRESS_UNREACHABLE, 0, routerFor(f), 
                        Ipv6Config.ROUTER_LO);
            }
        }
    }

    private long routerFor(PingFlow6 f) {
        return Ipv6Packet.isLinkLocal(f.guestHi) ? Ipv6Config.LINK_LOCAL_HI : config.routerHi();
    }

    private PingFlow6 open(long mac, long sHi, long sLo, int id, long dHi, long dLo) {
        if (flows.isFull()) {
            counters.icmpEchoFlowsEvicted++;
            destroy(idle.first());
        }
        int handle = datagrams.openPing6(this);
        if (handle < 0) {
            counters.icmpEchoNoSocket++;
            if (handle == -HostSockets.EPERM || handle == -HostSockets.EACCES) {
                pingUnavailable = true;
            }
            return null;
        }
        PingFlow6 f = new PingFlow6(mac, sHi, sLo, id, dHi, dLo, handle);
        flows.put(sHi, sLo, id, dHi, dLo, 0, f);
        handles.put(handle, f);
        counters.icmpEchoFlowsOpened++;
        return f;
    }

    // ---------------------------------------------------------------- host to guest

    @Override
    public void onSocketEvent(int handle, int events) {
        PingFlow6 f = handles.get(handle);
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

    private void drainReplies(PingFlow6 f) {
        int at = Ipv6Output.L4_OFFSET;
        for (int i = 0; i < READS_PER_EVENT; i++) {
            ByteBuf b = readBuffers.take();
            b.writerIndex(at);
            info.clear();
            int n;
            try {
                n = datagrams.receivePing(f.handle, b, MAX_MESSAGE, info);
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
            if (n < Icmpv6Packet.HEADER_LENGTH || info.truncated
                    || b.getUnsignedByte(at) != Icmpv6Packet.TYPE_ECHO_REPLY) {
                counters.icmpEchoBadReply++;
                readBuffers.giveBack(b);
                continue;
            }
            // The guest's identifier back; the checksum anew, since the pseudo-header's addresses are the
            // guest's now, not the host's.
            b.setShort(at + 4, f.guestId);
            output.writeHeaders(b, 0, f.guestMac, f.remoteHi, f.remoteLo, f.guestHi, f.guestLo,
                    Ipv6Packet.NEXT_ICMPV6, n, false);
            Icmpv6Packet.writeChecksum(b, at, n,
                    Ipv6Packet.pseudoHeaderSum(f.remoteHi, f.remoteLo, f.guestHi, f.guestLo, Ipv6Packet.NEXT_ICMPV6, n));
            b.setIndex(0, at + n);
            idle.touch(f, clock.nanoTime());
            counters.icmpEchoRepliesRelayed++;
            b.retain();
            output.send(b);
            readBuffers.giveBack(b);
        }
    }

    private void drainErrors(PingFlow6 f) {
        for (int i = 0; i < ERRORS_PER_EVENT; i++) {
            info.clear();
            if (datagrams.receiveError(f.handle, info) <= 0) {
                return;
            }
            if (!info.icmpv6 || !IcmpErrors.passedOn6(info.icmpType, info.icmpCode)) {
                counters.icmpErrorsDropped++;
                continue;
            }
            // From the reporting router when the guest may see it, else from the pinged address.
            boolean fromOffender = !IpAddress.isUnspecified(info.offenderHi, info.offenderLo)
                    && !config.inPrefix(info.offenderHi) && !Ipv6Packet.isLinkLocal(info.offenderHi)
                    && !Ipv6Packet.isLoopback(info.offenderHi, info.offenderLo)
                    && !IpAddress.isV4(info.offenderHi, info.offenderLo)
                    && !Ipv6Packet.isMulticast(info.offenderHi);
            int word = info.icmpType == Icmpv6Packet.TYPE_PACKET_TOO_BIG
                    ? Math.max(Ipv6Packet.MIN_MTU, info.icmpInfo) : 0;
            sendError(f, info.icmpType, info.icmpCode, word, fromOffender ? info.offenderHi : f.remoteHi,
                    fromOffender ? info.offenderLo : f.remoteLo);
        }
    }

    /** An error about the flow's last echo request, quoting its header (type 128, identifier, sequence). */
    private void sendError(PingFlow6 f, int type, int code, int word, long fromHi, long fromLo) {
        long quoted = ((long) Icmpv6Packet.TYPE_ECHO_REQUEST << 56) | ((long) f.guestId << 16) | f.lastSeq;
        counters.icmpErrorsToGuest++;
        IcmpErrors.sendV6(output, f.guestMac, fromHi, fromLo, f.guestHi, f.guestLo, type, code, word,
                Ipv6Packet.NEXT_ICMPV6, f.lastLength, f.remoteHi, f.remoteLo, quoted);
    }

    // ---------------------------------------------------------------- timers and teardown

    public long nextDeadlineNanos() {
        PingFlow6 f = idle.first();
        return f == null ? Long.MAX_VALUE : f.lastActive + IDLE_NANOS;
    }

    public void runTimers(long now) {
        for (PingFlow6 f = idle.first(); f != null && now - (f.lastActive + IDLE_NANOS) >= 0; f = idle.first()) {
            counters.icmpEchoFlowsExpired++;
            destroy(f);
        }
    }

    private void destroy(PingFlow6 f) {
        flows.remove(f.guestHi, f.guestLo, f.guestId, f.remoteHi, f.remoteLo, 0);
        handles.remove(f.handle, f);
        idle.remove(f);
        datagrams.close(f.handle);
    }

    public void close() {
        List<PingFlow6> all = new ArrayList<>(flows.size());
        flows.forEach(all::add);
        for (PingFlow6 f : all) {
            destroy(f);
        }
        readBuffers.clear();
    }
}
