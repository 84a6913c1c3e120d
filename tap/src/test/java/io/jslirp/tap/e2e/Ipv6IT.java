package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IPv6 for the guest as slirp4netns {@code -6} gives it: nobody configures IPv6 on tap0 (RootlessKit and
 * podman do not, and {@code -c} configures IPv4 only), so the guest's kernel takes an fd00::/64 address by
 * SLAAC from our router advertisements and a default route via fe80::2, and {@code ping -6} to fd00::2 and
 * fd00::3 is answered with hop limit 255. The same tests pass against slirp4netns
 * ({@code -Djslirp.command=slirp4netns}), which is how they show "exactly as slirp4netns".
 */
@Tag("e2e")
@Timeout(120)
class Ipv6IT {
    /** The kernel's DAD (1 s) for the link-local address, its RS delay (up to 1 s), then DAD for the SLAAC one. */
    static final Duration SLAAC = Duration.ofSeconds(15);
    private static final Pattern GLOBAL = Pattern.compile("inet6 (fd00::[0-9a-f:]+)/64 scope global (?!tentative)");

    @Test
    void withoutConfigureTheGuestGetsSlaacADefaultRouteAndAnsweredPings() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-6", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest g = Guest.of(h, j);
            long start = System.nanoTime();
            g.configureTapYourself("tap0");
            String address = awaitSlaac(g, "fd00::", j);
            System.out.println("Ipv6IT: " + E2e.programName() + " SLAAC address " + address + " and default route in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms after tap0 came up");
            assertTrue(g.mustRun("ip", "-6", "route", "show", "default").out().contains("default via fe80::2 dev tap0"),
                    g.mustRun("ip", "-6", "route").out());
            for (String to : new String[] {"fd00::2", "fd00::3", "fe80::2%tap0", "fe80::3%tap0"}) {
                Cmd.Result r = g.ping(to, "-6");
                assertTrue(r.out().contains("ttl=255"), to + ": " + r.out());
            }
            // A ping bigger than the MTU crosses the TAP in fragments both ways (libslirp drops those).
            if (E2e.isJslirp()) {
                g.ping("fd00::2", "-6", "-s", "3000");
                Map<String, String> c = StackProbe.counters(j);
                assertTrue(Long.parseLong(c.getOrDefault("ndpRouterAdvertisementsOut", "0")) >= 1, c.toString());
                assertTrue(Long.parseLong(c.getOrDefault("ipv6Reassembled", "0")) >= 3, c.toString());
                assertEquals(null, c.get("internalErrors"), c.toString());
            }
        }
    }

    /**
     * Podman's command line (it passes --enable-ipv6 by default, with the sandbox, seccomp, -c and MTU 65520)
     * and podman's accept_dad=0 in the namespace: the guest configures at once, inside the confinement.
     */
    @Test
    void podmansCommandLineWithIpv6() throws Exception {
        try (NsHolder h = NsHolder.netns()) {
            h.ok("sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0");
            try (Jslirp j = Jslirp.builder().ready3().args("--disable-host-loopback", "--mtu=65520",
                    "--enable-sandbox", "--enable-seccomp", "--enable-ipv6", "-c", "--netns-type=path", h.netPath(),
                    "tap0").start().awaitReady()) {
                Guest g = Guest.of(h, j);
                awaitSlaac(g, "fd00::", j);
                assertEquals("65520", g.mustRun("cat", "/proc/sys/net/ipv6/conf/tap0/mtu").out().trim());
                assertTrue(g.ping("fd00::2", "-6").out().contains("ttl=255"));
                assertTrue(g.ping("fd00::3", "-6").out().contains("ttl=255"));
            }
        }
    }

    @Test
    void cidr6GivesTheGuestAnotherPrefix() throws Exception {
        assumeTrue(E2e.isJslirp(), "--cidr6 is jslirp's own flag");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-6", "--cidr6=2001:db8:6::/64", "-c", Long.toString(h.pid),
                     "tap0").start().awaitReady()) {
            Guest g = Guest.of(h, j);
            awaitSlaac(g, "2001:db8:6:", j); // the kernel writes 2001:db8:6:0:IID, one zero group uncompressed
            assertTrue(g.ping("2001:db8:6::2", "-6").out().contains("ttl=255"));
            assertTrue(g.ping("2001:db8:6::3", "-6").out().contains("ttl=255"));
        }
    }

    /** {@code --pcap} is Ethernet, so IPv6 frames are in it like any other: tshark decodes the RA and the echoes. */
    @Test
    void pcapShowsTheIpv6Frames() throws Exception {
        assumeTrue(E2e.isJslirp(), "--pcap is jslirp's own flag");
        Path dir = Files.createTempDirectory("jsl-pcap6");
        Path pcap = dir.resolve("v6.pcap");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-6", "-c", "--pcap=" + pcap, Long.toString(h.pid), "tap0")
                     .start().awaitReady()) {
            Guest g = Guest.of(h, j);
            awaitSlaac(g, "fd00::", j);
            g.ping("fd00::2", "-6");
            // The capture reaches the file when the loop pauses and at least once a second.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String seen = "";
            while (System.nanoTime() < deadline) {
                Cmd.Result r = Cmd.run(Duration.ofSeconds(30), "tshark", "-n", "-r", pcap.toString(), "-Y",
                        "icmpv6.type == 134 || icmpv6.type == 136 || icmpv6.type == 129", "-T", "fields", "-e",
                        "icmpv6.type");
                seen = r.out();
                if (seen.contains("134") && seen.contains("136") && seen.lines().filter("129"::equals).count() == 3) {
                    return;
                }
                Procs.sleep(200);
            }
            fail("tshark did not find the RA, an NA and three echo replies in the capture: " + seen);
        } finally {
            Files.deleteIfExists(pcap);
            Files.deleteIfExists(dir);
        }
    }

    /** Waits for a non-tentative global address in {@code prefix} and a default route; returns the address. */
    static String awaitSlaac(Guest g, String prefix, Jslirp j) {
        Pattern global = Pattern.compile("inet6 (" + Pattern.quote(prefix)
                + "[0-9a-f:]*)/64 scope global (?!tentative)");
        long deadline = System.nanoTime() + SLAAC.toNanos();
        String addr = "";
        String route = "";
        while (System.nanoTime() < deadline) {
            addr = g.mustRun("ip", "-6", "addr", "show", "dev", "tap0").out();
            route = g.mustRun("ip", "-6", "route", "show", "default").out();
            Matcher m = global.matcher(addr);
            if (m.find() && route.contains("via fe80::2")) {
                return m.group(1);
            }
            Procs.sleep(100);
        }
        fail("no SLAAC address in " + prefix + "/64 with a default route within " + SLAAC + ":\n" + addr + route
                + j.diagnostics());
        return null;
    }

    /**
     * RootlessKit {@code --ipv6} with jslirp as its slirp4netns: RootlessKit passes {@code --enable-ipv6} and
     * configures only IPv4 itself, so the child's IPv6 comes from SLAAC, as observed with slirp4netns.
     */
    @Test
    void rootlessKitWithIpv6() throws Exception {
        Path state = Files.createTempDirectory("jsl-rk6");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path stateDir = state.resolve("state");
        Path out = state.resolve("child.txt");
        String binary = E2e.isJslirp() ? E2e.launcher() : "slirp4netns";
        // The child waits (bounded) for a usable SLAAC address, reports its IPv6 state, then pings.
        String child = "for i in $(seq 150); do ip -6 addr show dev tap0 scope global | grep -q 'inet6 fd00::' && "
                + "! ip -6 addr show dev tap0 | grep -q tentative && ip -6 route | grep -q 'default via fe80::2' "
                + "&& break;"
                + " sleep 0.1; done; ip -6 addr show dev tap0 > " + out + "; ip -6 route >> " + out
                + "; ping -6 -c 3 -i 0.2 -W 2 fd00::2 >> " + out + " 2>&1 && ping -6 -c 3 -i 0.2 -W 2 fd00::3 >> " + out
                + " 2>&1 && echo PING6-OK >> " + out + "; echo DONE >> " + out;
        List<String> argv = new ArrayList<>(Unprivileged.AS_USER);
        argv.addAll(List.of("env", "HOME=" + state, "XDG_RUNTIME_DIR=" + state, "rootlesskit",
                "--state-dir=" + stateDir, "--net=slirp4netns", "--ipv6", "--slirp4netns-binary=" + binary,
                "sh", "-c", child));
        try (SubIds ids = new SubIds("nobody", 300_000, 65_536);
             Unprivileged.TunOpen tun = new Unprivileged.TunOpen()) {
            Path log = state.resolve("rootlesskit.log");
            Process rk = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                String report = awaitReport(out, rk, log);
                assertTrue(report.contains("PING6-OK"), report + "\n--- log ---\n" + Files.readString(log));
                assertTrue(GLOBAL.matcher(report).find(), report);
                assertTrue(report.contains("default via fe80::2 dev tap0 proto ra"), report);
                assertTrue(report.contains("ttl=255"), report);
            } finally {
                Procs.kill(rk);
            }
        }
    }

    private static String awaitReport(Path f, Process rk, Path log) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(f)) {
                String s = Files.readString(f);
                if (s.contains("DONE")) {
                    return s;
                }
            }
            if (!rk.isAlive()) {
                break;
            }
            Procs.sleep(100);
        }
        fail("the child did not report; rootlesskit alive=" + rk.isAlive() + "\n"
                + (Files.exists(f) ? Files.readString(f) : "(no report)") + "\n--- log ---\n" + Files.readString(log));
        return null;
    }
}
