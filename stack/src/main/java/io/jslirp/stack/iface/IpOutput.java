package io.jslirp.stack.iface;

import io.netty.buffer.ByteBuf;

/**
 * One IP version's way toward the guest: the send half of the seam between the transports and IP, which each
 * version implements once ({@link Ipv4Output} for IPv4).
 *
 * <h2>Theory of operation</h2>
 * A transport builds a frame around its payload: it asks the route for {@link #l4Offset()} (Ethernet plus the
 * IP header this version writes, 34 bytes for IPv4), sizes and fills the transport part at that offset, then
 * calls {@link #writeHeaders} to write the Ethernet header (to the guest's MAC, from our MAC for the source
 * address) and the IP header (addresses, protocol, length, this version's identification, TTL and fragment
 * flags), and hands the frame to {@link #send} or, for an offloading device, {@link #sendOffload}. The
 * checksum of the transport is written by the transport from {@code Checksum.addressSum} of the same two
 * family-neutral addresses. Nothing is allocated: the headers go into the caller's buffer, whose size the
 * caller chose from {@link #l4Offset()}.
 */
public interface IpOutput {
    /** Where the transport header starts, counted from the frame's start: Ethernet plus IP header. */
    int l4Offset();

    /** The largest transport length (header and data) one datagram of this version carries. */
    int maxL4Length();

    /**
     * Writes the Ethernet and IP headers of a frame starting at {@code at} in {@code f}, from {@code src} to
     * {@code dst} (family-neutral addresses of this version), carrying {@code l4Length} bytes of
     * {@code protocol}; {@code dontFragment} asks that no router fragment it (IPv4's DF: TCP sets it, UDP does
     * not). Indices are not moved. Returns where the transport header goes: {@code at + l4Offset()}.
     */
    int writeHeaders(ByteBuf f, int at, long dstMac, long srcHi, long srcLo, long dstHi, long dstLo, int protocol,
                     int l4Length, boolean dontFragment);

    /** Sends a complete frame (taking ownership), fragmenting it when this version fragments at the source. */
    void send(ByteBuf frame);

    /** Sends a TCP frame built for the offloading device, cut by it into {@code gsoSize}-byte segments. */
    void sendOffload(ByteBuf frame, int gsoSize);
}
