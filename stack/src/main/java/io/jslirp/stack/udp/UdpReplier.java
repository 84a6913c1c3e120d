package io.jslirp.stack.udp;

import io.netty.buffer.ByteBuf;

/** How a {@link UdpService} answers: the stack builds the Ethernet, IPv4 and UDP headers. */
@FunctionalInterface
public interface UdpReplier {
    /**
     * Sends {@code length} bytes of {@code payload} from {@code index} (copied, not taken) as a UDP datagram
     * from {@code srcAddr:srcPort} to {@code dstAddr:dstPort}, in an Ethernet frame addressed to
     * {@code dstMac}: a DHCP client that has no address yet cannot answer ARP, so the caller names the MAC
     * (the client's, or broadcast ff:ff:ff:ff:ff:ff).
     */
    void send(int srcAddr, int srcPort, int dstAddr, int dstPort, long dstMac, ByteBuf payload, int index, int length);
}
