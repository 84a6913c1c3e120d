package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * TCP header (RFC 9293 section 3.1, formerly RFC 793) with its options (RFC 9293 MSS, RFC 7323 window
 * scale and timestamps, RFC 2018 SACK).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                             Data ...                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   Data Offset counts 32-bit words (5..15). Options: kind 0 EOL, 1 NOP, then kind, length, value:
 *   2 MSS (4), 3 window scale (3), 4 SACK permitted (2), 5 SACK (2 + 8n, n = 1..4), 8 timestamps (10).
 * </pre>
 *
 * <p>{@link #wrap} validates the data offset against the segment length, verifies the checksum with the
 * pseudo-header (given as the sum of its addresses, so either IP version), and parses the options once into
 * fields, so that the accessors cannot fail. A known option with a wrong length, or any option that runs past
 * the header, makes the segment malformed (RFC 9293 3.1 requires receivers to be robust; dropping a segment
 * whose header we cannot trust is the robust choice). Unknown options are skipped by their length.
 */
public final class TcpSegment {
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;

    public static final int OPT_EOL = 0;
    public static final int OPT_NOP = 1;
    public static final int OPT_MSS = 2;
    public static final int OPT_WSCALE = 3;
    public static final int OPT_SACK_PERMITTED = 4;
    public static final int OPT_SACK = 5;
    public static final int OPT_TIMESTAMPS = 8;
    public static final int MAX_SACK_BLOCKS = 4;

    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    public static final int ERR_HEADER_LENGTH = 2;
    public static final int ERR_CHECKSUM = 3;
    public static final int ERR_OPTIONS = 4;

    private ByteBuf buf;
    private int offset;
    private int length;
    private int headerLength;
    private int error;

    // Options, parsed once by wrap.
    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean hasTimestamps;
    private int tsVal;
    private int tsEcr;
    private int sackCount;
    private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[MAX_SACK_BLOCKS];

    /**
     * Wraps {@code length} bytes at {@code offset} (the IP payload) and checks them.
     *
     * @param addressSum the pseudo-header's address part ({@link Checksum#addressSum}); this adds protocol
     *                   and length
     */
    public boolean wrap(ByteBuf buf, int offset, int length, long addressSum) {
        return wrap(buf, offset, length, addressSum, true);
    }

    /**
     * As {@link #wrap(ByteBuf, int, int, long)}; {@code verifyChecksum} false for a segment the device says
     * needs no check (virtio NEEDS_CSUM or DATA_VALID: it comes from the guest kernel's memory, and with
     * NEEDS_CSUM its checksum field holds only the pseudo-header sum).
     */
    public boolean wrap(ByteBuf buf, int offset, int length, long addressSum, boolean verifyChecksum) {
        this.buf = null;
        if (offset < 0 || length < MIN_HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        int hl = (buf.getUnsignedByte(offset + 12) >>> 4) * 4;
        if (hl < MIN_HEADER_LENGTH || hl > length) {
            error = ERR_HEADER_LENGTH;
            return false;
        }
        if (verifyChecksum && !Checksum.verify(Checksum.pseudoHeaderSum(addressSum, Ipv4Packet.PROTO_TCP, length),
                buf, offset, length)) {
            error = ERR_CHECKSUM;
            return false;
        }
        if (!parseOptions(buf, offset + MIN_HEADER_LENGTH, offset + hl)) {
            error = ERR_OPTIONS;
            return false;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        this.headerLength = hl;
        this.error = OK;
        return true;
    }

    private boolean parseOptions(ByteBuf b, int at, int end) {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackCount = 0;
        while (at < end) {
            int kind = b.getUnsignedByte(at);
            if (kind == OPT_EOL) {
                return true;
            }
            if (kind == OPT_NOP) {
                at++;
                continue;
            }
            if (end - at < 2) {
                return false;
            }
            int len = b.getUnsignedByte(at + 1);
            if (len < 2 || len > end - at) {
                return false;
            }
            switch (kind) {
                case OPT_MSS:
                    if (len != 4) {
                        return false;
                    }
                    mss = b.getUnsignedShort(at + 2);
                    break;
                case OPT_WSCALE:
                    if (len != 3) {
                        return false;
                    }
                    // RFC 7323 2.3: a shift above 14 is used as 14 (and logged); not a reason to drop.
                    windowScale = Math.min(b.getUnsignedByte(at + 2), 14);
                    break;
                case OPT_SACK_PERMITTED:
                    if (len != 2) {
                        return false;
                    }
                    sackPermitted = true;
                    break;
                case OPT_SACK:
                    if (len < 10 || (len - 2) % 8 != 0 || (len - 2) / 8 > MAX_SACK_BLOCKS) {
                        return false;
                    }
                    sackCount = (len - 2) / 8;
                    for (int i = 0; i < sackCount; i++) {
                        sackLeft[i] = b.getInt(at + 2 + 8 * i);
                        sackRight[i] = b.getInt(at + 6 + 8 * i);
                    }
                    break;
                case OPT_TIMESTAMPS:
                    if (len != 10) {
                        return false;
                    }
                    hasTimestamps = true;
                    tsVal = b.getInt(at + 2);
                    tsEcr = b.getInt(at + 6);
                    break;
                default:
                    // Unknown option: skip by its length (RFC 9293 3.1, "must be prepared to handle").
                    break;
            }
            at += len;
        }
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

    public int length() {
        return length;
    }

    public int headerLength() {
        return headerLength;
    }

    public int sourcePort() {
        return buf.getUnsignedShort(offset);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(offset + 2);
    }

    public int seq() {
        return buf.getInt(offset + 4);
    }

    public int ack() {
        return buf.getInt(offset + 8);
    }

    /** The eight flag bits CWR..FIN. */
    public int flags() {
        return buf.getUnsignedByte(offset + 13);
    }

    public boolean syn() {
        return (flags() & SYN) != 0;
    }

    public boolean fin() {
        return (flags() & FIN) != 0;
    }

    public boolean rst() {
        return (flags() & RST) != 0;
    }

    public boolean hasAck() {
        return (flags() & ACK) != 0;
    }

    /** The raw 16-bit window field (unscaled). */
    public int window() {
        return buf.getUnsignedShort(offset + 14);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 16);
    }

    public int payloadOffset() {
        return offset + headerLength;
    }

    public int payloadLength() {
        return length - headerLength;
    }

    /** Sequence space the segment occupies: data plus one each for SYN and FIN (RFC 9293 3.4). */
    public int seqLength() {
        int f = flags();
        return payloadLength() + ((f & SYN) != 0 ? 1 : 0) + ((f & FIN) != 0 ? 1 : 0);
    }

    /** MSS option value, or -1 when absent. */
    public int mss() {
        return mss;
    }

    /** Window-scale shift (capped at 14), or -1 when absent. */
    public int windowScale() {
        return windowScale;
    }

    public boolean sackPermitted() {
        return sackPermitted;
    }

    public boolean hasTimestamps() {
        return hasTimestamps;
    }

    public int tsVal() {
        return tsVal;
    }

    public int tsEcr() {
        return tsEcr;
    }

    public int sackCount() {
        return sackCount;
    }

    public int sackLeft(int i) {
        return sackLeft[i];
    }

    public int sackRight(int i) {
        return sackRight[i];
    }

    // ---- writing ----

    /** Writes the fixed 20 bytes at an absolute index, checksum and urgent pointer zero. */
    public static void writeHeader(ByteBuf buf, int index, int srcPort, int dstPort, int seq, int ack,
                                   int headerLength, int flags, int window) {
        buf.setShort(index, srcPort);
        buf.setShort(index + 2, dstPort);
        buf.setInt(index + 4, seq);
        buf.setInt(index + 8, ack);
        buf.setShort(index + 12, ((headerLength / 4) << 12) | (flags & 0xff));
        buf.setShort(index + 14, window);
        buf.setInt(index + 16, 0);
    }

    /** MSS option (4 bytes); returns the index after it. */
    public static int writeMss(ByteBuf buf, int index, int mss) {
        buf.setInt(index, (OPT_MSS << 24) | (4 << 16) | (mss & 0xffff));
        return index + 4;
    }

    /** NOP + window scale (4 bytes, aligned as Linux sends it); returns the index after it. */
    public static int writeWindowScale(ByteBuf buf, int index, int shift) {
        buf.setInt(index, (OPT_NOP << 24) | (OPT_WSCALE << 16) | (3 << 8) | (shift & 0xff));
        return index + 4;
    }

    /** NOP NOP SACK-permitted (4 bytes); returns the index after it. */
    public static int writeSackPermitted(ByteBuf buf, int index) {
        buf.setInt(index, (OPT_NOP << 24) | (OPT_NOP << 16) | (OPT_SACK_PERMITTED << 8) | 2);
        return index + 4;
    }

    /**
     * Timestamps (12 bytes), preceded by NOP NOP, or by SACK-permitted when {@code withSackPermitted}
     * (Linux's SYN layout, which saves four bytes); returns the index after it.
     */
    public static int writeTimestamps(ByteBuf buf, int index, int tsVal, int tsEcr, boolean withSackPermitted) {
        int lead = withSackPermitted ? (OPT_SACK_PERMITTED << 8) | 2 : (OPT_NOP << 8) | OPT_NOP;
        buf.setInt(index, (lead << 16) | (OPT_TIMESTAMPS << 8) | 10);
        buf.setInt(index + 4, tsVal);
        buf.setInt(index + 8, tsEcr);
        return index + 12;
    }

    /** NOP NOP SACK blocks (4 + 8n bytes); returns the index after it. */
    public static int writeSackBlocks(ByteBuf buf, int index, int[] left, int[] right, int count) {
        buf.setInt(index, (OPT_NOP << 24) | (OPT_NOP << 16) | (OPT_SACK << 8) | (2 + 8 * count));
        for (int i = 0; i < count; i++) {
            buf.setInt(index + 4 + 8 * i, left[i]);
            buf.setInt(index + 8 + 8 * i, right[i]);
        }
        return index + 4 + 8 * count;
    }

    /**
     * Computes and stores the checksum of the {@code length}-byte segment at {@code index}, the pseudo-header
     * given by its address part ({@link Checksum#addressSum}).
     */
    public static void writeChecksum(ByteBuf buf, int index, int length, long addressSum) {
        buf.setShort(index + 16, 0);
        long sum = Checksum.pseudoHeaderSum(addressSum, Ipv4Packet.PROTO_TCP, length);
        buf.setShort(index + 16, Checksum.finish(Checksum.add(sum, buf, index, length)));
    }

    /**
     * Stores only the pseudo-header sum (folded, not complemented) for a device that completes the checksum
     * (virtio NEEDS_CSUM, Linux's CHECKSUM_PARTIAL): no pass over the payload.
     */
    public static void writePartialChecksum(ByteBuf buf, int index, int length, long addressSum) {
        buf.setShort(index + 16, Checksum.fold(Checksum.pseudoHeaderSum(addressSum, Ipv4Packet.PROTO_TCP, length)));
    }
}
