package io.jslirp.tap.e2e;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The few syscalls the tests need that Java does not offer: pidfd_open/pidfd_getfd (to borrow a TAP fd
 * another process opened inside a namespace), TUNSETIFF, and an AF_PACKET socket to write raw frames.
 */
final class Native {
    private Native() {}

    public interface LibC {
        @SaveError
        long syscall(long number, long a1, long a2, long a3);

        @SaveError
        int ioctl(int fd, long request, byte[] arg);

        int close(int fd);

        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

        int if_nametoindex(String name);

        String strerror(int errnum);
    }

    static final LibC C = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RT = Runtime.getRuntime(C);

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
        int e = RT.getLastError();
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
        if (C.ioctl(fd, TUNSETIFF, ifr) < 0) {
            throw new IllegalStateException("TUNSETIFF " + name + ": " + lastError());
        }
    }

    /** A raw AF_PACKET socket bound by address to {@code ifname} for sendto; returns fd and ifindex. */
    static int[] packetSocket(String ifname) {
        int fd = C.socket(AF_PACKET, SOCK_RAW, Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL)));
        if (fd < 0) {
            throw new IllegalStateException("socket(AF_PACKET): " + lastError());
        }
        int idx = C.if_nametoindex(ifname);
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
        return C.sendto(fd, frame, frame.length, 0, sll, sll.length);
    }
}
