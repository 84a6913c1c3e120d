package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IPv6 relayed, end to end: the guest takes its fd00::/64 address by SLAAC ({@code -6 -c}, accept_dad=0 as
 * podman sets it), then reaches the host's [::1] through [fd00::2] by TCP (curl -6, and bulk both ways checked
 * by sha256) and UDP (a 60,000-byte datagram both ways), asks the test's own resolver on [::1]:53 through
 * fd00::3 over UDP and TCP, is refused at once under {@code --disable-host-loopback}, and reaches a "remote"
 * host on 2001:db8:1::/64 behind a veth by TCP, UDP and ping -6, from {@code --outbound-addr6} when given. jslirp only: slirp4netns's IPv6 relay differs (no
 * --resolv-conf, no ICMPv6 errors).
 *
 * <p>Sizes: {@code -Djslirp.e2e.bulkBytes6} (default 1 GiB each way, as the IPv4 bulk tests).
 */
@Tag("e2e")
@Timeout(240)
class Ipv6RelayIT {
    static final String ROUTER = "fd00::2";
    static final String DNS6 = "fd00::3";
    static final long BULK = Long.getLong("jslirp.e2e.bulkBytes6", 1L << 30) & ~7L;
    static final Duration TRANSFER = Duration.ofSeconds(Long.getLong("jslirp.e2e.bulkSeconds", 150));
    private static final SecureRandom RANDOM = new SecureRandom();

    static Jslirp start(NsHolder h, List<String> prefix, String... extra) throws IOException {
        return Jslirp.builder().prefix(prefix).ready3().args(extra).args("-6", "-c", Long.toString(h.pid), "tap0")
                .start().awaitReady();
    }

    /** A guest namespace whose kernel skips DAD (as podman sets it), so SLAAC completes within a second. */
    static NsHolder guestNs() throws IOException {
        NsHolder h = NsHolder.netns();
        h.ok("sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0");
        return h;
    }

    static Guest ready(NsHolder h, Jslirp j) {
        Guest g = Guest.of(h, j);
        Ipv6IT.awaitSlaac(g, "fd00::", j);
        return g;
    }

    @Test
    void curlAndBulkBothWaysToHostLoopbackThroughTheRouterAddress() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's IPv6 relay");
        byte[] body = "hello over IPv6\n".repeat(5000).getBytes(StandardCharsets.UTF_8);
        List<String> peers = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("::1", 0), 16);
        ExecutorService ex = Executors.newFixedThreadPool(2);
        http.setExecutor(ex);
        http.createContext("/", x -> {
            peers.add(x.getRemoteAddress().getAddress().getHostAddress());
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
        long seed = RANDOM.nextLong();
        CompletableFuture<String> expected = CompletableFuture.supplyAsync(() -> DetStream.sha256(seed, BULK));
        CompletableFuture<HostServer.Digest> received = new CompletableFuture<>();
        CompletableFuture<HostServer.Digest> sent = new CompletableFuture<>();
        try (HostServer sink = HostServer.start6(s -> received.complete(HostServer.readAllHashed(s.getInputStream())));
             HostServer source = HostServer.start6(s -> sent.complete(HostServer.writeHashed(s.getOutputStream(), seed, BULK)));
             NsHolder h = guestNs(); Jslirp j = start(h, List.of())) {
            Guest g = ready(h, j);
            Cmd.Result c = g.mustRun("curl", "-6", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                    "http://[" + ROUTER + "]:" + http.getAddress().getPort() + "/");
            assertEquals(new String(body, StandardCharsets.UTF_8) + "\n200", c.out(), c.describe() + j.diagnostics());
            assertEquals(List.of("0:0:0:0:0:0:0:1"), peers, "the host sees the guest as ::1");

            String gen = String.join(" ", GuestTool.argv("gen", Long.toString(BULK), Long.toString(seed)));
            long t0 = System.nanoTime();
            Cmd.Result up = g.run(TRANSFER, "bash", "-o", "pipefail", "-c",
                    gen + " | socat -u - TCP6:[" + ROUTER + "]:" + sink.port);
            long upMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, up.exit(), up.describe() + j.diagnostics());
            HostServer.Digest got = received.get(30, TimeUnit.SECONDS);
            assertEquals(BULK, got.bytes());
            assertEquals(expected.get(60, TimeUnit.SECONDS), got.sha256(), "sha256 the host received, seed " + seed);

            t0 = System.nanoTime();
            Cmd.Result down = g.run(TRANSFER, "bash", "-o", "pipefail", "-c",
                    "socat -u TCP6:[" + ROUTER + "]:" + source.port + " - | sha256sum");
            long downMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, down.exit(), down.describe() + j.diagnostics());
            HostServer.Digest d = sent.get(30, TimeUnit.SECONDS);
            assertEquals(d.sha256() + "  -", down.out().trim(), "sha256 the guest received, seed " + seed);
            System.out.println("Ipv6RelayIT: " + (BULK >> 20) + " MiB guest->host in " + upMs + " ms, host->guest in "
                    + downMs + " ms (MTU 1500, TAP offloads; noisy on a shared machine)");
        } finally {
            http.stop(0);
            ex.shutdownNow();
        }
    }

    @Test
    void sixtyThousandByteDatagramsBothWaysAndTheReplyFromTheRouterAddress() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's IPv6 relay");
        try (UdpEchoServer server = new UdpEchoServer("::1"); NsHolder h = guestNs(); Jslirp j = start(h, List.of())) {
            Guest g = ready(h, j);
            Cmd.Result one = g.run(Duration.ofSeconds(30), GuestTool.argv("udpone", ROUTER,
                    Integer.toString(server.port), "hello-udp6"));
            assertEquals("reply=hello-udp6 from=fd00:0:0:0:0:0:0:2:" + server.port + "\n", one.out(),
                    one.describe() + j.diagnostics());
            Cmd.Result big = g.run(Duration.ofSeconds(40), GuestTool.argv("udpbig", ROUTER,
                    Integer.toString(server.port), "60000"));
            assertTrue(big.out().startsWith("ok 60000 "), big.describe() + j.diagnostics());
            assertEquals(Set.of("0:0:0:0:0:0:0:1"), Set.copyOf(server.peerAddrs));
        }
    }

    @Test
    void dnsThroughFd00_3OverUdpAndTcpToAnIpv6Resolver() throws Exception {
        assumeTrue(E2e.isJslirp(), "--resolv-conf is jslirp's");
        try (DnsResponder ns = new DnsResponder("::1", DnsIT.ANSWER1); ResolvConf rc = new ResolvConf("::1");
             NsHolder h = guestNs(); Jslirp j = start(h, rc.prefix(), rc.args().toArray(new String[0]))) {
            Guest g = ready(h, j);
            Cmd.Result udp = g.run(Duration.ofSeconds(30), GuestTool.argv("dns", DNS6, DnsResponder.OK_NAME, "udp"));
            assertEquals("rcode=0 answers=" + DnsIT.ANSWER1 + " id-ok=true from=fd00:0:0:0:0:0:0:3:53", udp.out().trim(),
                    udp.describe() + j.diagnostics());
            Cmd.Result tcp = g.run(Duration.ofSeconds(30), GuestTool.argv("dns", DNS6, DnsResponder.OK_NAME, "tcp"));
            assertEquals("rcode=0 answers=" + DnsIT.ANSWER1 + " id-ok=true", tcp.out().trim(),
                    tcp.describe() + j.diagnostics());
            // The IPv4 guest's network+3 reaches the same IPv6 resolver.
            Cmd.Result v4 = g.run(Duration.ofSeconds(30), GuestTool.argv("dns", DnsIT.DNS, DnsResponder.OK_NAME, "udp"));
            assertEquals("rcode=0 answers=" + DnsIT.ANSWER1 + " id-ok=true from=" + DnsIT.DNS + ":53", v4.out().trim(),
                    v4.describe() + j.diagnostics());
            // A real client: busybox's nslookup through fd00::3.
            Cmd.Result bb = g.run(Duration.ofSeconds(20), "busybox", "nslookup", DnsResponder.OK_NAME, DNS6);
            assertTrue(bb.out().contains(DnsIT.ANSWER1), bb.describe() + j.diagnostics());
            assertTrue(ns.udpQueries.get() >= 3, "UDP queries answered: " + ns.udpQueries.get());
            assertEquals(1, ns.tcpQueries.get(), "TCP queries answered");
        }
    }

    @Test
    void disableHostLoopbackRefusesTheRouterAddressAtOnce() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's IPv6 relay");
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("::1", 0));
            port = s.getLocalPort();
            try (NsHolder h = guestNs(); Jslirp j = start(h, List.of(), "--disable-host-loopback")) {
                Guest g = ready(h, j);
                long t0 = System.nanoTime();
                Cmd.Result r = g.run(E2e.SHORT, "curl", "-6", "-sS", "--max-time", "10",
                        "http://[" + ROUTER + "]:" + port + "/");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(7, r.exit(), "curl: could not connect; " + r.describe() + j.diagnostics());
                assertTrue(ms < 3000, "refused after " + ms + " ms, not at once");
            }
        }
    }

    /**
     * A "remote" host on 2001:db8:1::/64: namespace srv (::1) joined by a veth to namespace jsl (::2, default
     * route via ::1), where jslirp runs; addresses without DAD so the link works at once.
     */
    @Test
    void remoteHostOn2001Db8ByTcpUdpAndPing() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's IPv6 relay");
        Netns srv = Netns.create();
        Netns jsl = null;
        Process tcp = null;
        Process udp = null;
        try {
            jsl = Netns.create();
            String v = E2e.unique("w");
            Cmd.ok(E2e.SHORT, "ip", "link", "add", "name", v + "s", "netns", srv.name, "type", "veth",
                    "peer", "name", v + "j", "netns", jsl.name);
            srv.ok("ip", "link", "set", "lo", "up");
            srv.ok("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", v + "s", "nodad");
            srv.ok("ip", "link", "set", v + "s", "up");
            jsl.ok("ip", "link", "set", "lo", "up");
            jsl.ok("ip", "-6", "addr", "add", "2001:db8:1::2/64", "dev", v + "j", "nodad");
            jsl.ok("ip", "link", "set", v + "j", "up");
            jsl.ok("ip", "-6", "route", "add", "default", "via", "2001:db8:1::1");
            jsl.ok("ping", "-6", "-c", "1", "-W", "2", "2001:db8:1::1");
            tcp = background(srv.exec("socat", "TCP6-LISTEN:7000,bind=[2001:db8:1::1],reuseaddr,fork",
                    "SYSTEM:read l; echo \"got=$l peer=$SOCAT_PEERADDR\""));
            udp = background(srv.exec("socat", "UDP6-RECVFROM:7001,bind=[2001:db8:1::1],fork", "SYSTEM:cat"));
            awaitListening(srv, "7000", "-Hltn");
            awaitListening(srv, "7001", "-Hlun");
            try (NsHolder h = guestNs();
                 Jslirp j = start(h, List.of("ip", "netns", "exec", jsl.name))) {
                Guest g = ready(h, j);
                Cmd.Result t = g.run(Duration.ofSeconds(20), "bash", "-c",
                        "echo hello-remote6 | socat -t 10 -T 10 - TCP6:[2001:db8:1::1]:7000");
                assertEquals("got=hello-remote6 peer=[2001:0db8:0001:0000:0000:0000:0000:0002]\n", t.out(),
                        t.describe() + j.diagnostics());
                Cmd.Result u = g.run(Duration.ofSeconds(30), GuestTool.argv("udpone", "2001:db8:1::1", "7001",
                        "hello-udp-remote6"));
                assertEquals("reply=hello-udp-remote6 from=2001:db8:1:0:0:0:0:1:7001\n", u.out(),
                        u.describe() + j.diagnostics());
                Cmd.Result p = g.ping("2001:db8:1::1", "-6");
                assertTrue(p.out().contains("bytes from 2001:db8:1::1"), p.describe() + j.diagnostics());
            }
            // --outbound-addr6: the server sees the second address.
            jsl.ok("ip", "-6", "addr", "add", "2001:db8:1::3/64", "dev", v + "j", "nodad");
            try (NsHolder h = guestNs();
                 Jslirp j = start(h, List.of("ip", "netns", "exec", jsl.name), "--outbound-addr6=2001:db8:1::3")) {
                Guest g = ready(h, j);
                Cmd.Result t = g.run(Duration.ofSeconds(20), "bash", "-c",
                        "echo hello-outbound6 | socat -t 10 -T 10 - TCP6:[2001:db8:1::1]:7000");
                assertEquals("got=hello-outbound6 peer=[2001:0db8:0001:0000:0000:0000:0000:0003]\n", t.out(),
                        t.describe() + j.diagnostics());
            }
        } finally {
            if (tcp != null) {
                Procs.kill(tcp);
            }
            if (udp != null) {
                Procs.kill(udp);
            }
            if (jsl != null) {
                jsl.close();
            }
            srv.close();
        }
    }

    /** dhclient-script stand-in: record the DHCPv6 lease (BOUND6), configure nothing, touch no resolv.conf. */
    static final String DHCLIENT6_SCRIPT = "#!/bin/sh\n"
            + "[ \"$reason\" = BOUND6 ] || exit 0\n"
            + "{ echo \"ip6=$new_ip6_address\"; echo \"dns6=$new_dhcp6_name_servers\"; "
            + "echo \"preferred=$new_preferred_life\"; } > \"$(dirname \"$0\")/lease6.tmp\" "
            + "&& mv \"$(dirname \"$0\")/lease6.tmp\" \"$(dirname \"$0\")/lease6\"\n";

    /**
     * {@code dhclient -6} on a TAP nobody configured (SLAAC off in the guest): SOLICIT/ADVERTISE/REQUEST/REPLY
     * with the server on ff02::1:2 give it the guest's EUI-64 address in fd00::/64 and DNS fd00::3.
     */
    @Test
    void dhclient6GetsAnAddressAndTheDnsServer() throws Exception {
        assumeTrue(E2e.isJslirp(), "libslirp answers INFORMATION-REQUEST only");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jsl-dhclient6");
        java.nio.file.Path pidFile = dir.resolve("pid");
        try (NsHolder h = guestNs()) {
            h.ok("sysctl", "-q", "-w", "net.ipv6.conf.default.autoconf=0");
            try (Jslirp j = Jslirp.builder().ready3().args("-6", Long.toString(h.pid), "tap0").start().awaitReady()) {
                java.nio.file.Path script = dir.resolve("script");
                java.nio.file.Files.writeString(script, DHCLIENT6_SCRIPT, StandardCharsets.US_ASCII);
                java.nio.file.Files.setPosixFilePermissions(script,
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                java.nio.file.Path conf = dir.resolve("dhclient6.conf");
                java.nio.file.Files.writeString(conf, "timeout 20;\n", StandardCharsets.US_ASCII);
                Guest g = Guest.of(h, j);
                g.mustRun("ip", "link", "set", "lo", "up");
                g.mustRun("ip", "link", "set", "tap0", "up");
                // dhclient binds its link-local address at once: while DAD still holds it tentative the bind
                // fails ("Cannot assign requested address"), which happened under load.
                awaitLinkLocal(g, j);
                Cmd.Result r = g.run(Duration.ofSeconds(40), "dhclient", "-6", "-1", "-v", "-sf", script.toString(),
                        "-cf", conf.toString(), "-lf", dir.resolve("leases").toString(), "-pf", pidFile.toString(),
                        "tap0");
                java.nio.file.Path out = dir.resolve("lease6");
                assertTrue(r.ok() && java.nio.file.Files.exists(out), "dhclient -6 got no lease: " + r.describe()
                        + j.diagnostics());
                String lease = java.nio.file.Files.readString(out);
                assertTrue(lease.contains("ip6=fd00::"), lease);
                assertTrue(lease.contains("dns6=fd00::3"), lease);
            }
        } finally {
            if (java.nio.file.Files.exists(pidFile)) {
                String pid = java.nio.file.Files.readString(pidFile).trim();
                if (pid.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            for (String f : new String[] {"script", "lease6", "leases", "pid", "dhclient6.conf"}) {
                Cmd.deleteQuietly(dir.resolve(f));
            }
            Cmd.deleteQuietly(dir);
        }
    }

    /** Waits (bounded) until tap0 has a link-local address that duplicate address detection has passed. */
    private static void awaitLinkLocal(Guest g, Jslirp j) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String addr = "";
        while (System.nanoTime() < deadline) {
            addr = g.mustRun("ip", "-6", "addr", "show", "dev", "tap0", "scope", "link").out();
            if (addr.contains("inet6 fe80::") && !addr.contains("tentative")) {
                return;
            }
            Procs.sleep(100);
        }
        fail("tap0's link-local address still tentative or missing after 15 s:\n" + addr + j.diagnostics());
    }

    private static Process background(List<String> argv) throws IOException {
        return new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static void awaitListening(Netns ns, String port, String ssFlags) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            Cmd.Result r = ns.run("ss", ssFlags, "sport = :" + port);
            if (r.ok() && r.out().contains(":" + port)) {
                return;
            }
            Procs.sleep(50);
        }
        throw new AssertionError("nothing listens on port " + port + " in " + ns);
    }
}
