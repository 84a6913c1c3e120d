package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * ICMPv6 message (RFC 4443), including the Neighbor Discovery messages (RFC 4861) and their options.
 *
 * <pre>
 * Every message (RFC 4443 2.1); the checksum covers the IPv6 pseudo-header and the whole message:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Echo: Identifier | Sequence;  Packet Too Big: MTU;            |
 * | Parameter Problem: Pointer;  other errors: unused (zero)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Echo data, or for an error as much of the invoking packet as  |
 * | fits in 1280 octets                                           |
 *
 * Router Solicitation (133): 4 reserved octets, then options.
 * Router Advertisement (134):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Cur Hop Limit |M|O|  Reserved |       Router Lifetime         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Reachable Time                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Retrans Timer                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Options ...
 * Neighbor Solicitation (135) / Advertisement (136):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|S|O|                     Reserved (NS: all reserved)         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Target Address (16)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Options ...
 *
 * Options (RFC 4861 4.6): Type (1), Length (1, in units of 8 octets, never 0), data.
 *   1/2 source/target link-layer address: 6-octet MAC (Length 1 on Ethernet)
 *   3 prefix information (Length 4): Prefix Length, L|A flags, Valid Lifetime, Preferred Lifetime,
 *     4 reserved, Prefix (16)
 *   5 MTU (Length 1): 2 reserved, MTU (4)
 *   25 RDNSS (RFC 8106, Length 1 + 2n): 2 reserved, Lifetime (4), n addresses
 * </pre>
 *
 * <p>{@link #wrap} verifies the checksum against the caller's pseudo-header sum and, for the Neighbor
 * Discovery types, everything RFC 4861 6.1 and 7.1 let a node check without the IP addresses: hop limit
 * 255 (the proof the message was not forwarded), code 0, the fixed part's length, a non-multicast target,
 * and every option: none may have Length 0 (a node must discard such a message, it would make an
 * option walk loop) and none may run past the end. Options we read must have their defined lengths, or
 * the message is refused (Linux ignores just the option; no correct sender produces one, and refusing
 * keeps every typed option accessor infallible). The checks that need the addresses are in
 * {@link #ndpAddressesValid}.
 */
public final class Icmpv6Packet {
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_DEST_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    public static final int TYPE_ROUTER_ADVERTISEMENT = 134;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int TYPE_REDIRECT = 137;

    /** Destination Unreachable codes (RFC 4443 3.1). */
    public static final int CODE_NO_ROUTE = 0;
    public static final int CODE_ADMIN_PROHIBITED = 1;
    public static final int CODE_ADDRESS_UNREACHABLE = 3;
    public static final int CODE_PORT_UNREACHABLE = 4;
    /** Time Exceeded codes (RFC 4443 3.3). */
    public static final int CODE_HOP_LIMIT_EXCEEDED = 0;
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;
    /** Parameter Problem codes (RFC 4443 3.4; 8 is RFC 8883's "too many extension headers"). */
    public static final int CODE_ERRONEOUS_FIELD = 0;
    public static final int CODE_UNRECOGNIZED_NEXT_HEADER = 1;
    public static final int CODE_UNRECOGNIZED_OPTION = 2;
    public static final int CODE_TOO_MANY_HEADERS = 8;

    /** RFC 4861: every Neighbor Discovery message is sent with hop limit 255 and must arrive with it. */
    public static final int NDP_HOP_LIMIT = 255;
    public static final int RA_FLAG_MANAGED = 0x80;
    public static final int RA_FLAG_OTHER = 0x40;
    public static final int NA_FLAG_ROUTER = 0x8000_0000;
    public static final int NA_FLAG_SOLICITED = 0x4000_0000;
    public static final int NA_FLAG_OVERRIDE = 0x2000_0000;
    public static final int PREFIX_FLAG_ON_LINK = 0x80;
    public static final int PREFIX_FLAG_AUTONOMOUS = 0x40;

    public static final int OPT_SOURCE_LINK_LAYER = 1;
    public static final int OPT_TARGET_LINK_LAYER = 2;
    public static final int OPT_PREFIX_INFORMATION = 3;
    public static final int OPT_MTU = 5;
    public static final int OPT_RDNSS = 25;
    public static final int LINK_LAYER_OPTION_LENGTH = 8;
    public static final int PREFIX_OPTION_LENGTH = 32;
    public static final int MTU_OPTION_LENGTH = 8;
    /** An RDNSS option with one address. */
    public static final int RDNSS_OPTION_LENGTH = 24;

    public static final int RS_LENGTH = 8;
    public static final int RA_LENGTH = 16;
    public static final int NS_LENGTH = 24;
    public static final int NA_LENGTH = 24;
    public static final int REDIRECT_LENGTH = 40;
    /** Returned by the link-layer accessors when the option is absent. */
    public static final long NO_MAC = -1L;
    /** Most octets of an invoking packet an error quotes: 1280 minus the IPv6 and ICMPv6 headers. */
    public static final int MAX_ERROR_QUOTE = Ipv6Packet.MIN_MTU - Ipv6Packet.HEADER_LENGTH - HEADER_LENGTH;

    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_CHECKSUM = 2;
    /** A Neighbor Discovery message with hop limit other than 255, code other than 0, or too short. */
    public static final int ERR_NDP_HEADER = 3;
    /** A Neighbor Discovery option of Length 0, running past the end, or a known one of the wrong length. */
    public static final int ERR_NDP_OPTION = 4;
    /** A Neighbor Solicitation or Advertisement for a multicast target. */
    public static final int ERR_NDP_TARGET = 5;

    private ByteBuf buf;
    private int offset;
    private int length;
    private int error;
    /** Absolute index of the first option, equal to {@link #end} when there are none; -1 for non-ND types. */
    private int optionsAt;
    private int end;
    private long sourceMac;
    private long targetMac;

    /**
     * Checks a message of {@code length} octets (the IPv6 upper-layer length) at {@code offset}.
     *
     * @param ipHopLimit the IPv6 header's hop limit, which Neighbor Discovery messages must have at 255
     * @param pseudoHeaderSum {@link Ipv6Packet#pseudoHeaderSum} with next header 58 and {@code length}
     */
    public boolean wrap(ByteBuf buf, int offset, int length, int ipHopLimit, long pseudoHeaderSum) {
        this.buf = null;
        if (offset < 0 || length < HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        if (!Checksum.verify(pseudoHeaderSum, buf, offset, length)) {
            error = ERR_CHECKSUM;
            return false;
        }
        return check(buf, offset, length, ipHopLimit);
    }

    /** As {@link #wrap} for a message whose checksum was already verified (by the TAP's offload). */
    public boolean wrapChecksumTrusted(ByteBuf buf, int offset, int length, int ipHopLimit) {
        this.buf = null;
        if (offset < 0 || length < HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        return check(buf, offset, length, ipHopLimit);
    }

    private boolean check(ByteBuf buf, int offset, int length, int ipHopLimit) {
        int type = buf.getUnsignedByte(offset);
        int fixed = ndpFixedLength(type);
        optionsAt = -1;
        end = offset + length;
        sourceMac = NO_MAC;
        targetMac = NO_MAC;
        if (fixed > 0) {
            if (ipHopLimit != NDP_HOP_LIMIT || buf.getUnsignedByte(offset + 1) != 0 || length < fixed) {
                error = ERR_NDP_HEADER;
                return false;
            }
            if ((type == TYPE_NEIGHBOR_SOLICITATION || type == TYPE_NEIGHBOR_ADVERTISEMENT)
                    && Ipv6Packet.isMulticast(buf.getLong(offset + 8))) {
                error = ERR_NDP_TARGET;
                return false;
            }
            if (!walkOptions(buf, offset + fixed, end)) {
                error = ERR_NDP_OPTION;
                return false;
            }
            optionsAt = offset + fixed;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        this.error = OK;
        return true;
    }

    /** Length of the fixed part of a Neighbor Discovery type, or 0 for any other type. */
    private static int ndpFixedLength(int type) {
        switch (type) {
            case TYPE_ROUTER_SOLICITATION:
                return RS_LENGTH;
            case TYPE_ROUTER_ADVERTISEMENT:
                return RA_LENGTH;
            case TYPE_NEIGHBOR_SOLICITATION:
                return NS_LENGTH;
            case TYPE_NEIGHBOR_ADVERTISEMENT:
                return NA_LENGTH;
            case TYPE_REDIRECT:
                return REDIRECT_LENGTH;
            default:
                return 0;
        }
    }

    /** Validates every option once; remembers the first link-layer addresses. */
    private boolean walkOptions(ByteBuf buf, int at, int end) {
        while (at < end) {
            if (end - at < 2) {
                return false;
            }
            int type = buf.getUnsignedByte(at);
            int len = buf.getUnsignedByte(at + 1) * 8;
            if (len == 0 || len > end - at) {
                return false;
            }
            switch (type) {
                case OPT_SOURCE_LINK_LAYER:
                case OPT_TARGET_LINK_LAYER:
                    if (len != LINK_LAYER_OPTION_LENGTH) {
                        return false;
                    }
                    long mac = readMac(buf, at + 2);
                    if (type == OPT_SOURCE_LINK_LAYER && sourceMac == NO_MAC) {
                        sourceMac = mac;
                    } else if (type == OPT_TARGET_LINK_LAYER && targetMac == NO_MAC) {
                        targetMac = mac;
                    }
                    break;
                case OPT_PREFIX_INFORMATION:
                    if (len != PREFIX_OPTION_LENGTH) {
                        return false;
                    }
                    break;
                case OPT_MTU:
                    if (len != MTU_OPTION_LENGTH) {
                        return false;
                    }
                    break;
                case OPT_RDNSS:
                    // RFC 8106 5.1: Length is 3 or more and odd (one header unit plus two per address).
                    if (len < RDNSS_OPTION_LENGTH || ((len / 8) & 1) == 0) {
                        return false;
                    }
                    break;
                default:
                    // RFC 4861 4.6: options a node does not recognise are skipped.
                    break;
            }
            at += len;
        }
        return true;
    }

    private static long readMac(ByteBuf buf, int at) {
        return ((long) buf.getUnsignedShort(at) << 32) | buf.getUnsignedInt(at + 2);
    }

    /**
     * The Neighbor Discovery checks that need the IPv6 addresses (RFC 4861 6.1.1, 7.1.1, 7.1.2), for a message
     * {@link #wrap} accepted: a solicitation from the unspecified address (a host without an address, or a
     * DAD probe) carries no source link-layer option, and an NS from it goes to a solicited-node group; an
     * advertisement to a multicast group is not "solicited". Other types pass.
     */
    public boolean ndpAddressesValid(long srcHi, long srcLo, long dstHi, long dstLo) {
        int type = type();
        boolean fromUnspecified = Ipv6Packet.isUnspecified(srcHi, srcLo);
        switch (type) {
            case TYPE_ROUTER_SOLICITATION:
                return !fromUnspecified || sourceMac == NO_MAC;
            case TYPE_NEIGHBOR_SOLICITATION:
                return !fromUnspecified || (sourceMac == NO_MAC && Ipv6Packet.isSolicitedNode(dstHi, dstLo));
            case TYPE_NEIGHBOR_ADVERTISEMENT:
                return !Ipv6Packet.isMulticast(dstHi) || (naFlags() & NA_FLAG_SOLICITED) == 0;
            default:
                return true;
        }
    }

    public int error() {
        return error;
    }

    /** The buffer the message lies in (at {@link #offset()}), e.g. to read an error's invoking packet. */
    public ByteBuf buffer() {
        return buf;
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

    public boolean isError() {
        return type() < 128;
    }

    // Echo (RFC 4443 4.1, 4.2).

    public int identifier() {
        return buf.getUnsignedShort(offset + 4);
    }

    public int sequence() {
        return buf.getUnsignedShort(offset + 6);
    }

    /** Echo data, or an error's invoking packet: everything after the 8-octet header. */
    public int dataOffset() {
        return offset + HEADER_LENGTH;
    }

    public int dataLength() {
        return length - HEADER_LENGTH;
    }

    // Errors (RFC 4443 3).

    /** Packet Too Big's MTU (unsigned 32 bits). */
    public long mtu() {
        return buf.getUnsignedInt(offset + 4);
    }

    /** Parameter Problem's pointer into the invoking packet. */
    public long pointer() {
        return buf.getUnsignedInt(offset + 4);
    }

    // Router Advertisement (RFC 4861 4.2).

    public int raCurHopLimit() {
        return buf.getUnsignedByte(offset + 4);
    }

    /** M and O bits in place ({@link #RA_FLAG_MANAGED}, {@link #RA_FLAG_OTHER}). */
    public int raFlags() {
        return buf.getUnsignedByte(offset + 5);
    }

    public int raRouterLifetime() {
        return buf.getUnsignedShort(offset + 6);
    }

    public long raReachableTime() {
        return buf.getUnsignedInt(offset + 8);
    }

    public long raRetransTimer() {
        return buf.getUnsignedInt(offset + 12);
    }

    // Neighbor Solicitation / Advertisement (RFC 4861 4.3, 4.4).

    /** R, S and O in place ({@link #NA_FLAG_ROUTER} ...). */
    public int naFlags() {
        return buf.getInt(offset + 4) & 0xe000_0000;
    }

    public long targetHi() {
        return buf.getLong(offset + 8);
    }

    public long targetLo() {
        return buf.getLong(offset + 16);
    }

    // Options.

    /** The first source link-layer address option's MAC, or {@link #NO_MAC}. */
    public long sourceLinkLayer() {
        return sourceMac;
    }

    /** The first target link-layer address option's MAC, or {@link #NO_MAC}. */
    public long targetLinkLayer() {
        return targetMac;
    }

    /** Absolute index of the first option, or -1 when there is none (or the type has no options). */
    public int firstOption() {
        return optionsAt >= 0 && optionsAt < end ? optionsAt : -1;
    }

    /** The option after the one at {@code at}, or -1. */
    public int nextOption(int at) {
        int next = at + buf.getUnsignedByte(at + 1) * 8;
        return next < end ? next : -1;
    }

    public int optionType(int at) {
        return buf.getUnsignedByte(at);
    }

    /** Option length in octets (never 0). */
    public int optionLength(int at) {
        return buf.getUnsignedByte(at + 1) * 8;
    }

    public int prefixLength(int at) {
        return buf.getUnsignedByte(at + 2);
    }

    /** L and A bits in place ({@link #PREFIX_FLAG_ON_LINK}, {@link #PREFIX_FLAG_AUTONOMOUS}). */
    public int prefixFlags(int at) {
        return buf.getUnsignedByte(at + 3);
    }

    public long prefixValidLifetime(int at) {
        return buf.getUnsignedInt(at + 4);
    }

    public long prefixPreferredLifetime(int at) {
        return buf.getUnsignedInt(at + 8);
    }

    public long prefixHi(int at) {
        return buf.getLong(at + 16);
    }

    public long prefixLo(int at) {
        return buf.getLong(at + 24);
    }

    public long mtuOptionValue(int at) {
        return buf.getUnsignedInt(at + 4);
    }

    public long rdnssLifetime(int at) {
        return buf.getUnsignedInt(at + 4);
    }

    public int rdnssCount(int at) {
        return (optionLength(at) - 8) / 16;
    }

    public long rdnssHi(int at, int i) {
        return buf.getLong(at + 8 + 16 * i);
    }

    public long rdnssLo(int at, int i) {
        return buf.getLong(at + 16 + 16 * i);
    }

    // Writers: absolute indices, reader/writer indices untouched. Each returns the octets written; the
    // checksum field is left zero until writeChecksum, which needs the final length for the pseudo-header.

    /** An 8-octet header with the given second word (MTU, pointer, identifier << 16 | sequence, or 0). */
    public static int writeHeader(ByteBuf buf, int index, int type, int code, int word) {
        buf.setByte(index, type);
        buf.setByte(index + 1, code);
        buf.setShort(index + 2, 0);
        buf.setInt(index + 4, word);
        return HEADER_LENGTH;
    }

    public static int writeEcho(ByteBuf buf, int index, int type, int identifier, int sequence) {
        return writeHeader(buf, index, type, 0, (identifier & 0xffff) << 16 | (sequence & 0xffff));
    }

    /** How many octets of an invoking packet of {@code invokingLength} an error may quote (RFC 4443 2.4 (c)). */
    public static int errorQuoteLength(int invokingLength) {
        return Math.min(invokingLength, MAX_ERROR_QUOTE);
    }

    /**
     * An error message quoting as much of the invoking packet (from its IPv6 header) as keeps the error
     * within the minimum MTU (RFC 4443 2.4 (c)).
     *
     * @param word the MTU for Packet Too Big, the pointer for Parameter Problem, else 0
     * @return the message length
     */
    public static int writeError(ByteBuf buf, int index, int type, int code, int word, ByteBuf invoking,
                                 int invokingOffset, int invokingLength) {
        int quote = errorQuoteLength(invokingLength);
        writeHeader(buf, index, type, code, word);
        buf.setBytes(index + HEADER_LENGTH, invoking, invokingOffset, quote);
        return HEADER_LENGTH + quote;
    }

    /** Router Advertisement fixed part; options follow at index + {@link #RA_LENGTH}. */
    public static int writeRouterAdvertisement(ByteBuf buf, int index, int curHopLimit, int flags,
                                               int routerLifetimeSeconds, int reachableTimeMillis,
                                               int retransTimerMillis) {
        writeHeader(buf, index, TYPE_ROUTER_ADVERTISEMENT, 0, 0);
        buf.setByte(index + 4, curHopLimit);
        buf.setByte(index + 5, flags);
        buf.setShort(index + 6, routerLifetimeSeconds);
        buf.setInt(index + 8, reachableTimeMillis);
        buf.setInt(index + 12, retransTimerMillis);
        return RA_LENGTH;
    }

    /** Neighbor Solicitation, with a source link-layer option unless {@code sourceMac} is {@link #NO_MAC}. */
    public static int writeNeighborSolicitation(ByteBuf buf, int index, long targetHi, long targetLo,
                                                long sourceMac) {
        writeHeader(buf, index, TYPE_NEIGHBOR_SOLICITATION, 0, 0);
        buf.setLong(index + 8, targetHi);
        buf.setLong(index + 16, targetLo);
        if (sourceMac == NO_MAC) {
            return NS_LENGTH;
        }
        return NS_LENGTH + writeLinkLayerOption(buf, index + NS_LENGTH, OPT_SOURCE_LINK_LAYER, sourceMac);
    }

    /**
     * Neighbor Advertisement, with a target link-layer option unless {@code targetMac} is {@link #NO_MAC}.
     *
     * @param flags {@link #NA_FLAG_ROUTER}, {@link #NA_FLAG_SOLICITED}, {@link #NA_FLAG_OVERRIDE} or'ed
     */
    public static int writeNeighborAdvertisement(ByteBuf buf, int index, int flags, long targetHi, long targetLo,
                                                 long targetMac) {
        writeHeader(buf, index, TYPE_NEIGHBOR_ADVERTISEMENT, 0, flags & 0xe000_0000);
        buf.setLong(index + 8, targetHi);
        buf.setLong(index + 16, targetLo);
        if (targetMac == NO_MAC) {
            return NA_LENGTH;
        }
        return NA_LENGTH + writeLinkLayerOption(buf, index + NA_LENGTH, OPT_TARGET_LINK_LAYER, targetMac);
    }

    /** Source or target link-layer address option for an Ethernet MAC. */
    public static int writeLinkLayerOption(ByteBuf buf, int index, int type, long mac) {
        buf.setByte(index, type);
        buf.setByte(index + 1, LINK_LAYER_OPTION_LENGTH / 8);
        buf.setShort(index + 2, (int) (mac >>> 32));
        buf.setInt(index + 4, (int) mac);
        return LINK_LAYER_OPTION_LENGTH;
    }

    /**
     * Prefix information option (RFC 4861 4.6.2).
     *
     * @param flags {@link #PREFIX_FLAG_ON_LINK} and/or {@link #PREFIX_FLAG_AUTONOMOUS}
     */
    public static int writePrefixOption(ByteBuf buf, int index, int prefixLength, int flags,
                                        int validLifetimeSeconds, int preferredLifetimeSeconds,
                                        long prefixHi, long prefixLo) {
        buf.setByte(index, OPT_PREFIX_INFORMATION);
        buf.setByte(index + 1, PREFIX_OPTION_LENGTH / 8);
        buf.setByte(index + 2, prefixLength);
        buf.setByte(index + 3, flags);
        buf.setInt(index + 4, validLifetimeSeconds);
        buf.setInt(index + 8, preferredLifetimeSeconds);
        buf.setInt(index + 12, 0);
        buf.setLong(index + 16, prefixHi);
        buf.setLong(index + 24, prefixLo);
        return PREFIX_OPTION_LENGTH;
    }

    /** MTU option (RFC 4861 4.6.4). */
    public static int writeMtuOption(ByteBuf buf, int index, int mtu) {
        buf.setByte(index, OPT_MTU);
        buf.setByte(index + 1, MTU_OPTION_LENGTH / 8);
        buf.setShort(index + 2, 0);
        buf.setInt(index + 4, mtu);
        return MTU_OPTION_LENGTH;
    }

    /** Recursive DNS server option with one address (RFC 8106 5.1). */
    public static int writeRdnssOption(ByteBuf buf, int index, int lifetimeSeconds, long serverHi, long serverLo) {
        buf.setByte(index, OPT_RDNSS);
        buf.setByte(index + 1, RDNSS_OPTION_LENGTH / 8);
        buf.setShort(index + 2, 0);
        buf.setInt(index + 4, lifetimeSeconds);
        buf.setLong(index + 8, serverHi);
        buf.setLong(index + 16, serverLo);
        return RDNSS_OPTION_LENGTH;
    }

    /**
     * Computes and stores the checksum over the {@code length}-octet message at {@code index}.
     *
     * @param pseudoHeaderSum {@link Ipv6Packet#pseudoHeaderSum} with next header 58 and {@code length}
     */
    public static void writeChecksum(ByteBuf buf, int index, int length, long pseudoHeaderSum) {
        buf.setShort(index + 2, 0);
        buf.setShort(index + 2, Checksum.finish(Checksum.add(pseudoHeaderSum, buf, index, length)));
    }
}
