package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TCP from the guest to a host beyond the one the program runs on: {@link RemoteTopology} puts a
 * server in namespace {@code srv} (192.0.2.1) and the program in namespace {@code jsl} (192.0.2.2),
 * joined by a veth; the guest is a third namespace. The server (socat) replies with the line it read
 * and the peer address it saw.
 */
@Tag("e2e")
@Timeout(90)
class TcpRemoteIT {
    static final int PORT = 7000;
    static final String REPLY = "read l; echo \"got=$l peer=$SOCAT_PEERADDR\"";

    private static Jslirp startInJsl(RemoteTopology t, NsHolder h, String... extra) throws Exception {
        return Jslirp.builder().prefix(t.inJsl()).ready3().args(extra).args("-c", Long.toString(h.pid), "tap0")
                .start().awaitReady();
    }

    private static String ask(NsHolder h, Jslirp j, String line) {
        Cmd.Result r = Guest.of(h, j).run(Duration.ofSeconds(20), "bash", "-c",
                "echo " + line + " | socat -t 10 -T 10 - TCP:" + RemoteTopology.SERVER + ":" + PORT);
        assertEquals(0, r.exit(), r.describe() + j.diagnostics());
        return r.out();
    }

    @Test
    void guestReachesAServerInAnotherNamespaceThroughTheHostsRoutes() throws Exception {
        try (RemoteTopology t = new RemoteTopology(false); NsHolder h = NsHolder.netns()) {
            Process server = t.socatServer(PORT, REPLY);
            try (Jslirp j = startInJsl(t, h)) {
                // the connection leaves from jsl's own (primary) address
                assertEquals("got=hello-remote peer=" + RemoteTopology.JSL + "\n", ask(h, j, "hello-remote"));
            } finally {
                Procs.kill(server);
            }
        }
    }

    @Test
    void outboundAddrIsTheSourceTheServerSees() throws Exception {
        try (RemoteTopology t = new RemoteTopology(true); NsHolder h = NsHolder.netns()) {
            Process server = t.socatServer(PORT, REPLY);
            try (Jslirp j = startInJsl(t, h, "--outbound-addr=" + RemoteTopology.JSL_SECOND)) {
                assertEquals("got=hello-outbound peer=" + RemoteTopology.JSL_SECOND + "\n", ask(h, j, "hello-outbound"));
            } finally {
                Procs.kill(server);
            }
        }
    }
}
