package io.jslirp.stack.udp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.icmp.IcmpErrors;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.relay.RelayableAddress;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The ICMP and ICMPv6 errors the UDP layer sends the guest: those it decides itself (a closed port at
 * network+3, the loopback rule, no route on the host) and those the host's sockets received about the guest's
 * datagrams (IP_RECVERR, IPV6_RECVERR), passed on by {@link IcmpErrors}'s rules. The quoted datagram is rebuilt
 * from the flow (addresses as the guest used them, ports, length), since the original is long gone. An error
 * about a DNS flow tells the resolver list to move on instead of reaching the guest.
 */
final class UdpErrors {
    private final NetConfig config;
    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Ipv4Output output;
    private final DnsServers dnsServers;
    private final int gateway;
    private Ipv6Config config6;
    private Ipv6Output output6;

    UdpErrors(NetConfig config, Counters counters, ByteBufAllocator alloc, Ipv4Output output, DnsServers dnsServers) {
        this.config = config;
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
        this.dnsServers = dnsServers;
        this.gateway = config.gateway();
    }

    void setIpv6(Ipv6Config config, Ipv6Output output) {
        this.config6 = config;
        this.output6 = output;
    }

    /** An ICMP error the host received about one of this flow's datagrams, passed on to the guest. */
    void fromHost(UdpFlow f, DatagramInfo info) {
        int type = info.icmpType;
        int code = info.icmpCode;
        boolean passed = info.icmpv6 ? IcmpErrors.passedOn6(type, code) : IcmpErrors.passedOn(type, code);
        if (f.dns) {
            // A resolver that does not answer: the next query goes to the next one. The guest is not told (its
            // retry will reach the next server; with one server it times out, as with slirp4netns).
            if (!passed) {
                counters.icmpErrorsDropped++;
                return;
            }
            long hHi = info.hasOriginalDst() ? info.originalDstHi : f.lastHostHi;
            long hLo = info.hasOriginalDst() ? info.originalDstLo : f.lastHostLo;
            if (dnsServers.failed(hHi, hLo)) {
                counters.dnsServerSwitches++;
            }
            counters.dnsServerErrors++;
            return;
        }
        if (!passed || info.icmpv6 == f.guestIsV4()) {
            // Fragmentation needed (no next-hop MTU to quote) and local errors: see IcmpErrors.passedOn; and an
            // error of the other family cannot be about this guest's datagrams.
            counters.icmpErrorsDropped++;
            return;
        }
        if (!f.guestIsV4()) {
            fromHost6(f, info, type, code);
            return;
        }
        int hostDst = info.hasOriginalDst() ? info.originalDstIpv4() : IpAddress.v4(f.lastHostLo);
        int dstPort = info.hasOriginalDst() ? info.originalDstPort : f.lastDstPort;
        int guestDst = hostDst == RelayOptions.LOOPBACK ? gateway : hostDst;
        int from = IcmpErrors.reportedFrom(config, info.offenderIpv4(), hostDst, guestDst);
        int lastDst = IpAddress.v4(f.lastDstLo);
        int udpLength = guestDst == lastDst && dstPort == f.lastDstPort ? f.lastLength
                : UdpDatagram.HEADER_LENGTH;
        sendError4(f.guestMac, IpAddress.v4(f.guestAddrLo), f.guestPort, guestDst, dstPort, udpLength, type, code,
                from);
    }

    /**
     * The IPv6 twin: the error appears from the offender when it is a global address the guest may see, else
     * from the destination as the guest addressed it (the router address for the host's ::1). A Packet Too Big
     * carries the next-hop MTU the host was told, never below 1280 (RFC 8200 5).
     */
    private void fromHost6(UdpFlow f, DatagramInfo info, int type, int code) {
        long hHi = info.hasOriginalDst() ? info.originalDstHi : f.lastHostHi;
        long hLo = info.hasOriginalDst() ? info.originalDstLo : f.lastHostLo;
        int dstPort = info.hasOriginalDst() ? info.originalDstPort : f.lastDstPort;
        long gdHi = hHi;
        long gdLo = hLo;
        if (hHi == 0 && hLo == 1) {
            boolean usedRouter = config6.isOurs(f.lastDstHi, f.lastDstLo);
            gdHi = usedRouter ? f.lastDstHi : config6.routerHi();
            gdLo = Ipv6Config.ROUTER_LO;
        }
        long fromHi = gdHi;
        long fromLo = gdLo;
        // (An unknown offender is unspecified, which the rule refuses.)
        if (RelayableAddress.isRelayable6(config6, info.offenderHi, info.offenderLo)
                && !(info.offenderHi == hHi && info.offenderLo == hLo)) {
            fromHi = info.offenderHi;
            fromLo = info.offenderLo;
        }
        int udpLength = gdHi == f.lastDstHi && gdLo == f.lastDstLo && dstPort == f.lastDstPort ? f.lastLength
                : UdpDatagram.HEADER_LENGTH;
        int word = type == Icmpv6Packet.TYPE_PACKET_TOO_BIG ? Math.max(Ipv6Packet.MIN_MTU, info.icmpInfo) : 0;
        long quoted = ((long) f.guestPort << 48) | ((long) dstPort << 32) | ((long) udpLength << 16);
        counters.icmpErrorsToGuest++;
        IcmpErrors.sendV6(output6, f.guestMac, fromHi, fromLo, f.guestAddrHi, f.guestAddrLo, type, code, word,
                Ipv6Packet.NEXT_UDP, udpLength, gdHi, gdLo, quoted);
    }

    /**
     * ICMPv6 destination unreachable ({@code kind}: UdpLayer.UNREACH_*) about the guest's datagram to {@code gd}, from
     * that destination for a closed port, else from the router address of the guest's scope.
     */
    void unreachable6(long mac, long sHi, long sLo, int srcPort, long gdHi, long gdLo, int dstPort,
                              int udpLength, int kind) {
        if (output6 == null) {
            return;
        }
        int code;
        switch (kind) {
            case UdpLayer.UNREACH_PORT:
                code = Icmpv6Packet.CODE_PORT_UNREACHABLE;
                break;
            case UdpLayer.UNREACH_ADMIN:
                code = Icmpv6Packet.CODE_ADMIN_PROHIBITED;
                break;
            case UdpLayer.UNREACH_NET:
                code = Icmpv6Packet.CODE_NO_ROUTE;
                break;
            default:
                code = Icmpv6Packet.CODE_ADDRESS_UNREACHABLE;
        }
        long fromHi = kind == UdpLayer.UNREACH_PORT ? gdHi : Ipv6Packet.isLinkLocal(sHi) ? Ipv6Config.LINK_LOCAL_HI
                : config6.routerHi();
        long fromLo = kind == UdpLayer.UNREACH_PORT ? gdLo : Ipv6Config.ROUTER_LO;
        long quoted = ((long) srcPort << 48) | ((long) dstPort << 32) | ((long) udpLength << 16);
        counters.icmpErrorsToGuest++;
        IcmpErrors.sendV6(output6, mac, fromHi, fromLo, sHi, sLo, Icmpv6Packet.TYPE_DEST_UNREACHABLE, code, 0,
                Ipv6Packet.NEXT_UDP, udpLength, gdHi, gdLo, quoted);
    }

    /** An ICMP error about the guest's datagram to {@code guestDst}, quoting its rebuilt header. */
    void sendError4(long mac, int guestAddr, int guestPort, int guestDst, int dstPort, int udpLength,
                    int type, int code, int from) {
        long quoted = ((long) guestPort << 48) | ((long) dstPort << 32) | ((long) udpLength << 16);
        ByteBuf frame = IcmpErrors.build(alloc, config, output.nextIdentification(), mac, from, guestAddr, type,
                code, 0, Ipv4Packet.PROTO_UDP, Ipv4Packet.MIN_HEADER_LENGTH + udpLength, guestDst, quoted);
        counters.icmpErrorsToGuest++;
        output.send(frame);
    }
}
