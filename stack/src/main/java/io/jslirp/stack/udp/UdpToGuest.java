package io.jslirp.stack.udp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.flow.ForwardPath;
import io.jslirp.stack.flow.FrameBuffers;
import io.jslirp.stack.iface.IpOutput;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayableAddress;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * The host's side of relayed flows: their sockets' events, datagrams read into frame buffers with header room
 * and passed to the guest from where the guest can answer them, and ICMP errors from the sockets' error queues
 * (see the package documentation, "Relay" and "Errors"). Port forwards' sockets are read here too and handed
 * to {@link UdpForwards}; and every UDP frame toward the guest gets its headers from {@link #writeHeaders}.
 */
final class UdpToGuest {
    private final UdpLayer layer;
    private final NetConfig config;
    private final Clock clock;
    private final Counters counters;
    private final RelayOptions options;
    private final DnsServers dnsServers;
    private final UdpErrors errors;
    private final UdpFlows flows;
    private final int gateway;
    private final FrameBuffers readBuffers;
    private final DatagramInfo info = new DatagramInfo();
    private HostDatagrams datagrams;

    UdpToGuest(UdpLayer layer, NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc,
               RelayOptions options, DnsServers dnsServers, UdpErrors errors, UdpFlows flows) {
        this.layer = layer;
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.options = options;
        this.dnsServers = dnsServers;
        this.errors = errors;
        this.flows = flows;
        this.gateway = config.gateway();
        this.readBuffers = new FrameBuffers(alloc, UdpLayer.HEADROOM + UdpLayer.MAX_PAYLOAD6, 4);
    }

    void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
    }

    /** ERROR or READABLE on a relayed flow's socket or a forward's. */
    void onSocketEvent(int handle, int events) {
        UdpFlow f = flows.byHandle(handle);
        if (f == null) {
            UdpForwards fwd = layer.forwards();
            UdpForward fw = fwd.forward(handle);
            if (fw != null) {
                fwd.onEvent(datagrams, info, fw, events);
            }
            return;
        }
        try {
            if ((events & HostSockets.ERROR) != 0) {
                drainErrors(f);
            }
            if ((events & HostSockets.READABLE) != 0 && f.listed()) {
                drainSocket(f.handle, f, null);
            }
        } catch (RuntimeException e) {
            // A bug threw out of this flow's code. Its socket is level-triggered: left open, it would report the
            // same unread datagram or error on every turn and throw again, so the flow ends here; the guest's
            // next datagram opens a new one.
            counters.internalErrors++;
            if (flows.byHandle(f.handle) == f) {
                flows.destroy(f);
            }
        }
    }

    /**
     * Reads up to {@link UdpLayer#READS_PER_EVENT} datagrams from {@code handle} straight into frame buffers with
     * header room, and hands each good one on: to {@link #deliverToGuest} for a relayed flow's socket
     * ({@code flow}), to {@link UdpForwards#toGuest} for a port forward's ({@code forward}); exactly one of the
     * two is non-null.
     */
    void drainSocket(int handle, UdpFlow flow, UdpForward forward) {
        int room = (flow != null && !flow.guestIsV4()) || (forward != null && forward.mode == ForwardPath.NAMED_V6)
                ? UdpLayer.MAX_PAYLOAD6 : UdpDatagram.MAX_PAYLOAD;
        for (int i = 0; i < UdpLayer.READS_PER_EVENT; i++) {
            ByteBuf b = readBuffers.take();
            b.writerIndex(UdpLayer.HEADROOM);
            info.clear();
            int n;
            try {
                n = datagrams.receiveFrom(handle, b, room, info);
            } catch (RuntimeException e) {
                readBuffers.giveBack(b);
                throw e;
            }
            if (n < 0) { // 0 is an empty datagram, passed on like any other
                readBuffers.giveBack(b);
                if (n == -HostSockets.EAGAIN) {
                    return;
                }
                // A pending ICMP errno reported by recvmsg (and cleared by it); the error queue still has the
                // details. Keep reading.
                counters.udpReceiveErrors++;
                continue;
            }
            if (info.truncated || n > room) {
                // More than an IPv4 datagram to the guest can carry (an IPv6 client may send up to 65527 bytes).
                counters.udpTruncatedFromHost++;
                readBuffers.giveBack(b);
                continue;
            }
            if (flow != null) {
                deliverToGuest(flow, b, n);
            } else {
                layer.forwards().toGuest(info, forward, b, n);
            }
        }
    }

    /** Decision table for a datagram from the host: from where does the guest see it come? */
    private void deliverToGuest(UdpFlow f, ByteBuf b, int length) {
        long fromHi = info.addrHi;
        long fromLo = info.addrLo;
        int fromPort = info.port;
        long srcHi;
        long srcLo;
        int srcPort;
        if (f.dns) {
            if (fromPort != UdpLayer.DNS_PORT || !dnsServers.contains(fromHi, fromLo)) {
                // Only the resolvers answer DNS flows; anything else is a stray or a spoof.
                counters.dnsBadReplySource++;
                readBuffers.giveBack(b);
                return;
            }
            dnsServers.replied(fromHi, fromLo);
            counters.dnsReplies++;
            // From the address the guest asked (network+3, prefix::3 or fe80::3).
            srcHi = f.lastDstHi;
            srcLo = f.lastDstLo;
            srcPort = UdpLayer.DNS_PORT;
        } else if (f.guestIsV4()) {
            // A relayed IPv4 flow's socket is AF_INET: every source is IPv4.
            int from = IpAddress.v4(fromLo);
            int src;
            if (from == RelayOptions.LOOPBACK && !options.disableHostLoopback()) {
                // The host's 127.0.0.1 is network+2 to the guest, whichever way the datagram goes.
                src = gateway;
            } else if (!Ipv4Packet.isUnicast(from) || config.contains(from) || fromPort == 0) {
                // Other loopback addresses, and our own network's addresses, cannot be the source of anything
                // the guest can answer (and would impersonate the gateway or another guest).
                counters.udpBadSource++;
                readBuffers.giveBack(b);
                return;
            } else {
                src = from;
            }
            srcHi = V4_HI;
            srcLo = v4Lo(src);
            srcPort = fromPort;
        } else {
            Ipv6Config config6 = layer.config6();
            if (fromHi == 0 && fromLo == 1 && !options.disableHostLoopback()) {
                // The host's ::1 is the router to the guest: the router address it last used (fe80::2 or
                // prefix::2), else prefix::2.
                boolean usedRouter = config6.isOurs(f.lastDstHi, f.lastDstLo);
                srcHi = usedRouter ? f.lastDstHi : config6.routerHi();
                srcLo = Ipv6Config.ROUTER_LO;
            } else if (!RelayableAddress.isRelayable6(config6, fromHi, fromLo) || fromPort == 0) {
                // An IPv4 sender on the dual-stack socket, another name of the host, or an address of our own
                // prefix: nothing the IPv6 guest could answer or should believe.
                counters.udpBadSource++;
                readBuffers.giveBack(b);
                return;
            } else {
                srcHi = fromHi;
                srcLo = fromLo;
            }
            srcPort = fromPort;
        }
        flows.touch(f, clock.nanoTime());
        writeHeaders(b, f.guestMac, srcHi, srcLo, srcPort, f.guestAddrHi, f.guestAddrLo, f.guestPort, length);
        counters.udpOut++;
        b.retain();
        layer.routeFor(f.guestAddrHi, f.guestAddrLo).send(b);
        readBuffers.giveBack(b);
    }

    /**
     * The route's Ethernet and IP headers, then the UDP header (checksum computed), before {@code payloadLength}
     * bytes at {@link UdpLayer#HEADROOM}. The headers end where the payload starts, so a route with a shorter IP
     * header than the headroom allows (IPv4's) starts its frame later in the buffer (readerIndex).
     */
    void writeHeaders(ByteBuf f, long dstMac, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo,
                      int dstPort, int payloadLength) {
        IpOutput route = layer.routeFor(dstHi, dstLo);
        int udpLength = UdpDatagram.HEADER_LENGTH + payloadLength;
        int at = UdpLayer.HEADROOM - UdpDatagram.HEADER_LENGTH - route.l4Offset();
        // No DF: a datagram larger than the guest's MTU is fragmented (by us, or on the way), as the host's is.
        int l4 = route.writeHeaders(f, at, dstMac, srcHi, srcLo, dstHi, dstLo, Ipv4Packet.PROTO_UDP, udpLength,
                false);
        UdpDatagram.writeHeader(f, l4, srcPort, dstPort, udpLength);
        UdpDatagram.writeChecksum(f, l4, udpLength, Checksum.addressSum(srcHi, srcLo, dstHi, dstLo));
        f.setIndex(at, UdpLayer.HEADROOM + payloadLength);
    }

    private void drainErrors(UdpFlow f) {
        for (int i = 0; i < UdpLayer.ERRORS_PER_EVENT; i++) {
            info.clear();
            if (datagrams.receiveError(f.handle, info) <= 0) {
                return;
            }
            counters.udpHostErrors++;
            errors.fromHost(f, info);
        }
    }

    /** A read buffer back to the pool (the caller's reference dropped). */
    void giveBack(ByteBuf b) {
        readBuffers.giveBack(b);
    }

    /** Releases the pooled read buffers (the loop has gone quiet); returns how many. */
    int releaseIdleBuffers() {
        return readBuffers.clear();
    }

    /** Releases the pooled read buffers (stack shutdown). */
    void close() {
        readBuffers.clear();
    }
}
