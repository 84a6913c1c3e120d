package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * BOOTP/DHCP message (RFC 2131 section 2, options RFC 2132), Ethernet clients only.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+---------------+---------------+
 * |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
 * +---------------+---------------+---------------+---------------+
 * |                            xid (4)                            |
 * +-------------------------------+-------------------------------+
 * |           secs (2)            |           flags (2)           |
 * +-------------------------------+-------------------------------+
 * |                          ciaddr  (4)                          |
 * +---------------------------------------------------------------+
 * |                          yiaddr  (4)                          |
 * +---------------------------------------------------------------+
 * |                          siaddr  (4)                          |
 * +---------------------------------------------------------------+
 * |                          giaddr  (4)                          |
 * +---------------------------------------------------------------+
 * |                          chaddr  (16)                         |
 * +---------------------------------------------------------------+
 * |                          sname   (64)                         |
 * +---------------------------------------------------------------+
 * |                          file    (128)                        |
 * +---------------------------------------------------------------+
 * |               magic cookie 99.130.83.99 (4)                   |
 * +---------------------------------------------------------------+
 * |                          options (variable)                   |
 * +---------------------------------------------------------------+
 *   flags: bit 0 (0x8000) is BROADCAST, the rest must be zero.
 *   options: code (1) length (1) value (length), except Pad (0) and End (255), which are one octet.
 * </pre>
 *
 * <p>{@link #wrap} walks the options once and remembers where the few options the server reads are, so
 * the accessors are primitive reads at known offsets. It is strict where leniency would hide truncation:
 * the options must end with End (255) inside the range (RFC 2132 section 3.2; every real client sends it,
 * and it is what tells a message cut short at an option boundary from a whole one), every option must fit,
 * and the options the server reads must have their RFC 2132 lengths. Anything after End is padding and
 * ignored. Option Overload (52) is not honoured: options in {@code sname}/{@code file} are not read, which
 * only matters to clients that put the message type there, and no Ethernet client does. When an option
 * appears twice the first occurrence wins (RFC 3396 concatenation is for long options we never read).
 */
public final class DhcpMessage {
    /** Fixed part up to and including the magic cookie. */
    public static final int OPTIONS_OFFSET = 240;
    public static final int MIN_LENGTH = OPTIONS_OFFSET + 1;
    /** RFC 1542 section 2.1: a BOOTP message is at least 300 octets; some relays and clients insist. */
    public static final int MIN_BOOTP_LENGTH = 300;
    public static final int MAGIC_COOKIE = 0x63825363;
    public static final int OP_BOOTREQUEST = 1;
    public static final int OP_BOOTREPLY = 2;
    public static final int FLAG_BROADCAST = 0x8000;
    public static final int SERVER_PORT = 67;
    public static final int CLIENT_PORT = 68;
    private static final int HTYPE_ETHERNET = 1;

    // Message types, option 53 (RFC 2132 section 9.6).
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int DECLINE = 4;
    public static final int ACK = 5;
    public static final int NAK = 6;
    public static final int RELEASE = 7;
    public static final int INFORM = 8;

    // Option codes (RFC 2132).
    public static final int OPT_PAD = 0;
    public static final int OPT_SUBNET_MASK = 1;
    public static final int OPT_ROUTER = 3;
    public static final int OPT_DNS = 6;
    public static final int OPT_HOSTNAME = 12;
    public static final int OPT_MTU = 26;
    public static final int OPT_BROADCAST = 28;
    public static final int OPT_REQUESTED_IP = 50;
    public static final int OPT_LEASE_TIME = 51;
    public static final int OPT_MESSAGE_TYPE = 53;
    public static final int OPT_SERVER_ID = 54;
    public static final int OPT_PARAMETER_LIST = 55;
    public static final int OPT_MESSAGE = 56;
    public static final int OPT_MAX_MESSAGE_SIZE = 57;
    public static final int OPT_RENEWAL_TIME = 58;
    public static final int OPT_REBINDING_TIME = 59;
    public static final int OPT_CLIENT_ID = 61;
    public static final int OPT_END = 255;

    /** Why the last {@link #wrap} failed. */
    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_COOKIE = 2;
    public static final int ERR_HARDWARE = 3;
    /** An option runs past the range, End is missing, or a known option has the wrong length. */
    public static final int ERR_OPTIONS = 4;

    private ByteBuf buf;
    private int offset;
    private int length;
    private int error;
    // Value offsets (absolute) of the options we read; -1 when absent.
    private int messageTypeAt;
    private int requestedIpAt;
    private int serverIdAt;
    private int maxSizeAt;
    private int clientIdAt;
    private int clientIdLength;
    private int paramListAt;
    private int paramListLength;
    private int hostnameAt;
    private int hostnameLength;
    private int endAt;

    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < MIN_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        if (buf.getInt(offset + 236) != MAGIC_COOKIE) {
            error = ERR_COOKIE;
            return false;
        }
        if (buf.getUnsignedByte(offset + 1) != HTYPE_ETHERNET || buf.getUnsignedByte(offset + 2) != 6) {
            error = ERR_HARDWARE;
            return false;
        }
        messageTypeAt = requestedIpAt = serverIdAt = maxSizeAt = -1;
        clientIdAt = paramListAt = hostnameAt = -1;
        clientIdLength = paramListLength = hostnameLength = 0;
        int end = offset + length;
        int at = offset + OPTIONS_OFFSET;
        while (true) {
            if (at >= end) {
                error = ERR_OPTIONS; // no End: truncated at an option boundary
                return false;
            }
            int code = buf.getUnsignedByte(at);
            if (code == OPT_END) {
                endAt = at;
                break;
            }
            if (code == OPT_PAD) {
                at++;
                continue;
            }
            if (end - at < 2) {
                error = ERR_OPTIONS;
                return false;
            }
            int len = buf.getUnsignedByte(at + 1);
            int value = at + 2;
            if (end - value < len) {
                error = ERR_OPTIONS;
                return false;
            }
            if (!remember(code, value, len)) {
                error = ERR_OPTIONS;
                return false;
            }
            at = value + len;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        this.error = OK;
        return true;
    }

    /**
     * Records a first occurrence. A bad length (RFC 2132) in an option the exchange depends on (message type,
     * requested address, server identifier) makes the message malformed; in any other option it only makes
     * that option absent, so a client with, say, an empty hostname still gets its lease.
     */
    private boolean remember(int code, int value, int len) {
        switch (code) {
            case OPT_MESSAGE_TYPE:
                if (len != 1) {
                    return false;
                }
                if (messageTypeAt < 0) {
                    messageTypeAt = value;
                }
                return true;
            case OPT_REQUESTED_IP:
                if (len != 4) {
                    return false;
                }
                if (requestedIpAt < 0) {
                    requestedIpAt = value;
                }
                return true;
            case OPT_SERVER_ID:
                if (len != 4) {
                    return false;
                }
                if (serverIdAt < 0) {
                    serverIdAt = value;
                }
                return true;
            case OPT_MAX_MESSAGE_SIZE:
                if (len != 2) {
                    return true;
                }
                if (maxSizeAt < 0) {
                    maxSizeAt = value;
                }
                return true;
            case OPT_CLIENT_ID:
                if (len < 2) { // RFC 2132 9.14: type octet plus at least one octet of identifier
                    return true;
                }
                if (clientIdAt < 0) {
                    clientIdAt = value;
                    clientIdLength = len;
                }
                return true;
            case OPT_PARAMETER_LIST:
                if (len < 1) {
                    return true;
                }
                if (paramListAt < 0) {
                    paramListAt = value;
                    paramListLength = len;
                }
                return true;
            case OPT_HOSTNAME:
                if (len < 1) {
                    return true;
                }
                if (hostnameAt < 0) {
                    hostnameAt = value;
                    hostnameLength = len;
                }
                return true;
            default:
                return true;
        }
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

    public int length() {
        return length;
    }

    public int op() {
        return buf.getUnsignedByte(offset);
    }

    public int htype() {
        return buf.getUnsignedByte(offset + 1);
    }

    public int hlen() {
        return buf.getUnsignedByte(offset + 2);
    }

    public int hops() {
        return buf.getUnsignedByte(offset + 3);
    }

    public int xid() {
        return buf.getInt(offset + 4);
    }

    public int secs() {
        return buf.getUnsignedShort(offset + 8);
    }

    public int flags() {
        return buf.getUnsignedShort(offset + 10);
    }

    /** The client cannot receive unicast before it is configured (RFC 2131 4.1). */
    public boolean broadcastFlag() {
        return (flags() & FLAG_BROADCAST) != 0;
    }

    public int ciaddr() {
        return buf.getInt(offset + 12);
    }

    public int yiaddr() {
        return buf.getInt(offset + 16);
    }

    public int siaddr() {
        return buf.getInt(offset + 20);
    }

    public int giaddr() {
        return buf.getInt(offset + 24);
    }

    /** The client's MAC: the first six octets of chaddr (hlen is checked to be 6). */
    public long chaddr() {
        return EthernetFrame.readMac(buf, offset + 28);
    }

    /** Absolute index of the End option; what follows it is padding. */
    public int endIndex() {
        return endAt;
    }

    /** Option 53, or 0 for a plain BOOTP message. */
    public int messageType() {
        return messageTypeAt < 0 ? 0 : buf.getUnsignedByte(messageTypeAt);
    }

    public boolean hasRequestedIp() {
        return requestedIpAt >= 0;
    }

    /** Option 50, or 0 when absent. */
    public int requestedIp() {
        return requestedIpAt < 0 ? 0 : buf.getInt(requestedIpAt);
    }

    public boolean hasServerId() {
        return serverIdAt >= 0;
    }

    /** Option 54, or 0 when absent. */
    public int serverId() {
        return serverIdAt < 0 ? 0 : buf.getInt(serverIdAt);
    }

    /** Option 57, or 0 when absent. */
    public int maxMessageSize() {
        return maxSizeAt < 0 ? 0 : buf.getUnsignedShort(maxSizeAt);
    }

    /** Absolute index of option 61's value (type octet first), or -1. */
    public int clientIdIndex() {
        return clientIdAt;
    }

    public int clientIdLength() {
        return clientIdLength;
    }

    /** Absolute index of option 55's list of codes, or -1. */
    public int parameterListIndex() {
        return paramListAt;
    }

    public int parameterListLength() {
        return paramListLength;
    }

    /** True when option 55 asks for {@code code}. */
    public boolean requestsParameter(int code) {
        for (int i = 0; i < paramListLength; i++) {
            if (buf.getUnsignedByte(paramListAt + i) == code) {
                return true;
            }
        }
        return false;
    }

    /** Absolute index of option 12's text, or -1. */
    public int hostnameIndex() {
        return hostnameAt;
    }

    public int hostnameLength() {
        return hostnameLength;
    }

    // ---- Writers: absolute indices, each returns the index after what it wrote. ----

    /**
     * Writes the 240-octet fixed part with the magic cookie: hops, secs, the unused chaddr octets, sname and
     * file are zero.
     */
    public static int writeHeader(ByteBuf buf, int index, int op, int xid, int flags, int ciaddr, int yiaddr,
                                  int siaddr, int giaddr, long chaddr) {
        buf.setByte(index, op);
        buf.setByte(index + 1, HTYPE_ETHERNET);
        buf.setByte(index + 2, 6);
        buf.setByte(index + 3, 0);
        buf.setInt(index + 4, xid);
        buf.setShort(index + 8, 0);
        buf.setShort(index + 10, flags);
        buf.setInt(index + 12, ciaddr);
        buf.setInt(index + 16, yiaddr);
        buf.setInt(index + 20, siaddr);
        buf.setInt(index + 24, giaddr);
        EthernetFrame.writeMac(buf, index + 28, chaddr);
        buf.setZero(index + 34, 236 - 34);
        buf.setInt(index + 236, MAGIC_COOKIE);
        return index + OPTIONS_OFFSET;
    }

    public static int writeByteOption(ByteBuf buf, int index, int code, int value) {
        buf.setByte(index, code);
        buf.setByte(index + 1, 1);
        buf.setByte(index + 2, value);
        return index + 3;
    }

    public static int writeShortOption(ByteBuf buf, int index, int code, int value) {
        buf.setByte(index, code);
        buf.setByte(index + 1, 2);
        buf.setShort(index + 2, value);
        return index + 4;
    }

    /** An address or a 32-bit time. */
    public static int writeIntOption(ByteBuf buf, int index, int code, int value) {
        buf.setByte(index, code);
        buf.setByte(index + 1, 4);
        buf.setInt(index + 2, value);
        return index + 6;
    }

    /** {@code value} must be at most 255 octets (one option; longer would need RFC 3396 splitting). */
    public static int writeBytesOption(ByteBuf buf, int index, int code, byte[] value) {
        if (value.length > 255) {
            throw new IllegalArgumentException("option " + code + " longer than 255 octets");
        }
        buf.setByte(index, code);
        buf.setByte(index + 1, value.length);
        buf.setBytes(index + 2, value);
        return index + 2 + value.length;
    }

    /**
     * Writes End, then zero padding up to {@link #MIN_BOOTP_LENGTH} from {@code messageStart}; returns the
     * index after the message.
     */
    public static int writeEnd(ByteBuf buf, int messageStart, int index) {
        buf.setByte(index, OPT_END);
        index++;
        int min = messageStart + MIN_BOOTP_LENGTH;
        if (index < min) {
            buf.setZero(index, min - index);
            index = min;
        }
        return index;
    }
}
