package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * IPv4 header (RFC 791 section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Flags: bit 0 reserved (must be 0), bit 1 DF, bit 2 MF.
 *   Fragment Offset counts 8-octet units.
 * </pre>
 *
 * <p>{@link #wrap} accepts a buffer range longer than Total Length (Ethernet pads short frames to 60
 * bytes) and the view then covers Total Length only; a range shorter than Total Length is truncated and
 * rejected. Options are validated only for length (IHL), never interpreted.
 */
public final class Ipv4Packet {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_LENGTH = 65535;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    /** Why the last {@link #wrap} failed, for the caller's drop counters. */
    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_VERSION = 2;
    public static final int ERR_HEADER_LENGTH = 3;
    public static final int ERR_TOTAL_LENGTH = 4;
    public static final int ERR_CHECKSUM = 5;

    private ByteBuf buf;
    private int offset;
    private int headerLength;
    private int totalLength;
    private int error;

    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < MIN_HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        int versionIhl = buf.getUnsignedByte(offset);
        if ((versionIhl >>> 4) != 4) {
            error = ERR_VERSION;
            return false;
        }
        int ihl = (versionIhl & 0x0f) * 4;
        if (ihl < MIN_HEADER_LENGTH) {
            error = ERR_HEADER_LENGTH;
            return false;
        }
        if (ihl > length) {
            error = ERR_TRUNCATED;
            return false;
        }
        int total = buf.getUnsignedShort(offset + 2);
        if (total < ihl) {
            error = ERR_TOTAL_LENGTH;
            return false;
        }
        if (total > length) {
            // The header claims more than arrived: a truncated (or lying) datagram, RFC 1122 3.2.1.2 says
            // discard; the checksum is not consulted because the header itself may be fine.
            error = ERR_TRUNCATED;
            return false;
        }
        if (!Checksum.verify(buf, offset, ihl)) {
            error = ERR_CHECKSUM;
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        this.headerLength = ihl;
        this.totalLength = total;
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

    public int headerLength() {
        return headerLength;
    }

    public int totalLength() {
        return totalLength;
    }

    public int tos() {
        return buf.getUnsignedByte(offset + 1);
    }

    public int identification() {
        return buf.getUnsignedShort(offset + 4);
    }

    /** The three flag bits in place (0x4000 DF, 0x2000 MF), to test against {@link #FLAG_DF}/{@link #FLAG_MF}. */
    public int flags() {
        return buf.getUnsignedShort(offset + 6) & 0xe000;
    }

    public boolean dontFragment() {
        return (flags() & FLAG_DF) != 0;
    }

    public boolean moreFragments() {
        return (flags() & FLAG_MF) != 0;
    }

    /** Fragment offset in 8-octet units, as on the wire. */
    public int fragmentOffset() {
        return buf.getUnsignedShort(offset + 6) & FRAGMENT_OFFSET_MASK;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffsetBytes() {
        return fragmentOffset() * 8;
    }

    /** A datagram is a fragment when it has MF set or a non-zero offset (RFC 791 section 3.2). */
    public boolean isFragment() {
        return (buf.getUnsignedShort(offset + 6) & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return buf.getUnsignedByte(offset + 8);
    }

    public int protocol() {
        return buf.getUnsignedByte(offset + 9);
    }

    public int headerChecksum() {
        return buf.getUnsignedShort(offset + 10);
    }

    public int source() {
        return buf.getInt(offset + 12);
    }

    public int destination() {
        return buf.getInt(offset + 16);
    }

    public int payloadOffset() {
        return offset + headerLength;
    }

    public int payloadLength() {
        return totalLength - headerLength;
    }

    /**
     * Writes a 20-byte header (no options) with its checksum at an absolute index.
     *
     * @param flagsAndOffset the 16-bit flags/fragment-offset word as on the wire
     */
    public static void writeHeader(ByteBuf buf, int index, int tos, int totalLength, int identification,
                                   int flagsAndOffset, int ttl, int protocol, int source, int destination) {
        buf.setByte(index, 0x45);
        buf.setByte(index + 1, tos);
        buf.setShort(index + 2, totalLength);
        buf.setShort(index + 4, identification);
        buf.setShort(index + 6, flagsAndOffset);
        buf.setByte(index + 8, ttl);
        buf.setByte(index + 9, protocol);
        buf.setShort(index + 10, 0);
        buf.setInt(index + 12, source);
        buf.setInt(index + 16, destination);
        buf.setShort(index + 10, Checksum.compute(buf, index, MIN_HEADER_LENGTH));
    }

    /** Recomputes the header checksum in place after fields of a header of {@code headerLength} changed. */
    public static void updateChecksum(ByteBuf buf, int index, int headerLength) {
        buf.setShort(index + 10, 0);
        buf.setShort(index + 10, Checksum.compute(buf, index, headerLength));
    }

    /** 127/8, a host's own loopback network, which never appears on a network (RFC 1122 3.2.1.3 (g)). */
    public static boolean isLoopback(int address) {
        return (address >>> 24) == 127;
    }

    /**
     * An ordinary unicast address, one that may appear on a network as a host's: not 0.0.0.0, not loopback
     * (127/8), not multicast (224/4), not the reserved 240/4 nor the limited broadcast (RFC 1122 3.2.1.3,
     * RFC 1112 4). A directed broadcast cannot be told without the network's mask:
     * {@link io.jslirp.stack.NetConfig#isUnicastDestination} adds that for the virtual network.
     */
    public static boolean isUnicast(int address) {
        int top = address >>> 24;
        return address != 0 && top != 127 && top < 224;
    }
}
