package io.jslirp.stack;

import io.jslirp.stack.wire.Ipv6Packet;

import java.util.Objects;

/**
 * The IPv6 side of the virtual network, as slirp4netns {@code -6} (libslirp) presents it: one /64 prefix
 * (fd00::/64 unless {@code --cidr6} names another), the router and host at prefix::2, the DNS forwarder at
 * prefix::3, both also reachable at their link-local twins fe80::2 and fe80::3, and the guest choosing its own
 * address by SLAAC from our router advertisements.
 *
 * <p>Addresses are two {@code long}s (high and low 64 bits, as {@link Ipv6Packet} reads them). Within a /64
 * the low half alone tells our two addresses apart, and the same low halves serve the link-local twins, so
 * "is this ours" is two compares. MACs are libslirp's: 52:56 followed by the address's last four octets, so
 * 52:56:00:00:00:02 for the router and :03 for DNS whatever the prefix.
 */
public final class Ipv6Config {
    public static final String DEFAULT_PREFIX = "fd00::/64";
    /** fe80::/64, where the router's and the DNS forwarder's link-local addresses live (RFC 4291 2.5.6). */
    public static final long LINK_LOCAL_HI = 0xfe80_0000_0000_0000L;
    /** The low half of the router/host address (prefix::2, fe80::2). */
    public static final long ROUTER_LO = 2;
    /** The low half of the DNS address (prefix::3, fe80::3). */
    public static final long DNS_LO = 3;
    /**
     * The low half of the guest's own address, prefix::100, the IPv6 twin of 10.0.2.100: what {@code -c -6}
     * puts on the TAP and where port forwards to the guest point. A SLAAC address beside it does no harm.
     */
    public static final long GUEST_LO = 0x100;
    /** libslirp's MAC prefix for IPv6: 52:56, then the address's last four octets. */
    private static final long SLIRP6_MAC_PREFIX = 0x5256_0000_0000L;

    private final long prefixHi;
    private final int mtu;

    private Ipv6Config(long prefixHi, int mtu) {
        this.prefixHi = prefixHi;
        this.mtu = mtu;
    }

    /** fd00::/64, as slirp4netns. */
    public static Ipv6Config defaults(int mtu) {
        return of(DEFAULT_PREFIX, mtu);
    }

    /**
     * @param prefix {@code PREFIX/64} as {@code --cidr6} takes it; see {@link #parsePrefix} for the rules
     * @param mtu    the link MTU, which the router advertisement's MTU option states
     */
    public static Ipv6Config of(String prefix, int mtu) {
        if (mtu < NetConfig.MIN_MTU || mtu > NetConfig.MAX_MTU) {
            throw new IllegalArgumentException("MTU must be a positive integer (< 65522)");
        }
        return new Ipv6Config(parsePrefix(prefix), mtu);
    }

    /**
     * Parses {@code ADDRESS/64} and returns the prefix's high half. SLAAC forms an address from a /64 and a
     * 64-bit interface identifier (RFC 4862 5.5.3 with RFC 4291 2.5.1), so only /64 works for the guest; the
     * host bits must be zero, as {@code --cidr} insists for IPv4; and the prefix must be one a host may have
     * as a unicast on-link prefix: not multicast (ff00::/8), not link-local (fe80::/10, where fe80::2 already
     * lives), not the ::/64 that holds the unspecified, loopback and IPv4-mapped addresses.
     */
    public static long parsePrefix(String text) {
        Objects.requireNonNull(text, "prefix");
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid IPv6 prefix (want PREFIX/64, such as fd00::/64): " + text);
        }
        String length = text.substring(slash + 1);
        if (!length.equals("64")) {
            throw new IllegalArgumentException("IPv6 prefix length must be 64 (SLAAC needs a /64): " + text);
        }
        long[] address;
        try {
            address = parseIpv6(text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid IPv6 prefix (want PREFIX/64, such as fd00::/64): " + text);
        }
        long hi = address[0];
        if (address[1] != 0) {
            throw new IllegalArgumentException("IPv6 prefix needs to be a network address like fd00::/64, not like "
                    + text);
        }
        if (Ipv6Packet.isMulticast(hi)) {
            throw new IllegalArgumentException("IPv6 prefix must not be multicast: " + text);
        }
        if (Ipv6Packet.isLinkLocal(hi)) {
            throw new IllegalArgumentException("IPv6 prefix must not be link-local: " + text);
        }
        if (hi == 0) {
            throw new IllegalArgumentException("IPv6 prefix ::/64 holds the unspecified, loopback and IPv4-mapped "
                    + "addresses; choose another, such as fd00::/64");
        }
        return hi;
    }

    /**
     * A strict IPv6 literal (RFC 4291 2.2): eight groups of one to four hex digits, at most one {@code ::},
     * optionally a dotted-quad tail; no zone, no brackets. Parsed by hand so that no text can become a name
     * lookup.
     *
     * @return {hi, lo}
     */
    public static long[] parseIpv6(String text) {
        Objects.requireNonNull(text, "address");
        int[] groups = new int[8];
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: " + text);
        }
        int[] head = gap >= 0 ? parseGroups(text.substring(0, gap), text) : parseGroups(text, text);
        int[] tail = gap >= 0 ? parseGroups(text.substring(gap + 2), text) : new int[0];
        if (gap < 0 ? head.length != 8 : head.length + tail.length > 7) {
            throw new IllegalArgumentException("not an IPv6 address: " + text);
        }
        System.arraycopy(head, 0, groups, 0, head.length);
        System.arraycopy(tail, 0, groups, 8 - tail.length, tail.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = hi << 16 | groups[i];
            lo = lo << 16 | groups[i + 4];
        }
        return new long[] {hi, lo};
    }

    /** Colon-separated groups; a final dotted quad counts as two groups. Empty text is no groups. */
    private static int[] parseGroups(String part, String whole) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] fields = part.split(":", -1);
        boolean quad = fields[fields.length - 1].indexOf('.') >= 0;
        int[] out = new int[fields.length + (quad ? 1 : 0)];
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (quad && i == fields.length - 1) {
                int v4;
                try {
                    v4 = NetConfig.parseIpv4(f);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("not an IPv6 address: " + whole);
                }
                out[i] = v4 >>> 16;
                out[i + 1] = v4 & 0xffff;
                break;
            }
            if (f.isEmpty() || f.length() > 4 || !NetConfig.asciiDigits(f, 16)) {
                throw new IllegalArgumentException("not an IPv6 address: " + whole);
            }
            out[i] = Integer.parseInt(f, 16);
        }
        return out;
    }

    /** Full text of {@code hi:lo} in RFC 5952 form (lower case, the longest run of zero groups as ::). */
    public static String format(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestAt = -1;
        int bestLen = 1; // RFC 5952 4.2.2: a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }

    /** The /64 prefix's high half (fd00:: is 0xfd00_0000_0000_0000). */
    public long prefixHi() {
        return prefixHi;
    }

    public int mtu() {
        return mtu;
    }

    /** The router/host address's high half (its low half is {@link #ROUTER_LO}). */
    public long routerHi() {
        return prefixHi;
    }

    /** The DNS forwarder's address's high half (its low half is {@link #DNS_LO}). */
    public long dnsHi() {
        return prefixHi;
    }

    public long routerMac() {
        return macFor(ROUTER_LO);
    }

    public long dnsMac() {
        return macFor(DNS_LO);
    }

    /** 52:56 and the low four octets of the address, as libslirp. */
    private static long macFor(long lo) {
        return SLIRP6_MAC_PREFIX | (lo & 0xffff_ffffL);
    }

    /**
     * True for one of our four unicast addresses: prefix::2, prefix::3, fe80::2, fe80::3. These are the
     * addresses we answer Neighbor Solicitations and echo requests for.
     */
    public boolean isOurs(long hi, long lo) {
        return (hi == prefixHi || hi == LINK_LOCAL_HI) && (lo == ROUTER_LO || lo == DNS_LO);
    }

    /** True for prefix::3 or fe80::3. */
    public boolean isDns(long hi, long lo) {
        return (hi == prefixHi || hi == LINK_LOCAL_HI) && lo == DNS_LO;
    }

    /**
     * Which of our MACs a frame from {@code hi:lo} carries: the DNS address has its own, every other source
     * (the router itself or anything beyond it) comes through the router, so its MAC. Same rule as IPv4.
     */
    public long ourMacFor(long hi, long lo) {
        return isDns(hi, lo) ? dnsMac() : routerMac();
    }

    /** Inside our /64 (where the guest's SLAAC address is). */
    public boolean inPrefix(long hi) {
        return hi == prefixHi;
    }

    /**
     * A source the guest may use toward us: a unicast address ({@link Ipv6Packet#isUnicastSource}) that is not
     * one of ours (that would be a spoof or a loop). Link-local and global sources are both fine; which
     * one the guest chooses is its business (RFC 6724).
     */
    public boolean isGuestSource(long hi, long lo) {
        return Ipv6Packet.isUnicastSource(hi, lo) && !isOurs(hi, lo);
    }

    @Override
    public String toString() {
        return format(prefixHi, 0) + "/64 mtu " + mtu;
    }
}
