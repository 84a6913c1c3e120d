package io.jslirp.stack.icmp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.iface.Icmpv6Handler;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.relay.RelayableAddress;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * ICMPv6 echo from the guest to anywhere but our own addresses (which {@link Icmpv6Responder} answers),
 * relayed through the host's ICMPv6 ping sockets ({@link HostDatagrams#openPing6}): the IPv6 half of
 * {@link EchoRelay}, which keeps the flows, sockets and timers of both families. Here: which destinations may
 * be pinged, the reply's checksum computed anew for the guest's pseudo-header (RFC 4443 2.3: the addresses
 * differ from the host's), and ICMPv6 errors the host's socket receives (IPV6_RECVERR) about an echo sent to
 * the guest quoting the echo request as rebuilt from the flow.
 *
 * <p>Decision table for a request (IPv6 input hands over only echo requests to addresses not ours and not
 * multicast):
 * <ol>
 * <li>a destination the relays may not use ({@link RelayableAddress#isRelayable6}: inside our prefix or on the
 *     link, where nobody lives, or another name of the host or of IPv4, ::1, ::ffff:0:0/96, ::/96): dropped
 *     (icmpBadDestination), as IPv4 drops pings into the network.</li>
 * <li>no host datagram sockets, or the host refuses a ping socket: dropped (icmpEchoNoSocket); EPERM/EACCES
 *     also set {@link #pingUnavailable}.</li>
 * <li>otherwise sent; ENETUNREACH/EHOSTUNREACH from the send come back as destination unreachable (no route,
 *     address unreachable) from the router.</li>
 * </ol>
 */
public final class Icmpv6EchoRelay extends EchoRelay implements Icmpv6Handler {
    static final int MAX_MESSAGE = Ipv6Packet.MAX_PAYLOAD_LENGTH;

    private final Ipv6Config config;
    private final Ipv6Output output;

    public Icmpv6EchoRelay(Ipv6Config config, Clock clock, Counters counters, ByteBufAllocator alloc,
                           Ipv6Output output, RelayOptions options) {
        super(clock, counters, alloc, output, options, Ipv6Output.L4_OFFSET, MAX_MESSAGE);
        this.config = config;
        this.output = output;
    }

    @Override
    public void receive(Ipv6Packet ip, Icmpv6Packet echo, long sourceMac) {
        long dHi = ip.destinationHi();
        long dLo = ip.destinationLo();
        if (!RelayableAddress.isRelayable6(config, dHi, dLo)) {
            counters.icmpBadDestination++;
            return;
        }
        if (echo.code() != 0) {
            counters.icmpUnhandled++;
            return;
        }
        relay(sourceMac, ip.sourceHi(), ip.sourceLo(), echo.identifier(), echo.sequence(), dHi, dLo, ip.buffer(),
                echo.offset(), echo.length());
    }

    @Override
    int openSocket() {
        return datagrams.openPing6(this);
    }

    @Override
    boolean replyToGuest(PingFlow f, ByteBuf b, int n) {
        int at = Ipv6Output.L4_OFFSET;
        if (n < Icmpv6Packet.HEADER_LENGTH || b.getUnsignedByte(at) != Icmpv6Packet.TYPE_ECHO_REPLY) {
            return false;
        }
        // The guest's identifier back; the checksum anew, since the pseudo-header's addresses are the
        // guest's now, not the host's.
        b.setShort(at + 4, f.guestId);
        output.writeHeaders(b, 0, f.guestMac, f.remoteHi, f.remoteLo, f.guestHi, f.guestLo,
                Ipv6Packet.NEXT_ICMPV6, n, false);
        Icmpv6Packet.writeChecksum(b, at, n,
                Ipv6Packet.pseudoHeaderSum(f.remoteHi, f.remoteLo, f.guestHi, f.guestLo, Ipv6Packet.NEXT_ICMPV6, n));
        return true;
    }

    @Override
    void errorToGuest(PingFlow f) {
        if (!info.icmpv6 || !IcmpErrors.passedOn6(info.icmpType, info.icmpCode)) {
            counters.icmpErrorsDropped++;
            return;
        }
        // From the reporting router when the guest may see it, else from the pinged address.
        // (An unknown offender is unspecified, which the rule refuses.)
        boolean fromOffender = RelayableAddress.isRelayable6(config, info.offenderHi, info.offenderLo);
        int word = info.icmpType == Icmpv6Packet.TYPE_PACKET_TOO_BIG
                ? Math.max(Ipv6Packet.MIN_MTU, info.icmpInfo) : 0;
        sendError(f, info.icmpType, info.icmpCode, word, fromOffender ? info.offenderHi : f.remoteHi,
                fromOffender ? info.offenderLo : f.remoteLo);
    }

    @Override
    void unreachableToGuest(PingFlow f, boolean noRoute) {
        long routerHi = Ipv6Packet.isLinkLocal(f.guestHi) ? Ipv6Config.LINK_LOCAL_HI : config.routerHi();
        sendError(f, Icmpv6Packet.TYPE_DEST_UNREACHABLE,
                noRoute ? Icmpv6Packet.CODE_NO_ROUTE : Icmpv6Packet.CODE_ADDRESS_UNREACHABLE, 0, routerHi,
                Ipv6Config.ROUTER_LO);
    }

    /** An error about the flow's last echo request, quoting its header (type 128, identifier, sequence). */
    private void sendError(PingFlow f, int type, int code, int word, long fromHi, long fromLo) {
        counters.icmpErrorsToGuest++;
        IcmpErrors.sendV6(output, f.guestMac, fromHi, fromLo, f.guestHi, f.guestLo, type, code, word,
                Ipv6Packet.NEXT_ICMPV6, f.lastLength, f.remoteHi, f.remoteLo,
                quotedEcho(f, Icmpv6Packet.TYPE_ECHO_REQUEST));
    }
}
