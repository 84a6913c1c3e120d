package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** As root, attach to a process's network namespace by PID with {@code -c}, as podman did before 4. */
@Tag("e2e")
@Timeout(90)
class AttachByPidIT {

    @Test
    void configuresTheGuestAndAnswersPingForGatewayAndDns() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest g = Guest.of(h, j);
            String addr = g.addr("tap0");
            assertTrue(addr.contains("inet 10.0.2.100/24 brd 10.0.2.255 scope global tap0"), addr + j.diagnostics());
            assertTrue(addr.contains("mtu 1500"), "default MTU is 1500: " + addr);
            assertTrue(addr.contains("UP"), addr);
            String route = g.route();
            assertTrue(route.contains("default via 10.0.2.2 dev tap0"), route);
            assertTrue(route.contains("10.0.2.0/24 dev tap0 proto kernel scope link src 10.0.2.100"), route);
            String lo = g.addr("lo");
            assertTrue(Pattern.compile("<[^>]*\\bUP\\b[^>]*>").matcher(lo).find(), "lo must be UP: " + lo);
            g.ping("10.0.2.2");
            g.ping("10.0.2.3");
            // a 2000-byte echo is fragmented by the guest at MTU 1500 and must be reassembled and answered
            g.ping("10.0.2.2", "-s", "2000");
            assertTrue(j.process.isAlive(), j.diagnostics());
        }
    }

    @Test
    void mtu65520() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", "-m", "65520", Long.toString(h.pid), "tap0")
                     .start().awaitReady()) {
            Guest g = Guest.of(h, j);
            String addr = g.addr("tap0");
            assertTrue(addr.contains("mtu 65520"), addr);
            g.ping("10.0.2.2");
            g.ping("10.0.2.2", "-s", "20000");
        }
    }

    @Test
    void cidrMovesGatewayDnsAndGuest() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", "--cidr", "10.0.3.0/24", Long.toString(h.pid), "tap0")
                     .start().awaitReady()) {
            Guest g = Guest.of(h, j);
            String addr = g.addr("tap0");
            assertTrue(addr.contains("inet 10.0.3.100/24 brd 10.0.3.255 scope global tap0"), addr);
            assertTrue(g.route().contains("default via 10.0.3.2 dev tap0"), g.route());
            g.ping("10.0.3.2");
            g.ping("10.0.3.3");
        }
    }

    @Test
    void macaddressIsSetOnTap() throws Exception {
        String mac = "02:00:c0:00:02:2a";
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", "--macaddress", mac, Long.toString(h.pid), "tap0")
                     .start().awaitReady()) {
            Guest g = Guest.of(h, j);
            String addr = g.addr("tap0");
            Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(addr);
            assertTrue(m.find(), addr);
            assertEquals(mac, m.group(1), addr);
            g.ping("10.0.2.2");
        }
    }

    @Test
    void withoutMacaddressEachGuestGetsItsOwnMac() throws Exception {
        // Two attaches without --macaddress get different MACs (slirp4netns leaves the kernel's random one).
        String mac1;
        String mac2;
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            mac1 = Guest.of(h, j).addr("tap0");
        }
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            mac2 = Guest.of(h, j).addr("tap0");
        }
        Matcher m1 = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(mac1);
        Matcher m2 = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(mac2);
        assertTrue(m1.find() && m2.find(), mac1 + mac2);
        assertTrue(!m1.group(1).equals(m2.group(1)), "two guests got the same MAC " + m1.group(1));
    }
}
