package io.jslirp.stack.iface;

/** A transport protocol handler fed by IP input with whole (reassembled if need be) packets of either family. */
@FunctionalInterface
public interface IpProtocol {
    /**
     * @param packet a validated view with its metadata; valid only during the call, and the handler does not
     *               own its buffer (retain or copy what must outlive the call)
     */
    void receive(IpPacket packet);
}
