package io.jslirp.stack.iface;

import io.jslirp.stack.wire.Ipv4Packet;

/** A transport protocol handler fed by IPv4 input with whole (reassembled if need be) datagrams. */
@FunctionalInterface
public interface Ipv4Protocol {
    /**
     * @param ip a validated view; valid only during the call, and the handler does not own its buffer
     *           (retain or copy what must outlive the call)
     * @param sourceMac the Ethernet source of the (last) frame that carried it: where a reply goes
     */
    void receive(Ipv4Packet ip, long sourceMac);
}
