package io.jslirp.stack.icmp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.relay.RelayableAddress;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * ICMP echo from the guest to anywhere but our own addresses (which {@link IcmpResponder} answers), relayed
 * through the host's ping sockets: the IPv4 half of {@link EchoRelay}. See the package documentation.
 */
public final class IcmpEchoRelay extends EchoRelay {
    static final int IP_AT = EthernetFrame.HEADER_LENGTH;
    static final int ICMP_AT = IP_AT + Ipv4Packet.MIN_HEADER_LENGTH;
    static final int MAX_MESSAGE = Ipv4Packet.MAX_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
    static final int TTL = 64;

    private final NetConfig config;
    private final ByteBufAllocator alloc;
    private final Ipv4Output output;
    private final int gateway;
    private final Icmpv4Packet icmp = new Icmpv4Packet();

    public IcmpEchoRelay(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv4Output output,
                         RelayOptions options) {
        super(clock, counters, alloc, output, options, ICMP_AT, MAX_MESSAGE);
        this.config = config;
        this.alloc = alloc;
        this.output = output;
        this.gateway = config.gateway();
    }

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
        if (!RelayableAddress.isRelayable(config, dst)) {
            // Broadcast/multicast pings are not relayed off the link (RFC 1122 3.2.2.6 lets hosts ignore them),
            // and nothing else lives in the virtual network.
            counters.icmpBadDestination++;
            return;
        }
        relay(sourceMac, V4_HI, v4Lo(ip.source()), icmp.identifier(), icmp.sequence(), V4_HI, v4Lo(dst),
                ip.buffer(), icmp.offset(), icmp.length());
    }

    @Override
    int openSocket() {
        return datagrams.openPing(this);
    }

    @Override
    boolean replyToGuest(PingFlow f, ByteBuf b, int n) {
        if (n < Icmpv4Packet.HEADER_LENGTH || n > MAX_MESSAGE
                || b.getUnsignedByte(ICMP_AT) != Icmpv4Packet.TYPE_ECHO_REPLY) {
            return false;
        }
        // The host's socket has its own identifier; the guest's process knows only its own. Only that word
        // changes, so the checksum is adjusted (RFC 1624) instead of summed again over the whole reply.
        int hostId = b.getUnsignedShort(ICMP_AT + 4);
        b.setShort(ICMP_AT + 4, f.guestId);
        b.setShort(ICMP_AT + 2, Checksum.adjust(b.getUnsignedShort(ICMP_AT + 2), hostId, f.guestId));
        // From the address the guest pinged, as a reply from there would be.
        EthernetFrame.writeHeader(b, 0, f.guestMac, config.gatewayMac(), EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(b, IP_AT, 0, Ipv4Packet.MIN_HEADER_LENGTH + n, output.nextIdentification(), 0, TTL,
                Ipv4Packet.PROTO_ICMP, v4(f.remoteLo), v4(f.guestLo));
        return true;
    }

    @Override
    void errorToGuest(PingFlow f) {
        if (IcmpErrors.passedOn(info.icmpType, info.icmpCode)) {
            // The pinged address is the same to the host and the guest (loopback is never relayed).
            int remote = v4(f.remoteLo);
            sendError(f, info.icmpType, info.icmpCode,
                    IcmpErrors.reportedFrom(config, info.offenderIpv4(), remote, remote));
        } else {
            counters.icmpErrorsDropped++;
        }
    }

    @Override
    void unreachableToGuest(PingFlow f, boolean noRoute) {
        sendError(f, Icmpv4Packet.TYPE_DEST_UNREACHABLE,
                noRoute ? Icmpv4Packet.CODE_NET_UNREACHABLE : Icmpv4Packet.CODE_HOST_UNREACHABLE, gateway);
    }

    /** An error about the flow's last echo request, quoting its header (type 8, identifier, sequence). */
    private void sendError(PingFlow f, int type, int code, int from) {
        ByteBuf frame = IcmpErrors.build(alloc, config, output.nextIdentification(), f.guestMac, from,
                v4(f.guestLo), type, code, 0, Ipv4Packet.PROTO_ICMP, Ipv4Packet.MIN_HEADER_LENGTH + f.lastLength,
                v4(f.remoteLo), quotedEcho(f, Icmpv4Packet.TYPE_ECHO_REQUEST));
        counters.icmpErrorsToGuest++;
        output.send(frame);
    }
}
