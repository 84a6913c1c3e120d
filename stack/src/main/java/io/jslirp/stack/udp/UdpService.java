package io.jslirp.stack.udp;

import io.netty.buffer.ByteBuf;

/**
 * A service the stack itself answers on a UDP port (the DHCP server on 67), instead of relaying.
 */
@FunctionalInterface
public interface UdpService {
    /**
     * A datagram the guest sent to this service. {@code payload} spans readerIndex..writerIndex and is not
     * owned: do not release it, copy what must outlive the call. {@code srcMac} is the guest's Ethernet
     * source, which is how a client without an address is answered.
     */
    void onDatagram(long srcMac, int srcAddr, int srcPort, int dstAddr, int dstPort, ByteBuf payload, UdpReplier reply);
}
