package io.jslirp.stack.icmp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.iface.Icmpv6Handler;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;

/**
 * Answers ICMPv6 echo requests to our own addresses (prefix::2, prefix::3, fe80::2, fe80::3; IPv6 input
 * hands over only those), as libslirp does: an echo reply from the address pinged to the guest's source,
 * with the request's identifier, sequence and data (RFC 4443 4.2), hop limit 255, to the frame's source MAC.
 * A reply above the MTU (a big ping the guest sent in fragments) is fragmented by {@link Ipv6Output}.
 */
public final class Icmpv6Responder implements Icmpv6Handler {
    private final Counters counters;
    private final Ipv6Output output;

    public Icmpv6Responder(Counters counters, Ipv6Output output) {
        this.counters = counters;
        this.output = output;
    }

    @Override
    public void receive(Ipv6Packet ip, Icmpv6Packet echo, long sourceMac) {
        counters.icmpv6EchoRequestsIn++;
        int length = echo.length();
        ByteBuf f = output.icmpv6Buffer(length);
        Icmpv6Packet.writeEcho(f, Ipv6Output.L4_OFFSET, Icmpv6Packet.TYPE_ECHO_REPLY, echo.identifier(),
                echo.sequence());
        f.setBytes(Ipv6Output.L4_OFFSET + Icmpv6Packet.HEADER_LENGTH, ip.buffer(), echo.dataOffset(),
                echo.dataLength());
        counters.icmpv6EchoRepliesOut++;
        output.sendIcmpv6(f, sourceMac, ip.destinationHi(), ip.destinationLo(), ip.sourceHi(), ip.sourceLo(),
                length);
    }
}
