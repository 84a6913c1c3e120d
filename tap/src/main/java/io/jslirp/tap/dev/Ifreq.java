package io.jslirp.tap.dev;

import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import java.nio.charset.StandardCharsets;

/**
 * A {@code struct ifreq} in native memory: {@code char ifr_name[IFNAMSIZ]} then a 24-byte union
 * (flags/ifindex/mtu as short or int, or a {@code struct sockaddr}).
 */
final class Ifreq {
    static final int IFNAMSIZ = 16;
    static final int SIZE = 40;
    /** Offset of the union: ifr_flags, ifr_ifindex, ifr_mtu, ifr_addr all start here. */
    static final int UNION = 16;

    private Ifreq() {
    }

    /** A zeroed ifreq with {@code ifname} in ifr_name; the caller closes it. */
    static NativeBlock forName(String ifname) {
        byte[] name = checkName(ifname);
        NativeBlock p = Native.allocate(SIZE);
        p.put(0, name, 0, name.length);
        return p;
    }

    /** Interface names are at most 15 bytes plus NUL; the kernel would silently truncate longer ones. */
    static byte[] checkName(String ifname) {
        if (ifname == null || ifname.isEmpty()) {
            throw new IllegalArgumentException("interface name is empty");
        }
        byte[] name = ifname.getBytes(StandardCharsets.UTF_8);
        if (name.length >= IFNAMSIZ || ifname.indexOf('/') >= 0 || ifname.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid interface name: " + ifname);
        }
        return name;
    }

    static String name(NativeBlock ifr) {
        return ifr.getString(0, IFNAMSIZ, StandardCharsets.UTF_8);
    }

    /** Writes a {@code struct sockaddr_in} (family in host order, port 0, address big-endian) at {@code off}. */
    static void putSockaddrIn(NativeBlock p, int off, int addrHostOrder) {
        p.putShort(off, (short) io.jslirp.tap.sys.Flags.AF_INET);
        p.putShort(off + 2, (short) 0);
        p.putByte(off + 4, (byte) (addrHostOrder >>> 24));
        p.putByte(off + 5, (byte) (addrHostOrder >>> 16));
        p.putByte(off + 6, (byte) (addrHostOrder >>> 8));
        p.putByte(off + 7, (byte) addrHostOrder);
    }

    static String dotted(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }
}
