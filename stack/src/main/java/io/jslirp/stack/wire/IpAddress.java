package io.jslirp.stack.wire;

/**
 * One address of either family as two {@code long}s, so that flow tables, flows and the host-socket interfaces
 * hold IPv4 and IPv6 peers alike in primitive fields, with no object per address.
 *
 * <pre>
 *   hi: bits 127..64 of the IPv6 address     lo: bits 63..0
 *   IPv4 a.b.c.d is the IPv4-mapped ::ffff:a.b.c.d (RFC 4291 2.5.5.2):
 *   hi = 0                                    lo = 0x0000_ffff_aabb_ccdd
 * </pre>
 *
 * This is passt's choice too: with IPv4 stored mapped, one table and one key type serve both families, an IPv4
 * key is told from an IPv6 one by its value ({@link #isV4}), and converting an IPv4 {@code int} (host order, as
 * the rest of the stack keeps it) costs an OR. No IPv6 flow ever uses a mapped address: RFC 4291 reserves them
 * for exactly this purpose, and the IPv6 input drops them as sources. "No address" is {@link #isUnspecified}:
 * :: or ::ffff:0.0.0.0, the unspecified address of either family.
 */
public final class IpAddress {
    /** The {@code hi} half of every IPv4-mapped address. */
    public static final long V4_HI = 0L;
    /** The {@code lo} half of ::ffff:0.0.0.0; an IPv4 address is ORed into its low 32 bits. */
    public static final long V4_PREFIX = 0x0000_ffff_0000_0000L;

    private IpAddress() {
    }

    /** The {@code lo} half of IPv4 {@code address} (host order); its {@code hi} half is {@link #V4_HI}. */
    public static long v4Lo(int address) {
        return V4_PREFIX | (address & 0xffff_ffffL);
    }

    /** Whether {@code hi:lo} is IPv4-mapped, that is, an IPv4 address. */
    public static boolean isV4(long hi, long lo) {
        return hi == V4_HI && (lo & 0xffff_ffff_0000_0000L) == V4_PREFIX;
    }

    /** The IPv4 address (host order) of a mapped {@code lo}; meaningful only when {@link #isV4} holds. */
    public static int v4(long lo) {
        return (int) lo;
    }

    /** :: or ::ffff:0.0.0.0: no address, in either family (a bind to "any", an unknown peer). */
    public static boolean isUnspecified(long hi, long lo) {
        return hi == 0 && (lo == 0 || lo == V4_PREFIX);
    }

    /** {@code hi} of a 4-byte (IPv4) or 16-byte (IPv6) address in network byte order. */
    public static long hi(byte[] address) {
        return address.length == 4 ? V4_HI : getLong(address, 0);
    }

    /** {@code lo} of a 4-byte (IPv4) or 16-byte (IPv6) address in network byte order. */
    public static long lo(byte[] address) {
        if (address.length == 4) {
            return v4Lo((address[0] & 0xff) << 24 | (address[1] & 0xff) << 16 | (address[2] & 0xff) << 8
                    | (address[3] & 0xff));
        }
        return getLong(address, 8);
    }

    /** Writes {@code hi:lo} as 16 bytes in network byte order at {@code dst[offset]}. */
    public static void toBytes(long hi, long lo, byte[] dst, int offset) {
        for (int i = 0; i < 8; i++) {
            dst[offset + i] = (byte) (hi >>> (56 - 8 * i));
            dst[offset + 8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
    }

    /** Dotted quad for an IPv4 address, else the full IPv6 form without zero compression; for logs and errors. */
    public static String format(long hi, long lo) {
        if (isV4(hi, lo)) {
            int a = v4(lo);
            return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            long half = i < 4 ? hi : lo;
            if (i > 0) {
                b.append(':');
            }
            b.append(Integer.toHexString((int) (half >>> (48 - 16 * (i & 3))) & 0xffff));
        }
        return b.toString();
    }

    private static long getLong(byte[] a, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (a[offset + i] & 0xff);
        }
        return v;
    }
}
