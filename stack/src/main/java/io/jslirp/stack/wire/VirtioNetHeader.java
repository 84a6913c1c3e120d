package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The virtio-net header a TAP device opened with {@code IFF_VNET_HDR} puts before every frame, in both
 * directions ({@code struct virtio_net_hdr}, include/uapi/linux/virtio_net.h; little-endian on x86, where
 * the TAP's byte order is the host's unless TUNSETVNETLE/BE says otherwise).
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * |     flags     |   gso_type    |      hdr_len (LE u16)         |
 * +---------------+---------------+-------------------------------+
 * |      gso_size (LE u16)        |      csum_start (LE u16)      |
 * +-------------------------------+-------------------------------+
 * |      csum_offset (LE u16)     |
 * +-------------------------------+
 *   flags: 1 NEEDS_CSUM (checksum from csum_start, stored at csum_start + csum_offset, still to be
 *          completed: the field holds only the pseudo-header sum), 2 DATA_VALID (checksum already checked).
 *   gso_type: 0 NONE, 1 TCPV4, 3 UDP, 4 TCPV6, 0x80 ECN bit. gso_size: payload bytes per segment.
 * </pre>
 *
 * <p>From the guest, a TCP frame with NEEDS_CSUM comes straight from its kernel's memory: the checksum was
 * never computed, there is nothing to verify. With gso_type TCPV4 it is a TSO "super-segment" of up to
 * 64 KiB whose IPv4 total length is its real length. Toward the guest we send TCP the same way: NEEDS_CSUM
 * (a partial checksum is accepted as valid by a receiving Linux stack, and completed correctly should the
 * guest forward the frame) and, when the payload exceeds one MSS, gso_type TCPV4 with gso_size = MSS.
 */
public final class VirtioNetHeader {
    public static final int LENGTH = 10;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_ECN = 0x80;

    /** Offset of the checksum field inside a TCP header. */
    public static final int TCP_CSUM_OFFSET = 16;

    private int flags;
    private int gsoType;
    private int hdrLen;
    private int gsoSize;
    private int csumStart;
    private int csumOffset;

    /** Parses the header at {@code offset}; false when fewer than {@link #LENGTH} bytes are there. */
    public boolean wrap(ByteBuf buf, int offset, int length) {
        if (offset < 0 || length < LENGTH || buf.capacity() - offset < LENGTH) {
            return false;
        }
        flags = buf.getUnsignedByte(offset);
        gsoType = buf.getUnsignedByte(offset + 1);
        hdrLen = buf.getUnsignedShortLE(offset + 2);
        gsoSize = buf.getUnsignedShortLE(offset + 4);
        csumStart = buf.getUnsignedShortLE(offset + 6);
        csumOffset = buf.getUnsignedShortLE(offset + 8);
        return true;
    }

    public int flags() {
        return flags;
    }

    public int gsoType() {
        return gsoType;
    }

    public int hdrLen() {
        return hdrLen;
    }

    public int gsoSize() {
        return gsoSize;
    }

    public int csumStart() {
        return csumStart;
    }

    public int csumOffset() {
        return csumOffset;
    }

    /** The frame's L4 checksum need not (NEEDS_CSUM: cannot) be verified. */
    public boolean checksumTrusted() {
        return (flags & (F_NEEDS_CSUM | F_DATA_VALID)) != 0;
    }

    public static void write(ByteBuf buf, int index, int flags, int gsoType, int hdrLen, int gsoSize,
                             int csumStart, int csumOffset) {
        buf.setByte(index, flags);
        buf.setByte(index + 1, gsoType);
        buf.setShortLE(index + 2, hdrLen);
        buf.setShortLE(index + 4, gsoSize);
        buf.setShortLE(index + 6, csumStart);
        buf.setShortLE(index + 8, csumOffset);
    }

    /** The all-zero header: a complete frame, no offload (ARP, ICMP, fully checksummed TCP). */
    public static void writeNone(ByteBuf buf, int index) {
        buf.setLong(index, 0L);
        buf.setShort(index + 8, 0);
    }

    /**
     * The header for an Ethernet + IPv4 (or IPv6) + TCP frame whose TCP checksum field holds the pseudo-header sum
     * ({@link TcpSegment#writePartialChecksum}): NEEDS_CSUM from the TCP header, and TSO with
     * {@code gsoSize}-byte segments when the payload is longer than that.
     */
    public static void writeForTcp(ByteBuf buf, int index, ByteBuf frame, int gsoSize) {
        int ipAt = frame.readerIndex() + EthernetFrame.HEADER_LENGTH;
        // IPv6 frames we build carry no extension headers: TCP follows the 40-octet header (TSO6).
        boolean v6 = frame.getUnsignedShort(frame.readerIndex() + 12) == EthernetFrame.TYPE_IPV6;
        int ipHeaderLength = v6 ? Ipv6Packet.HEADER_LENGTH : (frame.getUnsignedByte(ipAt) & 0x0f) * 4;
        int tcpAt = ipAt + ipHeaderLength;
        int tcpHeaderLength = (frame.getUnsignedByte(tcpAt + 12) >>> 4) * 4;
        int csumStart = EthernetFrame.HEADER_LENGTH + ipHeaderLength;
        int hdrLen = csumStart + tcpHeaderLength;
        int payload = frame.readableBytes() - hdrLen;
        boolean gso = gsoSize > 0 && payload > gsoSize;
        write(buf, index, F_NEEDS_CSUM, gso ? (v6 ? GSO_TCPV6 : GSO_TCPV4) : GSO_NONE, hdrLen, gso ? gsoSize : 0, csumStart,
                TCP_CSUM_OFFSET);
    }
}
