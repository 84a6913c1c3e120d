package io.jslirp.tap.api;

import io.jslirp.stack.NetConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

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
    /** inet_pton(AF_INET): four decimal parts, no leading zeros (glibc refuses "010"). */
    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    /**
     * Characters of an IPv6 literal, first one a hex digit or colon: for such text the JDK's
     * {@link InetAddress#getByName} parses the literal and never asks a resolver. No '%' scope, no brackets.
     */
    private static final Pattern IPV6_TEXT = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

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
        if (text.indexOf(':') < 0 || !IPV6_TEXT.matcher(text).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** inet_pton(AF_INET): the address in host order, or {@link #NOT_IPV4}. */
    static long ipv4(String text) {
        if (!IPV4.matcher(text).matches()) {
            return NOT_IPV4;
        }
        try {
            return NetConfig.parseIpv4(text) & 0xffff_ffffL;
        } catch (IllegalArgumentException e) {
            return NOT_IPV4; // the pattern lets 256..999 through
        }
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
