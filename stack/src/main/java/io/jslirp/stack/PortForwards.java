package io.jslirp.stack;

import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.tcp.TcpLayer;
import io.jslirp.stack.udp.UdpLayer;

import io.jslirp.stack.flow.ForwardPath;
import io.jslirp.stack.wire.IpAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * The table of host ports forwarded into the guest: what {@code --publish}, the API socket's
 * {@code add_hostfwd}/{@code remove_hostfwd}/{@code list_hostfwd} and the Java API change.
 *
 * <p>A forward is a listening host socket owned by the TCP or UDP layer (which accepts or receives on it and
 * opens flows into the guest) plus an id. Ids start at 1 and are never reused, as slirp4netns's, so a runtime
 * that removes a stale id cannot remove somebody else's forward. Removing a TCP forward closes only its
 * listening socket: connections it already accepted keep running until they end by themselves. A UDP
 * forward's clients all share its one socket, so removing it ends their mappings too (a guest's later
 * reply follows the ordinary relay rules). Like the rest of the stack this is confined to the event-loop
 * thread. It sits beside {@link Stack}, not in {@code relay}: it drives the TCP and UDP layers, which
 * themselves use {@code relay}'s host-socket interfaces, so {@code relay} depends on no protocol package.
 *
 * <p><b>Families.</b> The host address may be of either family (an IPv6 one dual-stack, as the host's
 * sockets are), and so may the guest address. Which family a client reaches the guest in:
 * <ul>
 * <li>an IPv4 guest address named (the int overload, or an {@link Inet4Address}): IPv4, for clients of both
 *     families, byte-for-byte as slirp4netns;</li>
 * <li>an IPv6 guest address named: IPv6, for clients of both families, so that a guest server listening on
 *     {@code [::]:port} with IPV6_V6ONLY serves IPv4 clients too;</li>
 * <li>none named ({@code null}): an IPv6 client (not IPv4-mapped) goes over IPv6 when {@code -6} is on and
 *     the guest has an IPv6 address ({@link Stack#setGuestAddress6}, else learned from its Neighbor
 *     Discovery, prefix::100 preferred); if the guest refuses that SYN (RST, ICMPv6 unreachable, no neighbour
 *     answer, no answer at all) the same client connection is retried over IPv4 before it fails. Every other
 *     client goes over IPv4 to network+100. UDP has no such retry.</li>
 * </ul>
 * The client appears to the guest over IPv4 as slirp4netns shows it (itself, or network+2); over IPv6 as
 * prefix::2 for a loopback or unspecified client of either family, as itself for another IPv6 client, and as
 * 64:ff9b::a.b.c.d for another IPv4 client ({@code flow.ForwardPath} has the full table and its reasons).
 */
public final class PortForwards {
    public enum Protocol {
        TCP("tcp"), UDP("udp");

        private final String wireName;

        Protocol(String wireName) {
            this.wireName = wireName;
        }

        /** {@code "tcp"} or {@code "udp"}, as the API spells it. */
        public String wireName() {
            return wireName;
        }
    }

    /** One forward as added; {@code hostPort} is the port actually bound (the kernel's choice for 0). */
    public static final class Forward {
        private final int id;
        private final Protocol protocol;
        private final InetAddress hostAddr;
        private final int hostPort;
        private final InetAddress guestAddress;
        private final boolean guestAddressNamed;
        private final int guestPort;
        final int handle;

        Forward(int id, Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddress,
                boolean guestAddressNamed, int guestPort, int handle) {
            this.id = id;
            this.protocol = protocol;
            this.hostAddr = hostAddr;
            this.hostPort = hostPort;
            this.guestAddress = guestAddress;
            this.guestAddressNamed = guestAddressNamed;
            this.guestPort = guestPort;
            this.handle = handle;
        }

        public int id() {
            return id;
        }

        public Protocol protocol() {
            return protocol;
        }

        public InetAddress hostAddr() {
            return hostAddr;
        }

        public int hostPort() {
            return hostPort;
        }

        /**
         * The IPv4 guest address, host byte order: the named one, or the IPv4 default (network+100) when none
         * was named; 0 for a forward that names an IPv6 guest address.
         */
        public int guestAddr() {
            return guestAddress instanceof Inet4Address ? ipv4((Inet4Address) guestAddress) : 0;
        }

        /**
         * The guest address as named ({@link Inet4Address} or {@link Inet6Address}), or the IPv4 default
         * (network+100) when none was named, which is what {@code list_hostfwd} shows.
         */
        public InetAddress guestAddress() {
            return guestAddress;
        }

        /**
         * Whether the forward named its guest address. One that did not sends IPv6 clients to the guest's
         * IPv6 address when the guest has one (see the class comment).
         */
        public boolean guestAddressNamed() {
            return guestAddressNamed;
        }

        public int guestPort() {
            return guestPort;
        }

        @Override
        public String toString() {
            return id + " " + protocol.wireName() + " " + endpoint(hostAddr, hostPort) + " -> "
                    + endpoint(guestAddress, guestPort);
        }

        /** {@code [fd00::100]:80} (short form, bracketed) or {@code 10.0.2.100:80}. */
        static String endpoint(InetAddress a, int port) {
            return a instanceof Inet6Address
                    ? "[" + Ipv6Config.format(IpAddress.hi(a.getAddress()), IpAddress.lo(a.getAddress())) + "]:" + port
                    : a.getHostAddress() + ":" + port;
        }
    }

    /** A forward that could not be added; {@link #errno()} is the host's reason (EADDRINUSE, EACCES...). */
    public static final class ForwardException extends Exception {
        private final int errno;

        public ForwardException(int errno, String message) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /** Errno for a request the table itself refuses (a duplicate, a guest address outside the network). */
    public static final int EINVAL = 22;

    private final NetConfig config;
    private final TcpLayer tcp;
    private final UdpLayer udp;
    private final Map<Integer, Forward> byId = new LinkedHashMap<>();
    private int lastId;

    public PortForwards(NetConfig config, TcpLayer tcp, UdpLayer udp) {
        this.config = Objects.requireNonNull(config, "config");
        this.tcp = Objects.requireNonNull(tcp, "tcp");
        this.udp = Objects.requireNonNull(udp, "udp");
    }

    /**
     * Listens on {@code hostAddr:hostPort} (port 0: any free port) and forwards what arrives to the IPv4
     * {@code guestAddr:guestPort}, for clients of both families. The id is consumed only when the forward is
     * added.
     *
     * @param guestAddr IPv4, host byte order; must be a host address of the virtual network other than the
     *                  gateway and the DNS address
     * @throws ForwardException when the host refuses the socket (EADDRINUSE, EACCES, EADDRNOTAVAIL...), when
     *                          the same protocol, address and port are already forwarded, or for a bad guest
     *                          address or port
     */
    public Forward add(Protocol protocol, InetAddress hostAddr, int hostPort, int guestAddr, int guestPort)
            throws ForwardException {
        checkPorts(hostPort, guestPort);
        checkGuestV4(guestAddr);
        return open(protocol, hostAddr, hostPort, v4Address(guestAddr), true, V4_HI, v4Lo(guestAddr), guestPort,
                ForwardPath.NAMED_V4);
    }

    /**
     * Listens on {@code hostAddr:hostPort} (port 0: any free port) and forwards what arrives to
     * {@code guestAddr:guestPort}, by the family rule of the class comment:
     * <ul>
     * <li>{@code guestAddr} null: no address named. IPv4 clients go to the IPv4 default (network+100); IPv6
     *     clients go over IPv6 to the guest's IPv6 address when {@code -6} is on and the guest has one
     *     ({@link Stack#setGuestAddress6}, or learned from its Neighbor Discovery), falling back to IPv4 on the
     *     same client connection when the guest refuses the IPv6 SYN.</li>
     * <li>an {@link Inet4Address} (or an IPv4-mapped IPv6 one): IPv4 only, as the int overload.</li>
     * <li>an {@link Inet6Address}: IPv6 only, for clients of both families; a unicast address of the guest's
     *     /64 other than the prefix's ::0, ::2 (router) and ::3 (DNS).</li>
     * </ul>
     *
     * @throws ForwardException as the int overload; EINVAL also for an IPv6 guest address outside the prefix or
     *                          one of its reserved ones, or when IPv6 is not enabled
     */
    public Forward add(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddr, int guestPort)
            throws ForwardException {
        checkPorts(hostPort, guestPort);
        if (guestAddr == null) {
            int v4 = config.guestAddress();
            return open(protocol, hostAddr, hostPort, v4Address(v4), false, V4_HI, v4Lo(v4), guestPort,
                    ForwardPath.UNNAMED);
        }
        byte[] raw = guestAddr.getAddress();
        long hi = IpAddress.hi(raw);
        long lo = IpAddress.lo(raw);
        if (IpAddress.isV4(hi, lo)) {
            int v4 = IpAddress.v4(lo);
            checkGuestV4(v4);
            return open(protocol, hostAddr, hostPort, v4Address(v4), true, V4_HI, v4Lo(v4), guestPort,
                    ForwardPath.NAMED_V4);
        }
        Ipv6Config c6 = config.ipv6();
        if (c6 == null) {
            throw new ForwardException(EINVAL, "IPv6 is not enabled (-6): cannot forward to "
                    + Ipv6Config.format(hi, lo));
        }
        if (!c6.inPrefix(hi) || lo == 0 || lo == Ipv6Config.ROUTER_LO || lo == Ipv6Config.DNS_LO) {
            throw new ForwardException(EINVAL, "guest address is not a guest of " + Ipv6Config.format(c6.prefixHi(), 0) + "/64" + ": "
                    + Ipv6Config.format(hi, lo));
        }
        InetAddress named;
        try {
            named = InetAddress.getByAddress(raw); // without the caller's scope id: the guest's link is ours
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // 16 bytes always make an address
        }
        return open(protocol, hostAddr, hostPort, named, true, hi, lo, guestPort, ForwardPath.NAMED_V6);
    }

    private static void checkPorts(int hostPort, int guestPort) throws ForwardException {
        if (hostPort < 0 || hostPort > 0xffff) {
            throw new ForwardException(EINVAL, "host port out of range: " + hostPort);
        }
        if (guestPort < 1 || guestPort > 0xffff) {
            throw new ForwardException(EINVAL, "guest port out of range: " + guestPort);
        }
    }

    private void checkGuestV4(int guestAddr) throws ForwardException {
        if (!config.contains(guestAddr) || guestAddr == config.network() || guestAddr == config.broadcast()
                || guestAddr == config.gateway() || guestAddr == config.dns()) {
            throw new ForwardException(EINVAL, "guest address is not a guest of " + NetConfig.formatIpv4(config.network()) + "/" + config.prefixLength() + ": "
                    + NetConfig.formatIpv4(guestAddr));
        }
    }

    private static InetAddress v4Address(int v4) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8),
                    (byte) v4});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // 4 bytes always make an address
        }
    }

    private Forward open(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress shown, boolean named,
                         long guestHi, long guestLo, int guestPort, int mode) throws ForwardException {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(hostAddr, "hostAddr");
        if (hostPort != 0) {
            for (Forward f : byId.values()) {
                if (f.protocol == protocol && f.hostPort == hostPort && f.hostAddr.equals(hostAddr)) {
                    throw new ForwardException(HostSockets.EADDRINUSE, "already forwarded: " + f);
                }
            }
        }
        byte[] raw = hostAddr.getAddress();
        int handle = protocol == Protocol.TCP
                ? tcp.listen(raw, hostPort, guestHi, guestLo, guestPort, mode)
                : udp.listen(raw, hostPort, guestHi, guestLo, guestPort, mode);
        if (handle < 0) {
            throw new ForwardException(-handle, "cannot listen on " + Forward.endpoint(hostAddr, hostPort)
                    + " (errno " + -handle + ")");
        }
        int bound = hostPort;
        if (bound == 0) {
            bound = protocol == Protocol.TCP ? tcp.localPort(handle) : udp.localPort(handle);
            if (bound < 0) {
                close(protocol, handle);
                throw new ForwardException(-bound, "cannot read the bound port (errno " + -bound + ")");
            }
        }
        Forward f = new Forward(++lastId, protocol, hostAddr, bound, shown, named, guestPort, handle);
        byId.put(f.id, f);
        return f;
    }

    /** Stops listening for forward {@code id}; its open TCP connections go on. False for an unknown id. */
    public boolean remove(int id) {
        Forward f = byId.remove(id);
        if (f == null) {
            return false;
        }
        close(f.protocol, f.handle);
        return true;
    }

    /** The current forwards, in the order they were added. */
    public List<Forward> list() {
        return Collections.unmodifiableList(new ArrayList<>(byId.values()));
    }

    public int size() {
        return byId.size();
    }

    /** Stops every listener (stack shutdown); the layers' close() ends the connections. */
    public void close() {
        for (Forward f : byId.values()) {
            close(f.protocol, f.handle);
        }
        byId.clear();
    }

    private void close(Protocol protocol, int handle) {
        if (protocol == Protocol.TCP) {
            tcp.unlisten(handle);
        } else {
            udp.unlisten(handle);
        }
    }

    /** Host byte order IPv4 of an {@link Inet4Address}, for callers that parse guest addresses. */
    public static int ipv4(Inet4Address a) {
        return ipv4(a.getAddress());
    }

    /** Host byte order IPv4 of the first four bytes of {@code a} (network order), e.g. a forward's host address. */
    public static int ipv4(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }
}
