package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the data
 * taken as big-endian 16-bit words, an odd trailing byte padded with zero.
 *
 * <p>Sums are carried in a {@code long} and folded only at the end: a 64 KiB datagram adds at most 2^15
 * words of 2^16, far below 2^63, so no intermediate carry can be lost, and the loop needs no branch per
 * word. The same partial sum can be continued over several ranges (pseudo-header, then header, then
 * payload) as long as every range but the last has an even length, which is how TCP and UDP will use it.
 */
public final class Checksum {
    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code offset} to a running sum. Reads four bytes at a time because the
     * one's complement sum is byte-order independent per 16-bit lane: adding 32-bit big-endian words and
     * folding gives the same result as adding the 16-bit halves (RFC 1071 section 2(B)).
     */
    public static long add(long sum, ByteBuf buf, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (end - i >= 4) {
            sum += buf.getUnsignedInt(i);
            i += 4;
        }
        if (end - i >= 2) {
            sum += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            sum += (buf.getUnsignedByte(i) << 8);
        }
        return sum;
    }

    /** Folds the carries back in until the sum fits 16 bits (RFC 1071 "end-around carry"). */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The value to put in a checksum field, given the sum of everything with that field zeroed. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** Checksum of one range, as it should be stored in the field (the field itself zero in the range). */
    public static int compute(ByteBuf buf, int offset, int length) {
        return finish(add(0, buf, offset, length));
    }

    /**
     * True when a range that includes its own checksum field verifies: the folded sum of correct data plus
     * its checksum is all ones (RFC 1071 section 1, "verify").
     */
    public static boolean verify(ByteBuf buf, int offset, int length) {
        return fold(add(0, buf, offset, length)) == 0xffff;
    }

    /** Same as {@link #verify(ByteBuf, int, int)} continuing from a partial sum (e.g. a pseudo-header). */
    public static boolean verify(long partialSum, ByteBuf buf, int offset, int length) {
        return fold(add(partialSum, buf, offset, length)) == 0xffff;
    }

    /**
     * The IPv4 pseudo-header that TCP and UDP checksums cover (RFC 793 section 3.1, RFC 768): source,
     * destination, zero, protocol, and the transport length.
     */
    public static long pseudoHeaderSum(int src, int dst, int protocol, int transportLength) {
        return pseudoHeaderSum(addressSum(src, dst), protocol, transportLength);
    }

    /**
     * A pseudo-header's sum from the sum of its addresses ({@link #addressSum}): the rest of it is the same
     * words in both families, protocol (next header) and transport length, a 16-bit field for IPv4 (RFC 793
     * 3.1, RFC 768) and a 32-bit one for IPv6 (RFC 8200 8.1), whose halves add alike.
     */
    public static long pseudoHeaderSum(long addressSum, int protocol, int transportLength) {
        return addressSum + protocol + (transportLength >>> 16) + (transportLength & 0xffff);
    }

    /** The address part of an IPv4 pseudo-header: source and destination, host order. */
    public static long addressSum(int src, int dst) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
    }

    /**
     * The address part of the pseudo-header for two family-neutral addresses ({@link IpAddress}): IPv4's when
     * both are IPv4(-mapped), otherwise the sixteen 16-bit words of the two IPv6 addresses (RFC 8200 8.1).
     */
    public static long addressSum(long srcHi, long srcLo, long dstHi, long dstLo) {
        if (IpAddress.isV4(srcHi, srcLo) && IpAddress.isV4(dstHi, dstLo)) {
            return addressSum(IpAddress.v4(srcLo), IpAddress.v4(dstLo));
        }
        return words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo);
    }

    private static long words(long v) {
        return (v >>> 48) + ((v >>> 32) & 0xffff) + ((v >>> 16) & 0xffff) + (v & 0xffff);
    }

    /**
     * Incrementally updates a stored checksum when one 16-bit word changes from {@code oldWord} to
     * {@code newWord}, with RFC 1624's equation 3, {@code HC' = ~(~HC + ~m + m')}, which (unlike RFC 1141's)
     * never produces the -0 result 0xffff from a correct input.
     */
    public static int adjust(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return ~fold(sum) & 0xffff;
    }

    /** {@link #adjust} for a 32-bit field such as an IPv4 address (two words). */
    public static int adjust32(int checksum, int oldValue, int newValue) {
        long sum = (~checksum & 0xffff)
                + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + (newValue >>> 16) + (newValue & 0xffff);
        return ~fold(sum) & 0xffff;
    }
}
