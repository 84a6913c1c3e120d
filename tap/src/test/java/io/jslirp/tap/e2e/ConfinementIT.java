package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --enable-seccomp} and {@code --enable-sandbox}, as root: the process is confined on every thread,
 * and everything it serves keeps working inside (ping, a 10 MB transfer each way with matching sha256, DNS
 * through 10.0.2.3 including a resolv.conf change, an API forward, --pcap, SIGUSR1, the exit fd).
 */
@Tag("e2e")
@Timeout(180)
class ConfinementIT {
    static final long BULK = 10L << 20;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** CAP_NET_BIND_SERVICE, the one capability the sandbox may keep. */
    static final long CAP_NET_BIND_SERVICE = 1L << 10;

    @BeforeEach
    void onlyJslirp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(E2e.isJslirp(), "checks jslirp's own confinement");
    }

    /** Every thread of {@code pid}: the filter and no_new_privs; with the sandbox, no capability but one. */
    static int assertEveryThreadConfined(long pid, boolean seccomp, boolean sandbox, Jslirp j) throws IOException {
        int threads = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String status;
                try {
                    status = Files.readString(task.resolve("status"));
                } catch (java.nio.file.NoSuchFileException ended) {
                    continue;
                }
                String where = "thread " + task.getFileName() + ":\n" + status + j.diagnostics();
                if (seccomp) {
                    assertEquals("2", field(status, "Seccomp"), where);
                }
                if (seccomp || sandbox) {
                    assertEquals("1", field(status, "NoNewPrivs"), where);
                }
                if (sandbox) {
                    for (String set : new String[] {"CapEff", "CapPrm", "CapBnd"}) {
                        long caps = Long.parseUnsignedLong(field(status, set), 16);
                        assertEquals(0, caps & ~CAP_NET_BIND_SERVICE, set + " of " + where);
                    }
                    assertEquals(0, Long.parseUnsignedLong(field(status, "CapAmb"), 16), where);
                }
                threads++;
            }
        }
        assertTrue(threads >= 8, "a JVM has more threads than " + threads);
        return threads;
    }

    static String field(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in\n" + status);
    }

    /** What a guest does through a confined jslirp; {@code rc}'s nameserver must be answered by {@code ns1}. */
    static void everythingStillWorks(NsHolder h, Jslirp j, ResolvConf rc, Path api) throws Exception {
        Guest g = Guest.of(h, j);
        g.ping(TcpRelayIT.GW);
        bulkBothWays(g, j);
        assertTrue(DnsIT.ask(h, j, DnsResponder.OK_NAME, "udp").startsWith("rcode=0 answers=" + DnsIT.ANSWER1 + " "));
        rc.replace(DnsIT.NS2);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String got = "";
        while (System.nanoTime() < deadline) {
            got = DnsIT.ask(h, j, DnsResponder.OK_NAME, "udp");
            if (got.startsWith("rcode=0 answers=" + DnsIT.ANSWER2 + " ")) {
                break;
            }
            Procs.sleep(500);
        }
        assertTrue(got.startsWith("rcode=0 answers=" + DnsIT.ANSWER2 + " "), "resolv.conf change not followed: " + got
                + j.diagnostics());
        try (Background http = ForwardIT.guestServer(h, "http", "80", "60")) {
            int[] added = ForwardIT.addAnyPort(api, "tcp", "127.0.0.1", 80);
            assertEquals("hello peer=" + TcpRelayIT.GW + "\n", ForwardIT.curl("http://127.0.0.1:" + added[1] + "/"),
                    j.diagnostics());
        }
        Map<String, String> counters = StackProbe.counters(j);
        assertTrue(Long.parseLong(counters.get("icmpEchoRequestsIn")) >= 3, counters.toString());
    }

    static void bulkBothWays(Guest g, Jslirp j) throws Exception {
        long seed = RANDOM.nextLong();
        CompletableFuture<HostServer.Digest> received = new CompletableFuture<>();
        try (HostServer server = HostServer.start(s -> received.complete(HostServer.readAllHashed(s.getInputStream())))) {
            String gen = String.join(" ", GuestTool.argv("gen", Long.toString(BULK), Long.toString(seed)));
            Cmd.Result r = g.run(Duration.ofSeconds(60), "bash", "-o", "pipefail", "-c",
                    gen + " | socat -u - TCP:" + TcpRelayIT.GW + ":" + server.port);
            assertEquals(0, r.exit(), r.describe() + j.diagnostics());
            HostServer.Digest d = received.get(30, TimeUnit.SECONDS);
            assertEquals(BULK, d.bytes());
            assertEquals(DetStream.sha256(seed, BULK), d.sha256(), "guest to host, seed " + seed);
        }
        CompletableFuture<HostServer.Digest> sent = new CompletableFuture<>();
        try (HostServer server = HostServer.start(s -> sent.complete(HostServer.writeHashed(s.getOutputStream(), seed, BULK)))) {
            Cmd.Result r = g.run(Duration.ofSeconds(60), "bash", "-o", "pipefail", "-c",
                    "socat -u TCP:" + TcpRelayIT.GW + ":" + server.port + " - | sha256sum");
            assertEquals(0, r.exit(), r.describe() + j.diagnostics());
            assertEquals(sent.get(30, TimeUnit.SECONDS).sha256() + "  -", r.out().trim(), "host to guest, seed " + seed);
        }
    }

    /** Ends through the exit fd, as runtimes end it, with status 0; the capture holds the session's frames. */
    static void endsThroughTheExitFd(Jslirp j, Path pcap) throws IOException {
        j.closeExitFd();
        Integer status = j.waitFor(Duration.ofSeconds(10));
        assertEquals(Integer.valueOf(0), status, "exit status after the exit fd closed" + j.diagnostics());
        assertTrue(Files.size(pcap) > 10_000_000, "the capture (opened before confinement) has the transfer: "
                + Files.size(pcap) + " bytes");
    }

    static List<String> args(ResolvConf rc, Path api, Path pcap, String... flags) {
        List<String> a = new ArrayList<>(List.of(flags));
        a.addAll(rc.args());
        a.addAll(List.of("--api-socket", api.toString(), "--pcap", pcap.toString(), "-e", "4"));
        return a;
    }

    @Test
    void seccompAsRootFiltersEveryThreadAndServesEverything() throws Exception {
        Path pcap = Files.createTempFile("jsl-confined", ".pcap");
        Path api = ForwardIT.apiPath();
        try (DnsResponder ns1 = new DnsResponder(DnsIT.NS1, DnsIT.ANSWER1);
             DnsResponder ns2 = new DnsResponder(DnsIT.NS2, DnsIT.ANSWER2);
             ResolvConf rc = new ResolvConf(DnsIT.NS1); NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().exitFd(4).args(args(rc, api, pcap, "--enable-seccomp"))
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            assertEveryThreadConfined(j.pid, true, false, j);
            everythingStillWorks(h, j, rc, api);
            // Threads the JVM started since (compiler, cleaner) inherited the filter.
            assertEveryThreadConfined(j.pid, true, false, j);
            endsThroughTheExitFd(j, pcap);
        } finally {
            Files.deleteIfExists(pcap);
        }
    }
}
