package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code -c -6}: when the ready byte arrives, tap0 already has PREFIX::100/64 without duplicate address
 * detection (never tentative) and {@code default via fe80::2}, so the guest's first IPv6 packet goes out;
 * slirp4netns configures no IPv6 and leaves the guest racing SLAAC. Checked on every way jslirp enters a
 * namespace: setns as root, setns from inside the user namespace (podman), the TAP fd it is handed
 * ({@code --netns-type=tapfd}) and the helper process (RootlessKit's detached mode, unprivileged).
 */
@Tag("e2e")
@Timeout(90)
class Ipv6ConfigureIT {
    @BeforeEach
    void onlyJslirp() {
        assumeTrue(E2e.isJslirp(), "slirp4netns -c configures IPv4 only");
    }

    /** What the guest must show right at the ready byte, and that the address is usable then and there. */
    static void assertConfiguredAtReady(Guest g, Jslirp j, String address, String router) {
        String addr = g.mustRun("ip", "-6", "addr", "show", "dev", "tap0").out();
        String line = addr.lines().filter(l -> l.contains("inet6 " + address + "/64")).findFirst().orElse("");
        assertTrue(line.contains("scope global"), "no " + address + "/64 at the ready byte:\n" + addr + j.diagnostics());
        assertFalse(line.contains("tentative"), "still tentative at the ready byte: " + line);
        String routes = g.mustRun("ip", "-6", "route").out();
        assertTrue(routes.contains("default via fe80::2 dev tap0 metric 2048"), routes);
        Cmd.Result ping = g.run(E2e.SHORT, "ping", "-6", "-c", "1", "-W", "2", router);
        assertEquals(0, ping.exit(), "ping -6 " + router + " right after the ready byte: " + ping.describe()
                + "\n" + addr + routes + j.diagnostics());
        assertTrue(ping.out().contains("from " + router + ": icmp_seq=1 ttl=255"), ping.out());
    }

    /** Root, setns; then our RA still runs SLAAC beside prefix::100 and its route stands beside ours. */
    @Test
    void rootSetnsConfiguresBeforeReadyAndSlaacStillWorks() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", "-6", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest g = Guest.of(h, j);
            assertConfiguredAtReady(g, j, "fd00::100", "fd00::2");
            // SLAAC from our router advertisement still happens, and nothing clashes: the RA's default route
            // (metric 1024, proto ra) is added beside ours, which is what shows the RA was accepted whole.
            Pattern slaacAddress = Pattern.compile("inet6 (fd00::[0-9a-f:]+)/64 scope global dynamic (?!.*tentative)");
            long deadline = System.nanoTime() + Ipv6IT.SLAAC.toNanos();
            String routes = "";
            String addr = "";
            Matcher slaac = slaacAddress.matcher("");
            while (System.nanoTime() < deadline && !(routes.contains("proto ra") && slaac.find())) {
                routes = g.mustRun("ip", "-6", "route", "show", "default").out();
                addr = g.mustRun("ip", "-6", "addr", "show", "dev", "tap0", "scope", "global").out();
                slaac = slaacAddress.matcher(addr);
                Procs.sleep(100);
            }
            assertTrue(slaac.find(0), "no SLAAC address beside fd00::100:\n" + addr + j.diagnostics());
            assertTrue(routes.contains("default via fe80::2 dev tap0 proto ra metric 1024"), routes);
            assertTrue(routes.contains("default via fe80::2 dev tap0 metric 2048"), routes);
            assertTrue(addr.contains("inet6 fd00::100/64 scope global nodad"), addr);
            System.out.println("Ipv6ConfigureIT: SLAAC " + slaac.group(1) + " beside fd00::100");
            g.ping("fd00::2", "-6");
            g.ping("fd00::3", "-6");
            g.ping("fd00::2", "-6", "-I", "fd00::100");
            assertTrue(j.stdout().contains(", ipv6 fd00::/64 guest fd00::100"), j.stdout());
        }
    }

    @Test
    void cidr6GivesTheGuestPrefix100() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("--cidr6=2001:db8:1::/64", "-c", "-6", Long.toString(h.pid),
                     "tap0").start().awaitReady()) {
            assertConfiguredAtReady(Guest.of(h, j), j, "2001:db8:1::100", "2001:db8:1::2");
        }
    }

    /** Podman: unprivileged, started inside the user namespace that owns the netns, so setns works. */
    @Test
    void podmanStyleFromInsideTheUserNamespace() throws Exception {
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen();
             NsHolder h = NsHolder.userAndNetns(Unprivileged.AS_USER)) {
            List<String> prefix = E2e.concat(Unprivileged.AS_USER, "nsenter", "--user=" + h.userPath(),
                    "--preserve-credentials", "--");
            try (Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(prefix).ready3()
                    .args("--mtu=65520", "--enable-ipv6", "-c", "--netns-type=path", h.netPath(), "tap0")
                    .start().awaitReady()) {
                assertConfiguredAtReady(Guest.of(h, j), j, "fd00::100", "fd00::2");
            }
        }
    }

    /**
     * RootlessKit's detached mode: unprivileged, outside the user namespace, so through the helper process.
     * With the sandbox, jslirp restarts inside the user namespace first (see SandboxExec) and uses setns.
     */
    @ParameterizedTest(name = "flags [{0}]")
    @ValueSource(strings = {"", "--enable-sandbox --enable-seccomp"})
    void rootlessFromOutsideTheUserNamespace(String flags) throws Exception {
        List<String> args = new ArrayList<>(flags.isEmpty() ? List.of() : List.of(flags.split(" ")));
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen();
             NsHolder h = NsHolder.userAndNetns(Unprivileged.AS_USER)) {
            args.addAll(List.of("-c", "-6", "--userns-path=" + h.userPath(), "--netns-type=path", h.netPath(), "tap0"));
            try (Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(Unprivileged.AS_USER)
                    .ready3().args(args).start().awaitReady()) {
                assertConfiguredAtReady(Guest.of(h, j), j, "fd00::100", "fd00::2");
            }
        }
    }


    /** {@code --netns-type=tapfd}: the TAP's namespace is found with TUNGETDEVNETNS (see TapFdIT for the fd). */
    @Test
    void tapFdPath() throws Exception {
        Path dir = Files.createTempDirectory("jsl-tapfd6");
        Path gate = dir.resolve("gate");
        Cmd.ok(E2e.SHORT, "mkfifo", gate.toString());
        try (Netns ns = Netns.create()) {
            String gateScript = "exec 5<>/dev/net/tun || exit 97; read -r _ <\"$0\" || exit 98; exec \"$@\"";
            List<String> prefix = ns.exec("bash", "-c", gateScript, gate.toString());
            try (Jslirp j = Jslirp.builder().prefix(prefix).ready3().args("-c", "-6", "--netns-type=tapfd", "5")
                    .start()) {
                Path fd5 = Path.of("/proc", Long.toString(j.pid), "fd", "5");
                long deadline = System.currentTimeMillis() + 5000;
                while (!(Files.isSymbolicLink(fd5) && Files.readSymbolicLink(fd5).toString().equals("/dev/net/tun"))) {
                    assertTrue(System.currentTimeMillis() < deadline && j.process.isAlive(),
                            "bash never opened /dev/net/tun on fd 5" + j.diagnostics());
                    Procs.sleep(20);
                }
                int borrowed = Native.borrowFd(j.pid, 5);
                try {
                    Native.tunSetIff(borrowed, "tap0");
                } finally {
                    Native.C.close(borrowed);
                }
                try (RandomAccessFile w = new RandomAccessFile(gate.toFile(), "rw")) { // O_RDWR: never blocks
                    w.write('\n');
                }
                j.awaitReady();
                assertConfiguredAtReady(Guest.of(ns, j), j, "fd00::100", "fd00::2");
            }
        } finally {
            Cmd.deleteQuietly(gate);
            Cmd.deleteQuietly(dir);
        }
    }
}
