package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

/**
 * Real rootless podman (Debian 12's 4.3, as uid 65534) with the program as its slirp4netns
 * ({@code --network-cmd-path}), containers on a busybox rootfs ({@link Podman} says how). Podman starts the
 * program itself, from inside its user namespace, with its own argv: {@code --disable-host-loopback
 * --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 -c -e 3 -r 4 [--api-socket PATH]
 * --netns-type=path NETNS tap0}. Each test checks that argv, then what a container sees:
 * <ul>
 *   <li>podman's defaults: 10.0.2.100/24 via 10.0.2.2, ping 10.0.2.2, DNS through 10.0.2.3 to the test's
 *       own resolver, and host loopback refused ({@code --disable-host-loopback});</li>
 *   <li>{@code allow_host_loopback=true}: wget from a host server on 127.0.0.1 through 10.0.2.2;</li>
 *   <li>{@code enable_ipv6=true}: an fd00::/64 address, default via fe80::2, ping -6 fd00::2 and fd00::3, wget
 *       from a host server on [::1] through [fd00::2], and (jslirp only) DNS through fd00::3 to the test's
 *       IPv4 resolver;</li>
 *   <li>{@code -p 127.0.0.1:HOSTPORT:8080} through rootlessport (podman's default port handler) and through
 *       {@code port_handler=slirp4netns} (the program's API socket, {@code add_hostfwd}), while every thread
 *       of the program shows the seccomp filter, no_new_privs and no capability beyond
 *       CAP_NET_BIND_SERVICE, and its root holds no /usr; {@code podman rm} then ends the program (exit fd)
 *       and the port closes.</li>
 * </ul>
 * Skips, saying why, where rootless podman cannot run at all ({@link Podman#startOrSkip}).
 */
@Tag("e2e")
@Timeout(120)
class PodmanIT {
    /** The test's own resolver, on an address no other test binds (DnsIT uses .77 and .78). */
    static final String NAMESERVER = "127.0.0.79";
    static final String DNS_ANSWER = "198.51.100.79";
    static final String HOST_PAGE = "hello-from-host";
    static final String CONTAINER_PAGE = "hello-from-container";

    private static Podman podman;
    private static DnsResponder dns;
    /** Why this machine cannot run rootless podman, or null; each test skips with it (visible per test). */
    private static String cannotRun;

    @BeforeAll
    @Timeout(180)
    static void startPodman() throws IOException {
        try {
            podman = Podman.startOrSkip(NAMESERVER);
        } catch (TestAbortedException e) {
            // an assumption failing here would abort the class, which Maven reports as 0 tests, no reason given
            cannotRun = String.valueOf(e.getMessage()).replaceFirst("^Assumption failed: ", "");
            return;
        }
        try {
            dns = new DnsResponder(NAMESERVER, DNS_ANSWER);
        } catch (IOException | RuntimeException e) {
            podman.close();
            podman = null;
            throw e;
        }
    }

    @BeforeEach
    void podmanRunsHere() {
        assumeTrue(cannotRun == null, cannotRun);
    }

    @AfterAll
    @Timeout(180)
    static void stopPodman() throws InterruptedException {
        try {
            if (dns != null) {
                dns.close();
            }
        } finally {
            if (podman != null) {
                podman.close();
            }
        }
    }

    @Test
    void podmansDefaultsGiveIpv4AndDnsAndRefuseHostLoopback() throws Exception {
        try (HostServer host = HostServer.start(page(HOST_PAGE))) {
            int mark = podman.logMark();
            String out = runInContainer(List.of(),
                    "ip -4 -o addr show tap0; ip -4 route; cat /etc/resolv.conf;"
                    + " ping -c 1 -W 5 10.0.2.2 && echo PING4-OK;"
                    + " timeout 10 wget -q -O- http://10.0.2.2:" + host.port + "/ 2>&1; echo WGET-RC=$?;"
                    + " nslookup " + DnsResponder.OK_NAME + " 10.0.2.3 2>&1");
            String args = endsWithItsContainer(onlyStart(mark)).args();
            for (String flag : List.of("--disable-host-loopback", "--mtu=65520", "--enable-sandbox", "--enable-seccomp",
                    "-c", "-e 3", "-r 4")) {
                assertTrue((" " + args + " ").contains(" " + flag + " "), "podman's default argv lacks " + flag + ": " + args);
            }
            assertTrue(args.matches(".*--netns-type=path \\S+ tap0"), args);
            assertTrue(out.contains("inet 10.0.2.100/24"), out);
            assertTrue(out.contains("default via 10.0.2.2 dev tap0"), out);
            assertTrue(out.contains("nameserver 10.0.2.3"), "podman points the container at the program's DNS\n" + out);
            assertTrue(out.contains("PING4-OK"), out);
            // refused or unreachable at once, not a 10 s timeout (busybox timeout exits 143)
            String rc = field(out, "WGET-RC");
            assertNotEquals("0", rc, "--disable-host-loopback must refuse 10.0.2.2\n" + out);
            assertNotEquals("143", rc, "refused by timing out, not at once\n" + out);
            assertEquals(0, host.accepted(), "a host-loopback connection got through\n" + out);
            assertTrue(Pattern.compile("Address:?\\s+" + Pattern.quote(DNS_ANSWER)).matcher(out).find(),
                    "nslookup through 10.0.2.3 did not get the test resolver's answer\n" + out + podman.argvLogText());
            assertTrue(dns.udpQueries.get() + dns.tcpQueries.get() >= 1, "no query reached the test resolver\n" + out);
        }
    }

    @Test
    void allowHostLoopbackReachesAHostServerOverIpv4() throws Exception {
        try (HostServer host = HostServer.start(page(HOST_PAGE))) {
            int mark = podman.logMark();
            String out = runInContainer(List.of("--network=slirp4netns:allow_host_loopback=true"),
                    "timeout 10 wget -q -O- http://10.0.2.2:" + host.port + "/ 2>&1; echo WGET-RC=$?");
            String args = endsWithItsContainer(onlyStart(mark)).args();
            assertFalse(args.contains("--disable-host-loopback"), args);
            assertTrue(out.contains(HOST_PAGE), out);
            assertEquals("0", field(out, "WGET-RC"), out);
            assertEquals(List.of("127.0.0.1"), host.peers, "the host sees the container as its own loopback");
        }
    }

    @Test
    void enableIpv6GivesSlaacAddressRouteAndReachesHostOverIpv6() throws Exception {
        try (HostServer host = HostServer.start6(page(HOST_PAGE))) {
            int mark = podman.logMark();
            String out = runInContainer(List.of("--network=slirp4netns:enable_ipv6=true,allow_host_loopback=true"),
                    "ip -6 -o addr show dev tap0 scope global; ip -6 route show default;"
                    + " ping -6 -c 1 -W 5 fd00::2 && echo PING6-OK;"
                    + " timeout 10 wget -q -O- http://[fd00::2]:" + host.port + "/ 2>&1; echo WGET-RC=$?;"
                    + " ping -6 -c 1 -W 5 fd00::3 && echo PING6-DNS-OK; nslookup " + DnsResponder.OK_NAME + " fd00::3 2>&1");
            String args = endsWithItsContainer(onlyStart(mark)).args();
            assertTrue((" " + args + " ").contains(" --enable-ipv6 "), args);
            assertTrue(Pattern.compile("inet6 fd00::[0-9a-f:]+/64 scope global").matcher(out).find(), out);
            assertTrue(out.contains("default via fe80::2 dev tap0"), out);
            assertTrue(out.contains("PING6-OK"), out);
            assertTrue(out.contains(HOST_PAGE), out);
            assertEquals("0", field(out, "WGET-RC"), out);
            assertEquals(List.of("0:0:0:0:0:0:0:1"), host.peers, "fd00::2 is the host's [::1]");
            assertTrue(out.contains("PING6-DNS-OK"), out);
            if (E2e.isJslirp()) {
                // beyond slirp4netns, which sends fd00::3 only to an IPv6 resolver: the test's is IPv4
                assertTrue(Pattern.compile("Address:?\\s+" + Pattern.quote(DNS_ANSWER)).matcher(out).find(),
                        "nslookup through fd00::3 did not get the test resolver's answer\n" + out);
            }
        }
    }

    @Test
    void publishesThroughRootlessportWhileConfined() throws Exception {
        publishAndCheckConfinement("rootlesskit", false);
    }

    @Test
    void publishesThroughTheApiSocketWhileConfined() throws Exception {
        publishAndCheckConfinement("slirp4netns", true);
    }

    /**
     * {@code podman run -d -p 127.0.0.1:HP:8080} with busybox httpd; the page comes through HP; the program is
     * confined on every thread; {@code podman rm} ends it and HP closes.
     */
    private void publishAndCheckConfinement(String portHandler, boolean viaApi) throws Exception {
        String name = E2e.unique("web");
        int hostPort = ForwardIT.freePort();
        int mark = podman.logMark();
        Cmd.Result run = podman.podman(Podman.RUN, "run", "-d", "--name", name, "--cap-add=NET_RAW",
                "-p", "127.0.0.1:" + hostPort + ":8080", "--network=slirp4netns:port_handler=" + portHandler,
                "--rootfs", podman.rootfs.toString(), "/bin/httpd", "-f", "-p", "8080", "-h", "/www");
        assertTrue(run.ok(), run.describe() + podman.argvLogText());
        try {
            Podman.Start start = onlyStart(mark);
            assertEquals(viaApi, start.args().contains("--api-socket "), "port_handler=" + portHandler + ": " + start.args());
            assertEquals(CONTAINER_PAGE + "\n", httpGetBody(hostPort), "through 127.0.0.1:" + hostPort + podman.argvLogText());
            assertTrue(Procs.stat(start.pid()) != null, "the program (PID " + start.pid() + ") is gone" + podman.argvLogText());
            assertConfined(start);
            Cmd.Result ping = podman.podman(Podman.RUN, "exec", name, "ping", "-c", "1", "-W", "5", "10.0.2.2");
            assertTrue(ping.ok(), "ping from the container while confined\n" + ping.describe());

            Cmd.Result rm = podman.podman(Podman.RUN, "rm", "--force", "--time=0", name);
            assertTrue(rm.ok(), rm.describe());
            endsWithItsContainer(start);
            assertRefused(hostPort);
        } finally {
            podman.podman(Podman.RUN, "rm", "--force", "--time=0", "--ignore", name);
        }
    }

    /**
     * Podman ends the program through the exit fd when the container's monitor (conmon) goes, as with
     * slirp4netns: within 10 s of the container's end its process must be gone (a zombie awaiting its reaper
     * counts as gone).
     */
    private static Podman.Start endsWithItsContainer(Podman.Start start) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Podman.running(start.pid()) && System.nanoTime() < deadline) {
            Procs.sleep(100);
        }
        assertFalse(Podman.running(start.pid()), "the program (PID " + start.pid() + ") outlived its container"
                + podman.argvLogText());
        return start;
    }

    /** What podman's --enable-sandbox --enable-seccomp must leave, seen from outside. */
    private static void assertConfined(Podman.Start start) throws IOException {
        String args = " " + start.args() + " ";
        assertTrue(args.contains(" --enable-sandbox ") && args.contains(" --enable-seccomp "), start.args());
        long pid = start.pid();
        if (E2e.isJslirp()) {
            ConfinementIT.assertEveryThreadConfined(pid, true, true, podman::argvLogText);
        } else {
            String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
            assertEquals("2", ConfinementIT.field(status, "Seccomp"), status);
            assertEquals("1", ConfinementIT.field(status, "NoNewPrivs"), status);
        }
        List<String> root;
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "root"))) {
            root = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String hidden : List.of("usr", "home", "root")) {
            assertFalse(root.contains(hidden), "the sandbox's root still has /" + hidden + ": " + root);
        }
        assertTrue(root.contains("etc"), "the sandbox keeps /etc (resolv.conf): " + root);
    }

    /** {@code podman run --rm [extra] --rootfs ROOTFS /bin/sh -c SCRIPT}, which must exit 0; its stdout. */
    private static String runInContainer(List<String> extra, String script) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--rm", "--cap-add=NET_RAW"));
        args.addAll(extra);
        args.addAll(List.of("--rootfs", podman.rootfs.toString(), "/bin/sh", "-c", script + "; true"));
        Cmd.Result r = podman.podman(Podman.RUN, args.toArray(String[]::new));
        assertTrue(r.ok(), r.describe() + podman.argvLogText());
        return r.out();
    }

    /** The one program start podman made since {@code mark}. */
    private static Podman.Start onlyStart(int mark) throws IOException {
        List<Podman.Start> starts = podman.startsSince(mark);
        assertEquals(1, starts.size(), "program starts since the mark" + podman.argvLogText());
        return starts.get(0);
    }

    /** {@code NAME=VALUE} on a line of {@code out}. */
    private static String field(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "=(\\S*)$").matcher(out);
        assertTrue(m.find(), "no " + name + "= in\n" + out);
        return m.group(1);
    }

    /** A host-side HTTP/1.0 server for busybox wget: reads the request head, answers {@code body}. */
    static HostServer.Handler page(String body) {
        return s -> {
            InputStream in = s.getInputStream();
            int matched = 0;
            for (int n = 0; n < 16_384 && matched < 4; n++) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            byte[] payload = (body + "\n").getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + payload.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(payload);
            s.getOutputStream().flush();
        };
    }

    /** GET / from 127.0.0.1:port, retried for up to 20 s while the container's httpd starts; the body. */
    private static String httpGetBody(int port) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        IOException last = null;
        String response = "";
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                s.getInputStream().transferTo(got);
                response = got.toString(StandardCharsets.US_ASCII);
                int body = response.indexOf("\r\n\r\n");
                if (response.startsWith("HTTP/1.") && body >= 0) {
                    return response.substring(body + 4);
                }
            } catch (IOException e) {
                last = e;
            }
            Procs.sleep(200);
        }
        fail("no HTTP response through 127.0.0.1:" + port + "; last response " + response + ", last error " + last);
        return null;
    }

    private static void assertRefused(int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            } catch (ConnectException refused) {
                return;
            } catch (IOException e) {
                fail("expected refusal on " + port + ", got " + e);
            }
            Procs.sleep(200);
        }
        fail("127.0.0.1:" + port + " still accepts connections after podman rm");
    }
}
