package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * Ethernet II frame header (IEEE 802.3 with an EtherType, RFC 894), as it arrives from a TAP device:
 * no preamble and no FCS.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Destination MAC (6 octets)                   |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                    Source MAC (6 octets)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          EtherType            |   Payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class EthernetFrame {
    public static final int HEADER_LENGTH = 14;
    /** Minimum frame without FCS; shorter frames are padded by senders (IEEE 802.3 clause 4.2.3.3). */
    public static final int MIN_FRAME_LENGTH = 60;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_IPV6 = 0x86dd;
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    /** The I/G bit: the least significant bit of the first octet marks group (multicast/broadcast). */
    private static final long GROUP_BIT = 0x0100_0000_0000L;

    private ByteBuf buf;
    private int offset;
    private int length;

    /** Frames shorter than a header are the only malformed Ethernet: every EtherType is syntactically fine. */
    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < HEADER_LENGTH || buf.capacity() - offset < length) {
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        return true;
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    public long destination() {
        return readMac(buf, offset);
    }

    public long source() {
        return readMac(buf, offset + 6);
    }

    public int etherType() {
        return buf.getUnsignedShort(offset + 12);
    }

    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    public static boolean isGroup(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /** 48-bit MAC at an absolute index: a 16-bit and a 32-bit read, no loop, no allocation. */
    public static long readMac(ByteBuf buf, int index) {
        return ((long) buf.getUnsignedShort(index) << 32) | buf.getUnsignedInt(index + 2);
    }

    public static void writeMac(ByteBuf buf, int index, long mac) {
        buf.setShort(index, (int) (mac >>> 32));
        buf.setInt(index + 2, (int) mac);
    }

    /** Writes the 14-byte header at an absolute index; indices are not moved. */
    public static void writeHeader(ByteBuf buf, int index, long destination, long source, int etherType) {
        writeMac(buf, index, destination);
        writeMac(buf, index + 6, source);
        buf.setShort(index + 12, etherType);
    }
}
