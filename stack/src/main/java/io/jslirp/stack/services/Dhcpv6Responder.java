package io.jslirp.stack.services;

import io.netty.buffer.ByteBuf;

/**
 * How the UDP layer asks a DHCPv6 server for the answer to one client message: pure logic, no I/O. The
 * caller owns both buffers, sends the reply (if any) from the server's link-local address port 547 to the
 * client's source address and port, and addresses the frame to {@code clientMac}.
 */
public interface Dhcpv6Responder {
    /** Returned when the message gets no answer (malformed, not for us, or nothing to say). */
    int NO_REPLY = -1;

    /**
     * Reads the DHCPv6 message of {@code length} octets at {@code offset} in {@code request} (the UDP
     * payload) and writes the reply payload at {@code index} in {@code reply}, which must have room for
     * {@link #maxReplyLength()} octets from there.
     *
     * @param clientMac the Ethernet source of the client's frame
     * @return the reply's length, or {@link #NO_REPLY}
     */
    int respond(ByteBuf request, int offset, int length, long clientMac, ByteBuf reply, int index);

    /** The most octets {@link #respond} ever writes. */
    int maxReplyLength();
}
