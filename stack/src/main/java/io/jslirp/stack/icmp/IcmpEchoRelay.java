package io.jslirp.stack.icmp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.FrameBuffers;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * ICMP echo from the guest to anywhere but our own addresses (which {@link IcmpResponder} answers), relayed
 * through the host's ping sockets. See the package documentation.
 */
public final class IcmpEchoRelay implements HostSocketHandler {
    /** A ping flow's socket is closed after this long without a request or a reply. */
    public static final long IDLE_NANOS = 30_000_000_000L;
    public static final int MAX_FLOWS = 1024;
    static final int READS_PER_EVENT = 64;
    static final int ERRORS_PER_EVENT = 16;
    static final int IP_AT = EthernetFrame.HEADER_LENGTH;
    static final int ICMP_AT = IP_AT + Ipv4Packet.MIN_HEADER_LENGTH;
    static final int MAX_MESSAGE = Ipv4Packet.MAX_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
    static final int TTL = 64;

    /** One (guest, identifier, destination): the guest's ping process toward one host, and its host socket. */
    static final class PingFlow extends IdleList.Node {
        final int guestAddr;
        final int guestId;
        final int remoteAddr;
        final int handle;
        long guestMac;
        int lastSeq;
        int lastLength;

        PingFlow(long guestMac, int guestAddr, int guestId, int remoteAddr, int handle) {
            this.guestMac = guestMac;
            this.guestAddr = guestAddr;
            this.guestId = guestId;
            this.remoteAddr = remoteAddr;
            this.handle = handle;
        }
    }

    private final NetConfig config;
    private final Clock clock;
    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Ipv4Output output;
    private final int gateway;
    private final FlowTable<PingFlow> flows;
    private final HandleIndex<PingFlow> handles = new HandleIndex<>();
    private final IdleList<PingFlow> idle = new IdleList<>();
    private final FrameBuffers readBuffers;
    private final Icmpv4Packet icmp = new Icmpv4Packet();
    private final DatagramInfo info = new DatagramInfo();
    private HostDatagrams datagrams;
    private boolean pingUnavailable;

    public IcmpEchoRelay(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv4Output output,
                         RelayOptions options) {
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
        this.gateway = config.gateway();
        this.flows = new FlowTable<>(Math.min(MAX_FLOWS, options.maxFlows()));
        this.readBuffers = new FrameBuffers(alloc, ICMP_AT + MAX_MESSAGE, 2);
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

    // ---------------------------------------------------------------- guest to host

    /** An ICMP message in {@code ip}, which came from {@code sourceMac} (IPv4 input dispatches it here). */
    public void receive(Ipv4Packet ip, long sourceMac) {
        if (!icmp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength())) {
            if (icmp.error() == Icmpv4Packet.ERR_CHECKSUM) {
                counters.icmpBadChecksum++;
            } else {
                counters.icmpTruncated++;
            }
            return;
        }
        if (icmp.type() != Icmpv4Packet.TYPE_ECHO_REQUEST || icmp.code() != 0) {
            // Only echo is relayed: the guest's own errors and replies have no host socket to go to.
            counters.icmpUnhandled++;
            return;
        }
        int dst = ip.destination();
        if (!Ipv4Packet.isUnicast(dst) || config.contains(dst)) {
            // Broadcast/multicast pings are not relayed off the link (RFC 1122 3.2.2.6 lets hosts ignore them),
            // and nothing else lives in the virtual network.
            counters.icmpBadDestination++;
            return;
        }
        if (datagrams == null) {
            counters.icmpEchoNoSocket++;
            return;
        }
        int src = ip.source();
        int id = icmp.identifier();
        PingFlow f = flows.get(V4_HI, v4Lo(src), id, V4_HI, v4Lo(dst), 0);
        if (f == null) {
            f = open(sourceMac, src, id, dst);
            if (f == null) {
                return;
            }
        }
        f.guestMac = sourceMac;
        f.lastSeq = icmp.sequence();
        f.lastLength = icmp.length();
        idle.touch(f, clock.nanoTime());
        int n = datagrams.sendPing(f.handle, V4_HI, v4Lo(dst), ip.buffer(), icmp.offset(), icmp.length());
        if (n > 0) {
            counters.icmpEchoRelayed++;
        } else if (n == 0) {
            counters.icmpEchoSendDropped++;
        } else {
            counters.icmpEchoSendErrors++;
            if (n == -HostSockets.ENETUNREACH || n == -HostSockets.EHOSTUNREACH) {
                sendError(f, Icmpv4Packet.TYPE_DEST_UNREACHABLE, n == -HostSockets.ENETUNREACH
                        ? Icmpv4Packet.CODE_NET_UNREACHABLE : Icmpv4Packet.CODE_HOST_UNREACHABLE, gateway);
            }
        }
    }

    private PingFlow open(long mac, int src, int id, int dst) {
        if (flows.isFull()) {
            counters.icmpEchoFlowsEvicted++;
            destroy(idle.first());
        }
        int handle = datagrams.openPing(this);
        if (handle < 0) {
            counters.icmpEchoNoSocket++;
            if (handle == -HostSockets.EPERM || handle == -HostSockets.EACCES) {
                pingUnavailable = true;
            }
            return null;
        }
        PingFlow f = new PingFlow(mac, src, id, dst, handle);
        flows.put(V4_HI, v4Lo(src), id, V4_HI, v4Lo(dst), 0, f);
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
            b.writerIndex(ICMP_AT);
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
            if (n < Icmpv4Packet.HEADER_LENGTH || n > MAX_MESSAGE || info.truncated
                    || b.getUnsignedByte(ICMP_AT) != Icmpv4Packet.TYPE_ECHO_REPLY) {
                counters.icmpEchoBadReply++;
                readBuffers.giveBack(b);
                continue;
            }
            // The host's socket has its own identifier; the guest's process knows only its own. Only that word
            // changes, so the checksum is adjusted (RFC 1624) instead of summed again over the whole reply.
            int hostId = b.getUnsignedShort(ICMP_AT + 4);
            b.setShort(ICMP_AT + 4, f.guestId);
            b.setShort(ICMP_AT + 2, Checksum.adjust(b.getUnsignedShort(ICMP_AT + 2), hostId, f.guestId));
            // From the address the guest pinged, as a reply from there would be.
            EthernetFrame.writeHeader(b, 0, f.guestMac, config.gatewayMac(), EthernetFrame.TYPE_IPV4);
            Ipv4Packet.writeHeader(b, IP_AT, 0, Ipv4Packet.MIN_HEADER_LENGTH + n, output.nextIdentification(), 0, TTL,
                    Ipv4Packet.PROTO_ICMP, f.remoteAddr, f.guestAddr);
            b.setIndex(0, ICMP_AT + n);
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
            if (IcmpErrors.passedOn(info.icmpType, info.icmpCode)) {
                // The pinged address is the same to the host and the guest (loopback is never relayed).
                sendError(f, info.icmpType, info.icmpCode,
                        IcmpErrors.reportedFrom(config, info.offenderIpv4(), f.remoteAddr, f.remoteAddr));
            } else {
                counters.icmpErrorsDropped++;
            }
        }
    }

    /** An error about the flow's last echo request, quoting its header (type 8, identifier, sequence). */
    private void sendError(PingFlow f, int type, int code, int from) {
        long quoted = ((long) Icmpv4Packet.TYPE_ECHO_REQUEST << 56) | ((long) f.guestId << 16) | f.lastSeq;
        ByteBuf frame = IcmpErrors.build(alloc, config, output.nextIdentification(), f.guestMac, from, f.guestAddr,
                type, code, 0, Ipv4Packet.PROTO_ICMP, Ipv4Packet.MIN_HEADER_LENGTH + f.lastLength, f.remoteAddr,
                quoted);
        counters.icmpErrorsToGuest++;
        output.send(frame);
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
        flows.remove(V4_HI, v4Lo(f.guestAddr), f.guestId, V4_HI, v4Lo(f.remoteAddr), 0);
        handles.remove(f.handle, f);
        idle.remove(f);
        datagrams.close(f.handle);
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
