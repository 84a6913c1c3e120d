package io.jslirp.stack.iface;

import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;

/**
 * One IP packet as IP input hands it to a transport: what every transport needs, whichever IP version carried
 * it, so that TCP and UDP read no IP header themselves.
 *
 * <h2>Theory of operation</h2>
 * The interface fills one reused instance per packet it delivers (no allocation), after the IP header was
 * validated and, for fragments, the datagram reassembled: source and destination as family-neutral addresses
 * ({@link IpAddress}, IPv4 stored IPv4-mapped), the transport protocol, the bounds of the IP payload, the
 * pseudo-header's address sum (IPv4's two addresses, or IPv6's two; TCP and UDP add protocol and their
 * length, RFC 793 3.1, RFC 768, RFC 8200 8.1), whether the device vouched for the transport checksum (a TAP
 * with vnet_hdr says NEEDS_CSUM or DATA_VALID for the frame: the packet comes from the guest kernel's memory,
 * and a NEEDS_CSUM checksum field holds only the pseudo-header sum), and the Ethernet source a reply goes to.
 * The metadata travels with the packet, so no layer keeps per-frame state of its own. A transport that speaks
 * one family only (ICMP, DHCP) takes the version's own view through {@link #ipv4()}.
 */
public final class IpPacket {
    private ByteBuf buffer;
    private int payloadOffset;
    private int payloadLength;
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int protocol;
    private long addressSum;
    private boolean checksumTrusted;
    private long sourceMac;
    private Ipv4Packet ipv4;

    /** Describes the validated, whole IPv4 datagram {@code ip}, which arrived from {@code sourceMac}. */
    void setIpv4(Ipv4Packet ip, long sourceMac, boolean checksumTrusted) {
        int src = ip.source();
        int dst = ip.destination();
        this.buffer = ip.buffer();
        this.payloadOffset = ip.payloadOffset();
        this.payloadLength = ip.payloadLength();
        this.srcHi = IpAddress.V4_HI;
        this.srcLo = IpAddress.v4Lo(src);
        this.dstHi = IpAddress.V4_HI;
        this.dstLo = IpAddress.v4Lo(dst);
        this.protocol = ip.protocol();
        this.addressSum = Checksum.addressSum(src, dst);
        this.checksumTrusted = checksumTrusted;
        this.sourceMac = sourceMac;
        this.ipv4 = ip;
    }

    /**
     * Describes the validated, whole IPv6 packet {@code ip} whose extension headers end at {@code upperOffset}
     * with {@code upperLength} octets of {@code protocol}, which arrived from {@code sourceMac}.
     */
    void setIpv6(Ipv6Packet ip, int upperOffset, int upperLength, int protocol, long sourceMac,
                 boolean checksumTrusted) {
        this.buffer = ip.buffer();
        this.payloadOffset = upperOffset;
        this.payloadLength = upperLength;
        this.srcHi = ip.sourceHi();
        this.srcLo = ip.sourceLo();
        this.dstHi = ip.destinationHi();
        this.dstLo = ip.destinationLo();
        this.protocol = protocol;
        this.addressSum = Checksum.addressSum(srcHi, srcLo, dstHi, dstLo);
        this.checksumTrusted = checksumTrusted;
        this.sourceMac = sourceMac;
        this.ipv4 = null;
    }

    public ByteBuf buffer() {
        return buffer;
    }

    /** Where the transport's header starts. */
    public int payloadOffset() {
        return payloadOffset;
    }

    /** The IP payload's length (for IPv4, total length minus header). */
    public int payloadLength() {
        return payloadLength;
    }

    public long sourceHi() {
        return srcHi;
    }

    public long sourceLo() {
        return srcLo;
    }

    public long destinationHi() {
        return dstHi;
    }

    public long destinationLo() {
        return dstLo;
    }

    /** Whether source and destination are IPv4 (the packet came in an IPv4 datagram). */
    public boolean isIpv4() {
        return ipv4 != null;
    }

    /** The IPv4 source, host order; meaningful when {@link #isIpv4()}. */
    public int sourceV4() {
        return IpAddress.v4(srcLo);
    }

    /** The IPv4 destination, host order; meaningful when {@link #isIpv4()}. */
    public int destinationV4() {
        return IpAddress.v4(dstLo);
    }

    /** The transport protocol (IPv4 protocol, IPv6 next header after extension headers). */
    public int protocol() {
        return protocol;
    }

    /** The pseudo-header's address part, for {@code TcpSegment.wrap}/{@code UdpDatagram.wrap}. */
    public long addressSum() {
        return addressSum;
    }

    /** The device vouched for the transport checksum: do not verify it. */
    public boolean checksumTrusted() {
        return checksumTrusted;
    }

    /** The Ethernet source of the (last) frame that carried the packet: where a reply goes. */
    public long sourceMac() {
        return sourceMac;
    }

    /** The IPv4 view of the datagram, or null for another family. */
    public Ipv4Packet ipv4() {
        return ipv4;
    }
}
