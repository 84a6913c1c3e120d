package io.jslirp.tap.sys;

/**
 * Flag values from the Linux UAPI headers ({@code fcntl.h}, {@code socket.h}, {@code sched.h},
 * {@code sys/eventfd.h}, {@code sys/epoll.h}, {@code netinet/tcp.h}, {@code netinet/in.h}, {@code sys/resource.h}, {@code linux/netlink.h}); the same on x86-64 and aarch64.
 */
public final class Flags {
    private Flags() {
    }

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = 1;

    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    /** {@code linux/netlink.h}: the routing family, where addresses and routes are added. */
    public static final int NETLINK_ROUTE = 0;
    public static final int SOL_NETLINK = 270;
    /** The kernel echoes only the header of a failed request, not its whole body, in the error message. */
    public static final int NETLINK_CAP_ACK = 10;
    /** The kernel adds its own words to an error ("Nexthop has invalid gateway"), which we print. */
    public static final int NETLINK_EXT_ACK = 11;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;

    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_LINGER = 13;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_IPV6 = 41;
    /** {@code linux/in6.h}: 0 makes an AF_INET6 socket dual-stack whatever net.ipv6.bindv6only says. */
    public static final int IPV6_V6ONLY = 26;
    /** {@code SOL_IP} is {@code IPPROTO_IP}: the level of IP_RECVERR and of its control message. */
    public static final int SOL_IP = 0;
    public static final int IP_RECVERR = 11;
    /** {@code linux/icmp.h}: a raw ICMP socket's filter, a bit mask of ICMP types to drop. */
    public static final int SOL_RAW = 255;
    public static final int ICMP_FILTER = 1;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_ERRQUEUE = 0x2000;
    public static final int TCP_NODELAY = 1;
    public static final int SHUT_WR = 1;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_DONTWAIT = 0x40;

    public static final int RLIMIT_NOFILE = 7;

    public static final int CLONE_NEWNET = 0x40000000;
    public static final int CLONE_NEWUSER = 0x10000000;

    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
}
