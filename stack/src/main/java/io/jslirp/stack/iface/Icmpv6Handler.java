package io.jslirp.stack.iface;

import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.Ipv6Packet;

/** Takes one type of ICMPv6 message that IPv6 input validated (header chain, checksum, NDP rules). */
@FunctionalInterface
public interface Icmpv6Handler {
    /**
     * @param ip         the whole (reassembled if need be) packet; valid only during the call
     * @param icmp       the message, checked by {@link Icmpv6Packet#wrap}; valid only during the call
     * @param sourceMac  the Ethernet source of the (last) frame that carried it: where a reply goes
     */
    void receive(Ipv6Packet ip, Icmpv6Packet icmp, long sourceMac);
}
