package io.jslirp.tap.api;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Host addresses as the API and {@code --publish} read and print them: literals only, never a name (a
 * lookup would block the event loop on DNS), and IPv6 in its RFC 5952 text.
 */
public final class HostAddresses {
    private HostAddresses() {
    }

    /** 0.0.0.0: every IPv4 interface, the default host address of a forward. */
    public static final InetAddress ANY4 = addressOf(new byte[4]);

    static final long NOT_IPV4 = -1;

    /**
     * IPv4 as inet_pton reads it, or (beyond slirp4netns) an IPv6 literal; an IPv4-mapped one comes back as
     * the IPv4 address. Null for anything else, names included.
     */
    public static InetAddress parse(String text) {
        long v4 = ipv4(text);
        if (v4 != NOT_IPV4) {
            int v = (int) v4;
            return addressOf(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        }
        if (!isIpv6Text(text)) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * inet_pton(AF_INET): the address in host order, or {@link #NOT_IPV4}. Four parts, each 0..255 in ASCII
     * decimal without a leading zero (glibc refuses "010"), separated by single dots. A loop rather than a
     * regex: the start path would load java.util.regex for this alone.
     */
    static long ipv4(String text) {
        int n = text.length();
        int i = 0;
        long value = 0;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (i == n || text.charAt(i) != '.') {
                    return NOT_IPV4;
                }
                i++;
            }
            int start = i;
            int octet = 0;
            for (; i < n && i - start < 3 && isDigit(text.charAt(i)); i++) {
                octet = octet * 10 + (text.charAt(i) - '0');
            }
            if (i == start || (i - start > 1 && text.charAt(start) == '0') || octet > 255) {
                return NOT_IPV4;
            }
            value = value << 8 | octet;
        }
        return i == n ? value : NOT_IPV4;
    }

    /**
     * Text of an IPv6 literal: a colon somewhere, the first character a hex digit or colon, the rest hex
     * digits, colons and dots. For such text the JDK's {@link InetAddress#getByName} parses the literal and
     * never asks a resolver. No '%' scope, no brackets.
     */
    static boolean isIpv6Text(String text) {
        if (text.indexOf(':') < 0 || text.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != ':' && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** ASCII only, as the regex's [0-9] was: Character.isDigit would take other scripts' digits. */
    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Dotted quad for IPv4; for IPv6 the RFC 5952 text ({@code ::}, {@code ::1}, {@code fe80::1}), which is
     * what a user typed and what {@code ss} prints, rather than the JDK's uncompressed {@code 0:0:0:0:0:0:0:1}.
     */
    public static String format(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2: the longest run of two or more zero groups becomes "::", the first of equal runs.
        int runStart = -1;
        int runLength = 1;
        for (int i = 0; i < 8;) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > runLength) {
                runStart = i;
                runLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == runStart) {
                sb.append("::");
                i += runLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static InetAddress addressOf(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a length other than 4 or 16
        }
    }
}
