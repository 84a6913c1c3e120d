package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * Walks the extension header chain of an IPv6 packet (RFC 8200 section 4) to the upper-layer header, or
 * to the fragment header of a fragment, validating every length on the way.
 *
 * <pre>
 * Hop-by-Hop Options (0) and Destination Options (60), RFC 8200 4.3 and 4.6:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * .                 Options (TLVs: type, length, data; Pad1 = 0)  .
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   length in octets = (Hdr Ext Len + 1) * 8
 *
 * Routing (43), RFC 8200 4.4:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * .                       type-specific data                      .
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Fragment (44), RFC 8200 4.5:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Identification                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Fragment Offset counts 8-octet units; M = more fragments.
 * </pre>
 *
 * <p>Decision table, one header at a time (the reason is what RFC 8200 tells a destination to do):
 * <ul>
 * <li>more than {@link #MAX_HEADERS} extension headers: drop, Parameter Problem code 8 (RFC 8883 "too many
 *     extension headers"). Seven is the most RFC 8200 4.1's recommended order ever needs; the cap bounds
 *     the work a crafted chain of tiny headers can cost.</li>
 * <li>a header or option running past the payload: drop silently, it is a truncated packet.</li>
 * <li>hop-by-hop anywhere but first: drop, Parameter Problem code 1 at the Next Header field that named it
 *     (4.3 allows it only immediately after the IPv6 header).</li>
 * <li>an option other than Pad1/PadN: by its two high bits (4.2): 00 skip; 01 drop silently; 10 drop with
 *     Parameter Problem code 2 at the option; 11 the same but silently when the destination was multicast.
 *     We implement no option (a Router Alert's high bits are 00, so it is skipped).</li>
 * <li>routing header with Segments Left 0: ignore it and go on (4.4). With Segments Left above 0: drop,
 *     Parameter Problem code 0 at the Routing Type. We forward no source routes and recognise no type:
 *     type 0 is deprecated (RFC 5095), and the others (2, 3, 4) belong to mobility, RPL and segment
 *     routing nodes, which we are not.</li>
 * <li>fragment header of a real fragment (offset or M non-zero): stop here; the rest of the chain is
 *     fragment data, for the reassembler.</li>
 * <li>fragment header with offset 0 and M 0, an atomic fragment: go on past it and treat the packet as
 *     whole, never touching reassembly state (RFC 6946 section 4).</li>
 * <li>a second fragment header: drop silently; only a broken or malicious sender nests them.</li>
 * <li>anything else (TCP, UDP, ICMPv6, No Next Header, ESP, AH, or a protocol nobody knows): stop and
 *     report it as the upper layer. Whether it is served is the caller's decision; for one it does not
 *     know, 4 asks for Parameter Problem code 1 at {@link #nextHeaderPointer()}.</li>
 * </ul>
 * The pointer and code of the ICMP error the RFC asks for are left in {@link #errorPointer()} and
 * {@link #errorIcmpCode()} (-1: send nothing), so the caller can answer without walking again.
 */
public final class Ipv6ExtensionHeaders {
    /** Most extension headers walked before the chain is refused as too long. */
    public static final int MAX_HEADERS = 8;

    public static final int OK = 0;
    /** A header or an option runs past the end of the payload. */
    public static final int ERR_TRUNCATED = 1;
    /** More than {@link #MAX_HEADERS} extension headers. */
    public static final int ERR_TOO_MANY = 2;
    /** Hop-by-hop options somewhere other than first. */
    public static final int ERR_HOP_BY_HOP_POSITION = 3;
    /** An option whose type says "discard if unrecognised". */
    public static final int ERR_OPTION = 4;
    /** A routing header with Segments Left above zero. */
    public static final int ERR_ROUTING = 5;
    /** A second fragment header in one packet. */
    public static final int ERR_SECOND_FRAGMENT = 6;

    /** The ICMPv6 Parameter Problem codes the walk reports, as defined in {@link Icmpv6Packet}. */
    public static final int CODE_ERRONEOUS_FIELD = Icmpv6Packet.CODE_ERRONEOUS_FIELD;
    public static final int CODE_UNRECOGNIZED_NEXT_HEADER = Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER;
    public static final int CODE_UNRECOGNIZED_OPTION = Icmpv6Packet.CODE_UNRECOGNIZED_OPTION;
    public static final int CODE_TOO_MANY_HEADERS = Icmpv6Packet.CODE_TOO_MANY_HEADERS;

    private static final int OPT_PAD1 = 0;
    private static final int OPT_PADN = 1;

    private int error;
    private int errorPointer;
    private int errorIcmpCode;
    private int headerCount;
    private int upperProtocol;
    private int upperOffset;
    private int upperLength;
    private int nextHeaderField;
    private int ipOffset;
    private boolean fragment;
    private boolean atomicFragment;
    private int fragmentHeaderOffset;
    private int fragmentNextHeaderField;
    private int fragmentWord;
    private int fragmentIdentification;

    /** Walks the chain of a packet that {@link Ipv6Packet#wrap} accepted; false with {@link #error()} set. */
    public boolean walk(Ipv6Packet ip) {
        ByteBuf buf = ip.buffer();
        int base = ip.offset();
        int end = ip.end();
        ipOffset = base;
        error = OK;
        errorPointer = -1;
        errorIcmpCode = -1;
        headerCount = 0;
        fragment = false;
        atomicFragment = false;
        fragmentHeaderOffset = -1;
        fragmentNextHeaderField = -1;
        fragmentWord = 0;
        fragmentIdentification = 0;
        boolean dstMulticast = Ipv6Packet.isMulticast(ip.destinationHi());
        int next = ip.nextHeader();
        int nextField = base + 6;
        int at = ip.payloadOffset();
        while (true) {
            switch (next) {
                case Ipv6Packet.NEXT_HOP_BY_HOP:
                case Ipv6Packet.NEXT_DESTINATION_OPTIONS: {
                    if (next == Ipv6Packet.NEXT_HOP_BY_HOP && headerCount != 0) {
                        return fail(ERR_HOP_BY_HOP_POSITION, nextField - base, CODE_UNRECOGNIZED_NEXT_HEADER);
                    }
                    int len = headerLength(buf, at, end, base);
                    if (len < 0 || !options(buf, at + 2, at + len, base, dstMulticast)) {
                        return false;
                    }
                    nextField = at;
                    next = buf.getUnsignedByte(at);
                    at += len;
                    headerCount++;
                    break;
                }
                case Ipv6Packet.NEXT_ROUTING: {
                    int len = headerLength(buf, at, end, base);
                    if (len < 0) {
                        return false;
                    }
                    if (buf.getUnsignedByte(at + 3) != 0) {
                        return fail(ERR_ROUTING, at + 2 - base, CODE_ERRONEOUS_FIELD);
                    }
                    nextField = at;
                    next = buf.getUnsignedByte(at);
                    at += len;
                    headerCount++;
                    break;
                }
                case Ipv6Packet.NEXT_FRAGMENT: {
                    if (headerCount == MAX_HEADERS) {
                        return fail(ERR_TOO_MANY, at - base, CODE_TOO_MANY_HEADERS);
                    }
                    if (end - at < 8) {
                        return fail(ERR_TRUNCATED, -1, -1);
                    }
                    if (fragmentHeaderOffset >= 0) {
                        return fail(ERR_SECOND_FRAGMENT, -1, -1);
                    }
                    fragmentHeaderOffset = at;
                    fragmentNextHeaderField = nextField;
                    fragmentWord = buf.getUnsignedShort(at + 2);
                    fragmentIdentification = buf.getInt(at + 4);
                    nextField = at;
                    next = buf.getUnsignedByte(at);
                    at += 8;
                    headerCount++;
                    if ((fragmentWord & 0xfff9) != 0) {
                        fragment = true;
                        return done(next, at, end, nextField);
                    }
                    atomicFragment = true;
                    break;
                }
                default:
                    return done(next, at, end, nextField);
            }
        }
    }

    /** Length in octets of an options or routing header at {@code at}, or -1 (error set) when it cannot be. */
    private int headerLength(ByteBuf buf, int at, int end, int base) {
        if (headerCount == MAX_HEADERS) {
            fail(ERR_TOO_MANY, at - base, CODE_TOO_MANY_HEADERS);
            return -1;
        }
        if (end - at < 8) {
            fail(ERR_TRUNCATED, -1, -1);
            return -1;
        }
        int len = (buf.getUnsignedByte(at + 1) + 1) * 8;
        if (end - at < len) {
            fail(ERR_TRUNCATED, -1, -1);
            return -1;
        }
        return len;
    }

    /** Checks the TLV options in [at, end) per RFC 8200 4.2. */
    private boolean options(ByteBuf buf, int at, int end, int base, boolean dstMulticast) {
        while (at < end) {
            int type = buf.getUnsignedByte(at);
            if (type == OPT_PAD1) {
                at++;
                continue;
            }
            if (end - at < 2 || end - at - 2 < buf.getUnsignedByte(at + 1)) {
                return fail(ERR_TRUNCATED, -1, -1);
            }
            if (type != OPT_PADN) {
                switch (type >>> 6) {
                    case 0:
                        break;
                    case 1:
                        return fail(ERR_OPTION, -1, -1);
                    case 2:
                        return fail(ERR_OPTION, at - base, CODE_UNRECOGNIZED_OPTION);
                    default:
                        return fail(ERR_OPTION, at - base, dstMulticast ? -1 : CODE_UNRECOGNIZED_OPTION);
                }
            }
            at += 2 + buf.getUnsignedByte(at + 1);
        }
        return true;
    }

    private boolean done(int protocol, int at, int end, int field) {
        upperProtocol = protocol;
        upperOffset = at;
        upperLength = end - at;
        nextHeaderField = field;
        return true;
    }

    private boolean fail(int err, int pointer, int code) {
        error = err;
        errorPointer = pointer;
        errorIcmpCode = pointer < 0 ? -1 : code;
        return false;
    }

    public int error() {
        return error;
    }

    /** Offset from the start of the IPv6 header for a Parameter Problem's pointer, or -1. */
    public int errorPointer() {
        return errorPointer;
    }

    /** The Parameter Problem code RFC 8200 asks for, or -1 when the drop is silent. */
    public int errorIcmpCode() {
        return errorIcmpCode;
    }

    /** Extension headers walked, the fragment header included. */
    public int headerCount() {
        return headerCount;
    }

    /**
     * The protocol after the last extension header walked: the upper layer, or for a real fragment the
     * Next Header of its fragment header (only the offset-0 fragment starts with that header).
     */
    public int upperProtocol() {
        return upperProtocol;
    }

    /** Absolute index of the upper-layer header, or of the fragment data for a fragment. */
    public int upperOffset() {
        return upperOffset;
    }

    public int upperLength() {
        return upperLength;
    }

    /** Absolute index of the Next Header field that names {@link #upperProtocol()}. */
    public int nextHeaderField() {
        return nextHeaderField;
    }

    /** {@link #nextHeaderField()} relative to the IPv6 header: the pointer for "unrecognised next header". */
    public int nextHeaderPointer() {
        return nextHeaderField - ipOffset;
    }

    /** A real fragment (offset or M non-zero): it must be reassembled before the upper layer can see it. */
    public boolean isFragment() {
        return fragment;
    }

    /** A fragment header with offset 0 and M 0 was passed over (RFC 6946). */
    public boolean atomicFragment() {
        return atomicFragment;
    }

    /** Absolute index of the fragment header, or -1; also the end of the unfragmentable part. */
    public int fragmentHeaderOffset() {
        return fragmentHeaderOffset;
    }

    /** The end of the unfragmentable part (headers that each fragment repeats), for a fragment. */
    public int unfragmentableEnd() {
        return fragmentHeaderOffset;
    }

    /** Absolute index of the Next Header field that names the fragment header, or -1. */
    public int fragmentNextHeaderField() {
        return fragmentNextHeaderField;
    }

    public int fragmentOffsetBytes() {
        return fragmentWord & 0xfff8;
    }

    public boolean moreFragments() {
        return (fragmentWord & 1) != 0;
    }

    public int fragmentIdentification() {
        return fragmentIdentification;
    }

    /**
     * Writes an 8-octet fragment header at {@code index}.
     *
     * @param offsetBytes a multiple of 8
     */
    public static void writeFragmentHeader(ByteBuf buf, int index, int nextHeader, int offsetBytes, boolean more,
                                           int identification) {
        buf.setByte(index, nextHeader);
        buf.setByte(index + 1, 0);
        buf.setShort(index + 2, (offsetBytes & 0xfff8) | (more ? 1 : 0));
        buf.setInt(index + 4, identification);
    }
}
