package io.jslirp.stack.udp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.services.Dhcpv6Responder;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * What the UDP layer answers itself instead of relaying: the registered {@link UdpService}s (the DHCP server
 * on 67) and, over IPv6, DHCPv6 on 547 (see the package documentation's decision table).
 */
final class UdpServices {
    private static final int MAX_SERVICES = 16;

    private final Counters counters;
    private final ByteBufAllocator alloc;
    private final Ipv4Output output;
    private final UdpToGuest toGuest;
    private final int[] servicePorts = new int[MAX_SERVICES];
    private final UdpService[] services = new UdpService[MAX_SERVICES];
    private int serviceCount;
    private final UdpReplier replier = this::sendFrom;
    private Ipv6Output output6;
    /** DHCPv6 on port 547 of the router's addresses and ff02::1:2, or null. */
    private Dhcpv6Responder dhcpv6;

    UdpServices(Counters counters, ByteBufAllocator alloc, Ipv4Output output, UdpToGuest toGuest) {
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
        this.toGuest = toGuest;
    }

    void setIpv6(Ipv6Output output6, Dhcpv6Responder dhcpv6) {
        this.output6 = output6;
        this.dhcpv6 = dhcpv6;
    }

    boolean hasDhcpv6() {
        return dhcpv6 != null;
    }

    /** See {@link UdpLayer#registerService}. */
    void register(int port, UdpService service) {
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

    /** The service registered for {@code port}, or null. */
    UdpService service(int port) {
        for (int i = 0; i < serviceCount; i++) {
            if (servicePorts[i] == port) {
                return services[i];
            }
        }
        return null;
    }

    /** The guest's datagram (the view {@code udp}) to service {@code s}, which may answer through the replier. */
    void deliver(UdpService s, UdpDatagram udp, long mac, int src, int srcPort, int dst, int dstPort) {
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

    /** The guest's DHCPv6 message (the view {@code udp}) answered from fe80::2 port 547, to its source. */
    void answerDhcpv6(UdpDatagram udp, long mac, long sHi, long sLo) {
        counters.udpToService++;
        int room = dhcpv6.maxReplyLength();
        int frameLength = UdpLayer.HEADROOM + room;
        ByteBuf f = alloc.directBuffer(frameLength, frameLength);
        int n = dhcpv6.respond(udp.buffer(), udp.payloadOffset(), udp.payloadLength(), mac, f, UdpLayer.HEADROOM);
        if (n < 0 || n > room) {
            f.release();
            return;
        }
        toGuest.writeHeaders(f, mac, Ipv6Config.LINK_LOCAL_HI, Ipv6Config.ROUTER_LO, UdpLayer.DHCPV6_SERVER_PORT,
                sHi, sLo, UdpLayer.DHCPV6_CLIENT_PORT, n);
        counters.udpOut++;
        counters.udpFromService++;
        output6.send(f);
    }

    /** The {@link UdpReplier} of every service: a complete frame to {@code dstMac}. */
    private void sendFrom(int srcAddr, int srcPort, int dstAddr, int dstPort, long dstMac, ByteBuf payload, int index,
                          int length) {
        if (length < 0 || length > UdpDatagram.MAX_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload of " + length + " bytes");
        }
        int frameLength = UdpLayer.HEADROOM + length;
        ByteBuf f = alloc.directBuffer(frameLength, frameLength);
        f.setBytes(UdpLayer.HEADROOM, payload, index, length);
        toGuest.writeHeaders(f, dstMac, V4_HI, v4Lo(srcAddr), srcPort, V4_HI, v4Lo(dstAddr), dstPort, length);
        counters.udpOut++;
        counters.udpFromService++;
        output.send(f);
    }
}
