package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * ARP (RFC 826) for Ethernet hardware and IPv4 protocol addresses only; anything else (other hardware
 * or protocol types or address lengths) is rejected by {@link #wrap}, because nothing else can reach a
 * TAP-backed IPv4 network.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Hardware type (1)        |     Protocol type (0x0800)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | HW len (6)    | Proto len (4) |          Operation            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Sender hardware address (6 octets)               |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | Sender protocol address (4)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |              Target hardware address (6 octets)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Target protocol address (4)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpPacket {
    public static final int LENGTH = 28;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;
    private static final int HTYPE_ETHERNET = 1;

    private ByteBuf buf;
    private int offset;

    /** Accepts at least 28 bytes (Ethernet padding may follow) of Ethernet/IPv4 ARP. */
    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < LENGTH || buf.capacity() - offset < length) {
            return false;
        }
        if (buf.getUnsignedShort(offset) != HTYPE_ETHERNET
                || buf.getUnsignedShort(offset + 2) != EthernetFrame.TYPE_IPV4
                || buf.getUnsignedByte(offset + 4) != 6
                || buf.getUnsignedByte(offset + 5) != 4) {
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        return true;
    }

    public int operation() {
        return buf.getUnsignedShort(offset + 6);
    }

    public long senderMac() {
        return EthernetFrame.readMac(buf, offset + 8);
    }

    public int senderIp() {
        return buf.getInt(offset + 14);
    }

    public long targetMac() {
        return EthernetFrame.readMac(buf, offset + 18);
    }

    public int targetIp() {
        return buf.getInt(offset + 24);
    }

    /** Writes a complete 28-byte Ethernet/IPv4 ARP packet at an absolute index. */
    public static void write(ByteBuf buf, int index, int operation, long senderMac, int senderIp,
                             long targetMac, int targetIp) {
        buf.setShort(index, HTYPE_ETHERNET);
        buf.setShort(index + 2, EthernetFrame.TYPE_IPV4);
        buf.setByte(index + 4, 6);
        buf.setByte(index + 5, 4);
        buf.setShort(index + 6, operation);
        EthernetFrame.writeMac(buf, index + 8, senderMac);
        buf.setInt(index + 14, senderIp);
        EthernetFrame.writeMac(buf, index + 18, targetMac);
        buf.setInt(index + 24, targetIp);
    }
}
