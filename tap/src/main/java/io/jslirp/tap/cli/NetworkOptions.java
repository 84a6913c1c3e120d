package io.jslirp.tap.cli;

import io.jslirp.stack.NetConfig;
import java.io.PrintStream;
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
        if (disableHostLoopback) {
            err.println("jslirp: warning: --disable-host-loopback is accepted; TCP/UDP relaying is not implemented yet, "
                    + "so the host is not reachable through the gateway in any case");
        }
        if (disableDns) {
            err.println("jslirp: warning: --disable-dns is accepted; the DNS forwarder is not implemented yet, "
                    + "so DNS through the gateway is off in any case");
        }
        if (outboundAddr != null || outboundAddr6 != null) {
            err.println("jslirp: warning: --outbound-addr/--outbound-addr6 are accepted, but TCP/UDP relaying is not "
                    + "implemented yet; there are no outbound sockets to bind");
        }
    }
}
