package io.jslirp.tap.cli;

import io.jslirp.tap.cli.Getopt.Option;

/**
 * The options of {@code jslirp} and {@code jslirp run}, with slirp4netns's names and jslirp's additions, in the
 * help text's order (getopt_long lists an ambiguous abbreviation's possibilities in this order). Each id is
 * handled by {@link MainCommand#option}, {@link RunCommand#option} or {@link NetworkOptions#set}.
 */
final class CommandSpecs {
    private CommandSpecs() {
    }

    // NetworkOptions', shared by both commands.
    static final int MTU = 1;
    static final int IPV6 = 2;
    static final int API_SOCKET = 3;
    static final int CIDR = 4;
    static final int DISABLE_HOST_LOOPBACK = 5;
    static final int OUTBOUND_ADDR = 6;
    static final int OUTBOUND_ADDR6 = 7;
    static final int DISABLE_DNS = 8;
    static final int MACADDRESS = 9;
    static final int PCAP = 10;
    static final int CIDR6 = 11;
    static final int RESOLV_CONF = 12;
    static final int BUSY_POLL = 13;
    static final int PUBLISH = 14;
    static final int HELP = 15;
    // The main command's own.
    static final int CONFIGURE = 20;
    static final int EXIT_FD = 21;
    static final int READY_FD = 22;
    static final int NETNS_TYPE = 23;
    static final int NETNS = 24;
    static final int USERNS_PATH = 25;
    static final int ENABLE_SANDBOX = 26;
    static final int ENABLE_SECCOMP = 27;
    static final int TARGET_TYPE = 28;
    static final int VERSION = 29;

    /** Every option, in {@code jslirp --help}'s order. */
    private static final Option[] ALL = {
        new Option(CONFIGURE, 'c', "configure", false),
        new Option(EXIT_FD, 'e', "exit-fd", true),
        new Option(READY_FD, 'r', "ready-fd", true),
        new Option(MTU, 'm', "mtu", true),
        new Option(IPV6, '6', "enable-ipv6", false),
        new Option(API_SOCKET, 'a', "api-socket", true),
        new Option(CIDR, '\0', "cidr", true),
        new Option(DISABLE_HOST_LOOPBACK, '\0', "disable-host-loopback", false),
        new Option(NETNS_TYPE, '\0', "netns-type", true),
        new Option(NETNS, '\0', "netns", true),
        new Option(USERNS_PATH, '\0', "userns-path", true),
        new Option(ENABLE_SANDBOX, '\0', "enable-sandbox", false),
        new Option(ENABLE_SECCOMP, '\0', "enable-seccomp", false),
        new Option(OUTBOUND_ADDR, '\0', "outbound-addr", true),
        new Option(OUTBOUND_ADDR6, '\0', "outbound-addr6", true),
        new Option(DISABLE_DNS, '\0', "disable-dns", false),
        new Option(MACADDRESS, '\0', "macaddress", true),
        new Option(TARGET_TYPE, '\0', "target-type", true),
        new Option(PCAP, '\0', "pcap", true),
        new Option(CIDR6, '\0', "cidr6", true),
        new Option(RESOLV_CONF, '\0', "resolv-conf", true),
        new Option(BUSY_POLL, '\0', "busy-poll", true),
        new Option(PUBLISH, 'p', "publish", true),
        new Option(HELP, 'h', "help", false),
        new Option(VERSION, 'v', "version", false),
    };

    /** {@code jslirp [OPTION]... PID|PATH|FD [TAPNAME]}; "run" is the other command's word. */
    static final Getopt MAIN = new Getopt(ALL, false, "run");

    /**
     * {@code jslirp run [OPTION]... [--] COMMAND [ARG]...}: everything from COMMAND on is COMMAND's. The network
     * options, in {@code jslirp run --help}'s order.
     */
    static final Getopt RUN = new Getopt(pick(MTU, CIDR, MACADDRESS, PCAP, DISABLE_HOST_LOOPBACK, DISABLE_DNS,
            RESOLV_CONF, BUSY_POLL, OUTBOUND_ADDR, OUTBOUND_ADDR6, IPV6, CIDR6, API_SOCKET, PUBLISH, HELP), true, null);

    /** The options of {@link #ALL} with these ids, in this order. */
    private static Option[] pick(int... ids) {
        Option[] picked = new Option[ids.length];
        for (int i = 0; i < ids.length; i++) {
            for (Option o : ALL) {
                if (o.id == ids[i]) {
                    picked[i] = o;
                }
            }
            if (picked[i] == null) {
                throw new IllegalArgumentException("no option " + ids[i]);
            }
        }
        return picked;
    }
}
