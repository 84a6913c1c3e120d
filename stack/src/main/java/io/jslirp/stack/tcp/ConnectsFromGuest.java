package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.icmp.IcmpErrors;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.relay.RelayableAddress;
import io.jslirp.stack.udp.DnsServers;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.jslirp.stack.wire.TcpSegment;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * The connections the guest opens, as {@link TcpForwards} holds those the host's clients open: what a segment
 * that matches no flow gets (RFC 9293 3.10.7.1), where a new SYN may go (the package documentation's
 * "Opening" and "IPv6": the host's loopback, the current resolver, refused inside the virtual network, as it
 * is anywhere {@link RelayableAddress} allows), the host connect that starts the flow, and the ICMP destination
 * unreachable that answers a SYN whose connect found no route. Apart from {@link TcpLayer}, which finds the
 * flow of a segment and holds what all connections share, so that this one decision table reads whole.
 */
final class ConnectsFromGuest {
    static final int DNS_PORT = 53;

    private final TcpLayer layer;
    private final NetConfig config;
    private final Counters counters;
    private final RelayOptions options;
    private final HostSockets host;
    private final Ipv4Output output;
    private final int gateway;
    private final int dns;
    /** IPv6's addresses and route toward the guest, or null while IPv6 is off ({@link #setIpv6}). */
    private Ipv6Config config6;
    private Ipv6Output output6;
    /** The host's resolvers, for TCP to network+3:53; null until the Stack provides them. */
    private DnsServers dnsServers;

    ConnectsFromGuest(TcpLayer layer) {
        this.layer = layer;
        this.config = layer.config;
        this.counters = layer.counters;
        this.options = layer.options;
        this.host = layer.host;
        this.output = layer.output;
        this.gateway = config.gateway();
        this.dns = config.dns();
    }

    void setDnsServers(DnsServers servers) {
        this.dnsServers = servers;
    }

    void setIpv6(Ipv6Config config6, Ipv6Output output6) {
        this.config6 = config6;
        this.output6 = output6;
    }

    /** Decision table for a segment that matches no flow (RFC 9293 3.10.7.1, "CLOSED" state). */
    void noFlow(TcpSegment s, long guestMac, long guestHi, long guestLo, long remoteHi, long remoteLo) {
        int flags = s.flags();
        // (IPv6 input already dropped multicast destinations; IPv6 has no broadcast.)
        if (IpAddress.isV4(guestHi, guestLo) && !config.isUnicastDestination(IpAddress.v4(remoteLo))) {
            // RFC 1122 4.2.3.10: a SYN to a broadcast or multicast address is silently discarded; and no
            // RST may go out from such an address either.
            counters.tcpBadDestination++;
            return;
        }
        if ((flags & TcpSegment.RST) != 0) {
            // "An incoming segment containing a RST is discarded."
            counters.tcpNoFlow++;
            return;
        }
        if ((flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN) {
            openFromSyn(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
            return;
        }
        counters.tcpNoFlow++;
        resetFor(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
    }

    /** RFC 9293 3.10.7.1: the RST answering a segment that has no connection. */
    private void resetFor(TcpSegment s, long guestMac, long guestHi, long guestLo, long remoteHi, long remoteLo) {
        if (s.hasAck()) {
            // <SEQ=SEG.ACK><CTL=RST>
            layer.sendReset(guestMac, guestHi, guestLo, remoteHi, remoteLo, s.sourcePort(), s.destinationPort(),
                    s.ack(), 0, TcpSegment.RST);
        } else {
            // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            layer.sendReset(guestMac, guestHi, guestLo, remoteHi, remoteLo, s.sourcePort(), s.destinationPort(),
                    0, s.seq() + s.seqLength(), TcpSegment.RST | TcpSegment.ACK);
        }
    }

    /** A guest SYN for a new flow: decide where it goes and start the host connect (no reply yet). */
    void openFromSyn(TcpSegment s, long guestMac, long guestHi, long guestLo, long remoteHi, long remoteLo) {
        long hostHi;
        long hostLo;
        // The family is the guest's: IPv6 input never passes an IPv4-mapped source, but a mapped destination
        // (::ffff:127.0.0.1) must not pass for IPv4 (it is refused below, with the host's other names).
        if (IpAddress.isV4(guestHi, guestLo)) {
            int remoteAddr = IpAddress.v4(remoteLo);
            int hostAddr;
            if (remoteAddr == gateway) {
                if (options.disableHostLoopback()) {
                    // --disable-host-loopback: slirp4netns answers "network unreachable", so the guest's
                    // connect fails at once with ENETUNREACH instead of timing out.
                    counters.tcpConnectUnreachable++;
                    sendUnreachable(guestMac, guestHi, guestLo, remoteHi, remoteLo, s.sourcePort(),
                            s.destinationPort(), s.seq(), true);
                    return;
                }
                hostAddr = RelayOptions.LOOPBACK;
            } else if (remoteAddr == dns && s.destinationPort() == DNS_PORT && dnsAvailable()) {
                // DNS over TCP (RFC 7766: resolvers retry over TCP after a truncated reply) goes to the host's
                // current resolver, port 53, exactly as the UDP forwarder's queries do.
                hostAddr = 0;
            } else if (remoteAddr == dns || !RelayableAddress.isRelayable(config, remoteAddr)) {
                // network+3 serves only port 53 (and not with --disable-dns or without a resolver), and nothing
                // else lives inside the virtual network: refuse at once like a closed port.
                counters.tcpNoRelay++;
                resetFor(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
                return;
            } else {
                hostAddr = remoteAddr;
            }
            if (hostAddr == 0) {
                hostHi = dnsServers.currentHi();
                hostLo = dnsServers.currentLo();
            } else {
                hostHi = V4_HI;
                hostLo = v4Lo(hostAddr);
            }
        } else if (config6 == null || host == null) {
            counters.tcpNoRelay++;
            resetFor(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
            return;
        } else if (config6.isOurs(remoteHi, remoteLo) && remoteLo == Ipv6Config.ROUTER_LO) {
            // prefix::2 and fe80::2 are the host, as network+2 is: its ::1, or refused fast as for IPv4.
            if (options.disableHostLoopback()) {
                counters.tcpConnectUnreachable++;
                sendUnreachable(guestMac, guestHi, guestLo, remoteHi, remoteLo, s.sourcePort(), s.destinationPort(),
                        s.seq(), true);
                return;
            }
            hostHi = 0;
            hostLo = 1;
        } else if (config6.isDns(remoteHi, remoteLo) && s.destinationPort() == DNS_PORT && dnsAvailable()) {
            hostHi = dnsServers.currentHi();
            hostLo = dnsServers.currentLo();
        } else if (!RelayableAddress.isRelayable6(config6, remoteHi, remoteLo)) {
            // prefix::3 but port 53, anything else inside our /64 or on the link (nobody lives there), and
            // addresses that would reach the host itself by another name (::1, ::ffff:127.0.0.1, ::):
            // refused at once like a closed port.
            counters.tcpNoRelay++;
            resetFor(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
            return;
        } else {
            // A global IPv6 address goes out as it is, through an AF_INET6 host socket.
            hostHi = remoteHi;
            hostLo = remoteLo;
        }
        if (host == null) {
            // Without host sockets there is nowhere to go, network+2's loopback included: refused as above.
            counters.tcpNoRelay++;
            resetFor(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
            return;
        }
        if (layer.tableFull()) {
            counters.tcpTableFull++;
            resetFor(s, guestMac, guestHi, guestLo, remoteHi, remoteLo);
            return;
        }
        TcpConnection c = new TcpConnection(layer, guestMac, guestHi, guestLo, s.sourcePort(), remoteHi, remoteLo,
                s.destinationPort(), layer.clock.nanoTime());
        SegmentsFromGuest.acceptSyn(c, s, layer.isn(c));
        layer.flows.put(c.guestAddrHi, c.guestAddrLo, c.guestPort, c.remoteAddrHi, c.remoteAddrLo, c.remotePort, c);
        counters.tcpFlowsOpened++;
        boolean v4Host = IpAddress.isV4(hostHi, hostLo);
        int handle = host.connectTcp(hostHi, hostLo, s.destinationPort(),
                v4Host ? V4_HI : options.outboundAddr6Hi(),
                v4Host ? v4Lo(options.outboundAddr()) : options.outboundAddr6Lo(), layer);
        if (handle < 0) {
            c.connectFailed(-handle);
            return;
        }
        c.adoptHandle(handle);
        layer.handles.put(handle, c);
        ConnectionTimers.scheduleTimers(c);
    }

    /** network+3 / prefix::3 port 53 forwards to a host resolver. */
    private boolean dnsAvailable() {
        return !options.disableDns() && dnsServers != null && dnsServers.hasCurrent() && host != null;
    }

    /**
     * Destination unreachable about the guest's SYN (ICMP, RFC 792; ICMPv6, RFC 4443 3.1), quoting the IP
     * header and the first eight TCP bytes (ports and sequence number), which is what the guest's kernel
     * matches to the socket (Linux checks that the quoted sequence lies in SND.UNA..SND.NXT). The quote is
     * rebuilt from the flow, because the SYN itself is long gone when a host connect fails asynchronously.
     * From the gateway (IPv6: the router address of the guest's scope): the router that could not forward it.
     *
     * @param network "network unreachable" (IPv4 code 0; IPv6 code 0, no route), else "host unreachable"
     *                (IPv4 code 1; IPv6 code 3, address unreachable)
     */
    void sendUnreachable(long guestMac, long guestHi, long guestLo, long remoteHi, long remoteLo, int guestPort,
                         int remotePort, int synSeq, boolean network) {
        // The quote is the guest's SYN as the guest's kernel matches it: addresses, ports and sequence number.
        long quotedTcp = ((long) guestPort << 48) | ((long) remotePort << 32) | (synSeq & 0xffff_ffffL);
        if (!IpAddress.isV4(guestHi, guestLo)) {
            if (output6 == null) {
                return;
            }
            long fromHi = Ipv6Packet.isLinkLocal(guestHi) ? Ipv6Config.LINK_LOCAL_HI : config6.routerHi();
            IcmpErrors.sendV6(output6, guestMac, fromHi, Ipv6Config.ROUTER_LO, guestHi, guestLo,
                    Icmpv6Packet.TYPE_DEST_UNREACHABLE,
                    network ? Icmpv6Packet.CODE_NO_ROUTE : Icmpv6Packet.CODE_ADDRESS_UNREACHABLE, 0,
                    Ipv6Packet.NEXT_TCP, TcpSegment.MIN_HEADER_LENGTH, remoteHi, remoteLo, quotedTcp);
            counters.icmpv6ErrorsOut++;
            return;
        }
        output.send(IcmpErrors.build(layer.alloc, config, output.nextIdentification(), guestMac, gateway,
                IpAddress.v4(guestLo), Icmpv4Packet.TYPE_DEST_UNREACHABLE,
                network ? Icmpv4Packet.CODE_NET_UNREACHABLE : Icmpv4Packet.CODE_HOST_UNREACHABLE, 0,
                Ipv4Packet.PROTO_TCP, Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.MIN_HEADER_LENGTH,
                IpAddress.v4(remoteLo), quotedTcp));
    }
}
