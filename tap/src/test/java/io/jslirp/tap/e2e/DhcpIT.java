package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The DHCP server: a guest whose tap0 the program did NOT configure (no {@code -c}) brings it up and runs
 * {@code busybox udhcpc} with a script of ours that records what was offered. The lease must be 10.0.2.15
 * with router 10.0.2.2, DNS 10.0.2.3, mask 255.255.255.0, server id 10.0.2.2 and a lease time, and a
 * second request from the same MAC must get the same address. The broadcast (10.0.2.255) and MTU (the
 * {@code -m} value) options are checked for jslirp only: slirp4netns 1.2.0 sends neither (it offers a
 * 86400 s lease).
 */
@Tag("e2e")
@Timeout(90)
class DhcpIT {
    static final String SCRIPT = "#!/bin/sh\n"
            + "# udhcpc calls this with deconfig, then bound (or leasefail/nak); record what bound saw\n"
            + "[ \"$1\" = bound ] || [ \"$1\" = renew ] || exit 0\n"
            + "{\n"
            + "  echo \"event=$1\"; echo \"ip=$ip\"; echo \"subnet=$subnet\"; echo \"router=$router\"; echo \"dns=$dns\";\n"
            + "  echo \"mtu=$mtu\"; echo \"lease=$lease\"; echo \"broadcast=$broadcast\"; echo \"serverid=$serverid\";\n"
            + "  echo \"domain=$domain\"\n"
            + "} > \"$(dirname \"$0\")/lease.$$.tmp\" && mv \"$(dirname \"$0\")/lease.$$.tmp\" \"$(dirname \"$0\")/lease\"\n";

    static Map<String, String> lease(Guest g, Path dir, Jslirp j) throws IOException {
        Path out = dir.resolve("lease");
        Files.deleteIfExists(out);
        Cmd.Result r = g.run(Duration.ofSeconds(30), "busybox", "udhcpc", "-i", "tap0", "-f", "-n", "-q", "-t", "5", "-T", "2",
                "-O", "mtu", "-O", "broadcast", "-s", dir.resolve("script").toString());
        assertTrue(r.ok() && Files.exists(out), "udhcpc got no lease: " + r.describe() + j.diagnostics());
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    @Test
    void udhcpcOnAnUnconfiguredTapGetsTheSlirpLease() throws Exception {
        Path dir = Files.createTempDirectory("jsl-dhcp");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-m", "1400", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Path script = dir.resolve("script");
            Files.writeString(script, SCRIPT, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            Guest g = Guest.of(h, j);
            g.mustRun("ip", "link", "set", "lo", "up");
            g.mustRun("ip", "link", "set", "tap0", "up");
            Map<String, String> first = lease(g, dir, j);
            System.out.println("DhcpIT: " + E2e.programName() + " offered " + first);
            assertEquals("10.0.2.15", first.get("ip"), "address; whole lease " + first);
            assertEquals("255.255.255.0", first.get("subnet"), "mask; whole lease " + first);
            assertEquals("10.0.2.2", first.get("router"), "router; whole lease " + first);
            assertEquals("10.0.2.3", first.get("dns"), "dns; whole lease " + first);
            assertEquals("10.0.2.2", first.get("serverid"), "server identifier; whole lease " + first);
            assertTrue(Long.parseLong(first.get("lease")) > 0, "lease time; whole lease " + first);
            if (E2e.isJslirp()) {
                // slirp4netns 1.2 sends neither option, even when asked (-O mtu -O broadcast)
                assertEquals("10.0.2.255", first.get("broadcast"), "broadcast; whole lease " + first);
                assertEquals("1400", first.get("mtu"), "MTU option = -m; whole lease " + first);
            }
            Map<String, String> second = lease(g, dir, j);
            assertEquals(first.get("ip"), second.get("ip"), "the same MAC asked again: " + second);
        } finally {
            Cmd.deleteQuietly(dir.resolve("script"));
            Cmd.deleteQuietly(dir.resolve("lease"));
            Cmd.deleteQuietly(dir);
        }
    }
}
