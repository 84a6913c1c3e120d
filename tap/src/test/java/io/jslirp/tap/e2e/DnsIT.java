package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The DNS forwarder at 10.0.2.3:53, UDP and TCP, forwarding to the nameserver of a resolv.conf (the test's
 * own, {@link ResolvConf}) where the test's own {@link DnsResponder} listens on 127.0.0.77:53. No query ever
 * reaches the machine's resolver. Replies pass unchanged, REFUSED included; {@code --disable-dns} makes
 * queries time out; other ports of 10.0.2.3 do not answer. jslirp only: a changed resolv.conf is picked up.
 */
@Tag("e2e")
@Timeout(120)
class DnsIT {
    static final String DNS = "10.0.2.3";
    static final String NS1 = "127.0.0.77";
    static final String NS2 = "127.0.0.78";
    static final String ANSWER1 = "198.51.100.77";
    static final String ANSWER2 = "198.51.100.78";

    static Jslirp start(ResolvConf rc, NsHolder h, String... extra) throws IOException {
        return Jslirp.builder().prefix(rc.prefix()).ready3().args(rc.args()).args(extra)
                .args("-c", Long.toString(h.pid), "tap0").start().awaitReady();
    }

    static String ask(NsHolder h, Jslirp j, String name, String transport) {
        Cmd.Result r = Guest.of(h, j).run(Duration.ofSeconds(30), GuestTool.argv("dns", DNS, name, transport));
        assertEquals(0, r.exit(), r.describe() + j.diagnostics());
        return r.out().trim();
    }

    @Test
    void queriesOverUdpAndTcpAreForwardedAndRepliesPassUnchanged() throws Exception {
        try (DnsResponder ns = new DnsResponder(NS1, ANSWER1); ResolvConf rc = new ResolvConf(NS1);
             NsHolder h = NsHolder.netns(); Jslirp j = start(rc, h)) {
            assertEquals("rcode=0 answers=" + ANSWER1 + " id-ok=true from=" + DNS + ":53",
                    ask(h, j, DnsResponder.OK_NAME, "udp"));
            assertEquals("rcode=" + DnsResponder.REFUSED + " answers= id-ok=true from=" + DNS + ":53",
                    ask(h, j, DnsResponder.REFUSED_NAME, "udp"));
            assertEquals("rcode=0 answers=" + ANSWER1 + " id-ok=true", ask(h, j, DnsResponder.OK_NAME, "tcp"));
            assertEquals("rcode=" + DnsResponder.REFUSED + " answers= id-ok=true", ask(h, j, DnsResponder.REFUSED_NAME, "tcp"));
            assertEquals(2, ns.udpQueries.get(), "UDP queries the responder answered");
            assertEquals(2, ns.tcpQueries.get(), "TCP queries the responder answered");
            // busybox's resolver, as a container would use it
            Cmd.Result bb = Guest.of(h, j).run(Duration.ofSeconds(20), "busybox", "nslookup", DnsResponder.OK_NAME, DNS);
            assertTrue(bb.out().contains(ANSWER1), bb.describe() + j.diagnostics());
        }
    }

    /**
     * Runs {@code body} with the program in namespace {@code jsl} of a {@link RemoteTopology}, with a
     * {@link DnsResponder} process at 127.0.0.77:53 inside {@code jsl} (so a correct forward would be
     * answered) and a resolv.conf naming it. slirp4netns sends datagrams for 10.0.2.3 ports other than 53,
     * and for port 53 under --disable-dns, to the literal address 10.0.2.3 through its own namespace's
     * routes; in {@code jsl} that is namespace {@code srv}, which drops them, so nothing leaves the machine.
     */
    interface InJsl {
        void run(NsHolder h, Jslirp j, RemoteTopology t, Background responder) throws Exception;
    }

    static void inIsolatedNamespace(List<String> extra, InJsl body) throws Exception {
        try (RemoteTopology t = new RemoteTopology(false); ResolvConf rc = new ResolvConf(NS1); NsHolder h = NsHolder.netns();
             Background responder = Background.start(t.jsl.exec(E2e.javaBin(), "-XX:+UseSerialGC", "-Xmx128m", "-cp",
                     GuestTool.classes(), DnsResponder.class.getName(), NS1, ANSWER1, "100"))) {
            List<String> prefix = new ArrayList<>(t.inJsl());
            prefix.addAll(rc.prefix());
            try (Jslirp j = Jslirp.builder().prefix(prefix).ready3().args(rc.args()).args(extra)
                    .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
                body.run(h, j, t, responder);
            }
        }
    }

    /** The "query ..." lines the responder printed so far, one per query it answered. */
    static long queriesIn(Background responder) {
        return responder.lines.stream().filter(l -> l.startsWith("query ")).count();
    }

    @Test
    void theIsolatedSetupItselfForwardsQueries() throws Exception {
        // proves the namespace, the responder process and the resolv.conf of the two tests below
        inIsolatedNamespace(List.of(), (h, j, t, responder) -> {
            assertEquals("rcode=0 answers=" + ANSWER1 + " id-ok=true from=" + DNS + ":53",
                    ask(h, j, DnsResponder.OK_NAME, "udp"));
            // The line is printed before the answer is sent, but read from the pipe by another thread.
            responder.awaitLine("query ");
            assertEquals(1, queriesIn(responder));
        });
    }

    @Test
    void disableDnsMakesUdpQueriesTimeOutAndNoTcpQueryIsAnswered() throws Exception {
        inIsolatedNamespace(List.of("--disable-dns"), (h, j, t, responder) -> {
            assertEquals("timeout", ask(h, j, DnsResponder.OK_NAME, "udp"));
            String tcp = ask(h, j, DnsResponder.OK_NAME, "tcp");
            assertFalse(tcp.startsWith("rcode="), "a TCP answer came with --disable-dns: " + tcp);
            if (E2e.isJslirp()) {
                assertTrue(tcp.startsWith("refused"), "jslirp resets TCP to port 53 with --disable-dns: " + tcp);
            }
            System.out.println("DnsIT: " + E2e.programName() + " --disable-dns, TCP to " + DNS + ":53: " + tcp);
            assertEquals(0, queriesIn(responder), "queries that reached the responder");
        });
    }

    private static boolean startsWithAny(String out, String... outcomes) {
        for (String o : outcomes) {
            if (out.startsWith(o)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void otherPortsOfTheDnsAddressDoNotAnswer() throws Exception {
        inIsolatedNamespace(List.of(), (h, j, t, responder) -> {
            Guest g = Guest.of(h, j);
            // only port 53 of 10.0.2.3 is served: UDP 5353 and TCP 80 get no reply and no connection
            Cmd.Result udp = g.run(Duration.ofSeconds(20), GuestTool.argv("udprefused", DNS, "5353"));
            // A definite "no": a crashed guest tool or a dead relay must not pass for one.
            assertTrue(startsWithAny(udp.out(), "timeout", "refused", "unreachable"), udp.describe() + j.diagnostics());
            Cmd.Result tcp = g.run(Duration.ofSeconds(20), GuestTool.argv("connect", DNS, "80"));
            assertTrue(startsWithAny(tcp.out(), "timeout", "refused", "unreachable"), tcp.describe() + j.diagnostics());
            if (E2e.isJslirp()) {
                // jslirp answers at once: ICMP port unreachable for UDP, RST for TCP.
                assertTrue(udp.out().startsWith("refused"), udp.describe() + j.diagnostics());
                assertTrue(tcp.out().startsWith("refused"), tcp.describe() + j.diagnostics());
            }
            System.out.println("DnsIT: " + E2e.programName() + " UDP to " + DNS + ":5353: " + udp.out().trim()
                    + "; TCP to " + DNS + ":80: " + tcp.out().trim());
        });
    }

    @Test
    void aChangedResolvConfIsPickedUpWithinSeconds() throws Exception {
        assumeTrue(E2e.isJslirp(), "slirp4netns has no --resolv-conf; jslirp only");
        try (DnsResponder ns1 = new DnsResponder(NS1, ANSWER1); DnsResponder ns2 = new DnsResponder(NS2, ANSWER2);
             ResolvConf rc = new ResolvConf(NS1); NsHolder h = NsHolder.netns(); Jslirp j = start(rc, h)) {
            assertTrue(ask(h, j, DnsResponder.OK_NAME, "udp").startsWith("rcode=0 answers=" + ANSWER1 + " "));
            rc.replace(NS2);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String got = "";
            while (System.nanoTime() < deadline) {
                got = ask(h, j, DnsResponder.OK_NAME, "udp");
                if (got.startsWith("rcode=0 answers=" + ANSWER2 + " ")) {
                    break;
                }
                Procs.sleep(500);
            }
            assertTrue(got.startsWith("rcode=0 answers=" + ANSWER2 + " "),
                    "still not answered by " + NS2 + " 10 s after resolv.conf changed: " + got + j.diagnostics());
            assertTrue(ask(h, j, DnsResponder.OK_NAME, "tcp").startsWith("rcode=0 answers=" + ANSWER2 + " "));
        }
    }
}
