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
        return assertEveryThreadConfined(pid, seccomp, sandbox, j::diagnostics);
    }

    /** As above, with {@code diagnostics} saying what to show on a failure; a thread that ended meanwhile is skipped. */
    static int assertEveryThreadConfined(long pid, boolean seccomp, boolean sandbox,
                                         java.util.function.Supplier<String> diagnostics) throws IOException {
        int threads = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String status;
                try {
                    status = Files.readString(task.resolve("status"));
                } catch (java.nio.file.NoSuchFileException ended) {
                    continue;
                }
                String where = "thread " + task.getFileName() + ":\n" + status + diagnostics.get();
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
            quietReleaseUnderTheFilter(h, j);
            endsThroughTheExitFd(j, pcap);
        } finally {
            Files.deleteIfExists(pcap);
        }
    }

    /**
     * Once no frame has moved for a check or two, the loop gives the pools' kept buffers back (BufferTrim;
     * malloc_trim on a thread of its own, bound then, when chunks were freed): under the filter too, and the
     * next transfer takes new buffers and runs as before.
     */
    static void quietReleaseUnderTheFilter(NsHolder h, Jslirp j) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Map<String, String> c = StackProbe.counters(j);
        while (c.get("idleBuffersReleased") == null && System.nanoTime() < deadline) {
            Procs.sleep(1000);
            c = StackProbe.counters(j);
        }
        assertTrue(c.get("idleBuffersReleased") != null, "no quiet-time release: " + c + j.diagnostics());
        Procs.sleep(1000); // the trim's thread, if any, has run
        assertTrue(j.process.isAlive(), j.diagnostics());
        bulkBothWays(Guest.of(h, j), j);
    }

    /** /proc/PID/root: the sandbox's root holds /etc, /run and /tmp only. */
    static void assertSandboxRoot(long pid, Jslirp j) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> root = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "root"))) {
            root.forEach(p -> names.add(p.getFileName().toString()));
        }
        java.util.Collections.sort(names);
        assertEquals(List.of("etc", "run", "tmp"), names, "the sandbox's / " + j.diagnostics());
    }

    @Test
    void sandboxAndSeccompAsRootConfineEveryThreadAndServeEverything() throws Exception {
        Path pcap = Files.createTempFile("jsl-confined", ".pcap");
        Path api = ForwardIT.apiPath();
        try (DnsResponder ns1 = new DnsResponder(DnsIT.NS1, DnsIT.ANSWER1);
             DnsResponder ns2 = new DnsResponder(DnsIT.NS2, DnsIT.ANSWER2);
             ResolvConf rc = new ResolvConf(DnsIT.NS1); NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().exitFd(4)
                     .args(args(rc, api, pcap, "--enable-sandbox", "--enable-seccomp"))
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            assertEveryThreadConfined(j.pid, true, true, j);
            assertSandboxRoot(j.pid, j);
            everythingStillWorks(h, j, rc, api);
            assertEveryThreadConfined(j.pid, true, true, j);
            endsThroughTheExitFd(j, pcap);
        } finally {
            Files.deleteIfExists(pcap);
        }
    }

    /**
     * The restarted JVM runs with every option of the first (the launcher's, JSLIRP_JAVA_OPTS), on the same
     * class-data archive: {@code -XX:+PrintFlagsFinal} prints each JVM's final flags once, the first JVM's
     * before the restart and the second's after it, into the same stderr (where the launcher's
     * {@code -XX:+DisplayVMOutputToStderr} sends the JVM's own output). Two values may differ by design:
     * SharedBaseAddress (where the archive landed: address-space randomisation) and UsePerfData (the restart
     * turns it off, which the launcher has done already).
     */
    @Test
    void theRestartedJvmHasTheFirstOnesFlagsAndArchive() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().env("JSLIRP_JAVA_OPTS", "-XX:+PrintFlagsFinal").ready3()
                     .args("--enable-sandbox", "--enable-seccomp", "-c", Long.toString(h.pid), "tap0")
                     .start().awaitReady()) {
            String[] dumps = j.stderr().split("\\[Global flags\\]\n", -1);
            assertEquals(3, dumps.length, "one flag dump per JVM, two JVMs" + j.diagnostics());
            Map<String, String> first = flags(dumps[1]);
            Map<String, String> restarted = flags(dumps[2]);
            assertTrue(first.size() > 500, first.toString());
            for (String byDesign : List.of("SharedBaseAddress", "UsePerfData")) {
                first.remove(byDesign);
                restarted.remove(byDesign);
            }
            assertEquals(first, restarted, "the restarted JVM's flags" + j.diagnostics());
            // UseSharedSpaces, compared above, says whether each JVM mapped an archive; this says which.
            String archive = value(first, "SharedArchiveFile").isEmpty() ? value(first, "AOTCache")
                    : value(first, "SharedArchiveFile");
            if (!archive.isEmpty()) {
                assertTrue(Files.readString(Path.of("/proc", Long.toString(j.pid), "maps")).contains(archive),
                        "the restarted JVM maps " + archive + j.diagnostics());
            }
        }
    }

    /** A flag's value alone, without its origin; "" for an empty string flag or one this JDK lacks. */
    static String value(Map<String, String> flags, String name) {
        String v = flags.getOrDefault(name, "");
        return v.startsWith("{") ? "" : v.split("\\s+")[0];
    }

    /** A PrintFlagsFinal dump as name to "value {origin}": {@code "  bool UseSerialGC = true {product} {command line}"}. */
    static Map<String, String> flags(String dump) {
        Map<String, String> flags = new java.util.TreeMap<>();
        for (String line : dump.split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*\\S+\\s+(\\w+)\\s+:?=\\s*(.*?)\\s*$").matcher(line);
            if (m.matches()) {
                flags.put(m.group(1), m.group(2));
            }
        }
        return flags;
    }

    /**
     * On this kind of machine /run is a directory of the root filesystem and /run/netns/NAME a mount
     * (where slirp4netns's sandbox unmounted it for its caller). The caller's mount must survive the
     * sandbox and jslirp's exit, while mounts the caller makes later still reach the sandbox's /run.
     */
    @Test
    void sandboxLeavesTheCallersNetnsMountAloneAndSeesNewOnes() throws Exception {
        boolean runIsItsOwnMount = Files.readString(Path.of("/proc/self/mountinfo")).lines()
                .anyMatch(l -> l.split(" ")[4].equals("/run"));
        System.out.println("ConfinementIT: /run is " + (runIsItsOwnMount ? "" : "not ") + "a mount of its own here");
        try (Netns ns = Netns.create()) {
            try (Jslirp j = Jslirp.builder().ready3().exitFd(4)
                    .args("--enable-sandbox", "-e", "4", "-c", "--netns-type=path", ns.path().toString(), "tap0")
                    .start().awaitReady()) {
                assertSandboxRoot(j.pid, j);
                assertTrue(mountedHere(ns.path()), "the caller's " + ns.path() + " must still be mounted" + j.diagnostics());
                assertTrue(ns.ok("ip", "-4", "addr", "show", "tap0").out().contains("10.0.2.100/24"));
                Guest.of(ns, j).ping(TcpRelayIT.GW);
                try (Netns later = Netns.create()) {
                    Path inside = Path.of("/proc", Long.toString(j.pid), "root", "run", "netns", later.toString());
                    assertTrue(Files.exists(inside), "a netns added after start appears in the sandbox's /run" + j.diagnostics());
                }
                j.closeExitFd();
                assertEquals(Integer.valueOf(0), j.waitFor(Duration.ofSeconds(10)), j.diagnostics());
            }
            assertTrue(mountedHere(ns.path()), "the caller's " + ns.path() + " must outlive jslirp");
            ns.ok("true");
        }
    }

    static boolean mountedHere(Path path) throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).lines().anyMatch(l -> l.split(" ")[4].equals(path.toString()));
    }

    /** RootlessKit's detach mode by hand: uid 65534 from outside the user namespace, with --userns-path. */
    @Test
    void sandboxAndSeccompRootlessFromOutsideTheUserNamespace() throws Exception {
        Path dir = Files.createTempDirectory("jsl-confined");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path api = dir.resolve("api.sock");
        Path pcap = dir.resolve("capture.pcap");
        List<String> user = Unprivileged.AS_USER;
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen();
             DnsResponder ns1 = new DnsResponder(DnsIT.NS1, DnsIT.ANSWER1);
             DnsResponder ns2 = new DnsResponder(DnsIT.NS2, DnsIT.ANSWER2);
             ResolvConf rc = new ResolvConf(DnsIT.NS1); NsHolder h = NsHolder.userAndNetns(user);
             Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(user).ready3().exitFd(4)
                     .args(args(rc, api, pcap, "--enable-sandbox", "--enable-seccomp"))
                     .args("-c", "--userns-path=" + h.userPath(), "--netns-type=path", h.netPath(), "tap0")
                     .start().awaitReady()) {
            assertEveryThreadConfined(j.pid, true, true, j);
            assertSandboxRoot(j.pid, j);
            assertEquals(Files.readSymbolicLink(Path.of(h.userPath())), Files.readSymbolicLink(Path.of("/proc", Long.toString(j.pid), "ns", "user")),
                    "jslirp restarted itself inside the container's user namespace");
            everythingStillWorks(h, j, rc, api);
            endsThroughTheExitFd(j, pcap);
        } finally {
            Cmd.deleteQuietly(api);
            Cmd.deleteQuietly(pcap);
            Cmd.deleteQuietly(dir);
        }
    }

    /** Podman's way: started inside the container's user namespace (as its root), given the netns path. */
    @Test
    void sandboxAndSeccompInsideTheUserNamespaceLikePodman() throws Exception {
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen();
             NsHolder h = NsHolder.userAndNetns(Unprivileged.AS_USER)) {
            List<String> prefix = E2e.concat(Unprivileged.AS_USER, "nsenter", "--user=" + h.userPath(),
                    "--preserve-credentials", "--");
            try (Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(prefix).ready3().exitFd(4)
                    .args("--mtu=65520", "--enable-sandbox", "--enable-seccomp", "-c",
                            "-e", "4", "--netns-type=path", h.netPath(), "tap0")
                    .start().awaitReady()) {
                assertEveryThreadConfined(j.pid, true, true, j);
                assertSandboxRoot(j.pid, j);
                Guest g = Guest.of(h, j);
                assertTrue(g.addr("tap0").contains("mtu 65520"), g.addr("tap0"));
                g.ping(TcpRelayIT.GW);
                bulkBothWays(g, j);
                j.closeExitFd();
                assertEquals(Integer.valueOf(0), j.waitFor(Duration.ofSeconds(10)), j.diagnostics());
            }
        }
    }

    /** Where the kernel refuses a step, jslirp names it, exits 1 and never writes the ready byte. */
    @Test
    void aRefusedSandboxStepIsNamedAndNothingIsServed() throws Exception {
        // Unprivileged, with no user namespace to enter: it cannot have a mount namespace of its own.
        try (Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(Unprivileged.AS_USER).ready3()
                .args("--enable-sandbox", "-c", "--netns-type=path", "/proc/self/ns/net", "tap0").start()) {
            byte[] ready = j.awaitReadyEof(Duration.ofSeconds(20));
            assertEquals(0, ready.length, "no ready byte" + j.diagnostics());
            assertEquals(Integer.valueOf(1), j.waitFor(Duration.ofSeconds(10)), j.diagnostics());
            assertTrue(j.stderr().contains("jslirp: sandbox: unshare(CLONE_NEWNS)"), j.diagnostics());
        }
    }

    /**
     * RootlessKit asking for both ({@code --slirp4netns-sandbox=true --slirp4netns-seccomp=true}), as an
     * unprivileged user: jslirp serves the child, confined, and RootlessKit's port driver still talks to its
     * API socket.
     */
    @Test
    void rootlessKitWithSandboxAndSeccomp() throws Exception {
        Path state = Files.createTempDirectory("jsl-rk-confined");
        Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path stateDir = state.resolve("state");
        Path childOut = state.resolve("child.txt");
        int hostPort = ForwardIT.freePort();
        String child = "ip -4 -o addr show tap0 > " + childOut + "; ping -c 1 -W 5 10.0.2.2 >> " + childOut
                + " 2>&1 && echo PING-OK >> " + childOut
                + "; exec timeout 60 socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hello-from-child'";
        List<String> argv = new ArrayList<>(Unprivileged.AS_USER);
        argv.addAll(List.of("env", "HOME=" + state, "XDG_RUNTIME_DIR=" + state, "rootlesskit",
                "--state-dir=" + stateDir, "--net=slirp4netns", "--slirp4netns-binary=" + E2e.launcher(),
                "--slirp4netns-sandbox=true", "--slirp4netns-seccomp=true",
                "--port-driver=slirp4netns", "sh", "-c", child));
        try (SubIds ids = new SubIds("nobody", 300_000, 65_536); Unprivileged.TunOpen tun = new Unprivileged.TunOpen()) {
            Path log = state.resolve("rootlesskit.log");
            Process rk = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                String report = RootlessKitIT.awaitFile(childOut, "PING-OK", rk, log);
                assertTrue(report.contains("inet 10.0.2.100/24"), report);
                long jslirp = Procs.descendantsOf(rk.pid()).stream().map(Procs.Stat::pid)
                        .filter(ConfinementIT::isJslirp).findFirst()
                        .orElseThrow(() -> new AssertionError("no jslirp under rootlesskit\n" + read(log)));
                String status = Files.readString(Path.of("/proc", Long.toString(jslirp), "status"));
                assertEquals("2", field(status, "Seccomp"), "RootlessKit passed --enable-seccomp\n" + read(log));
                assertEveryThreadConfinedQuietly(jslirp, log);
                List<String> names = new ArrayList<>();
                try (DirectoryStream<Path> root = Files.newDirectoryStream(Path.of("/proc", Long.toString(jslirp), "root"))) {
                    root.forEach(p -> names.add(p.getFileName().toString()));
                }
                java.util.Collections.sort(names);
                assertEquals(List.of("etc", "run", "tmp"), names, read(log));
                Path api = stateDir.resolve("api.sock");
                Cmd.Result add = RootlessKitIT.ctl(api, "add-ports", "127.0.0.1:" + hostPort + ":80/tcp");
                assertEquals(0, add.exit(), add.describe() + "\n" + read(log));
                assertEquals("hello-from-child\n", RootlessKitIT.readLine(hostPort), "through the published port\n" + read(log));
            } finally {
                Procs.kill(rk);
            }
        } finally {
            Cmd.run(E2e.SHORT, "rm", "-rf", state.toString());
        }
    }

    private static boolean isJslirp(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).contains("jslirp.jar");
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void assertEveryThreadConfinedQuietly(long pid, Path log) throws IOException {
        assertEveryThreadConfined(pid, true, true, () -> read(log));
    }
}
