package io.jslirp.stack.udp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.FrameBuffers;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.icmp.IcmpErrors;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.iface.PendingNeighbors;
import io.jslirp.stack.iface.IpPacket;
import io.jslirp.stack.iface.IpProtocol;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * UDP from the guest to any destination: local services, the DNS forwarder at network+3, and the relay
 * through host UDP sockets; and port forwards, host sockets whose clients' datagrams go into the guest. See the package documentation for the theory; each branch names its rule.
 */
public final class UdpLayer implements IpProtocol, HostSocketHandler {
    /** Idle time after which a relayed flow's host socket is closed (either direction counts as activity). */
    public static final long IDLE_NANOS = 60_000_000_000L;
    /** DNS flows carry one query and its reply; libslirp expires them after 10 s too (SO_EXPIREFAST). */
    public static final long DNS_IDLE_NANOS = 10_000_000_000L;
    /** Bound on UDP flows (each is a host socket, a file descriptor), below RelayOptions.maxFlows. */
    public static final int MAX_FLOWS = 4096;
    /** Datagrams read per READABLE event: the socket stays readable (level-triggered) if more wait. */
    public static final int READS_PER_EVENT = 64;
    static final int ERRORS_PER_EVENT = 16;
    /**
     * Room before a datagram's payload for the route's Ethernet and IP headers and UDP's: IPv4's. A route with a
     * longer IP header (IPv6's 40 bytes) needs this raised; {@link #writeHeaders} then starts IPv4 frames later.
     */
    public static final int HEADROOM = Ipv4Output.L4_OFFSET + UdpDatagram.HEADER_LENGTH;
    public static final int DNS_PORT = 53;
    private static final int MAX_SERVICES = 16;
    /** Flow key for relayed flows: remote address and port 0, so one flow (and socket) per guest endpoint. */
    private static final int ANY = 0;
    /** Bound on port-forward client mappings (no file descriptor each), below RelayOptions.maxFlows. */
    public static final int MAX_FORWARD_MAPPINGS = 4096;
    /** Datagrams from forwards held per guest address while its MAC is asked for (Linux's unres_qlen is 3..101). */
    public static final int HELD_PER_GUEST = PendingNeighbors.FRAMES_PER_ADDRESS;
    /**
     * How long a held datagram waits for the guest's ARP answer: Linux's neighbour code gives up (and drops its
     * queue) after 3 unanswered solicitations 1 s apart.
     */
    public static final long HOLD_NANOS = PendingNeighbors.HOLD_NANOS;
    /** {@link #listen} without HostDatagrams: the network the forward leads to is not up. */
    public static final int ENETDOWN = HostSockets.ENETDOWN;
    /** {@link #localPort} for a handle that is no listener of ours. */
    public static final int EBADF = 9;

    private final NetConfig config;
    private final Clock clock;
    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Ipv4Output output;
    private final RelayOptions options;
    private final DnsServers dnsServers;
    private final int gateway;
    private final int dns;
    private final FlowTable<UdpFlow> flows;
    private final HandleIndex<UdpFlow> handles = new HandleIndex<>();
    private final IdleList<UdpFlow> relayIdle = new IdleList<>();
    private final IdleList<UdpFlow> dnsIdle = new IdleList<>();
    private final FrameBuffers readBuffers;
    private final UdpDatagram udp = new UdpDatagram();
    private final DatagramInfo info = new DatagramInfo();
    private final int[] servicePorts = new int[MAX_SERVICES];
    private final UdpService[] services = new UdpService[MAX_SERVICES];
    private int serviceCount;
    private final UdpReplier replier = this::sendFrom;
    private HostDatagrams datagrams;
    /** Port forwards: client mappings keyed (guest address, guest port, seen address, seen port). */
    private final FlowTable<UdpMapping> mappings;
    private final IdleList<UdpMapping> mappingIdle = new IdleList<>();
    private final HandleIndex<UdpForward> forwardHandles = new HandleIndex<>();
    private final List<UdpForward> forwards = new ArrayList<>();
    /** Queues of datagrams waiting for a guest's MAC, one per guest address that has some. */
    private IntToLongFunction guestMacs;
    private PendingNeighbors pendingNeighbors;
    /** What the pending queue gives back: held forward datagrams, sent or dropped, counted here. */
    private final PendingNeighbors.FrameOwner heldFrames = new PendingNeighbors.FrameOwner() {
        @Override
        public void sendHeld(ByteBuf frame) {
            counters.udpOut++;
            counters.udpForwardedToGuest++;
            output.send(frame);
        }

        @Override
        public void heldDropped(int count) {
            // Pushed out by newer ones, or no ARP answer in time (the guest is not there yet; the clients retry
            // or give up), or the forward went away.
            counters.udpForwardHeldDropped += count;
        }
    };

    public UdpLayer(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv4Output output,
                    RelayOptions options, DnsServers dnsServers) {
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
        this.options = options;
        this.dnsServers = dnsServers;
        this.gateway = config.gateway();
        this.dns = config.dns();
        this.flows = new FlowTable<>(Math.min(MAX_FLOWS, options.maxFlows()));
        this.readBuffers = new FrameBuffers(alloc, HEADROOM + UdpDatagram.MAX_PAYLOAD, 4);
        this.mappings = new FlowTable<>(Math.min(MAX_FORWARD_MAPPINGS, options.maxFlows()));
    }

    /** The host's datagram sockets; without them relayed UDP is answered with ICMP port unreachable. */
    public void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
    }

    /**
     * How forwards find a guest's MAC: {@code resolve} ({@code EthernetInterface.resolve}) answers
     * {@link ArpCache#NONE} after asking the guest, and the datagram then waits in {@code pending} (the
     * interface's queue) until the answer. A forward's datagram may be the first thing said to a guest that has
     * sent nothing yet. Call once, before {@link #listen}.
     */
    public void setNeighbors(IntToLongFunction resolve, PendingNeighbors pending) {
        this.guestMacs = resolve;
        this.pendingNeighbors = pending;
    }

    /**
     * Answers {@code port} on network+2 and on the broadcast addresses (255.255.255.255 and the network's)
     * with {@code service} instead of relaying: the DHCP server on 67. A later registration for the same port
     * replaces the earlier one; null removes it.
     */
    public void registerService(int port, UdpService service) {
        if (port < 1 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port);
        }
        for (int i = 0; i < serviceCount; i++) {
            if (servicePorts[i] == port) {
                if (service != null) {
                    services[i] = service;
                } else {
                    serviceCount--;
                    servicePorts[i] = servicePorts[serviceCount];
                    services[i] = services[serviceCount];
                    services[serviceCount] = null;
                }
                return;
            }
        }
        if (service == null) {
            return;
        }
        if (serviceCount == MAX_SERVICES) {
            throw new IllegalStateException("at most " + MAX_SERVICES + " UDP services");
        }
        servicePorts[serviceCount] = port;
        services[serviceCount++] = service;
    }

    private UdpService service(int port) {
        for (int i = 0; i < serviceCount; i++) {
            if (servicePorts[i] == port) {
                return services[i];
            }
        }
        return null;
    }

    /** Flows with a host socket (relayed and DNS). */
    public int activeFlows() {
        return flows.size();
    }

    // ---------------------------------------------------------------- guest to host

    @Override
    public void receive(IpPacket ip) {
        int src = ip.sourceV4();
        int dst = ip.destinationV4();
        long sourceMac = ip.sourceMac();
        if (!udp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength(), ip.addressSum(), !ip.checksumTrusted())) {
            switch (udp.error()) {
                case UdpDatagram.ERR_CHECKSUM:
                    counters.udpBadChecksum++;
                    break;
                case UdpDatagram.ERR_LENGTH:
                    counters.udpBadLength++;
                    break;
                default:
                    counters.udpTruncated++;
            }
            return;
        }
        counters.udpIn++;
        int srcPort = udp.sourcePort();
        int dstPort = udp.destinationPort();
        if (mappings.size() != 0) {
            UdpMapping m = mappings.get(V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(dst), dstPort);
            if (m != null) {
                // A reply to a forward's client, as the guest saw it: back through the forward's socket to the
                // real client, before the table below (network+2 there would mean the host's loopback).
                replyToClient(m);
                return;
            }
        }
        boolean broadcast = dst == -1 || dst == config.broadcast();
        if (broadcast || dst == gateway) {
            UdpService s = service(dstPort);
            if (s != null) {
                deliverToService(s, sourceMac, src, srcPort, dst, dstPort);
                return;
            }
        }
        if (src == 0 || srcPort == 0) {
            // RFC 1122 3.2.1.3: 0.0.0.0 is a source only while a host learns its address (DHCP, handled above);
            // port 0 cannot be answered.
            counters.udpBadSource++;
            return;
        }
        if (!config.isUnicastDestination(dst)) {
            // RFC 1122 3.2.2: nothing relays broadcasts or multicast off the link, and no ICMP error may
            // answer them.
            counters.udpBadDestination++;
            return;
        }
        if (dst == dns) {
            if (dstPort == DNS_PORT) {
                forwardDns(sourceMac, src, srcPort);
            } else {
                // Only port 53 lives at network+3: as a host with a closed port (RFC 1122 4.1.3.1).
                counters.udpPortUnreachable++;
                sendUnreachable(sourceMac, src, srcPort, dns, dstPort, Icmpv4Packet.CODE_PORT_UNREACHABLE);
            }
            return;
        }
        if (dst == gateway) {
            if (options.disableHostLoopback()) {
                // --disable-host-loopback. TCP answers "network unreachable" (ENETUNREACH, as slirp4netns), but
                // Linux tells a UDP socket only of hard ICMP errors, and net unreachable is soft: the guest would
                // wait for a timeout. "Administratively prohibited" is hard (EHOSTUNREACH) and says what happened.
                counters.udpLoopbackRefused++;
                sendUnreachable(sourceMac, src, srcPort, dst, dstPort, Icmpv4Packet.CODE_ADMIN_PROHIBITED);
                return;
            }
            relay(sourceMac, src, srcPort, dst, RelayOptions.LOOPBACK, dstPort);
            return;
        }
        if (config.contains(dst)) {
            // Nothing else lives inside the virtual network (and the guest would ARP for it first, unanswered).
            counters.udpBadDestination++;
            return;
        }
        relay(sourceMac, src, srcPort, dst, dst, dstPort);
    }

    private void deliverToService(UdpService s, long mac, int src, int srcPort, int dst, int dstPort) {
        counters.udpToService++;
        // The service sees the payload as readerIndex..writerIndex; the frame's own indices are put back after.
        ByteBuf b = udp.buffer();
        int r = b.readerIndex();
        int w = b.writerIndex();
        b.setIndex(udp.payloadOffset(), udp.payloadOffset() + udp.payloadLength());
        try {
            s.onDatagram(mac, src, srcPort, dst, dstPort, b, replier);
        } finally {
            b.setIndex(r, w);
        }
    }

    private void relay(long mac, int src, int srcPort, int guestDst, int hostDst, int dstPort) {
        if (datagrams == null) {
            // No host sockets (a stack built without them): refuse as a closed port would, at once.
            counters.udpNoSocket++;
            sendUnreachable(mac, src, srcPort, guestDst, dstPort, Icmpv4Packet.CODE_PORT_UNREACHABLE);
            return;
        }
        UdpFlow f = flows.get(V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(ANY), ANY);
        if (f == null) {
            f = open(mac, src, srcPort, false);
            if (f == null) {
                return;
            }
        }
        f.guestMac = mac;
        relayIdle.touch(f, clock.nanoTime());
        send(f, guestDst, hostDst, dstPort);
    }

    private void forwardDns(long mac, int src, int srcPort) {
        if (options.disableDns()) {
            // --disable-dns: silence, so the guest's resolver times out exactly as with slirp4netns.
            counters.dnsDisabled++;
            return;
        }
        counters.dnsQueries++;
        if (dnsServers.current() == 0 || datagrams == null) {
            // Nowhere to forward (no resolver known yet): dropped, and the guest's retry may find one.
            counters.dnsNoServer++;
            return;
        }
        UdpFlow f = flows.get(V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(dns), DNS_PORT);
        if (f == null) {
            f = open(mac, src, srcPort, true);
            if (f == null) {
                return;
            }
        }
        f.guestMac = mac;
        long now = clock.nanoTime();
        dnsIdle.touch(f, now);
        if (dnsServers.beforeQuery(now)) {
            counters.dnsServerSwitches++;
        }
        send(f, dns, dnsServers.current(), DNS_PORT);
    }

    private UdpFlow open(long mac, int src, int srcPort, boolean isDns) {
        if (flows.isFull()) {
            evictOldest();
        }
        int handle = datagrams.openUdp(V4_HI, v4Lo(options.outboundAddr()), 0, this);
        if (handle < 0) {
            counters.udpNoSocket++;
            return null;
        }
        UdpFlow f = new UdpFlow(mac, src, srcPort, isDns, handle);
        flows.put(V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(isDns ? dns : ANY), isDns ? DNS_PORT : ANY, f);
        handles.put(handle, f);
        counters.udpFlowsOpened++;
        return f;
    }

    /** The guest's datagram (the view {@link #udp}) to {@code hostDst:dstPort}, straight from the frame. */
    private void send(UdpFlow f, int guestDst, int hostDst, int dstPort) {
        f.lastDstAddr = guestDst;
        f.lastDstPort = dstPort;
        f.lastLength = udp.length();
        f.lastHostAddr = hostDst;
        ByteBuf b = udp.buffer();
        int n = datagrams.sendTo(f.handle, V4_HI, v4Lo(hostDst), dstPort, b, udp.payloadOffset(), udp.payloadLength());
        if (n < 0) {
            // With IP_RECVERR an ICMP error also leaves its errno pending on the socket (sk_err), and the next
            // sendto reports that instead of sending (the error itself reaches the guest from the error
            // queue). Reporting clears it, so one more try sends this datagram.
            n = datagrams.sendTo(f.handle, V4_HI, v4Lo(hostDst), dstPort, b, udp.payloadOffset(), udp.payloadLength());
        }
        if (n >= 0 && (n > 0 || udp.payloadLength() == 0)) {
            counters.udpToHost++;
            return;
        }
        if (n == 0) {
            counters.udpHostBufferFull++;
            return;
        }
        counters.udpSendErrors++;
        if (n == -HostSockets.ENETUNREACH || n == -HostSockets.EHOSTUNREACH) {
            // The host has no route: the guest hears it from its router, as from any router (RFC 1812 5.2.7.1).
            if (!f.dns) {
                sendUnreachable(f.guestMac, f.guestAddr, f.guestPort, guestDst, dstPort,
                        n == -HostSockets.ENETUNREACH ? Icmpv4Packet.CODE_NET_UNREACHABLE
                                : Icmpv4Packet.CODE_HOST_UNREACHABLE, gateway);
            }
        }
    }

    // ---------------------------------------------------------------- host to guest

    @Override
    public void onSocketEvent(int handle, int events) {
        UdpFlow f = handles.get(handle);
        if (f == null) {
            UdpForward fw = forwardHandles.get(handle);
            if (fw != null) {
                onForwardEvent(fw, events);
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
            counters.internalErrors++;
        }
    }

    /**
     * Reads up to {@link #READS_PER_EVENT} datagrams from {@code handle} straight into frame buffers with header
     * room, and hands each good one on: to {@link #deliverToGuest} for a relayed flow's socket ({@code flow}),
     * to {@link #forwardToGuest} for a port forward's ({@code forward}); exactly one of the two is non-null.
     */
    private void drainSocket(int handle, UdpFlow flow, UdpForward forward) {
        for (int i = 0; i < READS_PER_EVENT; i++) {
            ByteBuf b = readBuffers.take();
            b.writerIndex(HEADROOM);
            info.clear();
            int n;
            try {
                n = datagrams.receiveFrom(handle, b, UdpDatagram.MAX_PAYLOAD, info);
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
            if (info.truncated || n > UdpDatagram.MAX_PAYLOAD) {
                // More than an IPv4 datagram to the guest can carry (an IPv6 client may send up to 65527 bytes).
                counters.udpTruncatedFromHost++;
                readBuffers.giveBack(b);
                continue;
            }
            if (flow != null) {
                deliverToGuest(flow, b, n);
            } else {
                forwardToGuest(forward, b, n);
            }
        }
    }

    /** Decision table for a datagram from the host: from where does the guest see it come? */
    private void deliverToGuest(UdpFlow f, ByteBuf b, int length) {
        // A relayed flow's socket is AF_INET: every source is IPv4.
        int from = info.ipv4();
        int fromPort = info.port;
        int src;
        int srcPort;
        if (f.dns) {
            if (fromPort != DNS_PORT || !dnsServers.contains(V4_HI, v4Lo(from))) {
                // Only the resolvers answer DNS flows; anything else is a stray or a spoof.
                counters.dnsBadReplySource++;
                readBuffers.giveBack(b);
                return;
            }
            dnsServers.replied(V4_HI, v4Lo(from));
            counters.dnsReplies++;
            src = dns;
            srcPort = DNS_PORT;
            dnsIdle.touch(f, clock.nanoTime());
        } else {
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
            srcPort = fromPort;
            relayIdle.touch(f, clock.nanoTime());
        }
        writeHeaders(b, f.guestMac, src, srcPort, f.guestAddr, f.guestPort, length);
        counters.udpOut++;
        b.retain();
        output.send(b);
        readBuffers.giveBack(b);
    }

    /**
     * The route's Ethernet and IP headers, then the UDP header (checksum computed), before {@code payloadLength}
     * bytes at {@link #HEADROOM}. The headers end where the payload starts, so a route with a shorter IP header
     * than the headroom allows starts its frame later in the buffer (readerIndex); IPv4's starts at 0.
     */
    private void writeHeaders(ByteBuf f, long dstMac, int src, int srcPort, int dst, int dstPort, int payloadLength) {
        int udpLength = UdpDatagram.HEADER_LENGTH + payloadLength;
        int at = HEADROOM - UdpDatagram.HEADER_LENGTH - output.l4Offset();
        // No DF: a datagram larger than the guest's MTU is fragmented (by us, or on the way), as the host's is.
        int l4 = output.writeHeaders(f, at, dstMac, V4_HI, v4Lo(src), V4_HI, v4Lo(dst), Ipv4Packet.PROTO_UDP, udpLength,
                false);
        UdpDatagram.writeHeader(f, l4, srcPort, dstPort, udpLength);
        UdpDatagram.writeChecksum(f, l4, udpLength, Checksum.addressSum(src, dst));
        f.setIndex(at, HEADROOM + payloadLength);
    }

    /** The {@link UdpReplier} of every service: a complete frame to {@code dstMac}. */
    private void sendFrom(int srcAddr, int srcPort, int dstAddr, int dstPort, long dstMac, ByteBuf payload, int index,
                          int length) {
        if (length < 0 || length > UdpDatagram.MAX_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload of " + length + " bytes");
        }
        int frameLength = HEADROOM + length;
        ByteBuf f = alloc.directBuffer(frameLength, frameLength);
        f.setBytes(HEADROOM, payload, index, length);
        writeHeaders(f, dstMac, srcAddr, srcPort, dstAddr, dstPort, length);
        counters.udpOut++;
        counters.udpFromService++;
        output.send(f);
    }

    // ---------------------------------------------------------------- ICMP errors

    private void drainErrors(UdpFlow f) {
        for (int i = 0; i < ERRORS_PER_EVENT; i++) {
            info.clear();
            if (datagrams.receiveError(f.handle, info) <= 0) {
                return;
            }
            counters.udpHostErrors++;
            hostError(f);
        }
    }

    /** An ICMP error the host received about one of this flow's datagrams, passed on to the guest. */
    private void hostError(UdpFlow f) {
        int type = info.icmpType;
        int code = info.icmpCode;
        if (!IcmpErrors.passedOn(type, code)) {
            // Fragmentation needed (no next-hop MTU to quote) and local errors: see IcmpErrors.passedOn.
            counters.icmpErrorsDropped++;
            return;
        }
        if (f.dns) {
            // A resolver that does not answer: the next query goes to the next one. The guest is not told (its
            // retry will reach the next server; with one server it times out, as with slirp4netns).
            if (dnsServers.failed(V4_HI, v4Lo(info.hasOriginalDst() ? info.originalDstIpv4() : f.lastHostAddr))) {
                counters.dnsServerSwitches++;
            }
            counters.dnsServerErrors++;
            return;
        }
        int hostDst = info.hasOriginalDst() ? info.originalDstIpv4() : f.lastHostAddr;
        int dstPort = info.hasOriginalDst() ? info.originalDstPort : f.lastDstPort;
        int guestDst = hostDst == RelayOptions.LOOPBACK ? gateway : hostDst;
        int from = IcmpErrors.reportedFrom(config, info.offenderIpv4(), hostDst, guestDst);
        int udpLength = guestDst == f.lastDstAddr && dstPort == f.lastDstPort ? f.lastLength
                : UdpDatagram.HEADER_LENGTH;
        sendError(f.guestMac, f.guestAddr, f.guestPort, guestDst, dstPort, udpLength, type, code, from);
    }

    private void sendUnreachable(long mac, int guestAddr, int guestPort, int guestDst, int dstPort, int code) {
        sendUnreachable(mac, guestAddr, guestPort, guestDst, dstPort, code,
                code == Icmpv4Packet.CODE_PORT_UNREACHABLE ? guestDst : gateway);
    }

    /** Destination unreachable about the datagram in {@link #udp} (or the flow's last), from {@code from}. */
    private void sendUnreachable(long mac, int guestAddr, int guestPort, int guestDst, int dstPort, int code,
                                 int from) {
        sendError(mac, guestAddr, guestPort, guestDst, dstPort, udp.buffer() != null ? udp.length() : 8,
                Icmpv4Packet.TYPE_DEST_UNREACHABLE, code, from);
    }

    private void sendError(long mac, int guestAddr, int guestPort, int guestDst, int dstPort, int udpLength,
                           int type, int code, int from) {
        long quoted = ((long) guestPort << 48) | ((long) dstPort << 32) | ((long) udpLength << 16);
        ByteBuf frame = IcmpErrors.build(alloc, config, output.nextIdentification(), mac, from, guestAddr, type,
                code, 0, Ipv4Packet.PROTO_UDP, Ipv4Packet.MIN_HEADER_LENGTH + udpLength, guestDst, quoted);
        counters.icmpErrorsToGuest++;
        output.send(frame);
    }

    // ---------------------------------------------------------------- timers and teardown

    public long nextDeadlineNanos() {
        long next = Long.MAX_VALUE;
        UdpFlow r = relayIdle.first();
        if (r != null) {
            next = r.lastActive + IDLE_NANOS;
        }
        UdpFlow d = dnsIdle.first();
        if (d != null && (next == Long.MAX_VALUE || d.lastActive + DNS_IDLE_NANOS - next < 0)) {
            next = d.lastActive + DNS_IDLE_NANOS;
        }
        UdpMapping m = mappingIdle.first();
        if (m != null) {
            next = earlier(next, m.lastActive + IDLE_NANOS);
        }
        return next;
    }

    private static long earlier(long next, long deadline) {
        return next == Long.MAX_VALUE || deadline - next < 0 ? deadline : next;
    }

    public void runTimers(long now) {
        expire(relayIdle, now, IDLE_NANOS);
        expire(dnsIdle, now, DNS_IDLE_NANOS);
        for (UdpMapping m = mappingIdle.first(); m != null && now - (m.lastActive + IDLE_NANOS) >= 0; m = mappingIdle.first()) {
            counters.udpForwardMappingsExpired++;
            dropMapping(m);
        }
    }

    private void expire(IdleList<UdpFlow> list, long now, long timeout) {
        for (UdpFlow f = list.first(); f != null && now - (f.lastActive + timeout) >= 0; f = list.first()) {
            counters.udpFlowsExpired++;
            destroy(f);
        }
    }

    private void evictOldest() {
        UdpFlow r = relayIdle.first();
        UdpFlow d = dnsIdle.first();
        UdpFlow victim = r == null ? d : d == null ? r : (d.lastActive - r.lastActive < 0 ? d : r);
        if (victim == null) {
            // Flows are listed from the moment they are opened; an empty list with a full table is a bug.
            throw new IllegalStateException("UDP flow table full with no listed flow");
        }
        counters.udpFlowsEvicted++;
        destroy(victim);
    }

    private void destroy(UdpFlow f) {
        flows.remove(V4_HI, v4Lo(f.guestAddr), f.guestPort, V4_HI, v4Lo(f.dns ? dns : ANY),
                f.dns ? DNS_PORT : ANY);
        handles.remove(f.handle, f);
        (f.dns ? dnsIdle : relayIdle).remove(f);
        datagrams.close(f.handle);
    }

    /**
     * Closes every host socket (forwards' included) and releases pooled and held buffers (stack shutdown). A
     * second call finds nothing left to close.
     */
    public void close() {
        while (!forwards.isEmpty()) {
            unlisten(forwards.get(forwards.size() - 1).handle);
        }
        List<UdpFlow> all = new ArrayList<>(flows.size());
        flows.forEach(all::add);
        for (UdpFlow f : all) {
            destroy(f);
        }
        readBuffers.clear();
    }

    // ---------------------------------------------------------------- port forwards

    /**
     * Opens a host socket for a UDP forward to {@code guestAddr:guestPort} (IPv4, host byte order), on
     * {@code hostAddr} (4 or 16 bytes, network byte order) and {@code hostPort} (0: the kernel's choice).
     * Returns the listener's handle, or {@code -errno}: the host's refusal (EADDRINUSE, EACCES...), or
     * {@link #ENETDOWN} when the layer has no HostDatagrams. Each client that sends to it gets a mapping, so
     * the guest's replies go back to that client.
     */
    public int listen(byte[] hostAddr, int hostPort, int guestAddr, int guestPort) {
        if (datagrams == null) {
            return -ENETDOWN;
        }
        if (guestMacs == null) {
            throw new IllegalStateException("setNeighbors was not called");
        }
        int handle = datagrams.listenUdp(IpAddress.hi(hostAddr), IpAddress.lo(hostAddr), hostPort, this);
        if (handle < 0) {
            return handle;
        }
        UdpForward fw = new UdpForward(handle, guestAddr, guestPort);
        forwardHandles.put(handle, fw);
        forwards.add(fw);
        return handle;
    }

    /**
     * Closes a listener from {@link #listen}, its client mappings (their replies went out through its socket,
     * so later guest datagrams to those clients follow the ordinary relay rules) and the datagrams it still
     * held for the guest's MAC. An unknown handle is ignored.
     */
    public void unlisten(int handle) {
        UdpForward fw = forwardHandles.get(handle);
        if (fw == null) {
            return;
        }
        forwardHandles.remove(handle, fw);
        forwards.remove(fw);
        if (mappings.size() != 0) {
            List<UdpMapping> gone = new ArrayList<>();
            mappings.forEach(m -> {
                if (m.forward == fw) {
                    gone.add(m);
                }
            });
            for (UdpMapping m : gone) {
                dropMapping(m);
            }
        }
        pendingNeighbors.releaseTagged(fw);
        datagrams.close(handle);
    }

    /** The port a listener from {@link #listen} is bound to, or {@code -errno} ({@link #EBADF} if unknown). */
    public int localPort(int handle) {
        return forwardHandles.get(handle) == null ? -EBADF : datagrams.localPort(handle);
    }

    /** Clients of port forwards the guest can currently answer. */
    public int forwardMappings() {
        return mappings.size();
    }

    /** Datagrams from forwards waiting for their guest's MAC (the only frames the pending queue holds). */
    public int heldDatagrams() {
        return pendingNeighbors == null ? 0 : pendingNeighbors.heldFrames();
    }

    private void onForwardEvent(UdpForward fw, int events) {
        try {
            if ((events & HostSockets.ERROR) != 0) {
                for (int i = 0; i < ERRORS_PER_EVENT; i++) {
                    info.clear();
                    if (datagrams.receiveError(fw.handle, info) <= 0) {
                        break;
                    }
                    // About a reply to a client. The client chose to talk to us and will retry or give up by
                    // itself; and DatagramInfo names an IPv4 destination only, so an IPv6 client's mapping could
                    // not be found to quote the guest's datagram. Read (the queue must drain) and counted.
                    counters.udpForwardErrors++;
                }
            }
            if ((events & HostSockets.READABLE) != 0 && forwardHandles.get(fw.handle) == fw) {
                drainSocket(fw.handle, null, fw);
            }
        } catch (RuntimeException e) {
            counters.internalErrors++;
        }
    }

    /** Decision table for a datagram from a forward's client: from whom does the guest see it come? */
    private void forwardToGuest(UdpForward fw, ByteBuf b, int length) {
        int clientPort = info.port;
        int seenAddr = config.clientAsSeen(!info.isIpv4(), info.ipv4());
        if (clientPort == 0 || seenAddr == 0) {
            // A reply could not be addressed to port 0 (RFC 768 makes it "no port"), nor to 0.0.0.0, a
            // broadcast or a multicast group.
            counters.udpBadSource++;
            readBuffers.giveBack(b);
            return;
        }
        UdpMapping m = mappings.get(V4_HI, v4Lo(fw.guestAddr), fw.guestPort, V4_HI, v4Lo(seenAddr), clientPort);
        if (m == null) {
            m = openMapping(fw, seenAddr, clientPort);
        } else if (!m.isClient(fw, info.addrHi, info.addrLo, clientPort)) {
            // Another client (127.0.0.1:p and [::1]:p both look like network+2:p), or another forward to the
            // same guest endpoint, holds this guest-visible source: sharing it would send the guest's replies
            // to the wrong one. Dropped until that mapping idles out.
            counters.udpForwardClashes++;
            readBuffers.giveBack(b);
            return;
        }
        long now = clock.nanoTime();
        mappingIdle.touch(m, now);
        long mac = guestMacs.applyAsLong(fw.guestAddr);
        if (mac == ArpCache.NONE) {
            // The guest has said nothing yet (resolve just asked it with ARP): hold, as a host's neighbour
            // code queues packets for an unresolved next hop (RFC 1122 2.3.2.2).
            writeHeaders(b, 0L, seenAddr, clientPort, fw.guestAddr, fw.guestPort, length);
            hold(fw, b, now);
            return;
        }
        if (pendingNeighbors.heldFrames() != 0) {
            // Known before the pending queue heard of it: the held ones first, to keep the clients' order.
            pendingNeighbors.resolved(V4_HI, v4Lo(fw.guestAddr), mac);
        }
        writeHeaders(b, mac, seenAddr, clientPort, fw.guestAddr, fw.guestPort, length);
        counters.udpOut++;
        counters.udpForwardedToGuest++;
        b.retain();
        output.send(b);
        readBuffers.giveBack(b);
    }

    private UdpMapping openMapping(UdpForward fw, int seenAddr, int clientPort) {
        if (mappings.isFull()) {
            counters.udpForwardMappingsEvicted++;
            dropMapping(mappingIdle.first());
        }
        UdpMapping m = new UdpMapping(fw, seenAddr, clientPort, info.addrHi, info.addrLo, clientPort);
        mappings.put(V4_HI, v4Lo(fw.guestAddr), fw.guestPort, V4_HI, v4Lo(seenAddr), clientPort, m);
        counters.udpForwardMappingsOpened++;
        return m;
    }

    private void dropMapping(UdpMapping m) {
        mappings.remove(V4_HI, v4Lo(m.forward.guestAddr), m.forward.guestPort, V4_HI, v4Lo(m.seenAddr),
                m.seenPort);
        mappingIdle.remove(m);
    }

    /** The guest's datagram (the view {@link #udp}) to a forward's client, straight from the frame. */
    private void replyToClient(UdpMapping m) {
        mappingIdle.touch(m, clock.nanoTime());
        int n = sendToClient(m);
        if (n < 0) {
            // A pending errno left by an ICMP error fails one sendto without sending, as in send().
            n = sendToClient(m);
        }
        if (n > 0 || (n == 0 && udp.payloadLength() == 0)) {
            counters.udpToHost++;
            counters.udpForwardedToClient++;
        } else if (n == 0) {
            counters.udpHostBufferFull++;
        } else {
            counters.udpSendErrors++;
        }
    }

    private int sendToClient(UdpMapping m) {
        ByteBuf b = udp.buffer();
        int handle = m.forward.handle;
        return datagrams.sendTo(handle, m.clientAddrHi, m.clientAddrLo, m.clientPort, b, udp.payloadOffset(),
                udp.payloadLength());
    }

    /**
     * Keeps the frame {@code b} (headers written, destination MAC still 0) until the guest answers ARP. A copy
     * of its own size, so a small datagram does not pin a 64 KiB read buffer; this is the ARP-miss path, not
     * the steady one.
     */
    private void hold(UdpForward fw, ByteBuf b, long now) {
        int length = b.readableBytes();
        ByteBuf copy = alloc.directBuffer(length, length);
        copy.writeBytes(b, b.readerIndex(), length);
        readBuffers.giveBack(b);
        counters.udpForwardHeld++;
        // A full address gives up its oldest datagram, counted through heldFrames.
        pendingNeighbors.hold(V4_HI, v4Lo(fw.guestAddr), copy, heldFrames, fw, now);
    }
}
