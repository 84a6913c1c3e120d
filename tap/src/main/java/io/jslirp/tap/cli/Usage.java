package io.jslirp.tap.cli;

/**
 * The help text, laid out line for line like slirp4netns 1.2's because runtimes detect features by
 * grepping it ({@code jslirp --help | grep -- --netns-type}). jslirp's additions follow the slirp4netns set.
 */
final class Usage {
    private Usage() {
    }

    static final String MAIN = String.join("\n",
            "Usage: jslirp [OPTION]... PID|PATH|FD [TAPNAME]",
            "       jslirp run [OPTION]... [--] COMMAND [ARG]...",
            "User-mode networking for unprivileged network namespaces (slirp4netns-compatible).",
            "",
            "-c, --configure          bring up the interface",
            "-e, --exit-fd=FD         specify the FD for terminating jslirp",
            "-r, --ready-fd=FD        specify the FD to write to when the network is configured",
            "-m, --mtu=MTU            specify MTU (default=1500, max=65521)",
            "-6, --enable-ipv6        enable IPv6 (experimental): SLAAC in fd00::/64, default route via fe80::2;",
            "                         TCP, UDP, ping relayed, fd00::2 is host ::1, DNS at fd00::3, DHCPv6",
            "-a, --api-socket=PATH    specify API socket path",
            "--cidr=CIDR              specify network address CIDR (default=10.0.2.0/24)",
            "--disable-host-loopback  prohibit connecting to 127.0.0.1:* on the host namespace",
            "--netns-type=TYPE        specify network namespace type ([path|pid|tapfd], default=pid)",
            "--netns=PATH             same as --netns-type=path PATH",
            "--userns-path=PATH       specify user namespace path",
            "--enable-sandbox         create a new mount namespace (and drop all caps except CAP_NET_BIND_SERVICE)",
            "--enable-seccomp         enable seccomp to limit syscalls",
            "--outbound-addr=IPv4     sets outbound ipv4 address to bound to (experimental; an interface name works too)",
            "--outbound-addr6=IPv6    sets outbound ipv6 address to bound to",
            "--disable-dns            disables 10.0.2.3 (or configured internal ip) to host dns redirect",
            "--macaddress=MAC         specify the MAC address of the TAP (only valid with -c)",
            "--target-type=TYPE       specify the target type ([netns], default=netns)",
            "--pcap=FILE              write every frame in both directions to FILE (pcap format)",
            "--cidr6=PREFIX/64        the guest's IPv6 prefix with -6 (default=fd00::/64; router ::2, DNS ::3)",
            "--resolv-conf=FILE       read the host's nameservers from FILE (default=/etc/resolv.conf; re-read on change)",
            "--busy-poll=MICROS       poll this long before sleeping while packets keep coming (default="
                    + io.jslirp.tap.Settings.DEFAULT_BUSY_POLL_MICROS + ", 0=off)",
            "-p, --publish=[HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
            "                         forward a host port to the guest; repeatable; tcp and 0.0.0.0 by default,",
            "                         host port 0 for any free port; IPv6 in brackets: [::1]:8080:80;",
            "                         no GUEST_ADDR: IPv6 clients reach the guest's IPv6 address with -6, others",
            "                         10.0.2.100; a GUEST_ADDR names it: 8080:[fd00::100]:80, 8080:10.0.2.100:80",
            "-h, --help               show this help and exit",
            "-v, --version            show version and exit",
            "",
            "jslirp run starts COMMAND in a new user and network namespace (the caller mapped to root inside,",
            "as with unshare -r), attaches jslirp with --configure, and exits with COMMAND's exit status.",
            "It takes -m, --cidr, --macaddress, --pcap, --disable-host-loopback, --disable-dns,",
            "--resolv-conf, --busy-poll, --outbound-addr, --outbound-addr6, -6, --cidr6, -a and -p.",
            "");

    static final String RUN = String.join("\n",
            "Usage: jslirp run [OPTION]... [--] COMMAND [ARG]...",
            "Run COMMAND in a new user and network namespace whose tap0 jslirp serves and configures",
            "(10.0.2.100/24, gateway 10.0.2.2). Exits with COMMAND's exit status.",
            "",
            "-m, --mtu=MTU            specify MTU (default=1500, max=65521)",
            "--cidr=CIDR              specify network address CIDR (default=10.0.2.0/24)",
            "--macaddress=MAC         specify the MAC address of the TAP",
            "--pcap=FILE              write every frame in both directions to FILE (pcap format)",
            "--disable-host-loopback  prohibit connecting to 127.0.0.1:* on the host namespace",
            "--disable-dns            disables 10.0.2.3 to host dns redirect",
            "--resolv-conf=FILE       read the host's nameservers from FILE (default=/etc/resolv.conf)",
            "--busy-poll=MICROS       poll this long before sleeping while packets keep coming (default="
                    + io.jslirp.tap.Settings.DEFAULT_BUSY_POLL_MICROS + ", 0=off)",
            "--outbound-addr=IPv4     sets outbound ipv4 address to bound to (or an interface name's)",
            "--outbound-addr6=IPv6    sets outbound ipv6 address to bound to",
            "-6, --enable-ipv6        enable IPv6: SLAAC in fd00::/64; TCP, UDP, ping and DNS relayed",
            "--cidr6=PREFIX/64        the guest's IPv6 prefix with -6 (default=fd00::/64)",
            "-a, --api-socket=PATH    specify API socket path",
            "-p, --publish=[HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
            "                         forward a host port to the guest; repeatable; tcp and 0.0.0.0 by default,",
            "                         host port 0 for any free port; IPv6 in brackets: [::1]:8080:80;",
            "                         no GUEST_ADDR: IPv6 clients reach the guest's IPv6 address with -6, others",
            "                         10.0.2.100; a GUEST_ADDR names it: 8080:[fd00::100]:80, 8080:10.0.2.100:80",
            "-h, --help               show this help and exit",
            "");
}
