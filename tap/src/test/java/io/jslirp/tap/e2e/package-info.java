/**
 * End-to-end tests: the packaged jslirp in real network namespaces, driven the way podman and
 * RootlessKit drive slirp4netns, checked with real clients (ip, ping, tshark).
 *
 * <h2>Running</h2>
 * <ul>
 *   <li>{@code scripts/test} (what CI's {@code .ci/run} calls): installs missing tools, then
 *       {@code mvn -B verify}; failsafe runs every {@code *IT} here against {@code tap/target/jslirp.jar}.
 *       Needs root (namespaces, TAP devices, setpriv to uid 65534).</li>
 *   <li>One class: {@code scripts/test -Dit.test=CliIT -Dsurefire.failIfNoSpecifiedTests=false}.</li>
 *   <li>Against the real slirp4netns, to prove the harness (jslirp-only tests skip themselves):
 *       {@code scripts/test -Djslirp.command=slirp4netns}. Any command prefix works; a value that
 *       does not contain "slirp4netns" is treated as jslirp and gets the jslirp-only checks too.</li>
 * </ul>
 *
 * <h2>Theory of operation</h2>
 * <ul>
 *   <li>{@link io.jslirp.tap.e2e.Jslirp} gives the program its ready and exit fds at the numbers in
 *       argv by moving the child's stdout/stdin pipes there with {@code bash -c 'exec "$@" 3>&1
 *       1>FILE 4<&0 0</dev/null'}: Java reads the ready fd as the process's stdout and closes the exit
 *       fd by closing its stdin. Every wrapper (setpriv, nsenter, ip netns exec, bash) execs in place,
 *       so the Process PID is the program's.</li>
 *   <li>Targets: {@link io.jslirp.tap.e2e.NsHolder} ({@code unshare -n sleep 600}, or {@code unshare -r
 *       -n sleep 600} as uid 65534) for PID and /proc paths; {@link io.jslirp.tap.e2e.Netns} for
 *       {@code ip netns add} names. Names are {@code jsl-<random>}; everything is closed in
 *       try-with-resources, and /dev/net/tun's mode is restored by {@link io.jslirp.tap.e2e.Unprivileged.TunOpen}.</li>
 *   <li>Only addresses inside the test's namespaces are pinged: 10.0.2.2/.3 (10.0.3.x with --cidr) are
 *       answered by the program itself. Hostile frames ({@link io.jslirp.tap.e2e.FrameInjector}) aim
 *       anything parseable at the gateway, never with a TCP SYN.</li>
 *   <li>TCP ({@code Tcp*IT}): host servers ({@link io.jslirp.tap.e2e.HostServer}, an HttpServer) run in
 *       the test JVM on 127.0.0.1, ephemeral ports; the guest reaches them as 10.0.2.2. Guest clients are
 *       curl, socat and {@link io.jslirp.tap.e2e.GuestTool}, a JDK-only main run in the guest with
 *       {@code nsenter --net=... java -cp target/test-classes}. Bulk data is a
 *       {@link io.jslirp.tap.e2e.DetStream} (seeded, counter-based), so both ends know its sha256.
 *       {@link io.jslirp.tap.e2e.RemoteTopology} makes a "remote" server in namespace srv (192.0.2.1)
 *       behind a veth to namespace jsl (192.0.2.2, .3), where the program runs via {@code ip netns
 *       exec}. {@link io.jslirp.tap.e2e.StackProbe} counts the program's socket fds in /proc/PID/fd and
 *       reads jslirp's SIGUSR1 counters line. Sizes: {@code -Djslirp.e2e.bulkBytes} (default 1 GiB),
 *       {@code -Djslirp.e2e.bulkSeconds} (bound per transfer, default 150),
 *       {@code -Djslirp.e2e.connections} (default 500).</li>
 *   <li>UDP, DNS, DHCP, ICMP ({@code Udp*IT}, {@code Dns*IT}, {@code Dhcp*IT}, {@code Icmp*IT}): host
 *       servers are {@link io.jslirp.tap.e2e.UdpEchoServer} (127.0.0.1) and
 *       {@link io.jslirp.tap.e2e.DnsResponder}, the test's own DNS server on 127.0.0.77:53 (UDP and TCP) named
 *       by the test's own resolv.conf ({@link io.jslirp.tap.e2e.ResolvConf}: {@code --resolv-conf=FILE} for
 *       jslirp; for slirp4netns a private mount namespace with the file bind-mounted over /etc/resolv.conf),
 *       so no query reaches the machine's resolver. The guest client is GuestTool's UDP/DNS commands
 *       ({@link io.jslirp.tap.e2e.GuestUdp}). slirp4netns sends datagrams for 10.0.2.3 ports other than 53
 *       (and port 53 under {@code --disable-dns}) to the literal address 10.0.2.3 through its own routes, so
 *       those checks run the program in {@link io.jslirp.tap.e2e.RemoteTopology}'s isolated {@code jsl}.
 *       DHCP is {@code busybox udhcpc} with a recording script on an unconfigured tap0.
 *       {@code -Djslirp.e2e.udpDatagrams} (default 10000), {@code -Djslirp.e2e.udpIdleSeconds} (jslirp's UDP
 *       idle timeout; when set &le; 90 the leftover check waits for {@code hostDatagrams=0}).</li>
 *   <li>Runtimes: {@code RootlessKitIT} runs RootlessKit with the program as its slirp4netns;
 *       {@code PodmanIT} runs real rootless podman through {@link io.jslirp.tap.e2e.Podman}: uid 65534, a
 *       private mount namespace with cgroup2 on /sys/fs/cgroup (runc refuses the machine's v1 tmpfs), a
 *       busybox {@code --rootfs}, all podman state in one fresh /tmp/jpm-RANDOM, and a
 *       {@code --network-cmd-path} wrapper that logs {@code PID ARGV} before it execs the program, so the
 *       test sees podman's own argv and the process to inspect. Both skip with the reason where the machine
 *       cannot run them.</li>
 * </ul>
 *
 * <h2>What jslirp must do beyond slirp4netns 1.2 for these tests</h2>
 * <ul>
 *   <li>{@code --netns PATH} means {@code --netns-type=path PATH}.</li>
 *   <li>{@code --netns-type=tapfd FD} with no TAPNAME and no {@code -c}: serve the inherited, already
 *       attached TAP fd (the caller configured the interface); {@code -r} still signals ready.</li>
 *   <li>{@code run [OPTIONS] -- CMD ARGS}: CMD runs as mapped root in a fresh user+net namespace with
 *       tap0 configured as by {@code -c} (10.0.2.100/24, default via 10.0.2.2); jslirp exits with CMD's
 *       status. Works as root and as an unprivileged user with /dev/net/tun 0666.</li>
 *   <li>{@code --pcap FILE}: a classic pcap (tshark-readable) of every frame in both directions,
 *       complete once jslirp exits through the exit fd.</li>
 *   <li>The served namespace going away (named netns deleted, or the target PID exiting) makes jslirp
 *       exit with status 0 within 5 s.</li>
 *   <li>{@code --version}'s first line starts with {@code jslirp version }; {@code --help} also names
 *       {@code --pcap}, {@code tapfd} and {@code run}; every usage error is on stderr (slirp4netns prints
 *       only the usage on stdout when no target is given).</li>
 *   <li>TCP, like slirp4netns: 10.0.2.2:P reaches host 127.0.0.1:P and the host sees 127.0.0.1 as the
 *       peer; a closed port is refused (RST) at once; half-close is carried both ways; 500 connections
 *       at once work; other destinations are connected from the program's own namespace, from the
 *       {@code --outbound-addr} address when given; {@code --disable-host-loopback} makes 10.0.2.2 fail
 *       fast (ENETUNREACH in slirp4netns; refused is also accepted) with no host connection.</li>
 *   <li>Beyond slirp4netns: within 10 s after every connection closed at both ends, jslirp's socket fd
 *       count is back to what it was before the traffic, and SIGUSR1 prints one stderr line
 *       {@code jslirp: counters: k=v ...} (space-separated) that says {@code activeFlows=0}.</li>
 *   <li>UDP: 10.0.2.2:P is host 127.0.0.1:P (the host sees 127.0.0.1, the guest sees replies from
 *       10.0.2.2:P); other destinations from the program's namespace; 60,000-byte datagrams both ways at MTU
 *       1500; 10,000 paced echoes with no corruption. Beyond slirp4netns (which stays silent): a closed host
 *       port, and 10.0.2.2 under {@code --disable-host-loopback}, give the guest an ICMP error its connected
 *       socket reports (port unreachable, i.e. ECONNREFUSED). SIGUSR1's counters carry {@code hostDatagrams}
 *       (a missing key counts as 0).</li>
 *   <li>DNS: {@code --resolv-conf=FILE} (default /etc/resolv.conf), re-read when it changes (a file renamed
 *       over it is picked up within 10 s); 10.0.2.3:53 over UDP and TCP forwarded, replies unchanged (REFUSED
 *       too), from 10.0.2.3:53; {@code --disable-dns}: no answer; other ports of 10.0.2.3: no answer.</li>
 *   <li>DHCP, like slirp4netns: 10.0.2.15, mask 255.255.255.0, router 10.0.2.2, DNS 10.0.2.3, server id
 *       10.0.2.2, a lease time, the same address again for the same MAC. Beyond slirp4netns: broadcast
 *       10.0.2.255 and the MTU option (= {@code -m}) when asked for.</li>
 *   <li>ICMP echo to any destination: as root with {@code ping_group_range} closed, through a raw socket;
 *       10.0.2.2/.3 answered locally with ttl 255.</li>
 *   <li>Like slirp4netns: SIGTERM exits 143; exit-fd EOF exits 0 within 1 s; ready fd gets "1" then EOF
 *       once the interface is configured; TAPNAME is required with pid/path targets.</li>
 * </ul>
 */
package io.jslirp.tap.e2e;
