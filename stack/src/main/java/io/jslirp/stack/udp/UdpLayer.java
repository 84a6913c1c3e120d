package io.jslirp.stack.udp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.flow.ForwardPath;
import io.jslirp.stack.icmp.IcmpErrors;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.iface.IpOutput;
import io.jslirp.stack.iface.Ipv6GuestAddress;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.iface.PendingNeighbors;
import io.jslirp.stack.iface.IpPacket;
import io.jslirp.stack.iface.IpProtocol;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayableAddress;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.function.IntToLongFunction;
import java.util.function.LongBinaryOperator;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * UDP from the guest to any destination: local services, the DNS forwarder at network+3, and the relay
 * through host UDP sockets; and port forwards, host sockets whose clients' datagrams go into the guest. See the
 * package documentation for the theory; each branch names its rule.
 *
 * <p>This class holds the decision tables for the guest's datagrams and the public face; the work is split by
 * job: {@link UdpFlows} (which host socket speaks for which guest endpoint, and for how long),
 * {@link UdpToHost} (the guest's datagrams out through those sockets), {@link UdpToGuest} (the sockets'
 * datagrams and errors into the guest), {@link UdpServices} (what is answered here), {@link UdpForwards} (port
 * forwards) and {@link UdpErrors} (the ICMP errors the guest gets).
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
     * Room before a datagram's payload for the route's Ethernet and IP headers and UDP's: IPv6's, the longer;
     * {@code UdpToGuest.writeHeaders} starts an IPv4 frame 20 bytes later in the buffer (its readerIndex).
     */
    public static final int HEADROOM = Ipv6Output.L4_OFFSET + UdpDatagram.HEADER_LENGTH;
    /** The largest UDP payload over IPv6 (Payload Length 65535 less the UDP header; no jumbograms). */
    public static final int MAX_PAYLOAD6 = Ipv6Packet.MAX_PAYLOAD_LENGTH - UdpDatagram.HEADER_LENGTH;
    /** DHCPv6 ports (RFC 8415 7.2). */
    public static final int DHCPV6_CLIENT_PORT = 546;
    public static final int DHCPV6_SERVER_PORT = 547;
    /** ff02::1:2, All_DHCP_Relay_Agents_and_Servers (RFC 8415 7.1). */
    public static final long ALL_DHCP_LO = 0x1_0002L;
    // Kinds of destination unreachable, mapped to each family's code (RFC 792 / RFC 4443 3.1).
    static final int UNREACH_PORT = 0;
    static final int UNREACH_ADMIN = 1;
    static final int UNREACH_NET = 2;
    static final int UNREACH_HOST = 3;
    public static final int DNS_PORT = 53;
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
    final ByteBufAllocator alloc;
    private final Ipv4Output output;
    /** IPv6 toward the guest and its addresses, or null while IPv6 is off ({@link #setIpv6}). */
    private Ipv6Output output6;
    private Ipv6Config config6;
    private final RelayOptions options;
    private final DnsServers dnsServers;
    /** The ICMP and ICMPv6 errors this layer sends the guest. */
    private final UdpErrors errors;
    private final int gateway;
    private final int dns;
    /** Relayed and DNS flows: which host socket speaks for which guest endpoint. */
    private final UdpFlows flows;
    /** The guest's datagrams out through the flows' sockets. */
    private final UdpToHost toHost;
    /** The sockets' datagrams and errors into the guest. */
    private final UdpToGuest toGuest;
    private final UdpDatagram udp = new UdpDatagram();
    /** DHCP and the other services answered here, and DHCPv6. */
    private final UdpServices services;
    private HostDatagrams datagrams;
    /** Port forwards: their sockets and client mappings. */
    private final UdpForwards fwd;

    public UdpLayer(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv4Output output,
                    RelayOptions options, DnsServers dnsServers) {
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
        this.options = options;
        this.dnsServers = dnsServers;
        this.errors = new UdpErrors(config, counters, alloc, output, dnsServers);
        this.gateway = config.gateway();
        this.dns = config.dns();
        this.toHost = new UdpToHost(counters, errors, alloc, gateway);
        this.flows = new UdpFlows(counters, options, dns, Math.min(MAX_FLOWS, options.maxFlows()), this, toHost);
        this.toGuest = new UdpToGuest(this, config, clock, counters, alloc, options, dnsServers, errors, flows);
        this.services = new UdpServices(counters, alloc, output, toGuest);
        this.fwd = new UdpForwards(this, config, counters, clock, Math.min(MAX_FORWARD_MAPPINGS, options.maxFlows()));
    }

    /**
     * Relays UDP over IPv6 too: {@code output} writes the frames, {@code config} names our addresses, and
     * {@code dhcpv6} (may be null) answers DHCPv6 on port 547. Call before the first IPv6 datagram.
     */
    public void setIpv6(Ipv6Config config, Ipv6Output output, io.jslirp.stack.services.Dhcpv6Responder dhcpv6) {
        this.config6 = config;
        this.output6 = output;
        services.setIpv6(output, dhcpv6);
        errors.setIpv6(config, output);
    }

    /** The route toward a guest address: IPv4's for a mapped one, else IPv6's. */
    IpOutput routeFor(long guestHi, long guestLo) {
        return IpAddress.isV4(guestHi, guestLo) || output6 == null ? output : output6;
    }

    /** IPv6's route toward the guest when {@code v6} (and IPv6 is on), else IPv4's. */
    IpOutput route(boolean v6) {
        return v6 && output6 != null ? output6 : output;
    }

    /** The host's datagram sockets; without them relayed UDP is answered with ICMP port unreachable. */
    public void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
        flows.setHostDatagrams(datagrams);
        toHost.setHostDatagrams(datagrams);
        toGuest.setHostDatagrams(datagrams);
    }

    /** IPv6's addresses, or null while IPv6 is off. */
    Ipv6Config config6() {
        return config6;
    }

    UdpForwards forwards() {
        return fwd;
    }

    UdpToGuest toGuest() {
        return toGuest;
    }

    /**
     * How forwards find a guest's MAC: {@code resolve} ({@code EthernetInterface.resolve}) answers
     * {@link ArpCache#NONE} after asking the guest, and the datagram then waits in {@code pending} (the
     * interface's queue) until the answer. A forward's datagram may be the first thing said to a guest that has
     * sent nothing yet. Call once, before {@link #listen}.
     */
    public void setNeighbors(IntToLongFunction resolve, PendingNeighbors pending) {
        fwd.setNeighbors(resolve, pending);
    }

    /**
     * Where a forward that names no guest address sends IPv6 clients ({@code guest6}: the guest's IPv6
     * address, configured or learned), and how a forward finds the guest's MAC by IPv6 address
     * ({@code resolve6}: Neighbor Discovery's {@code resolve}, soliciting when unknown). Call after
     * {@link #setIpv6}; without it every forward client reaches the guest over IPv4 unless the forward names
     * an IPv6 address.
     */
    public void setIpv6GuestAddress(Ipv6GuestAddress guest6, LongBinaryOperator resolve6) {
        fwd.setIpv6(config6, guest6, resolve6);
    }

    /**
     * Answers {@code port} on network+2 and on the broadcast addresses (255.255.255.255 and the network's)
     * with {@code service} instead of relaying: the DHCP server on 67. A later registration for the same port
     * replaces the earlier one; null removes it.
     */
    public void registerService(int port, UdpService service) {
        services.register(port, service);
    }

    /**
     * Sends the guest's datagrams still queued for host sockets ({@link HostDatagrams#sendBatch}); the stack's
     * end-of-turn flush does this too.
     */
    public void flush() {
        toHost.flush();
    }

    /** Flows with a host socket (relayed and DNS). */
    public int activeFlows() {
        return flows.size();
    }

    // ---------------------------------------------------------------- guest to host

    @Override
    public void receive(IpPacket ip) {
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
        if (!ip.isIpv4()) {
            receive6(ip, sourceMac, srcPort, dstPort);
            return;
        }
        int src = ip.sourceV4();
        int dst = ip.destinationV4();
        if (fwd.fromGuest(V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(dst), dstPort)) {
            // A reply to a forward's client, as the guest saw it: back through the forward's socket to the
            // real client, before the table below (network+2 there would mean the host's loopback).
            return;
        }
        boolean broadcast = dst == -1 || dst == config.broadcast();
        if (broadcast || dst == gateway) {
            UdpService s = services.service(dstPort);
            if (s != null) {
                services.deliver(s, udp, sourceMac, src, srcPort, dst, dstPort);
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
                forwardDns(sourceMac, V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(dns));
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
            relay(sourceMac, V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(dst), V4_HI, v4Lo(RelayOptions.LOOPBACK), dstPort);
            return;
        }
        if (config.contains(dst)) {
            // Nothing else lives inside the virtual network (and the guest would ARP for it first, unanswered).
            counters.udpBadDestination++;
            return;
        }
        relay(sourceMac, V4_HI, v4Lo(src), srcPort, V4_HI, v4Lo(dst), V4_HI, v4Lo(dst), dstPort);
    }

    /**
     * Decision table for a datagram from an IPv6 guest (Ipv6Input already dropped multicast other than
     * all-nodes, all-routers, solicited-node and ff02::1:2, and sources that are not unicast):
     * <ol>
     * <li>port 546 to 547 at ff02::1:2 or a router address, with a DHCPv6 server: answered (RFC 8415).</li>
     * <li>any other multicast destination: nothing relays it off the link (udpBadDestination).</li>
     * <li>source port 0: cannot be answered (udpBadSource).</li>
     * <li>prefix::3 or fe80::3: port 53 to the host's current resolver; other ports port unreachable.</li>
     * <li>prefix::2 or fe80::2: the host's ::1; with {@code --disable-host-loopback} administratively
     *     prohibited (RFC 4443 code 1, which Linux reports to a UDP socket as a hard error, EACCES).</li>
     * <li>anything else in the prefix or on the link, and other names of the host or of IPv4 (::1,
     *     ::ffff:0:0/96, ::/96): address unreachable (nobody lives there; and no way around the loopback
     *     rule).</li>
     * <li>a global address: relayed as it is, through the flow's AF_INET6 host socket.</li>
     * </ol>
     */
    private void receive6(IpPacket ip, long mac, int srcPort, int dstPort) {
        long sHi = ip.sourceHi();
        long sLo = ip.sourceLo();
        long dHi = ip.destinationHi();
        long dLo = ip.destinationLo();
        if (config6 == null) {
            counters.udpBadDestination++;
            return;
        }
        if (fwd.fromGuest(sHi, sLo, srcPort, dHi, dLo, dstPort)) {
            // A reply to a forward's client (prefix::2 there is the client on host loopback, 64:ff9b::/96 an
            // IPv4 client), before the table below.
            return;
        }
        boolean toRouter = config6.isOurs(dHi, dLo) && dLo == Ipv6Config.ROUTER_LO;
        if (dstPort == DHCPV6_SERVER_PORT && srcPort == DHCPV6_CLIENT_PORT && services.hasDhcpv6()
                && (toRouter || (dHi == Ipv6Packet.ALL_NODES_HI && dLo == ALL_DHCP_LO))) {
            services.answerDhcpv6(udp, mac, sHi, sLo);
            return;
        }
        if (Ipv6Packet.isMulticast(dHi)) {
            counters.udpBadDestination++;
            return;
        }
        if (srcPort == 0) {
            counters.udpBadSource++;
            return;
        }
        if (config6.isDns(dHi, dLo)) {
            if (dstPort == DNS_PORT) {
                forwardDns(mac, sHi, sLo, srcPort, dHi, dLo);
            } else {
                counters.udpPortUnreachable++;
                unreachable6(mac, sHi, sLo, srcPort, dHi, dLo, dstPort, udp.length(), UNREACH_PORT);
            }
            return;
        }
        if (toRouter) {
            if (options.disableHostLoopback()) {
                counters.udpLoopbackRefused++;
                unreachable6(mac, sHi, sLo, srcPort, dHi, dLo, dstPort, udp.length(), UNREACH_ADMIN);
                return;
            }
            relay(mac, sHi, sLo, srcPort, dHi, dLo, 0, 1, dstPort);
            return;
        }
        if (!RelayableAddress.isRelayable6(config6, dHi, dLo)) {
            counters.udpBadDestination++;
            unreachable6(mac, sHi, sLo, srcPort, dHi, dLo, dstPort, udp.length(), UNREACH_HOST);
            return;
        }
        relay(mac, sHi, sLo, srcPort, dHi, dLo, dHi, dLo, dstPort);
    }

    private void relay(long mac, long sHi, long sLo, int srcPort, long gdHi, long gdLo, long hdHi, long hdLo,
                       int dstPort) {
        if (datagrams == null) {
            // No host sockets (a stack built without them): refuse as a closed port would, at once.
            counters.udpNoSocket++;
            if (IpAddress.isV4(sHi, sLo)) {
                sendUnreachable(mac, IpAddress.v4(sLo), srcPort, IpAddress.v4(gdLo), dstPort,
                        Icmpv4Packet.CODE_PORT_UNREACHABLE);
            } else {
                unreachable6(mac, sHi, sLo, srcPort, gdHi, gdLo, dstPort, udp.length(), UNREACH_PORT);
            }
            return;
        }
        UdpFlow f = flows.relayed(sHi, sLo, srcPort);
        if (f == null) {
            f = flows.open(mac, sHi, sLo, srcPort, false, !IpAddress.isV4(sHi, sLo));
            if (f == null) {
                return;
            }
        }
        f.guestMac = mac;
        flows.touch(f, clock.nanoTime());
        toHost.send(f, udp, gdHi, gdLo, hdHi, hdLo, dstPort);
    }

    /** A query to network+3 or prefix::3 ({@code dnsHi:dnsLo}, as the guest addressed it) port 53. */
    private void forwardDns(long mac, long sHi, long sLo, int srcPort, long dnsHi, long dnsLo) {
        if (options.disableDns()) {
            // --disable-dns: silence, so the guest's resolver times out exactly as with slirp4netns.
            counters.dnsDisabled++;
            return;
        }
        counters.dnsQueries++;
        if (!dnsServers.hasCurrent() || datagrams == null) {
            // Nowhere to forward (no resolver known yet): dropped, and the guest's retry may find one.
            counters.dnsNoServer++;
            return;
        }
        long now = clock.nanoTime();
        if (dnsServers.beforeQuery(now)) {
            counters.dnsServerSwitches++;
        }
        long rHi = dnsServers.currentHi();
        long rLo = dnsServers.currentLo();
        // An AF_INET6 socket reaches resolvers of both families; an AF_INET one (an IPv4 guest's, bound to
        // --outbound-addr) only IPv4 ones.
        boolean needV6 = !IpAddress.isV4(sHi, sLo) || !IpAddress.isV4(rHi, rLo);
        UdpFlow f = flows.dns(sHi, sLo, srcPort);
        if (f != null && needV6 && !f.v6Socket) {
            // The resolver changed family (an IPv6 one after an IPv4 one): a socket that can reach it.
            flows.destroy(f);
            f = null;
        }
        if (f == null) {
            f = flows.open(mac, sHi, sLo, srcPort, true, needV6);
            if (f == null) {
                return;
            }
        }
        f.guestMac = mac;
        flows.touch(f, now);
        toHost.send(f, udp, dnsHi, dnsLo, rHi, rLo, DNS_PORT);
    }

    // ---------------------------------------------------------------- host to guest

    @Override
    public void onSocketEvent(int handle, int events) {
        toGuest.onSocketEvent(handle, events);
    }

    // ---------------------------------------------------------------- ICMP errors

    /**
     * Destination unreachable about the datagram in {@link #udp}: from the destination for a closed port, from
     * the gateway for any other reason.
     */
    private void sendUnreachable(long mac, int guestAddr, int guestPort, int guestDst, int dstPort, int code) {
        errors.sendError4(mac, guestAddr, guestPort, guestDst, dstPort, udp.buffer() != null ? udp.length() : 8,
                Icmpv4Packet.TYPE_DEST_UNREACHABLE, code,
                code == Icmpv4Packet.CODE_PORT_UNREACHABLE ? guestDst : gateway);
    }

    private void unreachable6(long mac, long sHi, long sLo, int srcPort, long gdHi, long gdLo, int dstPort,
                              int udpLength, int kind) {
        errors.unreachable6(mac, sHi, sLo, srcPort, gdHi, gdLo, dstPort, udpLength, kind);
    }

    // ---------------------------------------------------------------- timers and teardown

    public long nextDeadlineNanos() {
        return fwd.nextDeadline(flows.nextDeadline(), IDLE_NANOS);
    }

    public void runTimers(long now) {
        flows.expire(now);
        fwd.expire(now, IDLE_NANOS);
    }

    /** The loop has gone quiet: releases the pooled read buffers (see {@code Stack.releaseIdleBuffers}). */
    public int releaseIdleBuffers() {
        return toGuest.releaseIdleBuffers();
    }

    /**
     * Closes every host socket (forwards' included) and releases pooled and held buffers (stack shutdown). A
     * second call finds nothing left to close.
     */
    public void close() {
        fwd.closeAll(datagrams);
        flows.closeAll();
        toHost.close();
        toGuest.close();
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
        return listen(hostAddr, hostPort, V4_HI, v4Lo(guestAddr), guestPort, ForwardPath.NAMED_V4);
    }

    /**
     * As {@link #listen(byte[], int, int, int)} for a guest address of either family: {@code guestHi:guestLo}
     * family-neutral, {@code mode} one of {@link ForwardPath}'s (for {@link ForwardPath#UNNAMED} the IPv4
     * default, which IPv6 clients leave for the guest's IPv6 address when it has one).
     */
    public int listen(byte[] hostAddr, int hostPort, long guestHi, long guestLo, int guestPort, int mode) {
        if (datagrams == null) {
            return -ENETDOWN;
        }
        return fwd.listen(datagrams, hostAddr, hostPort, guestHi, guestLo, guestPort, mode);
    }

    /**
     * Closes a listener from {@link #listen}, its client mappings (their replies went out through its socket,
     * so later guest datagrams to those clients follow the ordinary relay rules) and the datagrams it still
     * held for the guest's MAC. An unknown handle is ignored.
     */
    public void unlisten(int handle) {
        if (datagrams != null) {
            fwd.unlisten(datagrams, handle);
        }
    }

    /** The port a listener from {@link #listen} is bound to, or {@code -errno} ({@link #EBADF} if unknown). */
    public int localPort(int handle) {
        return fwd.forward(handle) == null ? -EBADF : datagrams.localPort(handle);
    }

    /** Clients of port forwards the guest can currently answer. */
    public int forwardMappings() {
        return fwd.mappings();
    }

    /** Datagrams from forwards waiting for their guest's MAC (the only frames the pending queue holds). */
    public int heldDatagrams() {
        return fwd.heldDatagrams();
    }

    /** The guest's datagram (the view {@link #udp}) to a forward's client, straight from the frame. */
    void replyToClient(int handle, long clientHi, long clientLo, int clientPort) {
        toHost.replyToClient(handle, clientHi, clientLo, clientPort, udp);
    }
}
