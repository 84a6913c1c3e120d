package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ICMP echo: 10.0.2.2 and 10.0.2.3 are answered by the program itself; any other destination is pinged
 * through the host. The "remote" host is namespace {@code srv} of a {@link RemoteTopology} (192.0.2.1). jslirp,
 * as root in {@code jsl} where {@code net.ipv4.ping_group_range} is the kernel default "1 0", must use a
 * raw ICMP socket. slirp4netns 1.2 only tries unprivileged ICMP datagram sockets, so for it (only) the test
 * opens ping_group_range inside {@code jsl}.
 */
@Tag("e2e")
@Timeout(90)
class IcmpIT {
    @Test
    void pingToTheGatewayAndDnsAddressIsAnsweredLocally() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest g = Guest.of(h, j);
            assertTrue(g.ping("10.0.2.2").out().contains("ttl=255"));
            assertTrue(g.ping("10.0.2.3").out().contains("ttl=255"));
        }
    }

    @Test
    void pingToAHostInAnotherNamespaceGoesThroughTheHost() throws IOException {
        try (RemoteTopology t = new RemoteTopology(false); NsHolder h = NsHolder.netns()) {
            if (!E2e.isJslirp()) {
                t.jsl.ok("sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647");
            }
            try (Jslirp j = Jslirp.builder().prefix(t.inJsl()).ready3().args("-c", Long.toString(h.pid), "tap0")
                    .start().awaitReady()) {
                Guest g = Guest.of(h, j);
                Cmd.Result r = g.ping(RemoteTopology.SERVER);
                System.out.println("IcmpIT: " + E2e.programName() + " ping " + RemoteTopology.SERVER + ": "
                        + r.out().lines().filter(l -> l.contains("bytes from")).findFirst().orElse(""));
                // a 1400-byte payload: the echo crosses the TAP at MTU 1500 in one piece each way
                g.ping(RemoteTopology.SERVER, "-s", "1400");
                if (E2e.isJslirp()) {
                    // Replies that came back through a host socket, not answers jslirp made up itself.
                    java.util.Map<String, String> c = StackProbe.counters(j);
                    assertTrue(c.containsKey("icmpEchoRepliesRelayed"), "no relayed echo replies: " + c);
                    long relayed = Long.parseLong(c.get("icmpEchoRepliesRelayed"));
                    assertTrue(relayed >= 2, "relayed echo replies " + relayed + ": " + c + j.diagnostics());
                }
            }
        }
    }

    /**
     * An echo that a router on the way refuses: srv has an "unreachable" route for TEST-NET-2, so the host's
     * ping socket gets "host unreachable" from 192.0.2.1, and the guest's ping must show that error from that
     * router instead of a silent timeout. jslirp uses an ICMP datagram socket here (ping_group_range opened
     * in jsl), the rootless case; errors need IP_RECVERR on it.
     */
    @Test
    void anEchoARouterRefusesGetsTheRoutersErrorInTheGuest() throws IOException {
        try (RemoteTopology t = new RemoteTopology(false); NsHolder h = NsHolder.netns()) {
            t.jsl.ok("sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647");
            // A router answers for what it cannot forward; srv's "unreachable" route makes it answer at once.
            t.srv.ok("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            t.srv.ok("ip", "route", "add", "unreachable", "198.51.100.0/24");
            try (Jslirp j = Jslirp.builder().prefix(t.inJsl()).ready3().args("-c", Long.toString(h.pid), "tap0")
                    .start().awaitReady()) {
                Guest g = Guest.of(h, j);
                Cmd.Result r = g.run(java.time.Duration.ofSeconds(20), "ping", "-n", "-c", "2", "-i", "0.5", "-W", "3",
                        "198.51.100.7");
                assertTrue(!r.ok(), "no echo reply can come: " + r.describe());
                assertTrue(r.out().contains("From " + RemoteTopology.SERVER + " icmp_seq=1 Destination Host Unreachable"),
                        r.describe() + j.diagnostics());
            }
        }
    }
}
