package io.jslirp.tap.cli;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.tap.Settings;
import io.jslirp.tap.api.HostAddresses;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Flags that shape the virtual network, shared by {@code jslirp} and {@code jslirp run}. Numbers are taken
 * as text so that a bad one gets slirp4netns's message rather than a parser's; {@link #set} takes each flag
 * from {@link Getopt}.
 */
final class NetworkOptions {
    static final String PUBLISH_LABEL = "[HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]";

    String mtu;

    String cidr;

    String macAddress;

    Path pcap;

    boolean enableIpv6;

    /** jslirp's own: the guest's IPv6 /64 instead of fd00::/64 (slirp4netns has no such flag). */
    String cidr6;

    Path apiSocket;

    List<String> publish = new ArrayList<>();

    boolean disableHostLoopback;

    boolean disableDns;

    String busyPoll;

    Path resolvConf;

    String outboundAddr;

    String outboundAddr6;

    /** Takes one of the {@link CommandSpecs} network options; false when {@code id} is none of them. */
    boolean set(int id, String value) {
        switch (id) {
            case CommandSpecs.MTU -> mtu = value;
            case CommandSpecs.CIDR -> cidr = value;
            case CommandSpecs.MACADDRESS -> macAddress = value;
            case CommandSpecs.PCAP -> pcap = Path.of(value);
            case CommandSpecs.IPV6 -> enableIpv6 = Boolean.parseBoolean(value);
            case CommandSpecs.CIDR6 -> cidr6 = value;
            case CommandSpecs.API_SOCKET -> apiSocket = Path.of(value);
            case CommandSpecs.PUBLISH -> publish.add(value);
            case CommandSpecs.DISABLE_HOST_LOOPBACK -> disableHostLoopback = Boolean.parseBoolean(value);
            case CommandSpecs.DISABLE_DNS -> disableDns = Boolean.parseBoolean(value);
            case CommandSpecs.BUSY_POLL -> busyPoll = value;
            case CommandSpecs.RESOLV_CONF -> resolvConf = Path.of(value);
            case CommandSpecs.OUTBOUND_ADDR -> outboundAddr = value;
            case CommandSpecs.OUTBOUND_ADDR6 -> outboundAddr6 = value;
            default -> {
                return false;
            }
        }
        return true;
    }

    NetConfig netConfig() {
        int parsedMtu = NetConfig.DEFAULT_MTU;
        if (mtu != null) {
            parsedMtu = parseMtu(mtu);
        }
        NetConfig net = NetConfig.of(cidr == null ? NetConfig.DEFAULT_CIDR : cidr, parsedMtu);
        if (cidr6 != null && !enableIpv6) {
            // Never accepted and ignored: without -6 the guest gets no IPv6, so a prefix would mean nothing.
            throw new IllegalArgumentException("--cidr6 needs -6 (--enable-ipv6)");
        }
        if (!enableIpv6) {
            return net;
        }
        return net.withIpv6(Ipv6Config.of(cidr6 == null ? Ipv6Config.DEFAULT_PREFIX : cidr6, parsedMtu));
    }

    /** slirp4netns's words for an --outbound-addr that is neither an IPv4 address nor an interface with one. */
    static final String BAD_OUTBOUND_ADDR = "outbound-addr has to be valid ipv4 address or interface name.";

    /**
     * The network, capture, MAC, relay, API socket and publish flags, shared by {@code jslirp} and
     * {@code jslirp run}; {@code --outbound-addr} is resolved on the host.
     */
    Settings.Builder applyTo(Settings.Builder b) {
        NetConfig net = netConfig();
        b.net(net).pcapPath(pcap).apiSocket(apiSocket);
        if (macAddress != null) {
            b.macAddress(NetConfig.parseMac(macAddress));
        }
        for (String value : publish) {
            try {
                Settings.Publish p = parsePublish(value);
                checkGuestAddress(p.guestAddr(), net);
                b.publish(p);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid --publish value \"" + value + "\": " + e.getMessage());
            }
        }
        return applyRelayOptions(b);
    }

    static final String PUBLISH_SYNTAX = "expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]";
    static final String IPV6_IN_BRACKETS = "an IPv6 address goes in brackets, as in [::1]:8080:80 or 8080:[fd00::100]:80";

    /**
     * {@code [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]}: Docker's and Podman's
     * {@code [HOST_ADDR:]HOST_PORT:GUEST_PORT}, TCP and 0.0.0.0 by default, host port 0 for any free port, plus
     * jslirp's optional guest address before the guest port. An IPv6 address of either side goes in brackets
     * ({@code [::1]:8080:80}, {@code 8080:[fd00::100]:80}), an IPv4 one does not. Three fields are Docker's
     * form (HOST_ADDR:HOST_PORT:GUEST_PORT) unless the first is a port and the second is not, which only a
     * guest address can be ({@code 8080:10.0.2.15:80}). No guest address leaves it null: the family rule.
     */
    static Settings.Publish parsePublish(String value) {
        String spec = value;
        Protocol protocol = Protocol.TCP;
        int slash = spec.lastIndexOf('/');
        if (slash >= 0) {
            String proto = spec.substring(slash + 1);
            if (proto.equals("udp")) {
                protocol = Protocol.UDP;
            } else if (!proto.equals("tcp")) {
                throw new IllegalArgumentException("the protocol must be tcp or udp, not \"" + proto + "\"");
            }
            spec = spec.substring(0, slash);
        }
        List<String> fields = new ArrayList<>();
        List<Boolean> bracketed = new ArrayList<>();
        splitFields(spec, fields, bracketed);
        int n = fields.size();
        if (n > 4) {
            throw new IllegalArgumentException(IPV6_IN_BRACKETS);
        }
        boolean guestForm = n == 3 && !bracketed.get(0) && isDigits(fields.get(0))
                && (bracketed.get(1) || !isDigits(fields.get(1)));
        int hostAddrAt = n == 4 || (n == 3 && !guestForm) ? 0 : -1;
        int guestAddrAt = n == 4 ? 2 : guestForm ? 1 : -1;
        int hostPortAt = hostAddrAt + 1;
        int guestPortAt = n - 1;
        if (n < 2 || bracketed.get(hostPortAt) || bracketed.get(guestPortAt)) {
            throw new IllegalArgumentException(PUBLISH_SYNTAX);
        }
        InetAddress hostAddr = hostAddrAt < 0 ? HostAddresses.ANY4 : address(fields.get(hostAddrAt), bracketed.get(hostAddrAt));
        InetAddress guestAddr = guestAddrAt < 0 ? null : address(fields.get(guestAddrAt), bracketed.get(guestAddrAt));
        int hostPort = parsePort(fields.get(hostPortAt), 0, "host");
        int guestPort = parsePort(fields.get(guestPortAt), 1, "guest");
        return new Settings.Publish(protocol, hostAddr, hostPort, guestAddr, guestPort);
    }

    /**
     * Splits at the colons outside brackets; a bracketed field must be followed by a colon or the end. An
     * IPv6 address outside brackets (it has "::", or makes more than four fields) is refused with a hint.
     */
    private static void splitFields(String spec, List<String> fields, List<Boolean> bracketed) {
        int i = 0;
        while (true) {
            if (i < spec.length() && spec.charAt(i) == '[') {
                int close = spec.indexOf(']', i);
                if (close < 0 || (close + 1 < spec.length() && spec.charAt(close + 1) != ':')) {
                    throw new IllegalArgumentException(PUBLISH_SYNTAX);
                }
                fields.add(spec.substring(i + 1, close));
                bracketed.add(true);
                i = close + 1;
            } else {
                int colon = spec.indexOf(':', i);
                int end = colon < 0 ? spec.length() : colon;
                String field = spec.substring(i, end);
                if (field.indexOf('[') >= 0 || field.indexOf(']') >= 0) {
                    throw new IllegalArgumentException(PUBLISH_SYNTAX);
                }
                if (colon >= 0 && colon + 1 < spec.length() && spec.charAt(colon + 1) == ':') {
                    throw new IllegalArgumentException(IPV6_IN_BRACKETS);
                }
                fields.add(field);
                bracketed.add(false);
                i = end;
            }
            if (i >= spec.length()) {
                return;
            }
            i++; // the colon
            if (i == spec.length()) {
                fields.add("");
                bracketed.add(false);
                return;
            }
        }
    }

    /** In brackets an IPv6 literal (an IPv4-mapped one is its IPv4 address), outside them IPv4 only. */
    private static InetAddress address(String text, boolean inBrackets) {
        if (inBrackets) {
            InetAddress a = text.indexOf(':') >= 0 ? HostAddresses.parse(text) : null;
            if (a == null) {
                throw new IllegalArgumentException("not an IPv6 address: \"" + text + "\"");
            }
            return a;
        }
        InetAddress a = HostAddresses.parse(text);
        if (!(a instanceof Inet4Address)) {
            throw new IllegalArgumentException("not an IPv4 address: \"" + text + "\"");
        }
        return a;
    }

    /** A loop rather than a stream: a stream and its lambda are some 40 classes to load for one check. */
    private static boolean isDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return !text.isEmpty();
    }

    /**
     * The stack's own rule for a named guest address, checked here so that a bad one is a usage error (status 1
     * before anything starts) rather than a failed start: an IPv4 guest of the network other than its network,
     * broadcast, gateway and DNS addresses; an IPv6 one only with -6, in the prefix, other than prefix::,
     * prefix::2 and prefix::3.
     */
    static void checkGuestAddress(InetAddress guest, NetConfig net) {
        if (guest instanceof Inet4Address v4) {
            int a = io.jslirp.stack.PortForwards.ipv4(v4);
            if (!net.contains(a) || a == net.network() || a == net.broadcast() || a == net.gateway() || a == net.dns()) {
                throw new IllegalArgumentException("the guest address must be a guest of " + NetConfig.formatIpv4(net.network())
                        + "/" + net.prefixLength() + " other than its network, broadcast, gateway and DNS addresses");
            }
        } else if (guest != null) {
            Ipv6Config v6 = net.ipv6();
            if (v6 == null) {
                throw new IllegalArgumentException("an IPv6 guest address needs -6 (--enable-ipv6)");
            }
            byte[] b = guest.getAddress();
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = hi << 8 | (b[i] & 0xff);
                lo = lo << 8 | (b[i + 8] & 0xff);
            }
            if (!v6.inPrefix(hi) || lo == 0 || lo == Ipv6Config.ROUTER_LO || lo == Ipv6Config.DNS_LO) {
                String prefix = Ipv6Config.format(v6.prefixHi(), 0);
                throw new IllegalArgumentException("the guest address must be in " + prefix + "/64, other than "
                        + prefix + ", " + Ipv6Config.format(v6.prefixHi(), Ipv6Config.ROUTER_LO) + " and "
                        + Ipv6Config.format(v6.prefixHi(), Ipv6Config.DNS_LO));
            }
        }
    }

    private static int parsePort(String text, int min, String which) {
        if (text.length() <= 5 && isDigits(text)) {
            int port = Integer.parseInt(text);
            if (port >= min && port <= 0xffff) {
                return port;
            }
        }
        throw new IllegalArgumentException("the " + which + " port must be a number " + min + "..65535, not \"" + text + "\"");
    }

    private Settings.Builder applyRelayOptions(Settings.Builder b) {
        b.disableHostLoopback(disableHostLoopback)
                .outboundAddr(outboundAddr == null ? 0 : resolveOutboundAddr(outboundAddr))
                .outboundAddr6(outboundAddr6 == null ? null : resolveOutboundAddr6(outboundAddr6))
                .disableDns(disableDns);
        if (busyPoll != null) {
            b.busyPollMicros(parseBusyPoll(busyPoll));
        }
        if (resolvConf != null) {
            b.resolvConf(resolvConf);
        }
        return b;
    }

    /**
     * An IPv4 address, or the name of a host interface whose first IPv4 address is taken, as slirp4netns does.
     * Resolved once, at start-up and in jslirp's own namespace: the interface is the host's, not the guest's.
     */
    static int resolveOutboundAddr(String text) {
        try {
            return NetConfig.parseIpv4(text);
        } catch (IllegalArgumentException notAnAddress) {
            // Then it must be an interface name.
        }
        try {
            NetworkInterface nif = text.isEmpty() ? null : NetworkInterface.getByName(text);
            if (nif != null) {
                for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet4Address v4) {
                        byte[] b = v4.getAddress();
                        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
                    }
                }
            }
        } catch (SocketException e) {
            // Same answer as an unknown name: there is no address to bind to.
        }
        throw new IllegalArgumentException(BAD_OUTBOUND_ADDR);
    }

    /** slirp4netns's words for an --outbound-addr6 that is neither an IPv6 address nor an interface with one. */
    static final String BAD_OUTBOUND_ADDR6 = "outbound-addr6 has to be valid ipv6 address or interface name.";

    /**
     * An IPv6 address, or the name of a host interface whose first global IPv6 address is taken (a link-local
     * one cannot be bound without its interface, and reaches nothing outside the link), as RFC 5952 text.
     * Resolved once, at start-up, in jslirp's own namespace, as {@link #resolveOutboundAddr}.
     */
    static String resolveOutboundAddr6(String text) {
        try {
            long[] a = Ipv6Config.parseIpv6(text);
            return Ipv6Config.format(a[0], a[1]);
        } catch (IllegalArgumentException notAnAddress) {
            // Then it must be an interface name.
        }
        try {
            NetworkInterface nif = text.isEmpty() ? null : NetworkInterface.getByName(text);
            if (nif != null) {
                for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof java.net.Inet6Address v6 && !v6.isLinkLocalAddress()) {
                        byte[] b = v6.getAddress();
                        long hi = 0;
                        long lo = 0;
                        for (int i = 0; i < 8; i++) {
                            hi = hi << 8 | (b[i] & 0xff);
                            lo = lo << 8 | (b[i + 8] & 0xff);
                        }
                        return Ipv6Config.format(hi, lo);
                    }
                }
            }
        } catch (SocketException e) {
            // Same answer as an unknown name: there is no address to bind to.
        }
        throw new IllegalArgumentException(BAD_OUTBOUND_ADDR6);
    }

    /** {@code --busy-poll=MICROS}: a whole number of microseconds, 0 (off) to Settings.MAX_BUSY_POLL_MICROS. */
    static int parseBusyPoll(String text) {
        if (text.length() <= 7 && isDigits(text)) {
            int micros = Integer.parseInt(text);
            if (micros <= Settings.MAX_BUSY_POLL_MICROS) {
                return micros;
            }
        }
        throw new IllegalArgumentException("invalid --busy-poll value \"" + text + "\": expected microseconds, 0 (off) to "
                + Settings.MAX_BUSY_POLL_MICROS);
    }

    static int parseMtu(String text) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= NetConfig.MIN_MTU && value <= NetConfig.MAX_MTU) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Not a number: the same message as out of range, as in slirp4netns.
        }
        throw new IllegalArgumentException("MTU must be a positive integer (< 65522)");
    }
}
