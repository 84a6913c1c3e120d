package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bulk TCP through the relay, both ways, checked by sha256 at both ends: {@code jslirp.e2e.bulkBytes}
 * (default 1 GiB) of a {@link DetStream} with a random seed, at MTU 1500 and at podman's 65520.
 */
@Tag("e2e")
@Timeout(200)
class TcpBulkIT {
    static final long SIZE = Long.getLong("jslirp.e2e.bulkBytes", 1L << 30) & ~7L;
    static final Duration TRANSFER = Duration.ofSeconds(Long.getLong("jslirp.e2e.bulkSeconds", 150));
    private static final SecureRandom RANDOM = new SecureRandom();

    @ParameterizedTest(name = "MTU {0}")
    @ValueSource(ints = {1500, 65520})
    void guestToHost(int mtu) throws Exception {
        long seed = RANDOM.nextLong();
        CompletableFuture<String> expected = CompletableFuture.supplyAsync(() -> DetStream.sha256(seed, SIZE));
        CompletableFuture<HostServer.Digest> received = new CompletableFuture<>();
        try (HostServer server = HostServer.start(s -> received.complete(HostServer.readAllHashed(s.getInputStream())));
             NsHolder h = NsHolder.netns();
             Jslirp j = TcpRelayIT.start(h, "-m", Integer.toString(mtu))) {
            Guest g = Guest.of(h, j);
            relayAnswers(g, j);
            String gen = String.join(" ", GuestTool.argv("gen", Long.toString(SIZE), Long.toString(seed)));
            Cmd.Result r = g.run(TRANSFER, "bash", "-o", "pipefail", "-c",
                    gen + " | socat -u - TCP:" + TcpRelayIT.GW + ":" + server.port);
            assertEquals(0, r.exit(), "seed " + seed + ": " + r.describe() + j.diagnostics());
            HostServer.Digest got = received.get(30, TimeUnit.SECONDS);
            assertEquals(SIZE, got.bytes(), "bytes the host received (seed " + seed + ")");
            assertEquals(expected.get(60, TimeUnit.SECONDS), got.sha256(), "sha256 of what the host received (seed " + seed + ")");
        }
    }

    @ParameterizedTest(name = "MTU {0}")
    @ValueSource(ints = {1500, 65520})
    void hostToGuest(int mtu) throws Exception {
        long seed = RANDOM.nextLong();
        CompletableFuture<HostServer.Digest> sent = new CompletableFuture<>();
        try (HostServer server = HostServer.start(s -> sent.complete(HostServer.writeHashed(s.getOutputStream(), seed, SIZE)));
             NsHolder h = NsHolder.netns();
             Jslirp j = TcpRelayIT.start(h, "-m", Integer.toString(mtu))) {
            Guest g = Guest.of(h, j);
            relayAnswers(g, j);
            Cmd.Result r = g.run(TRANSFER, "bash", "-o", "pipefail", "-c",
                    "socat -u TCP:" + TcpRelayIT.GW + ":" + server.port + " - | sha256sum");
            assertEquals(0, r.exit(), "seed " + seed + ": " + r.describe() + j.diagnostics());
            HostServer.Digest d = sent.get(30, TimeUnit.SECONDS);
            assertEquals(SIZE, d.bytes());
            assertEquals(d.sha256() + "  -", r.out().trim(), "sha256 of what the guest received (seed " + seed + ")");
        }
    }

    /**
     * A cheap check before the long transfer: a closed host port must be refused within 5 s. When the
     * relay does not answer at all, this fails in seconds instead of after the transfer's time bound.
     */
    static void relayAnswers(Guest g, Jslirp j) throws IOException {
        Cmd.Result r = g.run(E2e.SHORT, "curl", "-sS", "--max-time", "5",
                "http://" + TcpRelayIT.GW + ":" + TcpRelayIT.closedPort() + "/");
        if (r.exit() != 7) {
            throw new AssertionError("the relay does not answer (a closed port is not refused within 5 s), "
                    + "so the bulk transfer is not tried: " + r.describe() + j.diagnostics());
        }
    }
}
