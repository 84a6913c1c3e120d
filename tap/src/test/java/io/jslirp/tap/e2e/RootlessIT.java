package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * As an unprivileged user (uid 65534), the way rootless runtimes use it. /dev/net/tun is made 0666 (as
 * distributions ship it) for each test and put back afterwards.
 */
@Tag("e2e")
@Timeout(90)
class RootlessIT {
    private static final List<String> USER = Unprivileged.AS_USER;

    /** RootlessKit, detached: from outside the user namespace, with --userns-path. */
    @Test
    void rootlesskitStyleFromOutsideTheUserNamespace() throws Exception {
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen();
             NsHolder h = NsHolder.userAndNetns(USER);
             Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(USER).ready3()
                     .args("-c", "--userns-path=" + h.userPath(), "--netns-type=path", h.netPath(), "tap0")
                     .start().awaitReady()) {
            Guest g = Guest.of(h, j);
            assertTrue(g.addr("tap0").contains("inet 10.0.2.100/24"), g.addr("tap0") + j.diagnostics());
            g.ping("10.0.2.2");
            g.ping("10.0.2.3");
            assertEquals(Unprivileged.UID, uidOf(j.pid), "jslirp must run as the unprivileged user");
        }
    }

    /** Podman: started from inside its user namespace, given the netns path. */
    @Test
    void podmanStyleFromInsideTheUserNamespace() throws Exception {
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen();
             NsHolder h = NsHolder.userAndNetns(USER)) {
            List<String> prefix = E2e.concat(USER, "nsenter", "--user=" + h.userPath(), "--preserve-credentials", "--");
            try (Jslirp j = Jslirp.builder().command(E2e.commandForUnprivileged()).prefix(prefix).readyFd(3).exitFd(4)
                    .args("--disable-host-loopback", "--mtu=65520", "--enable-ipv6", "-c", "-r", "3", "-e", "4",
                            "--netns-type=path", h.netPath(), "tap0")
                    .start().awaitReady()) {
                Guest g = Guest.of(h, j);
                assertTrue(g.addr("tap0").contains("mtu 65520"), g.addr("tap0"));
                g.ping("10.0.2.2");
                j.closeExitFd();
                Integer status = j.waitFor(Duration.ofSeconds(5));
                assertNotNull(status, "exit fd EOF must end it" + j.diagnostics());
                assertEquals(0, status, j.diagnostics());
            }
        }
    }

    /** {@code jslirp run -- CMD}: CMD gets a fresh user+net namespace with working networking. */
    @Test
    void runAsUnprivilegedUser() throws Exception {
        assumeTrue(E2e.isJslirp(), "'run' is a jslirp command");
        try (Unprivileged.TunOpen tun = new Unprivileged.TunOpen()) {
            List<String> base = E2e.concat(USER, E2e.commandForUnprivileged());
            Cmd.Result ping = Cmd.run(Duration.ofSeconds(40),
                    E2e.concat(base, "run", "--", "ping", "-c", "3", "-W", "2", "10.0.2.2"));
            assertEquals(0, ping.exit(), ping.describe());
            assertTrue(ping.out().contains("3 received"), ping.describe());
            Cmd.Result seven = Cmd.run(Duration.ofSeconds(40), E2e.concat(base, "run", "--", "sh", "-c", "exit 7"));
            assertEquals(7, seven.exit(), "run exits with the command's status: " + seven.describe());
            Cmd.Result addr = Cmd.run(Duration.ofSeconds(40), E2e.concat(base, "run", "--", "ip", "-4", "addr"));
            assertEquals(0, addr.exit(), addr.describe());
            assertTrue(addr.out().contains("inet 10.0.2.100/24"), "run configures the guest: " + addr.describe());
        }
    }

    @Test
    void runAsRoot() {
        assumeTrue(E2e.isJslirp(), "'run' is a jslirp command");
        Cmd.Result ping = Cmd.run(Duration.ofSeconds(40),
                E2e.concat(E2e.command(), "run", "--", "ping", "-c", "3", "-W", "2", "10.0.2.2"));
        assertEquals(0, ping.exit(), ping.describe());
        Cmd.Result seven = Cmd.run(Duration.ofSeconds(40), E2e.concat(E2e.command(), "run", "--", "sh", "-c", "exit 7"));
        assertEquals(7, seven.exit(), seven.describe());
    }

    private static long uidOf(long pid) throws Exception {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.split("\\s+")[1]);
            }
        }
        return -1;
    }
}
