package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * IPv6 fixed header (RFC 8200 section 3).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                                                               +
 * |                                                               |
 * +                         Source Address                        +
 * |                                                               |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                                                               +
 * |                                                               |
 * +                      Destination Address                      +
 * |                                                               |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Payload Length counts everything after these 40 octets, extension headers included.
 * </pre>
 *
 * <p>Addresses are two {@code long}s each, the high and the low 64 bits in network order (so
 * {@code fd00::2} is hi {@code 0xfd00_0000_0000_0000L}, lo {@code 2}): primitive, comparable with
 * {@code ==}, and the same shape a flow key uses.
 *
 * <p>{@link #wrap} accepts a range longer than 40 + Payload Length (Ethernet pads a minimal frame) and the
 * view then covers the header and its payload only; a shorter range is truncated and rejected. A
 * Payload Length of zero is accepted: it is legal with next header 59 (No Next Header), and a
 * jumbogram (RFC 2675, zero here plus a hop-by-hop Jumbo option) has no payload within the view, so the
 * header walker rejects its hop-by-hop header as truncated, which is the drop we want on a link whose MTU
 * is far below 64 KiB. There is no header checksum in IPv6; the upper layers' pseudo-header
 * ({@link #pseudoHeaderSum}) covers the addresses instead.
 */
public final class Ipv6Packet {
    public static final int HEADER_LENGTH = 40;
    /** Largest payload length the 16-bit field can state (jumbograms are not supported). */
    public static final int MAX_PAYLOAD_LENGTH = 65535;
    /** RFC 8200 section 5: every link carries 1280-octet packets; ICMPv6 errors are cut to fit it. */
    public static final int MIN_MTU = 1280;

    // Next Header values (IANA "Assigned Internet Protocol Numbers").
    public static final int NEXT_HOP_BY_HOP = 0;
    public static final int NEXT_TCP = 6;
    public static final int NEXT_UDP = 17;
    public static final int NEXT_ROUTING = 43;
    public static final int NEXT_FRAGMENT = 44;
    public static final int NEXT_ESP = 50;
    public static final int NEXT_AH = 51;
    public static final int NEXT_ICMPV6 = 58;
    public static final int NEXT_NONE = 59;
    public static final int NEXT_DESTINATION_OPTIONS = 60;

    /** ff02::1:ffXX:XXXX, the solicited-node group of an address (RFC 4291 2.7.1), high half. */
    public static final long SOLICITED_NODE_HI = 0xff02_0000_0000_0000L;

    /** ff02::1, all nodes on the link (RFC 4291 2.7.1): the destination of an unsolicited RA. */
    public static final long ALL_NODES_HI = 0xff02_0000_0000_0000L;
    public static final long ALL_NODES_LO = 1L;

    /** Why the last {@link #wrap} failed, for the caller's drop counters. */
    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_VERSION = 2;
    /** Payload Length says more than the buffer range holds (a truncated or lying packet). */
    public static final int ERR_PAYLOAD_LENGTH = 3;

    private ByteBuf buf;
    private int offset;
    private int payloadLength;
    private int error;

    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        if ((buf.getUnsignedByte(offset) >>> 4) != 6) {
            error = ERR_VERSION;
            return false;
        }
        int payload = buf.getUnsignedShort(offset + 4);
        if (payload > length - HEADER_LENGTH) {
            error = ERR_PAYLOAD_LENGTH;
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        this.payloadLength = payload;
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

    /** Header plus payload: the bytes this view covers. */
    public int totalLength() {
        return HEADER_LENGTH + payloadLength;
    }

    public int trafficClass() {
        return (buf.getUnsignedShort(offset) >>> 4) & 0xff;
    }

    public int flowLabel() {
        return buf.getInt(offset) & 0xfffff;
    }

    public int payloadLength() {
        return payloadLength;
    }

    public int nextHeader() {
        return buf.getUnsignedByte(offset + 6);
    }

    public int hopLimit() {
        return buf.getUnsignedByte(offset + 7);
    }

    public long sourceHi() {
        return buf.getLong(offset + 8);
    }

    public long sourceLo() {
        return buf.getLong(offset + 16);
    }

    public long destinationHi() {
        return buf.getLong(offset + 24);
    }

    public long destinationLo() {
        return buf.getLong(offset + 32);
    }

    /** Absolute index of the first octet after the fixed header (an extension header or the upper layer). */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Absolute index just past the payload. */
    public int end() {
        return offset + HEADER_LENGTH + payloadLength;
    }

    /**
     * The pseudo-header sum for an upper-layer checksum in this packet (RFC 8200 8.1), with this packet's
     * addresses. When a Routing header is present the destination to use is the final one; we never
     * accept a packet with segments left, so the header's destination is always final.
     */
    public long pseudoHeaderSum(int nextHeader, int upperLayerLength) {
        return pseudoHeaderSum(sourceHi(), sourceLo(), destinationHi(), destinationLo(), nextHeader,
                upperLayerLength);
    }

    /**
     * Writes the 40-octet fixed header at an absolute index.
     *
     * @param flowLabel the low 20 bits are used
     */
    public static void writeHeader(ByteBuf buf, int index, int trafficClass, int flowLabel, int payloadLength,
                                   int nextHeader, int hopLimit, long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.setInt(index, 6 << 28 | (trafficClass & 0xff) << 20 | (flowLabel & 0xfffff));
        buf.setShort(index + 4, payloadLength);
        buf.setByte(index + 6, nextHeader);
        buf.setByte(index + 7, hopLimit);
        buf.setLong(index + 8, srcHi);
        buf.setLong(index + 16, srcLo);
        buf.setLong(index + 24, dstHi);
        buf.setLong(index + 32, dstLo);
    }

    /** Rewrites the Payload Length of a header at {@code index} (after extension headers were removed). */
    public static void setPayloadLength(ByteBuf buf, int index, int payloadLength) {
        buf.setShort(index + 4, payloadLength);
    }

    /**
     * The IPv6 pseudo-header of RFC 8200 section 8.1, summed for {@link Checksum}: source, destination, the
     * 32-bit upper-layer packet length, three zero octets and the next header value. Continue it with
     * {@link Checksum#add} over the upper-layer header and data, and {@link Checksum#finish} or
     * {@link Checksum#verify} as for IPv4; the result is the same as summing the 40 octets RFC 8200 draws.
     * Unlike IPv4, the UDP checksum is mandatory over IPv6: a received zero is invalid, and a computed zero
     * is sent as 0xffff (RFC 8200 8.1).
     */
    public static long pseudoHeaderSum(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader,
                                       int upperLayerLength) {
        return words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo)
                + (upperLayerLength >>> 16) + (upperLayerLength & 0xffff) + nextHeader;
    }

    /** Sum of the four 16-bit words of a 64-bit half address. */
    private static long words(long v) {
        return ((v >>> 48) & 0xffff) + ((v >>> 32) & 0xffff) + ((v >>> 16) & 0xffff) + (v & 0xffff);
    }

    // Address classes (RFC 4291 section 2.4 and 2.5).

    /** :: (RFC 4291 2.5.2), the source of a DAD probe or a host that has no address yet. */
    public static boolean isUnspecified(long hi, long lo) {
        return hi == 0 && lo == 0;
    }

    /** ::1 (RFC 4291 2.5.3); never sent on a link. */
    public static boolean isLoopback(long hi, long lo) {
        return hi == 0 && lo == 1;
    }

    /** ff00::/8 (RFC 4291 2.7). */
    public static boolean isMulticast(long hi) {
        return (hi >>> 56) == 0xff;
    }

    /** fe80::/10, link-local unicast (RFC 4291 2.5.6). */
    public static boolean isLinkLocal(long hi) {
        return (hi >>> 54) == (0xfe80L >>> 6);
    }

    /** ::ffff:0:0/96, an IPv4 address written as IPv6 (RFC 4291 2.5.5.2); never valid on the wire. */
    public static boolean isIpv4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }

    /** The IPv4 address inside an {@link #isIpv4Mapped} address. */
    public static int ipv4OfMapped(long lo) {
        return (int) lo;
    }

    /**
     * A unicast address that may be a node's source on a link: not unspecified, loopback, multicast or
     * IPv4-mapped (RFC 4291 2.5.2, 2.5.3, 2.7; RFC 4038 on mapped addresses on the wire).
     */
    public static boolean isUnicastSource(long hi, long lo) {
        return !isUnspecified(hi, lo) && !isLoopback(hi, lo) && !isMulticast(hi) && !isIpv4Mapped(hi, lo);
    }

    /** Low half of the solicited-node group of an address whose low half is {@code lo}. */
    public static long solicitedNodeLo(long lo) {
        return 0x0000_0001_ff00_0000L | (lo & 0xff_ffffL);
    }

    /** True for any ff02::1:ffXX:XXXX (a Neighbor Solicitation's destination when resolving). */
    public static boolean isSolicitedNode(long hi, long lo) {
        return hi == SOLICITED_NODE_HI && (lo & 0xffff_ffff_ff00_0000L) == 0x0000_0001_ff00_0000L;
    }

    /**
     * The Ethernet address an IPv6 multicast group maps to: 33:33 and the group's last four octets (RFC 2464
     * section 7), as the low 48 bits of a {@code long} like every MAC in the stack.
     */
    public static long multicastMac(long lo) {
        return 0x3333_0000_0000L | (lo & 0xffff_ffffL);
    }
}
