package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * UDP header (RFC 768).
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |                 |                 |
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * |
 * |          data octets ...
 * +---------------- ...
 *   Length counts header and data (8 at least). Checksum covers the IPv4 pseudo-header (source,
 *   destination, zero, protocol 17, UDP length), header and data; 0 means "not computed", so a computed
 *   0 is sent as 0xffff.
 * </pre>
 *
 * <p>{@link #wrap} takes the IPv4 payload. A Length below 8 or beyond the IPv4 payload is malformed
 * (RFC 1122 4.1.3.4 lets nothing be inferred from such a datagram; Linux drops it too); a Length shorter
 * than the payload is legal and the view covers Length only (the rest is padding). The checksum is verified
 * unless it is 0 or the caller says the device vouches for it: with a TAP's checksum offload the guest's
 * kernel leaves NEEDS_CSUM datagrams with only the pseudo-header sum in the field.
 */
public final class UdpDatagram {
    public static final int HEADER_LENGTH = 8;
    /** The largest UDP payload an IPv4 datagram can carry: 65535 - 20 - 8. */
    public static final int MAX_PAYLOAD = Ipv4Packet.MAX_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH - HEADER_LENGTH;

    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_LENGTH = 2;
    public static final int ERR_CHECKSUM = 3;

    private ByteBuf buf;
    private int offset;
    private int length;
    private int error;

    /**
     * @param ipPayloadLength the IP payload length (total length minus header)
     * @param addressSum      the pseudo-header's address part ({@link Checksum#addressSum}); this adds
     *                        protocol and the Length field
     * @param verifyChecksum  false when the device says the checksum needs no check (virtio NEEDS_CSUM or
     *                        DATA_VALID)
     */
    public boolean wrap(ByteBuf buf, int offset, int ipPayloadLength, long addressSum, boolean verifyChecksum) {
        this.buf = null;
        if (offset < 0 || ipPayloadLength < HEADER_LENGTH || buf.capacity() - offset < ipPayloadLength) {
            error = ERR_TRUNCATED;
            return false;
        }
        int len = buf.getUnsignedShort(offset + 4);
        if (len < HEADER_LENGTH || len > ipPayloadLength) {
            error = ERR_LENGTH;
            return false;
        }
        if (verifyChecksum && buf.getUnsignedShort(offset + 6) != 0
                && !Checksum.verify(Checksum.pseudoHeaderSum(addressSum, Ipv4Packet.PROTO_UDP, len), buf, offset,
                len)) {
            error = ERR_CHECKSUM;
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = len;
        this.error = OK;
        return true;
    }

    public int error() {
        return error;
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int offset() {
        return offset;
    }

    /** The Length field: header plus data. */
    public int length() {
        return length;
    }

    public int sourcePort() {
        return buf.getUnsignedShort(offset);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(offset + 2);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 6);
    }

    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    /** Writes the 8-byte header with checksum 0 ("none"); follow with {@link #writeChecksum} for a real one. */
    public static void writeHeader(ByteBuf buf, int index, int srcPort, int dstPort, int length) {
        buf.setShort(index, srcPort);
        buf.setShort(index + 2, dstPort);
        buf.setShort(index + 4, length);
        buf.setShort(index + 6, 0);
    }

    /**
     * Computes the checksum over the pseudo-header and the {@code length} bytes at {@code index} (header with
     * data in place) and stores it; a computed 0 goes out as 0xffff (RFC 768). The pseudo-header is given by its
     * address part ({@link Checksum#addressSum}).
     */
    public static void writeChecksum(ByteBuf buf, int index, int length, long addressSum) {
        buf.setShort(index + 6, 0);
        int c = Checksum.finish(Checksum.add(Checksum.pseudoHeaderSum(addressSum, Ipv4Packet.PROTO_UDP, length),
                buf, index, length));
        buf.setShort(index + 6, c == 0 ? 0xffff : c);
    }
}
