package io.jslirp.stack.udp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;

/**
 * The guest's datagrams out through their flows' host sockets, and what the host's answer to each send means
 * for the guest: counted, or an ICMP error from the router when the host has no route (see the package
 * documentation, "Relay" and "Errors").
 */
final class UdpToHost {
    private final Counters counters;
    private final UdpErrors errors;
    private final int gateway;
    private HostDatagrams datagrams;

    UdpToHost(Counters counters, UdpErrors errors, int gateway) {
        this.counters = counters;
        this.errors = errors;
        this.gateway = gateway;
    }

    void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
    }

    /**
     * The guest's datagram (the view {@code udp}) to {@code hd:dstPort} on the host, straight from the frame;
     * {@code gd} is the destination as the guest addressed it, which an ICMP error quotes.
     */
    void send(UdpFlow f, UdpDatagram udp, long gdHi, long gdLo, long hdHi, long hdLo, int dstPort) {
        f.lastDstHi = gdHi;
        f.lastDstLo = gdLo;
        f.lastDstPort = dstPort;
        f.lastLength = udp.length();
        f.lastHostHi = hdHi;
        f.lastHostLo = hdLo;
        ByteBuf b = udp.buffer();
        int n = datagrams.sendTo(f.handle, hdHi, hdLo, dstPort, b, udp.payloadOffset(), udp.payloadLength());
        if (n < 0) {
            // With IP_RECVERR an ICMP error also leaves its errno pending on the socket (sk_err), and the next
            // sendto reports that instead of sending (the error itself reaches the guest from the error
            // queue). Reporting clears it, so one more try sends this datagram.
            n = datagrams.sendTo(f.handle, hdHi, hdLo, dstPort, b, udp.payloadOffset(), udp.payloadLength());
        }
        sent(f, n, gdHi, gdLo, dstPort, udp.length());
    }

    /** What the host said to one datagram of {@code f} ({@code udpLength} octets with the header). */
    private void sent(UdpFlow f, int n, long gdHi, long gdLo, int dstPort, int udpLength) {
        if (n >= 0 && (n > 0 || udpLength == UdpDatagram.HEADER_LENGTH)) {
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
            if (f.dns) {
                return;
            }
            if (f.guestIsV4()) {
                errors.sendError4(f.guestMac, IpAddress.v4(f.guestAddrLo), f.guestPort, IpAddress.v4(gdLo), dstPort,
                        udpLength, Icmpv4Packet.TYPE_DEST_UNREACHABLE,
                        n == -HostSockets.ENETUNREACH ? Icmpv4Packet.CODE_NET_UNREACHABLE
                                : Icmpv4Packet.CODE_HOST_UNREACHABLE, gateway);
            } else {
                errors.unreachable6(f.guestMac, f.guestAddrHi, f.guestAddrLo, f.guestPort, gdHi, gdLo, dstPort,
                        udpLength, n == -HostSockets.ENETUNREACH ? UdpLayer.UNREACH_NET : UdpLayer.UNREACH_HOST);
            }
        }
    }

    /** The guest's datagram (the view {@code udp}) to a forward's client through the forward's socket. */
    void replyToClient(int handle, long clientHi, long clientLo, int clientPort, UdpDatagram udp) {
        int n = sendToClient(handle, clientHi, clientLo, clientPort, udp);
        if (n < 0) {
            // A pending errno left by an ICMP error fails one sendto without sending, as in send().
            n = sendToClient(handle, clientHi, clientLo, clientPort, udp);
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

    private int sendToClient(int handle, long clientHi, long clientLo, int clientPort, UdpDatagram udp) {
        return datagrams.sendTo(handle, clientHi, clientLo, clientPort, udp.buffer(), udp.payloadOffset(),
                udp.payloadLength());
    }
}
