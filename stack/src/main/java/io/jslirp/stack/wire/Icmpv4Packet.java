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
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    /**
     * The most of the invoking datagram an error we originate quotes: as much as keeps the error's IPv4 datagram
     * within 576 octets (RFC 1812 4.3.2.3), at least its header and first 8 data octets (RFC 792).
     */
    public static final int MAX_ERROR_QUOTE = 576 - Ipv4Packet.MIN_HEADER_LENGTH - HEADER_LENGTH;

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

    /**
     * The error message types (RFC 792, RFC 1122 3.2.2): destination unreachable, source quench, redirect,
     * time exceeded, parameter problem. Never answered with an error (RFC 1122 3.2.2, RFC 1812 4.3.2.7).
     */
    public static boolean isError(int type) {
        return type == TYPE_DEST_UNREACHABLE || type == TYPE_SOURCE_QUENCH || type == TYPE_REDIRECT
                || type == TYPE_TIME_EXCEEDED || type == TYPE_PARAMETER_PROBLEM;
    }

    /**
     * Writes an error message at {@code index}: type, code, the second word ({@code word}: the next-hop MTU
     * in its low half for fragmentation needed, RFC 1191 4), then the first {@code quoteLength} octets of the
     * invoking datagram from its IPv4 header, and the checksum.
     *
     * @return the message length
     */
    public static int writeError(ByteBuf buf, int index, int type, int code, int word, ByteBuf invoking,
                                 int invokingOffset, int quoteLength) {
        buf.setByte(index, type);
        buf.setByte(index + 1, code);
        buf.setShort(index + 2, 0);
        buf.setInt(index + 4, word);
        buf.setBytes(index + HEADER_LENGTH, invoking, invokingOffset, quoteLength);
        int length = HEADER_LENGTH + quoteLength;
        buf.setShort(index + 2, Checksum.compute(buf, index, length));
        return length;
    }

    /** Computes and stores the checksum over the whole {@code length}-byte message at {@code index}. */
    public static void writeChecksum(ByteBuf buf, int index, int length) {
        buf.setShort(index + 2, 0);
        buf.setShort(index + 2, Checksum.compute(buf, index, length));
    }
}
