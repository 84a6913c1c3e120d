package io.jslirp.stack;

import io.jslirp.stack.icmp.IcmpEchoRelay;
import io.jslirp.stack.icmp.IcmpResponder;
import io.jslirp.stack.icmp.Icmpv6EchoRelay;
import io.jslirp.stack.icmp.Icmpv6Responder;
import io.jslirp.stack.iface.EthernetInterface;
import io.jslirp.stack.iface.Ipv6Input;
import io.jslirp.stack.iface.NeighborDiscovery;
import io.jslirp.stack.services.Dhcpv6Server;
import io.jslirp.stack.services.RouterAdvertiser;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.tcp.TcpLayer;
import io.jslirp.stack.udp.DnsServers;
import io.jslirp.stack.udp.UdpLayer;
import io.jslirp.stack.udp.UdpService;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The stack's public entry point, called from the Linux side's single event-loop thread. See the package
 * documentation for the contract; nothing here is thread-safe. Port forwards are {@link #forwards()}; with
 * IPv6 on, {@link #setGuestAddress6} tells them the guest's IPv6 address when the embedder configured it
 * (jslirp {@code -c -6}), else it is learned from the guest's Neighbor Discovery ({@link #guestAddress6()}).
 */
public final class Stack {
    /** What the device puts around each frame. */
    public enum DeviceFormat {
        /** Bare Ethernet frames, each at most the MTU. */
        ETHERNET,
        /**
         * A TAP with IFF_VNET_HDR and TSO/checksum offload: every frame {@link #receiveFrame} gets starts with
         * a {@link VirtioNetHeader}, which is parsed and stripped (NEEDS_CSUM or DATA_VALID skip TCP checksum
         * verification; a TSO frame may exceed the MTU). Toward the guest, TCP segments carrying data go to
         * {@link FrameSink#sendOffloadFrame} with a partial checksum and up to 64 KiB of payload; everything
         * else goes to {@link FrameSink#sendFrame} complete, for an all-zero header.
         */
        VNET_HDR
    }

    private final NetConfig config;
    private final Clock clock;
    private final Counters counters = new Counters();
    private final EthernetInterface iface;
    private final TcpLayer tcp;
    private final UdpLayer udp;
    private final IcmpEchoRelay ping;
    /** ICMPv6 echo to the outside, or null when IPv6 is off. */
    private final Icmpv6EchoRelay ping6;
    private final PortForwards forwards;
    private final DnsServers dnsServers = new DnsServers();
    private final DeviceFormat format;
    private final VirtioNetHeader vnet = new VirtioNetHeader();
    /** Router advertisements for the guest's SLAAC, or null when IPv6 is off. */
    private final RouterAdvertiser advertiser;

    /** A stack without host sockets: guest TCP SYNs are answered with RST; {@link RelayOptions#defaults()}. */
    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc) {
        this(config, clock, toGuest, alloc, null, RelayOptions.defaults());
    }

    /**
     * @param host    the host's sockets, which the TCP relay connects, reads and writes; null for none
     * @param options destination mapping and bounds for the relay; give a serving stack a random ISN secret
     *                ({@link RelayOptions#withIsnSecret}): the defaults' 0 makes its sequence numbers predictable
     */
    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc, HostSockets host,
                 RelayOptions options) {
        this(config, clock, toGuest, alloc, host, options, DeviceFormat.ETHERNET);
    }

    /** @param format {@link DeviceFormat#VNET_HDR} for a TAP with offloads; see there */
    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc, HostSockets host,
                 RelayOptions options, DeviceFormat format) {
        this.format = Objects.requireNonNull(format, "format");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(toGuest, "toGuest");
        Objects.requireNonNull(alloc, "alloc");
        // Count at the one place every emitted frame passes; built once, so no per-frame allocation.
        FrameSink counting = new FrameSink() {
            @Override
            public void sendFrame(ByteBuf frame) {
                counters.framesOut++;
                counters.bytesOut += frame.readableBytes();
                toGuest.sendFrame(frame);
            }

            @Override
            public void sendOffloadFrame(ByteBuf frame, int gsoSize) {
                counters.framesOut++;
                counters.bytesOut += frame.readableBytes();
                toGuest.sendOffloadFrame(frame, gsoSize);
            }
        };
        this.iface = new EthernetInterface(config, clock, counters, alloc, counting);
        Objects.requireNonNull(options, "options");
        IcmpResponder responder = new IcmpResponder(counters, alloc, iface.output());
        this.ping = new IcmpEchoRelay(config, clock, counters, alloc, iface.output(), options);
        int gateway = config.gateway();
        int dns = config.dns();
        // Our own addresses answer echo themselves; everything else is relayed through host ping sockets.
        iface.register(Ipv4Packet.PROTO_ICMP, p -> {
            int dst = p.destinationV4();
            if (dst == gateway || dst == dns) {
                responder.receive(p.ipv4(), p.sourceMac());
            } else {
                ping.receive(p.ipv4(), p.sourceMac());
            }
        }, true);
        this.tcp = new TcpLayer(config, clock, counters, alloc, iface.output(), host, options,
                format == DeviceFormat.VNET_HDR);
        tcp.setDnsServers(dnsServers);
        tcp.setNeighbors(iface::resolve, iface.pendingNeighbors());
        iface.register(Ipv4Packet.PROTO_TCP, tcp, true);
        Ipv6Input ipv6 = iface.ipv6();
        if (ipv6 != null) {
            tcp.setIpv6(config.ipv6(), ipv6.output(), ipv6.ndp()::resolve);
            tcp.setIpv6GuestAddress(ipv6.ndp().guestAddress());
            ipv6.register(Ipv6Packet.NEXT_TCP, tcp);
        }
        this.udp = new UdpLayer(config, clock, counters, alloc, iface.output(), options, dnsServers);
        iface.register(Ipv4Packet.PROTO_UDP, udp, true);
        udp.setNeighbors(iface::resolve, iface.pendingNeighbors());
        if (ipv6 != null) {
            Ipv6Config c6 = config.ipv6();
            // DHCPv6 as libslirp (INFORMATION-REQUEST: DNS prefix::3) and pasta (one address in IA_NA, the
            // guest's EUI-64 one, which SLAAC forms too), from the router's MAC-derived DUID.
            Dhcpv6Server dhcpv6 = new Dhcpv6Server(new Dhcpv6Server.Config(
                    Dhcpv6Server.linkLayerDuid(c6.routerMac()), c6.dnsHi(), Ipv6Config.DNS_LO, c6.prefixHi(), 0, 0,
                    new byte[0]));
            udp.setIpv6(c6, ipv6.output(), dhcpv6);
            udp.setIpv6GuestAddress(ipv6.ndp().guestAddress(), ipv6.ndp()::resolve);
            ipv6.register(Ipv6Packet.NEXT_UDP, udp);
        }
        this.forwards = new PortForwards(config, tcp, udp);
        Ipv6Input v6 = iface.ipv6();
        if (v6 != null) {
            this.advertiser = new RouterAdvertiser(config.ipv6(), clock, counters, v6.output());
            RouterAdvertiser ra = advertiser;
            v6.registerIcmpv6(Icmpv6Packet.TYPE_ROUTER_SOLICITATION, (ip, rs, mac) -> ra.routerSolicited());
            v6.registerIcmpv6(Icmpv6Packet.TYPE_ECHO_REQUEST, new Icmpv6Responder(counters, v6.output()));
            TcpLayer tcpLayer = tcp;
            v6.registerIcmpv6(Icmpv6Packet.TYPE_DEST_UNREACHABLE, (ip, error, mac) -> tcpLayer.receiveUnreachable6(error));
            this.ping6 = new Icmpv6EchoRelay(config.ipv6(), clock, counters, alloc, v6.output(), options);
            v6.registerEchoRelay(ping6);
        } else {
            this.advertiser = null;
            this.ping6 = null;
        }
    }

    /**
     * The host's datagram sockets, for the UDP relay, the DNS forwarder and ICMP echo to the outside. Call once,
     * before the first frame. Without them, UDP to the outside (and to network+2) is answered with ICMP port
     * unreachable, DNS queries are dropped (counted in dnsNoServer) and pings to the outside are dropped
     * (icmpEchoNoSocket); pings to network+2 and network+3 are answered either way.
     */
    public void setHostDatagrams(HostDatagrams datagrams) {
        udp.setHostDatagrams(datagrams);
        ping.setHostDatagrams(datagrams);
        if (ping6 != null) {
            ping6.setHostDatagrams(datagrams);
        }
    }

    /**
     * The host's resolvers (IPv4, host byte order, in /etc/resolv.conf order; loopback stubs such as 127.0.0.53
     * are fine, the host sockets live in the host's namespace), for the DNS forwarder at network+3, UDP and TCP.
     * Call at start and whenever /etc/resolv.conf changes; an empty array (or null) means none, and queries are
     * then dropped. The forwarder starts again from the first server.
     */
    public void setDnsServers(int[] ipv4Servers) {
        dnsServers.set(ipv4Servers);
    }

    /**
     * As {@link #setDnsServers(int[])}, for resolvers of either family: family-neutral addresses
     * ({@code IpAddress}) as {@code hi, lo} pairs, in resolv.conf order. Guests of both families reach both
     * kinds (an IPv6 resolver through an AF_INET6 host socket).
     */
    public void setDnsServerAddresses(long[] hiLoPairs) {
        dnsServers.setNeutral(hiLoPairs);
    }

    /** Registers a service the stack answers itself on a UDP port; see {@link UdpLayer#registerService}. */
    public void registerUdpService(int port, UdpService service) {
        udp.registerService(port, service);
    }

    /**
     * True once the host refused to open a ping socket of either family, ICMP for IPv4 or ICMPv6 with {@code -6}
     * (EPERM/EACCES: no {@code net.ipv4.ping_group_range} for our group, which governs both, and not privileged
     * for a raw one). Pings to the outside are dropped from then on (each counted in icmpEchoNoSocket, each
     * retried). For an embedder that wants to say so; the jslirp command asks the host once at start-up instead.
     */
    public boolean pingUnavailable() {
        return ping.pingUnavailable() || (ping6 != null && ping6.pingUnavailable());
    }

    /** Takes ownership of frame (releases it on every path). Never throws for bad input: counts and drops. */
    public void receiveFrame(ByteBuf frame) {
        if (frame == null) {
            return;
        }
        try {
            counters.framesIn++;
            counters.bytesIn += frame.readableBytes();
            if (format == DeviceFormat.VNET_HDR) {
                if (!vnet.wrap(frame, frame.readerIndex(), frame.readableBytes())) {
                    counters.vnetTruncated++;
                    return;
                }
                frame.skipBytes(VirtioNetHeader.LENGTH);
                if (vnet.gsoType() != VirtioNetHeader.GSO_NONE) {
                    counters.gsoFramesIn++;
                }
                // The device's word on the transport checksum travels with each packet of the frame, and a GSO
                // super-packet is not held against the MTU (it stands for many packets within it).
                iface.receive(frame, vnet.checksumTrusted(), vnet.gsoType() != VirtioNetHeader.GSO_NONE);
                return;
            }
            iface.receive(frame);
        } catch (RuntimeException e) {
            // Every wire length is validated before use, so this is a bug; one bad frame must still not
            // take the event loop (and the container's network) down with it.
            counters.internalErrors++;
        } finally {
            frame.release();
        }
    }

    /** Clock.nanoTime() value of the next timer that is due, or Long.MAX_VALUE when none. */
    public long nextDeadlineNanos() {
        // Clock.earlier, not Math.min: deadlines are clock readings, which may wrap.
        long next = Clock.earlier(Clock.earlier(iface.nextDeadlineNanos(), tcp.nextDeadlineNanos()),
                Clock.earlier(udp.nextDeadlineNanos(), ping.nextDeadlineNanos()));
        if (ping6 != null) {
            next = Clock.earlier(next, ping6.nextDeadlineNanos());
        }
        return advertiser == null ? next : Clock.earlier(next, advertiser.nextDeadlineNanos());
    }

    /**
     * Runs every timer due at clock.nanoTime(): fragment expiry, TCP retransmission, persist and idle timers,
     * UDP and ping flow expiry, and with IPv6 the router advertisements (the first is due at once, so the
     * first call after start sends it).
     */
    public void runTimers() {
        long now = clock.nanoTime();
        iface.runTimers(now);
        tcp.runTimers(now);
        udp.runTimers(now);
        ping.runTimers(now);
        if (ping6 != null) {
            ping6.runTimers(now);
        }
        if (advertiser != null) {
            advertiser.runTimers(now);
        }
    }

    /**
     * The caller's loop has seen no frame for a while: gives back to the allocator every buffer kept for reuse
     * that no flow holds (the TCP frame pool, the UDP and ping read buffers); returns how many. On the
     * event-loop thread, not per packet.
     *
     * <p>Why: the pools keep buffers across a burst so a transfer allocates nothing, and the TCP pool still
     * keeps about 2 MiB once its flight has been empty for a second. Those kept buffers are spread over every
     * 1 MiB chunk the burst made Netty's pool take, and a chunk with one buffer in it is never freed: after
     * 100,000 short connections and two bulk transfers, 34 buffers held 11 chunks. The next burst takes new
     * buffers from the allocator, which then still has the chunks it kept.
     */
    public int releaseIdleBuffers() {
        int n = tcp.releaseIdleBuffers() + udp.releaseIdleBuffers() + ping.releaseIdleBuffers();
        if (ping6 != null) {
            n += ping6.releaseIdleBuffers();
        }
        counters.idleBuffersReleased += n;
        return n;
    }

    /**
     * End of an event-loop iteration (after a batch of frames and socket events): sends the guest's UDP
     * datagrams queued for host sockets ({@link #flushDatagrams}), the ACKs coalesced during the batch, window
     * updates, and reads from host sockets whose guest window opened.
     */
    public void flush() {
        udp.flush();
        tcp.flush();
    }

    /**
     * Sends the guest's UDP datagrams queued for host sockets, when the host's datagram sockets take batches
     * ({@code HostDatagrams.sendBatchSize}): what a reader on the host needs before the loop gives up the CPU
     * in the middle of a long batch of frames. {@link #flush} includes it.
     */
    public void flushDatagrams() {
        udp.flush();
    }

    /** Flows in the TCP table (including TIME_WAIT records), for tests and the exit summary. */
    public int activeFlows() {
        return tcp.activeFlows();
    }

    /** UDP flows holding a host socket (relayed and DNS). */
    public int activeUdpFlows() {
        return udp.activeFlows();
    }

    /** ICMP echo flows holding a host ping socket. */
    public int activePingFlows() {
        return ping.activeFlows() + (ping6 == null ? 0 : ping6.activeFlows());
    }

    /** The UDP layer, for service registration, diagnostics and tests. */
    public UdpLayer udp() {
        return udp;
    }

    /** The TCP relay, for diagnostics and tests. */
    public TcpLayer tcp() {
        return tcp;
    }

    /**
     * Host ports forwarded into the guest (TCP needs the HostSockets given at construction, UDP the
     * HostDatagrams of {@link #setHostDatagrams}). Event-loop thread only, like everything here.
     */
    public PortForwards forwards() {
        return forwards;
    }

    /**
     * States the guest's IPv6 address, where port forwards that name no guest address send IPv6 clients (the
     * family rule in {@link PortForwards}): the embedder calls it after configuring the address itself (jslirp
     * {@code -c -6} puts prefix::100 on the TAP). Without it the address is learned from the guest's Neighbor
     * Discovery traffic (its DAD probes, solicitations and advertisements), prefix::100 preferred when seen;
     * while none is known such clients go over IPv4. Event-loop thread, like everything here.
     *
     * @param address a unicast address of the guest's /64, not the prefix's ::0, ::2 or ::3
     * @throws IllegalStateException    when IPv6 is off
     * @throws IllegalArgumentException for any other address
     */
    public void setGuestAddress6(InetAddress address) {
        Objects.requireNonNull(address, "address");
        if (iface.ipv6() == null) {
            throw new IllegalStateException("IPv6 is not enabled");
        }
        byte[] raw = address.getAddress();
        if (raw.length != 16 || IpAddress.isV4(IpAddress.hi(raw), IpAddress.lo(raw))) {
            throw new IllegalArgumentException("not an IPv6 address: " + address.getHostAddress());
        }
        iface.ipv6().ndp().guestAddress().configure(IpAddress.hi(raw), IpAddress.lo(raw));
    }

    /** The guest's IPv6 address forwards use (stated or learned), or null when none is known or IPv6 is off. */
    public InetAddress guestAddress6() {
        Ipv6Input v6 = iface.ipv6();
        if (v6 == null || !v6.ndp().guestAddress().known()) {
            return null;
        }
        byte[] raw = new byte[16];
        IpAddress.toBytes(v6.ndp().guestAddress().hi(), v6.ndp().guestAddress().lo(), raw, 0);
        try {
            return InetAddress.getByAddress(raw);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** IPv6 Neighbor Discovery (its cache, {@code resolve}, the pending queue), or null when IPv6 is off. */
    public NeighborDiscovery ipv6Neighbors() {
        return iface.ipv6() == null ? null : iface.ipv6().ndp();
    }

    public Counters counters() {
        return counters;
    }

    public DeviceFormat format() {
        return format;
    }

    public NetConfig config() {
        return config;
    }

    /**
     * Aborts every host socket the TCP relay holds, closes every datagram socket, and releases buffers held across frames (fragments awaiting
     * reassembly, retransmission and relay queues). Not part of the packet path; call it once, on the
     * event-loop thread, when the stack is discarded so pooled memory goes back and leak detection stays quiet.
     */
    public void close() {
        forwards.close();
        tcp.close();
        udp.close();
        ping.close();
        if (ping6 != null) {
            ping6.close();
        }
        iface.close();
    }
}
