package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * ICMPv4 message (RFC 792). The checksum covers the whole message, header and data.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Identifier (echo)           |   Sequence Number (echo)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Data ...
 * +-+-+-+-+-
 * </pre>
 * The second word is type-specific ("rest of header"); identifier and sequence are its meaning for echo
 * (type 8) and echo reply (type 0).
 */
public final class Icmpv4Packet {
    public static final int HEADER_LENGTH = 8;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    /** Destination unreachable codes (RFC 792): the guest's kernel turns them into ENETUNREACH/EHOSTUNREACH. */
    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PORT_UNREACHABLE = 3;
    /** Fragmentation needed and DF set (RFC 1191: the second word's low half is the next-hop MTU). */
    public static final int CODE_FRAG_NEEDED = 4;
    /** RFC 1812 "communication administratively prohibited": a hard error Linux reports to UDP sockets. */
    public static final int CODE_ADMIN_PROHIBITED = 13;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;

    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_CHECKSUM = 2;

    private ByteBuf buf;
    private int offset;
    private int length;
    private int error;

    /** {@code length} is the whole ICMP message (the IPv4 payload length, padding already trimmed). */
    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        if (!Checksum.verify(buf, offset, length)) {
            error = ERR_CHECKSUM;
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        this.error = OK;
        return true;
    }

    public int error() {
        return error;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    public int type() {
        return buf.getUnsignedByte(offset);
    }

    public int code() {
        return buf.getUnsignedByte(offset + 1);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 2);
    }

    public int identifier() {
        return buf.getUnsignedShort(offset + 4);
    }

    public int sequence() {
        return buf.getUnsignedShort(offset + 6);
    }

    public int dataOffset() {
        return offset + HEADER_LENGTH;
    }

    public int dataLength() {
        return length - HEADER_LENGTH;
    }

    /**
     * Writes an 8-byte echo/echo-reply header with the given checksum value; use {@link #writeChecksum}
     * once the data is in place, or pass an incrementally adjusted value.
     */
    public static void writeEchoHeader(ByteBuf buf, int index, int type, int identifier, int sequence,
                                       int checksum) {
        buf.setByte(index, type);
        buf.setByte(index + 1, 0);
        buf.setShort(index + 2, checksum);
        buf.setShort(index + 4, identifier);
        buf.setShort(index + 6, sequence);
    }

    /** Computes and stores the checksum over the whole {@code length}-byte message at {@code index}. */
    public static void writeChecksum(ByteBuf buf, int index, int length) {
        buf.setShort(index + 2, 0);
        buf.setShort(index + 2, Checksum.compute(buf, index, length));
    }
}
