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

    static final String DHCLIENT_SCRIPT = "#!/bin/sh\n"
            + "# dhclient-script stand-in: record the BOUND lease, configure nothing\n"
            + "[ \"$reason\" = BOUND ] || exit 0\n"
            + "{\n"
            + "  echo \"ip=$new_ip_address\"; echo \"subnet=$new_subnet_mask\"; echo \"router=$new_routers\";\n"
            + "  echo \"dns=$new_domain_name_servers\"; echo \"mtu=$new_interface_mtu\"; echo \"lease=$new_dhcp_lease_time\";\n"
            + "  echo \"broadcast=$new_broadcast_address\"; echo \"serverid=$new_dhcp_server_identifier\"\n"
            + "} > \"$(dirname \"$0\")/lease.tmp\" && mv \"$(dirname \"$0\")/lease.tmp\" \"$(dirname \"$0\")/lease\"\n";

    @Test
    void dhclientOnAnUnconfiguredTapGetsTheSameLease() throws Exception {
        Path dir = Files.createTempDirectory("jsl-dhclient");
        Path pidFile = dir.resolve("pid");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-m", "1400", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Path script = dir.resolve("script");
            Files.writeString(script, DHCLIENT_SCRIPT, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path conf = dir.resolve("dhclient.conf");
            Files.writeString(conf, "request subnet-mask, broadcast-address, routers, domain-name-servers, interface-mtu;\n"
                    + "timeout 20;\n", StandardCharsets.US_ASCII);
            Guest g = Guest.of(h, j);
            g.mustRun("ip", "link", "set", "lo", "up");
            g.mustRun("ip", "link", "set", "tap0", "up");
            // -1: one try, then exit; on success it forks a daemon that keeps the lease: killed by its pid file
            Cmd.Result r = g.run(Duration.ofSeconds(40), "dhclient", "-4", "-1", "-v", "-sf", script.toString(),
                    "-cf", conf.toString(), "-lf", dir.resolve("leases").toString(), "-pf", pidFile.toString(), "tap0");
            Path out = dir.resolve("lease");
            assertTrue(r.ok() && Files.exists(out), "dhclient got no lease: " + r.describe() + j.diagnostics());
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            assertEquals("10.0.2.15", m.get("ip"), "address; whole lease " + m);
            assertEquals("255.255.255.0", m.get("subnet"), "mask; whole lease " + m);
            assertEquals("10.0.2.2", m.get("router"), "router; whole lease " + m);
            assertEquals("10.0.2.3", m.get("dns"), "dns; whole lease " + m);
            assertEquals("10.0.2.2", m.get("serverid"), "server identifier; whole lease " + m);
            assertTrue(Long.parseLong(m.get("lease")) > 0, "lease time; whole lease " + m);
            if (E2e.isJslirp()) {
                assertEquals("10.0.2.255", m.get("broadcast"), "broadcast; whole lease " + m);
                assertEquals("1400", m.get("mtu"), "MTU option = -m; whole lease " + m);
            }
        } finally {
            if (Files.exists(pidFile)) {
                String pid = Files.readString(pidFile).trim();
                if (pid.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            for (String f : new String[] {"script", "lease", "leases", "pid", "dhclient.conf"}) {
                Cmd.deleteQuietly(dir.resolve(f));
            }
            Cmd.deleteQuietly(dir);
        }
    }
}
