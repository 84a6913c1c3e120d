package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code -p/--publish} at start-up where the host decides: host port 0 (jslirp takes a free port and says
 * which on stderr) and a host port someone else holds (start-up fails with status 1 and the reason, and the
 * ready fd never says "1", so a launcher does not go on without its port).
 */
@Tag("e2e")
@Timeout(120)
class PublishIT {
    private static final Pattern TOOK = Pattern.compile(
            "jslirp: --publish 127\\.0\\.0\\.1:0:80/tcp: host port (\\d+)\\n");

    @BeforeEach
    void onlyJslirp() {
        Assumptions.assumeTrue(E2e.isJslirp(), "--publish is jslirp's own");
    }

    @Test
    void hostPort0TakesAFreePortSaysWhichAndServesThere() throws Exception {
        try (NsHolder h = NsHolder.netns(); Background http = ForwardIT.guestServer(h, "http", "80", "60");
             Jslirp j = ForwardIT.start(h, "-p", "127.0.0.1:0:80")) {
            // The line follows the ready byte (the CLI prints start-up notes once start() returns).
            Matcher m = TOOK.matcher(j.stderr());
            for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos(); !m.find() && System.nanoTime() < end;) {
                Procs.sleep(50);
                m = TOOK.matcher(j.stderr());
            }
            assertTrue(m.find(0), "stderr names the port taken" + j.diagnostics());
            int port = Integer.parseInt(m.group(1));
            assertTrue(port > 0 && port <= 65535, m.group());
            assertEquals("hello peer=" + ForwardIT.GW + "\n", ForwardIT.curl("http://127.0.0.1:" + port + "/"),
                    j.diagnostics());
            assertNotNull(http.awaitLine("peer=" + ForwardIT.GW + ":"), http.lines.toString());
        }
    }

    @Test
    void aHostPortInUseFailsStartUpWithStatus1AndTheReason() throws Exception {
        try (NsHolder h = NsHolder.netns(); ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            try (Jslirp j = Jslirp.builder().ready3().args("-p", "127.0.0.1:" + port + ":80", "-c",
                    Long.toString(h.pid), "tap0").start()) {
                assertEquals(1, j.waitFor(E2e.READY), j.diagnostics());
                assertEquals(0, j.awaitReadyEof(Duration.ofSeconds(5)).length, "no ready byte" + j.diagnostics());
                assertTrue(j.stderr().contains("cannot publish 127.0.0.1:" + port + ":80/tcp: address already in use"),
                        j.diagnostics());
            }
        }
    }
}
