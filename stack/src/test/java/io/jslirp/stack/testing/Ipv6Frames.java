package io.jslirp.stack.testing;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Builds IPv6 test packets as byte arrays with its own pseudo-header and checksum code (independent of
 * the stack's), and converts between address literals and the stack's (hi, lo) pairs.
 */
public final class Ipv6Frames {
    public static final int ETHERTYPE_IPV6 = 0x86dd;

    private Ipv6Frames() {
    }

    /** An IPv6 literal as 16 octets (a literal is parsed, never looked up). */
    public static byte[] addr(String literal) {
        try {
            InetAddress a = InetAddress.getByName(literal);
            byte[] b = a.getAddress();
            if (b.length == 16) {
                return b;
            }
            // Java folds ::ffff:a.b.c.d into an Inet4Address; rebuild the mapped form.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(b, 0, mapped, 12, 4);
            return mapped;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public static Inet6Address inet6(String literal) {
        try {
            return Inet6Address.getByAddress(null, addr(literal), null);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public static long hi(String literal) {
        return ByteBuffer.wrap(addr(literal)).getLong(0);
    }

    public static long lo(String literal) {
        return ByteBuffer.wrap(addr(literal)).getLong(8);
    }

    /** Octets from a hex string; spaces, colons and newlines are ignored. */
    public static byte[] hex(String s) {
        String h = s.replaceAll("[\\s:]", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A 40-octet IPv6 header (traffic class and flow label zero) followed by {@code payload}. */
    public static byte[] ipv6(int nextHeader, int hopLimit, String src, String dst, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.putInt(0x6000_0000);
        b.putShort((short) payload.length);
        b.put((byte) nextHeader).put((byte) hopLimit);
        b.put(addr(src)).put(addr(dst)).put(payload);
        return b.array();
    }

    /** Ethernet II around an IPv6 packet. */
    public static byte[] ethernet(long dstMac, long srcMac, byte[] ipv6) {
        ByteBuffer b = ByteBuffer.allocate(14 + ipv6.length);
        b.putShort((short) (dstMac >>> 32)).putInt((int) dstMac);
        b.putShort((short) (srcMac >>> 32)).putInt((int) srcMac);
        b.putShort((short) ETHERTYPE_IPV6).put(ipv6);
        return b.array();
    }

    /**
     * A Neighbor Solicitation frame from the guest ({@code srcMac}) to {@code routerMac}: from a unicast
     * {@code src}, to {@code target} itself with a source link-layer option; from {@code ::}, a duplicate
     * address detection probe (RFC 4862 5.4.2) to the target's solicited-node group, without the option.
     */
    public static byte[] neighborSolicitation(long routerMac, long srcMac, String src, String target) {
        byte[] t = addr(target);
        if (src.equals("::")) {
            String dst = String.format("ff02::1:ff%02x:%02x%02x", t[13] & 0xff, t[14] & 0xff, t[15] & 0xff);
            ByteBuffer body = ByteBuffer.allocate(4 + 16);
            body.putInt(0).put(t);
            long groupMac = 0x3333_ff00_0000L | (t[13] & 0xff) << 16 | (t[14] & 0xff) << 8 | (t[15] & 0xff);
            return ethernet(groupMac, srcMac, ipv6(58, 255, src, dst, icmpv6(src, dst, 135, 0, body.array())));
        }
        ByteBuffer body = ByteBuffer.allocate(4 + 16 + 8);
        body.putInt(0).put(t).put((byte) 1).put((byte) 1);
        body.putShort((short) (srcMac >>> 32)).putInt((int) srcMac);
        return ethernet(routerMac, srcMac, ipv6(58, 255, src, target, icmpv6(src, target, 135, 0, body.array())));
    }

    /**
     * An ICMPv6 message: type, code, a correct checksum, then {@code body} (everything after the checksum,
     * the 4-octet second word included).
     */
    public static byte[] icmpv6(String src, String dst, int type, int code, byte[] body) {
        byte[] m = new byte[4 + body.length];
        m[0] = (byte) type;
        m[1] = (byte) code;
        System.arraycopy(body, 0, m, 4, body.length);
        int c = checksum(src, dst, 58, m);
        m[2] = (byte) (c >>> 8);
        m[3] = (byte) c;
        return m;
    }

    /** A UDP datagram with a correct checksum. */
    public static byte[] udp(String src, String dst, int srcPort, int dstPort, byte[] payload) {
        byte[] d = new byte[8 + payload.length];
        ByteBuffer b = ByteBuffer.wrap(d);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) d.length).putShort((short) 0);
        b.put(payload);
        int c = checksum(src, dst, 17, d);
        if (c == 0) {
            c = 0xffff; // RFC 8200 8.1: a computed zero is sent as all ones
        }
        d[6] = (byte) (c >>> 8);
        d[7] = (byte) c;
        return d;
    }

    /** The checksum RFC 8200 8.1 defines, from the 40-octet pseudo-header as drawn, word by word. */
    public static int checksum(String src, String dst, int nextHeader, byte[] upper) {
        ByteBuffer p = ByteBuffer.allocate(40 + upper.length + 1);
        p.put(addr(src)).put(addr(dst)).putInt(upper.length).put(new byte[3]).put((byte) nextHeader).put(upper);
        byte[] a = p.array();
        long sum = 0;
        for (int i = 0; i + 1 < 40 + upper.length + 1; i += 2) {
            sum += ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
