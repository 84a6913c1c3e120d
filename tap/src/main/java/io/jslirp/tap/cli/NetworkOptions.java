package io.jslirp.tap.cli;

import io.jslirp.stack.NetConfig;
import io.jslirp.tap.Settings;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Flags that shape the virtual network, shared by {@code jslirp} and {@code jslirp run}. Numbers are taken
 * as text so that a bad one gets slirp4netns's message rather than a parser's.
 */
final class NetworkOptions {
    @Option(names = {"-m", "--mtu"}, paramLabel = "MTU")
    String mtu;

    @Option(names = "--cidr", paramLabel = "CIDR")
    String cidr;

    @Option(names = "--macaddress", paramLabel = "MAC")
    String macAddress;

    @Option(names = "--pcap", paramLabel = "FILE")
    Path pcap;

    @Option(names = {"-6", "--enable-ipv6"})
    boolean enableIpv6;

    @Option(names = {"-a", "--api-socket"}, paramLabel = "PATH")
    Path apiSocket;

    @Option(names = "--disable-host-loopback")
    boolean disableHostLoopback;

    @Option(names = "--disable-dns")
    boolean disableDns;

    @Option(names = "--resolv-conf", paramLabel = "FILE")
    Path resolvConf;

    @Option(names = "--outbound-addr", paramLabel = "IPv4")
    String outboundAddr;

    @Option(names = "--outbound-addr6", paramLabel = "IPv6")
    String outboundAddr6;

    NetConfig netConfig() {
        int parsedMtu = NetConfig.DEFAULT_MTU;
        if (mtu != null) {
            parsedMtu = parseMtu(mtu);
        }
        return NetConfig.of(cidr == null ? NetConfig.DEFAULT_CIDR : cidr, parsedMtu);
    }

    /** slirp4netns's words for an --outbound-addr that is neither an IPv4 address nor an interface with one. */
    static final String BAD_OUTBOUND_ADDR = "outbound-addr has to be valid ipv4 address or interface name.";

    /** Copies the relay's and DNS flags into {@code b}, resolving {@code --outbound-addr} on the host. */
    /** The network, capture, MAC and relay flags, shared by {@code jslirp} and {@code jslirp run}. */
    Settings.Builder applyTo(Settings.Builder b) {
        b.net(netConfig()).pcapPath(pcap);
        if (macAddress != null) {
            b.macAddress(NetConfig.parseMac(macAddress));
        }
        return applyRelayOptions(b);
    }

    private Settings.Builder applyRelayOptions(Settings.Builder b) {
        b.disableHostLoopback(disableHostLoopback)
                .outboundAddr(outboundAddr == null ? 0 : resolveOutboundAddr(outboundAddr))
                .outboundAddr6(outboundAddr6)
                .disableDns(disableDns);
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

    /**
     * Flags accepted for compatibility whose behaviour jslirp does not have yet say so once, so nobody
     * believes they are protected or served by something that is not there.
     */
    void warnAboutMissingFeatures(PrintStream err) {
        if (enableIpv6) {
            err.println("jslirp: warning: --enable-ipv6 is accepted, but IPv6 is not implemented yet; the guest gets no IPv6");
        }
        if (apiSocket != null) {
            err.println("jslirp: warning: --api-socket is accepted, but the API socket is not implemented yet; "
                    + apiSocket + " is not created");
        }
        if (outboundAddr6 != null) {
            err.println("jslirp: warning: --outbound-addr6 is accepted, but IPv6 is not implemented yet; "
                    + "there are no IPv6 outbound sockets to bind");
        }
    }
}
