package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.time.Duration;
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

    @Test
    void disableDnsMakesQueriesTimeOut() throws Exception {
        try (DnsResponder ns = new DnsResponder(NS1, ANSWER1); ResolvConf rc = new ResolvConf(NS1);
             NsHolder h = NsHolder.netns(); Jslirp j = start(rc, h, "--disable-dns")) {
            assertEquals("timeout", ask(h, j, DnsResponder.OK_NAME, "udp"));
            String tcp = ask(h, j, DnsResponder.OK_NAME, "tcp");
            assertFalse(tcp.startsWith("rcode="), "a TCP answer came with --disable-dns: " + tcp);
            System.out.println("DnsIT: " + E2e.programName() + " --disable-dns, TCP to " + DNS + ":53: " + tcp);
            assertEquals(0, ns.udpQueries.get() + ns.tcpQueries.get(), "queries that reached the responder");
        }
    }

    @Test
    void otherPortsOfTheDnsAddressDoNotAnswer() throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer(); ResolvConf rc = new ResolvConf(NS1); NsHolder h = NsHolder.netns();
             Jslirp j = start(rc, h)) {
            Guest g = Guest.of(h, j);
            // a port that IS open on host loopback: 10.0.2.3 must not be another way to reach the host
            Cmd.Result udp = g.run(Duration.ofSeconds(20), GuestTool.argv("udprefused", DNS, Integer.toString(echo.port)));
            assertFalse(udp.out().startsWith("reply"), udp.describe() + j.diagnostics());
            Cmd.Result tcp = g.run(Duration.ofSeconds(20), GuestTool.argv("connect", DNS, "80"));
            assertFalse(tcp.out().startsWith("connected"), tcp.describe() + j.diagnostics());
            assertEquals(0, echo.datagrams.get());
            System.out.println("DnsIT: " + E2e.programName() + " UDP to " + DNS + ":" + echo.port + ": " + udp.out().trim()
                    + "; TCP to " + DNS + ":80: " + tcp.out().trim());
        }
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
