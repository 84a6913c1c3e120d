package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Host ports forwarded into the guest, end to end: {@code --publish} and the API socket, real clients on the
 * host (curl, Java sockets, {@link GuestTool}) and {@link GuestServer}s in the guest that log the address
 * they see.
 */
@Tag("e2e")
@Timeout(180)
class ForwardIT {
    static final String GUEST = "10.0.2.100";
    static final String GW = "10.0.2.2";
    private static final Pattern ID_PORT = Pattern.compile("\\{\"return\":\\{\"id\":(\\d+),\"host_port\":(\\d+)}}");

    @org.junit.jupiter.api.BeforeEach
    void onlyJslirp() {
        // --publish, host_port 0 and the jslirp run launcher are jslirp's own
        org.junit.jupiter.api.Assumptions.assumeTrue(E2e.isJslirp(), "jslirp's own flags");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    static Path apiPath() throws IOException {
        Path dir = Files.createTempDirectory("jsl-api");
        dir.toFile().deleteOnExit();
        return dir.resolve("api.sock");
    }

    static Jslirp start(NsHolder h, String... extra) throws IOException {
        return Jslirp.builder().ready3().args(extra).args("-c", Long.toString(h.pid), "tap0").start().awaitReady();
    }

    static Background guestServer(NsHolder h, String... args) throws IOException, InterruptedException {
        return Background.start(h.enter(GuestServer.argv(args)));
    }

    /** {@code add_hostfwd} with host_port 0: returns {id, port}. */
    static int[] addAnyPort(Path api, String proto, String hostAddr, int guestPort) throws IOException {
        String reply = ApiClient.call(api, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"" + proto
                + "\",\"host_addr\":\"" + hostAddr + "\",\"host_port\":0,\"guest_port\":" + guestPort + "}}");
        Matcher m = ID_PORT.matcher(reply);
        if (!m.matches()) {
            fail("add_hostfwd answered " + reply);
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    static String curl(String url) {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", url);
        assertEquals(0, r.exit(), r.describe());
        return r.out();
    }

    @Test
    void curlThroughPublishReachesTheGuestsHttpServerWhichSeesNetworkPlus2() throws Exception {
        int port = freePort();
        try (NsHolder h = NsHolder.netns(); Background http = guestServer(h, "http", "80", "60");
             Jslirp j = start(h, "-p", "127.0.0.1:" + port + ":80", "--publish", port + 1 + ":80/tcp")) {
            assertEquals("hello peer=" + GW + "\n", curl("http://127.0.0.1:" + port + "/"), j.diagnostics());
            // the second publish has no address: 0.0.0.0, reachable on loopback too
            assertEquals("hello peer=" + GW + "\n", curl("http://127.0.0.1:" + (port + 1) + "/x"), j.diagnostics());
            assertTrue(http.awaitLine("peer=" + GW + ":") != null, http.lines.toString());
        }
    }

    @Test
    void apiSocketAddsListsAndRemovesForwardsNextToPublish() throws Exception {
        Path api = apiPath();
        int published = freePort();
        try (NsHolder h = NsHolder.netns(); Background http = guestServer(h, "http", "80", "60");
             Jslirp j = start(h, "--api-socket", api.toString(), "-p", "127.0.0.1:" + published + ":80")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(api)),
                    "the API socket is its owner's only");
            int[] added = addAnyPort(api, "tcp", "127.0.0.1", 80);
            assertEquals(2, added[0], "--publish took id 1");
            assertEquals("hello peer=" + GW + "\n", curl("http://127.0.0.1:" + added[1] + "/"), j.diagnostics());
            assertEquals("{\"return\":{\"entries\":["
                    + "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":" + published
                    + ",\"guest_addr\":\"" + GUEST + "\",\"guest_port\":80},"
                    + "{\"id\":2,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":" + added[1]
                    + ",\"guest_addr\":\"" + GUEST + "\",\"guest_port\":80}]}}",
                    ApiClient.call(api, "{\"execute\":\"list_hostfwd\"}"));
            assertEquals("{\"error\":{\"desc\":\"bad request: add_hostfwd: slirp_add_hostfwd failed\"}}",
                    ApiClient.addTcp(api, "127.0.0.1", published, 80), "the port is taken by --publish");
            assertEquals("{\"error\":{\"desc\":\"bad request: unknown execute\"}}",
                    ApiClient.call(api, "{\"execute\":\"no_such\"}"));
            assertEquals("{\"return\":{}}", ApiClient.remove(api, 2));
            assertEquals("{\"error\":{\"desc\":\"bad request: remove_hostfwd: bad arguments.id\"}}",
                    ApiClient.remove(api, 2));
            assertRefused(added[1]);
            assertEquals("hello peer=" + GW + "\n", curl("http://127.0.0.1:" + published + "/"), "id 1 still serves");
            // ids are never reused
            assertEquals(3, addAnyPort(api, "tcp", "127.0.0.1", 80)[0]);
            // an IPv6 host address forwards into the IPv4 guest; ::1 is loopback, so the guest sees N+2
            int[] v6 = addAnyPort(api, "tcp", "::1", 80);
            assertEquals(4, v6[0]);
            assertEquals("hello peer=" + GW + "\n", curl("http://[::1]:" + v6[1] + "/"), j.diagnostics());
        }
        assertTrue(Files.notExists(api), "the API socket is removed at exit");
    }

    @Test
    void aClientOnAnotherHostAddressIsSeenWithItsOwnAddressAndLoopbackAsNetworkPlus2() throws Exception {
        Path api = apiPath();
        try (RemoteTopology t = new RemoteTopology(false); NsHolder h = NsHolder.netns();
             Background http = guestServer(h, "http", "80", "60");
             Jslirp j = Jslirp.builder().prefix(t.inJsl()).ready3().args("--api-socket", api.toString())
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            int port = addAnyPort(api, "tcp", "0.0.0.0", 80)[1];
            // srv (192.0.2.1) is another machine as far as jslirp's namespace is concerned
            Cmd.Result remote = t.srv.run("curl", "-sS", "--max-time", "10", "http://" + RemoteTopology.JSL + ":" + port + "/");
            assertEquals("hello peer=" + RemoteTopology.SERVER + "\n", remote.out(), remote.describe() + j.diagnostics());
            Cmd.Result local = t.jsl.run("curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + port + "/");
            assertEquals("hello peer=" + GW + "\n", local.out(), local.describe() + j.diagnostics());
            // UDP the same way
            try (Background echo = guestServer(h, "udpecho", "5353", "60")) {
                int udpPort = addAnyPort(api, "udp", "0.0.0.0", 5353)[1];
                Cmd.Result r = Cmd.run(Duration.ofSeconds(30), t.srv.exec(GuestTool.argv("udpone", RemoteTopology.JSL,
                        Integer.toString(udpPort), "hi")));
                assertEquals("reply=hi from=" + RemoteTopology.JSL + ":" + udpPort, r.out().trim(), r.describe() + j.diagnostics());
                assertTrue(echo.awaitLine("peer=" + RemoteTopology.SERVER + ":") != null, echo.lines.toString());
            }
        }
    }

    @Test
    void oneGibibyteEachWayThroughAForwardArrivesIntact() throws Exception {
        long size = Long.getLong("jslirp.e2e.bulkBytes", 1L << 30);
        long seed = System.nanoTime();
        CompletableFuture<String> expected = CompletableFuture.supplyAsync(() -> DetStream.sha256(seed, size));
        int up = freePort();
        int down = freePort();
        Path api = apiPath();
        try (NsHolder h = NsHolder.netns(); Background sink = guestServer(h, "tcpsink", "5001", "120");
             Background source = guestServer(h, "tcpsource", "5002", Long.toString(size), Long.toString(seed), "120");
             Jslirp j = start(h, "--mtu", "65520", "--api-socket", api.toString(),
                     "-p", "127.0.0.1:" + up + ":5001", "-p", "127.0.0.1:" + down + ":5002")) {
            // API clients, four at a time, the whole time the bytes flow: every answer exact, none stalls the loop
            java.util.concurrent.atomic.AtomicBoolean transferring = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<String> apiFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicInteger apiCalls = new java.util.concurrent.atomic.AtomicInteger();
            String listed = "{\"return\":{\"entries\":[{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":" + up
                    + ",\"guest_addr\":\"" + GUEST + "\",\"guest_port\":5001},{\"id\":2,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":"
                    + down + ",\"guest_addr\":\"" + GUEST + "\",\"guest_port\":5002}]}}";
            List<Thread> apiThreads = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    for (int k = 0; k < 5000 && transferring.get(); k++) {
                        try {
                            String got = ApiClient.call(api, "{\"execute\":\"list_hostfwd\"}");
                            apiCalls.incrementAndGet();
                            if (!got.equals(listed)) {
                                apiFailures.add(got);
                            }
                        } catch (IOException e) {
                            apiFailures.add(e.toString());
                        }
                    }
                });
                th.start();
                apiThreads.add(th);
            }
            // host -> guest: the guest hashes what it got and says so
            try (Socket s = new Socket("127.0.0.1", up)) {
                s.setSoTimeout(60_000);
                OutputStream out = s.getOutputStream();
                DetStream d = new DetStream(seed, size);
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = d.next(buf)) > 0) {
                    out.write(buf, 0, n);
                }
                s.shutdownOutput();
                String got = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                assertEquals(expected.get(60, TimeUnit.SECONDS), got, "sha256 the guest computed (seed " + seed + ")"
                        + j.diagnostics());
            }
            // guest -> host
            try (Socket s = new Socket("127.0.0.1", down)) {
                s.setSoTimeout(60_000);
                MessageDigest md = DetStream.sha256();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[1 << 20];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    total += n;
                }
                assertEquals(size, total, "bytes from the guest" + j.diagnostics());
                assertEquals(expected.get(), HexFormat.of().formatHex(md.digest()), "sha256 of what the host received");
            }
            transferring.set(false);
            for (Thread th : apiThreads) {
                th.join(15_000);
            }
            assertEquals(List.of(), apiFailures.subList(0, Math.min(3, apiFailures.size())), "API answers during the transfer");
            assertTrue(apiCalls.get() >= 4, "API calls answered during the transfer: " + apiCalls.get());
        }
    }

    @Test
    void udpForwardEchoesTenThousandDatagrams() throws Exception {
        int port = freePort();
        try (NsHolder h = NsHolder.netns(); Background echo = guestServer(h, "udpecho", "7", "90");
             Jslirp j = start(h, "-p", "127.0.0.1:" + port + ":7/udp")) {
            Cmd.Result r = Cmd.run(Duration.ofSeconds(60), GuestTool.argv("udpecho", "127.0.0.1", Integer.toString(port),
                    "10000", "32", "40"));
            assertEquals(0, r.exit(), r.describe() + j.diagnostics());
            assertTrue(r.out().startsWith("ok 10000 "), r.describe());
            assertTrue(echo.awaitLine("peer=" + GW + ":") != null, echo.lines.toString());
        }
    }

    @Test
    void removingAForwardLetsItsTransferFinishAndRefusesTheNextConnection() throws Exception {
        Path api = apiPath();
        long size = 256L << 20;
        long seed = 42;
        try (NsHolder h = NsHolder.netns();
             Background source = guestServer(h, "tcpsource", "5002", Long.toString(size), Long.toString(seed), "90");
             Jslirp j = start(h, "--api-socket", api.toString())) {
            int[] fwd = addAnyPort(api, "tcp", "127.0.0.1", 5002);
            try (Socket s = new Socket("127.0.0.1", fwd[1])) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                MessageDigest md = DetStream.sha256();
                byte[] buf = new byte[1 << 16];
                long total = 0;
                int n;
                boolean removed = false;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    total += n;
                    if (!removed && total >= 1 << 20) {
                        // mid-transfer: the listener goes, this connection must not
                        assertEquals("{\"return\":{}}", ApiClient.remove(api, fwd[0]));
                        removed = true;
                        assertRefused(fwd[1]);
                    }
                }
                assertTrue(removed);
                assertEquals(size, total, "the transfer finished" + j.diagnostics());
                assertEquals(DetStream.sha256(seed, size), HexFormat.of().formatHex(md.digest()));
            }
        }
    }

    @Test
    void aForwardToAGuestPortWithNoListenerClosesTheClientAtOnce() throws Exception {
        int port = freePort();
        try (NsHolder h = NsHolder.netns(); Jslirp j = start(h, "-p", "127.0.0.1:" + port + ":9")) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                // Within the timeout, well before the 15 s a guest that never answers would take: the guest's
                // kernel refuses, and the client is reset, not closed and not left waiting.
                s.setSoTimeout(5_000);
                java.net.SocketException reset = assertThrows(java.net.SocketException.class,
                        () -> s.getInputStream().read(), "the client's connection must be reset" + j.diagnostics());
                assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
            }
            if (E2e.isJslirp()) {
                assertEquals("1", StackProbe.counters(j).get("tcpForwardRefused"), j.diagnostics());
            }
        }
    }

    @Test
    void jslirpRunPublishesAPortOfTheCommandsNamespace() throws Exception {
        int port = freePort();
        // the command serves one connection, then exits 0; jslirp run exits with its status
        Process run = new ProcessBuilder(E2e.concat(List.of(E2e.launcher(), "run", "-p", "127.0.0.1:" + port + ":8080",
                "--", "socat", "TCP-LISTEN:8080", "SYSTEM:echo served-by-the-command")))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        try {
            String got = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got == null && System.nanoTime() < deadline && run.isAlive()) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    s.setSoTimeout(10_000);
                    String line = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (!line.isEmpty()) {
                        got = line;
                    }
                } catch (IOException notYet) {
                    Procs.sleep(100);
                }
            }
            assertEquals("served-by-the-command\n", got);
            assertTrue(run.waitFor(15, TimeUnit.SECONDS), "jslirp run ends with its command");
            assertEquals(0, run.exitValue(), new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            Procs.kill(run);
        }
    }

    @Test
    void badPublishValuesAreRefusedWithStatus1() throws Exception {
        for (String bad : List.of("80", "x:80", "1:2:3:4", "8080:80/sctp", "70000:80", "127.0.0.1:8080:0")) {
            Cmd.Result r = Cmd.run(E2e.SHORT, E2e.concat(E2e.command(), List.of("-p", bad, "1", "tap0")));
            assertEquals(1, r.exit(), bad + ": " + r.describe());
            assertTrue(r.err().contains("jslirp: invalid --publish value \"" + bad + "\": "), bad + ": " + r.describe());
        }
    }

    private static void assertRefused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            fail("port " + port + " still accepts connections");
        } catch (ConnectException expected) {
            // refused, as it must be
        } catch (IOException e) {
            fail("expected refusal, got " + e);
        }
    }
}
