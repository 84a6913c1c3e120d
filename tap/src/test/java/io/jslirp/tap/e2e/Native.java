package io.jslirp.tap.e2e;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.NativeBlock;
import java.nio.charset.StandardCharsets;

/**
 * The few syscalls the tests need that Java does not offer: pidfd_open/pidfd_getfd (to borrow a TAP fd
 * another process opened inside a namespace), TUNSETIFF, and an AF_PACKET socket to write raw frames. Through
 * jslirp's own binding, plus the two functions it does not bind (sendto, if_nametoindex) on jffi directly.
 */
final class Native {
    private Native() {}

    static final LibC C = io.jslirp.tap.sys.Native.libc();
    private static final Invoker INVOKER = Invoker.getInstance();
    private static final com.kenai.jffi.Library LIBC = com.kenai.jffi.Library.getCachedInstance("libc.so.6",
            com.kenai.jffi.Library.LAZY | com.kenai.jffi.Library.LOCAL);
    private static final long SENDTO = LIBC.getSymbolAddress("sendto");
    private static final CallContext SENDTO_CONTEXT = CallContext.getCallContext(Type.SLONG,
            new Type[] {Type.SINT, Type.POINTER, Type.ULONG, Type.SINT, Type.POINTER, Type.UINT},
            CallingConvention.DEFAULT, true);
    private static final long IF_NAMETOINDEX = LIBC.getSymbolAddress("if_nametoindex");
    private static final CallContext IF_NAMETOINDEX_CONTEXT = CallContext.getCallContext(Type.UINT,
            new Type[] {Type.POINTER}, CallingConvention.DEFAULT, true);

    // Generic syscall numbers, the same on x86-64 and aarch64 (added in Linux 5.3 and 5.6).
    static final long SYS_PIDFD_OPEN = 434;
    static final long SYS_PIDFD_GETFD = 438;
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int ETH_P_ALL = 0x0003;

    static String lastError() {
        int e = io.jslirp.tap.sys.Native.errno();
        return C.strerror(e) + " (errno " + e + ")";
    }

    /** A copy of {@code fd} of process {@code pid}, or an exception saying why not. */
    static int borrowFd(long pid, int fd) {
        long pidfd = C.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (pidfd < 0) {
            throw new IllegalStateException("pidfd_open(" + pid + "): " + lastError());
        }
        try {
            long dup = C.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0);
            if (dup < 0) {
                throw new IllegalStateException("pidfd_getfd(" + pid + ", " + fd + "): " + lastError());
            }
            return (int) dup;
        } finally {
            C.close((int) pidfd);
        }
    }

    /** TUNSETIFF with IFF_TAP|IFF_NO_PI: attaches the open /dev/net/tun file to TAP {@code name}. */
    static void tunSetIff(int fd, String name) {
        byte[] ifr = new byte[40]; // struct ifreq: char name[16]; short flags; padding
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, ifr, 0, Math.min(n.length, 15));
        short flags = (short) (IFF_TAP | IFF_NO_PI);
        ifr[16] = (byte) flags; // little-endian short
        ifr[17] = (byte) (flags >> 8);
        try (NativeBlock arg = io.jslirp.tap.sys.Native.allocate(ifr.length)) {
            arg.put(0, ifr, 0, ifr.length);
            if (C.ioctl(fd, TUNSETIFF, arg.address()) < 0) {
                throw new IllegalStateException("TUNSETIFF " + name + ": " + lastError());
            }
        }
    }

    /** A raw AF_PACKET socket bound by address to {@code ifname} for sendto; returns fd and ifindex. */
    static int[] packetSocket(String ifname) {
        int fd = C.socket(AF_PACKET, SOCK_RAW, Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL)));
        if (fd < 0) {
            throw new IllegalStateException("socket(AF_PACKET): " + lastError());
        }
        int idx;
        byte[] n = ifname.getBytes(StandardCharsets.UTF_8);
        try (NativeBlock name = io.jslirp.tap.sys.Native.allocate(n.length + 1)) {
            name.put(0, n, 0, n.length);
            idx = (int) INVOKER.invokeN1(IF_NAMETOINDEX_CONTEXT, IF_NAMETOINDEX, name.address());
        }
        if (idx == 0) {
            C.close(fd);
            throw new IllegalStateException("no interface " + ifname);
        }
        return new int[] {fd, idx};
    }

    /** Sends one whole frame out of the interface; returns bytes sent or -1 (errno ignored on purpose). */
    static long sendFrame(int fd, int ifindex, byte[] frame) {
        byte[] sll = new byte[20]; // struct sockaddr_ll
        sll[0] = (byte) AF_PACKET; // sll_family (host order, little-endian)
        sll[2] = 0; // sll_protocol (network order): ETH_P_ALL
        sll[3] = (byte) ETH_P_ALL;
        sll[4] = (byte) ifindex;
        sll[5] = (byte) (ifindex >> 8);
        sll[6] = (byte) (ifindex >> 16);
        sll[7] = (byte) (ifindex >> 24);
        sll[11] = 6; // sll_halen
        System.arraycopy(frame, 0, sll, 12, Math.min(6, frame.length)); // sll_addr: destination MAC
        try (NativeBlock buf = io.jslirp.tap.sys.Native.allocate(frame.length);
                NativeBlock addr = io.jslirp.tap.sys.Native.allocate(sll.length)) {
            buf.put(0, frame, 0, frame.length);
            addr.put(0, sll, 0, sll.length);
            return INVOKER.invokeN6(SENDTO_CONTEXT, SENDTO, fd, buf.address(), frame.length, 0, addr.address(),
                    sll.length);
        }
    }
}
