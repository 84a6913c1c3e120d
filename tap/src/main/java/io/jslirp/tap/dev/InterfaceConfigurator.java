package io.jslirp.tap.dev;

import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;

/**
 * Configures interfaces with the same ioctls slirp4netns's {@code --configure} uses, so that the addresses
 * and routes the kernel derives are identical. The ioctls act on the namespace of the AF_INET datagram
 * socket given at construction, which is why that socket must have been created inside the target
 * namespace; the calling thread's namespace does not matter. Takes ownership of the socket.
 *
 * <p>For slirp4netns's result, call in this order: {@code setUp("lo")}, {@code setMtu}, optionally
 * {@code setMac}, {@code setAddress}, {@code setUp(tap)}, then {@code addDefaultRoute} (the kernel refuses a
 * gateway route through a down interface).
 */
public final class InterfaceConfigurator implements AutoCloseable {
    static final long SIOCADDRT = 0x890B;
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final long SIOCSIFADDR = 0x8916;
    static final long SIOCSIFBRDADDR = 0x891a;
    static final long SIOCSIFNETMASK = 0x891c;
    static final long SIOCGIFMTU = 0x8921;
    static final long SIOCSIFMTU = 0x8922;
    static final long SIOCGIFTXQLEN = 0x8942;
    static final long SIOCSIFTXQLEN = 0x8943;
    static final long SIOCSIFHWADDR = 0x8924;
    static final long SIOCGIFINDEX = 0x8933;

    public static final int IFF_UP = 0x1;
    static final short ARPHRD_ETHER = 1;
    static final short RTF_UP = 0x1;
    static final short RTF_GATEWAY = 0x2;

    // struct rtentry on LP64: pad1(8) dst(16) gateway(16) genmask(16) flags(2) pad2(2) [pad 4] pad3(8)
    // pad4(8) metric(2) [pad 6] dev(8) mtu(8) window(8) irtt(2) [pad 6] = 120 bytes.
    private static final int RT_SIZE = 120;
    private static final int RT_DST = 8;
    private static final int RT_GATEWAY = 24;
    private static final int RT_GENMASK = 40;
    private static final int RT_FLAGS = 56;
    private static final int RT_DEV = 88;

    private final int socketFd;
    private final LibC libc = Native.libc();
    private boolean closed;

    /** Wraps {@code controlSocketFd}, an AF_INET SOCK_DGRAM socket created in the target namespace. */
    public InterfaceConfigurator(int controlSocketFd) {
        this.socketFd = controlSocketFd;
    }

    private void ioctl(long request, NativeBlock arg, String what) throws NativeException {
        if (libc.ioctl(socketFd, request, arg.address()) < 0) {
            throw NativeException.last(what);
        }
    }

    /** The interface's flags (IFF_*), from SIOCGIFFLAGS. */
    public int flags(String ifname) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ioctl(SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS " + ifname);
            return ifr.getShort(Ifreq.UNION) & 0xffff;
        }
    }

    /** Sets IFF_UP, keeping the other flags (read-modify-write, as ifconfig and slirp4netns do). */
    public void setUp(String ifname) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ioctl(SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS " + ifname);
            ifr.putShort(Ifreq.UNION, (short) (ifr.getShort(Ifreq.UNION) | IFF_UP));
            ioctl(SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS " + ifname);
        }
    }

    public void setMtu(String ifname, int mtu) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ifr.putInt(Ifreq.UNION, mtu);
            ioctl(SIOCSIFMTU, ifr, "SIOCSIFMTU " + ifname + " " + mtu);
        }
    }

    /**
     * The device's transmit queue length; for a TAP it is also the depth of the ring between the guest and
     * jslirp, so it is what absorbs the guest's bursts while jslirp is busy.
     */
    public void setTxQueueLength(String ifname, int frames) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ifr.putInt(Ifreq.UNION, frames);
            ioctl(SIOCSIFTXQLEN, ifr, "SIOCSIFTXQLEN " + ifname + " " + frames);
        }
    }

    public int txQueueLength(String ifname) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ioctl(SIOCGIFTXQLEN, ifr, "SIOCGIFTXQLEN " + ifname);
            return ifr.getInt(Ifreq.UNION);
        }
    }

    public int mtu(String ifname) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ioctl(SIOCGIFMTU, ifr, "SIOCGIFMTU " + ifname);
            return ifr.getInt(Ifreq.UNION);
        }
    }

    /** Sets the Ethernet address; {@code mac48} holds the six octets in its low 48 bits, first octet highest. */
    public void setMac(String ifname, long mac48) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ifr.putShort(Ifreq.UNION, ARPHRD_ETHER);
            for (int i = 0; i < 6; i++) {
                ifr.putByte(Ifreq.UNION + 2 + i, (byte) (mac48 >>> (40 - 8 * i)));
            }
            ioctl(SIOCSIFHWADDR, ifr, "SIOCSIFHWADDR " + ifname);
        }
    }

    /**
     * Address, then netmask, then broadcast — slirp4netns's order. SIOCSIFADDR alone would give a classful
     * prefix (/8 for 10.x); the netmask ioctl then replaces the kernel's prefix route with the /24 one
     * ({@code proto kernel scope link src ...}). IPv4 values are host-order ints.
     */
    public void setAddress(String ifname, int addr, int netmask, int broadcast) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            Ifreq.putSockaddrIn(ifr, Ifreq.UNION, addr);
            ioctl(SIOCSIFADDR, ifr, "SIOCSIFADDR " + ifname + " " + Ifreq.dotted(addr));
            Ifreq.putSockaddrIn(ifr, Ifreq.UNION, netmask);
            ioctl(SIOCSIFNETMASK, ifr, "SIOCSIFNETMASK " + ifname + " " + Ifreq.dotted(netmask));
            Ifreq.putSockaddrIn(ifr, Ifreq.UNION, broadcast);
            ioctl(SIOCSIFBRDADDR, ifr, "SIOCSIFBRDADDR " + ifname + " " + Ifreq.dotted(broadcast));
        }
    }

    /**
     * {@code default via gateway dev ifname}: SIOCADDRT with RTF_UP|RTF_GATEWAY, metric 0, bound to the
     * device. The kernel records it as proto boot, which {@code ip route} does not print — matching what
     * slirp4netns produces.
     */
    public void addDefaultRoute(String ifname, int gateway) throws NativeException {
        byte[] name = Ifreq.checkName(ifname);
        try (NativeBlock dev = Native.allocate(name.length + 1)) {
            dev.put(0, name, 0, name.length);
            try (NativeBlock rt = Native.allocate(RT_SIZE)) {
                Ifreq.putSockaddrIn(rt, RT_DST, 0);
                Ifreq.putSockaddrIn(rt, RT_GATEWAY, gateway);
                Ifreq.putSockaddrIn(rt, RT_GENMASK, 0);
                rt.putShort(RT_FLAGS, (short) (RTF_UP | RTF_GATEWAY));
                rt.putAddress(RT_DEV, dev.address());
                ioctl(SIOCADDRT, rt, "SIOCADDRT default via " + Ifreq.dotted(gateway) + " dev " + ifname);
            }
        }
    }

    /** The interface index; throws (ENODEV) if there is no such interface in the socket's namespace. */
    public int ifIndex(String ifname) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(ifname)) {
            ioctl(SIOCGIFINDEX, ifr, "SIOCGIFINDEX " + ifname);
            return ifr.getInt(Ifreq.UNION);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Fds.close(socketFd);
        }
    }
}
