package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TCP from the guest to host loopback through the gateway: 10.0.2.2:PORT reaches 127.0.0.1:PORT, as
 * slirp4netns does. Host servers run in this JVM on ports the kernel picks; clients in the guest are
 * curl, socat and {@link GuestTool}.
 */
@Tag("e2e")
@Timeout(120)
class TcpRelayIT {
    static final String GW = "10.0.2.2";

    static Jslirp start(NsHolder h, String... extra) throws IOException {
        return Jslirp.builder().ready3().args(extra).args("-c", Long.toString(h.pid), "tap0").start().awaitReady();
    }

    @Test
    void curlGetsExactBodyAndStatusFromAnHttpServerOnHostLoopback() throws Exception {
        String body = "hello from host loopback\n".repeat(3000); // 75 KB: many segments at MTU 1500
        List<String> peers = new CopyOnWriteArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        ExecutorService ex = Executors.newFixedThreadPool(2);
        http.setExecutor(ex);
        http.createContext("/", x -> respond(x, peers, body));
        http.start();
        int port = http.getAddress().getPort();
        try (NsHolder h = NsHolder.netns(); Jslirp j = start(h)) {
            Guest g = Guest.of(h, j);
            Cmd.Result ok = g.mustRun("curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                    "http://" + GW + ":" + port + "/hello");
            assertEquals(body + "\n200", ok.out(), "curl's body and status" + j.diagnostics());
            Cmd.Result missing = g.run(E2e.SHORT, "curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                    "http://" + GW + ":" + port + "/missing");
            assertEquals(0, missing.exit(), missing.describe());
            assertEquals("no such thing\n\n404", missing.out(), missing.describe());
            // the host sees the guest's connections as coming from 127.0.0.1, as with slirp4netns
            assertEquals(List.of("127.0.0.1", "127.0.0.1"), peers);
        } finally {
            http.stop(0);
            ex.shutdownNow();
        }
    }

    private static void respond(HttpExchange x, List<String> peers, String body) throws IOException {
        peers.add(x.getRemoteAddress().getAddress().getHostAddress());
        boolean hello = x.getRequestURI().getPath().equals("/hello");
        byte[] b = (hello ? body : "no such thing\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "text/plain");
        x.sendResponseHeaders(hello ? 200 : 404, b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }

    @Test
    void halfCloseDeliversTheRequestThenTheReplySentAfterEof() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        // the server answers only once it has seen the guest's FIN: the reply travels on a half-closed flow
        try (HostServer server = HostServer.start(s -> {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                in.transferTo(got);
                requests.add(got.toString(StandardCharsets.UTF_8));
                s.getOutputStream().write("reply-after-eof".getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            });
             NsHolder h = NsHolder.netns(); Jslirp j = start(h)) {
            Guest g = Guest.of(h, j);
            Cmd.Result java = g.run(Duration.ofSeconds(30),
                    GuestTool.argv("halfclose", GW, Integer.toString(server.port), "request-bytes"));
            assertEquals(0, java.exit(), java.describe() + j.diagnostics());
            assertEquals("reply-after-eof", java.out(), java.describe());
            // the same with socat: at stdin's EOF it shuts down its write side and keeps reading (-t 10)
            Cmd.Result socat = g.run(Duration.ofSeconds(30), "bash", "-c",
                    "printf request-bytes | socat -t 10 -T 20 - TCP:" + GW + ":" + server.port);
            assertEquals(0, socat.exit(), socat.describe() + j.diagnostics());
            assertEquals("reply-after-eof", socat.out(), socat.describe());
            assertEquals(List.of("request-bytes", "request-bytes"), requests);
            assertEquals(List.of(), server.errors);
        }
    }

    @Test
    void fiveHundredConcurrentConnectionsEachEchoTheirOwnBytesAndLeaveNothingBehind() throws Exception {
        int n = Integer.getInteger("jslirp.e2e.connections", 500);
        try (HostServer server = HostServer.echo(); NsHolder h = NsHolder.netns(); Jslirp j = start(h)) {
            Guest g = Guest.of(h, j);
            int baseline = StackProbe.socketFds(j.pid);
            assertTrue(baseline >= 0, "cannot read /proc/" + j.pid + "/fd" + j.diagnostics());
            Cmd.Result r = g.run(Duration.ofSeconds(90),
                    GuestTool.argv("many", GW, Integer.toString(server.port), Integer.toString(n), "10240"));
            assertEquals(0, r.exit(), r.describe() + j.diagnostics());
            assertTrue(r.out().startsWith("ok " + n + " "), r.describe());
            assertEquals(n, server.accepted(), "connections the host server accepted");
            // All n are open at once by construction: GuestTool connects every one before it sends a byte,
            // and a connect completes only once the relay answered the SYN. (The server's own count of
            // open connections is no proof either way: its accept thread may lag behind the backlog.)
            assertEquals(List.of(), server.errors);

            // every connection is closed at both ends now: the relay must give back every host socket
            int after = StackProbe.awaitSocketFds(j.pid, c -> c <= baseline, Duration.ofSeconds(10));
            assertTrue(after <= baseline, "socket fds: " + baseline + " before the traffic, still " + after
                    + " 10 s after every connection closed" + j.diagnostics());
            if (E2e.isJslirp()) {
                Map<String, String> c = StackProbe.awaitCounter(j, "activeFlows", "0", Duration.ofSeconds(10));
                assertEquals("0", c.get("activeFlows"), "flow table after all connections closed: " + c);
            }
            assertTrue(j.process.isAlive(), j.diagnostics());
        }
    }

    @Test
    void aClosedPortIsRefusedAtOnce() throws Exception {
        int closed = closedPort();
        try (NsHolder h = NsHolder.netns(); Jslirp j = start(h)) {
            Guest g = Guest.of(h, j);
            long t0 = System.nanoTime();
            Cmd.Result curl = g.run(E2e.SHORT, "curl", "-sS", "--max-time", "5", "http://" + GW + ":" + closed + "/");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(7, curl.exit(), "curl: couldn't connect " + curl.describe() + j.diagnostics());
            assertTrue(ms < 1000, "curl took " + ms + " ms to fail; a closed port must be refused at once");
            Cmd.Result java = g.run(Duration.ofSeconds(20), GuestTool.argv("connect", GW, Integer.toString(closed)));
            String[] f = java.out().trim().split(" ", 3);
            assertEquals("refused", f[0], java.describe());
            assertTrue(f.length > 1 && Long.parseLong(f[1]) < 1000, "refusal took too long: " + java.out());
            assertTrue(java.out().contains("Connection refused"), java.out());
        }
    }

    @Test
    void disableHostLoopbackKeepsTheGuestAwayFromHostLoopback() throws Exception {
        try (HostServer server = HostServer.echo(); NsHolder h = NsHolder.netns();
             Jslirp j = start(h, "--disable-host-loopback")) {
            Guest g = Guest.of(h, j);
            String port = Integer.toString(server.port);
            Cmd.Result java = g.run(Duration.ofSeconds(20), GuestTool.argv("connect", GW, port));
            String[] f = java.out().trim().split(" ", 3);
            assertTrue(f[0].equals("unreachable") || f[0].equals("refused"),
                    "expected ENETUNREACH (slirp4netns) or ECONNREFUSED: " + java.describe() + j.diagnostics());
            assertTrue(Long.parseLong(f[1]) < 1000, "must fail fast: " + java.out());
            Cmd.Result socat = g.run(E2e.SHORT, "socat", "-T", "2", "/dev/null", "TCP:" + GW + ":" + port);
            assertNotEquals(0, socat.exit(), socat.describe());
            assertTrue(socat.err().contains("Network is unreachable") || socat.err().contains("Connection refused"),
                    socat.describe());
            Procs.sleep(300);
            assertEquals(0, server.accepted(), "the host server must see no connection");
            // the gateway itself still answers ping, as with slirp4netns
            g.ping(GW);
        }
    }

    /** A port on 127.0.0.1 that nothing listens on: one the kernel just gave us, closed again. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
