package io.jslirp.tap.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.dev.InterfaceConfigurator;
import io.jslirp.tap.dev.NetlinkConfigurator;
import io.jslirp.tap.dev.TapDevice;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Sh;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("root")
class NamespaceEntryTest {
    private static final String NOBODY = "65534";

    @Test
    void setnsViaRunNetnsPathOpensInsideAndLeavesCallerWhereItWas() throws Exception {
        String ns = Sh.addNetns("jslirp-ns");
        try {
            Path before = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net"));
            NamespaceHandles h = NamespaceEntry.openViaSetns(Path.of("/run/netns", ns));
            assertEquals(before, Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")));
            try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
                 InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd())) {
                assertTrue(Sh.inNetns(ns, "ip", "link", "show", "tap0").contains("tap0"));
                // The control socket lives in the target namespace: it sees tap0, which the host lacks.
                assertTrue(cfg.ifIndex("tap0") > 0);
            }
        } finally {
            Sh.deleteNetns(ns);
        }
    }

    @Test
    void setnsViaProcPidNsNet() throws Exception {
        Process holder = startNamespaceHolder(List.of("unshare", "-n", "sleep", "30"));
        try {
            Path netns = Path.of("/proc/" + holder.pid() + "/ns/net");
            NamespaceHandles h = NamespaceEntry.openViaSetns(netns);
            try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0")) {
                Fds.close(h.controlSocketFd());
                String link = Sh.run("nsenter", "--net=" + netns, "ip", "-d", "link", "show", "tap0");
                assertTrue(link.contains("tun type tap"), link);
            }
        } finally {
            kill(holder);
        }
    }

    @Test
    void errorsNameThePathLikeSlirp4netns() {
        IOException e = assertThrows(IOException.class, () -> NamespaceEntry.openViaSetns(Path.of("/nonexistent/netns")));
        assertEquals("netns path doesn't exist: /nonexistent/netns", e.getMessage());
        e = assertThrows(IOException.class, () -> NamespaceEntry.openViaHelper(Path.of("/nonexistent/user"), Path.of("/proc/self/ns/net")));
        assertEquals("userns path doesn't exist: /nonexistent/user", e.getMessage());
        e = assertThrows(IOException.class, () -> NamespaceEntry.openViaSetns(Path.of("/etc/hostname")));
        assertEquals("setns /etc/hostname: Invalid argument", e.getMessage());
    }

    @Test
    void helperFailureCarriesNsentersStderr() {
        // A netns file where a userns is expected: nsenter refuses and says why on stderr.
        IOException e = assertThrows(IOException.class,
                () -> NamespaceEntry.openViaHelper(Path.of("/proc/self/ns/net"), Path.of("/proc/self/ns/net")));
        assertTrue(e.getMessage().startsWith("namespace helper failed"), e.getMessage());
        assertTrue(e.getMessage().contains("nsenter"), e.getMessage());
        assertNoLiveChildren();
    }

    @Test
    void hangingHelperIsKilledByDeadline() throws Exception {
        Path script = Files.createTempFile("jslirp-hang", ".sh");
        long saved = NamespaceEntry.helperReportTimeoutMs;
        try {
            Files.writeString(script, "#!/bin/sh\nexec sleep 30\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            System.setProperty("jslirp.nsenter", script.toString());
            NamespaceEntry.helperReportTimeoutMs = 500;
            long t0 = System.nanoTime();
            IOException e = assertThrows(IOException.class,
                    () -> NamespaceEntry.openViaHelper(Path.of("/proc/self/ns/user"), Path.of("/proc/self/ns/net")));
            assertTrue(e.getMessage().contains("did not report within 500 ms; killed it"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
            assertNoLiveChildren();
        } finally {
            System.clearProperty("jslirp.nsenter");
            NamespaceEntry.helperReportTimeoutMs = saved;
            Files.deleteIfExists(script);
        }
    }

    /** Root, through a user namespace it made: the helper path end to end, and its latency. */
    @Test
    void helperAsRootIntoAUserAndNetNamespace() throws Exception {
        Process holder = startNamespaceHolder(List.of("unshare", "-U", "-r", "-n", "sleep", "30"));
        try {
            String proc = "/proc/" + holder.pid() + "/ns/";
            long t0 = System.nanoTime();
            NamespaceHandles h = NamespaceEntry.openViaHelper(Path.of(proc + "user"), Path.of(proc + "net"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("openViaHelper (root) took " + ms + " ms");
            assertNoLiveChildren(holder.pid());
            try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
                 InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd())) {
                cfg.setUp("tap0");
                String link = Sh.run("nsenter", "--net=" + proc + "net", "ip", "link", "show", "tap0");
                assertTrue(link.contains("state UP") || link.contains(",UP"), link);
            }
        } finally {
            kill(holder);
        }
    }

    /**
     * With a NETLINK_ROUTE socket ({@code -c -6}): the helper binds libc (jffi) for it, and the socket it hands over
     * configures the target namespace, not ours.
     */
    @Test
    void helperWithNetlinkHandsOverASocketOfTheTargetNamespace() throws Exception {
        Process holder = startNamespaceHolder(List.of("unshare", "-U", "-r", "-n", "sleep", "30"));
        try {
            String proc = "/proc/" + holder.pid() + "/ns/";
            long t0 = System.nanoTime();
            NamespaceHandles h = NamespaceEntry.openViaHelper(Path.of(proc + "user"), Path.of(proc + "net"), true);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("openViaHelper with netlink (root) took " + ms + " ms");
            assertNoLiveChildren(holder.pid());
            try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
                 InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd());
                 NetlinkConfigurator nl = new NetlinkConfigurator(h.netlinkFd())) {
                cfg.setUp("tap0");
                nl.addIpv6AddressNoDad(cfg.ifIndex("tap0"), 0x2001_0db8_0003_0000L, 0x100, 64, "adding");
                String addr = Sh.run("nsenter", "--net=" + proc + "net", "ip", "-6", "addr", "show", "dev", "tap0");
                assertTrue(addr.contains("inet6 2001:db8:3::100/64 scope global nodad"), addr);
            }
        } finally {
            kill(holder);
        }
    }

    /** Without the argument the helper stays pure JDK; with a wrong one it refuses rather than guess. */
    @Test
    void helperRefusesUnknownArguments() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), NamespaceHelperMain.class.getName(), "bogus")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.startsWith("error unknown arguments bogus"), out);
    }

    /**
     * RootlessKit's detached mode for real: as uid 65534, a user+net namespace owned by that user, and a JVM
     * of that user (so multithreaded, unable to setns into the userns) getting tap0 into it.
     */
    @Test
    void helperAsUnprivilegedUser() throws Exception {
        Path tun = Path.of("/dev/net/tun");
        Set<PosixFilePermission> tunMode = Files.getPosixFilePermissions(tun);
        Path cp = Files.createTempDirectory("jslirp-cp");
        Process holder = null;
        Process scenario = null;
        try {
            Files.setPosixFilePermissions(cp, PosixFilePermissions.fromString("rwxr-xr-x"));
            String classPath = copyClassPath(cp);
            Files.setPosixFilePermissions(tun, PosixFilePermissions.fromString("rw-rw-rw-"));
            holder = startNamespaceHolder(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                    "unshare", "-r", "-n", "sleep", "30"));
            String proc = "/proc/" + holder.pid() + "/ns/";
            String java = ProcessHandle.current().info().command().orElseThrow();
            scenario = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                    java, "-Djava.io.tmpdir=/tmp", "-cp", classPath, UnprivilegedHelperScenario.class.getName(),
                    proc + "user", proc + "net").redirectErrorStream(true).start();
            Process s = scenario;
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    return "error reading: " + e;
                }
            });
            String report = line.get(60, TimeUnit.SECONDS);
            assertTrue(report != null && report.startsWith("attached tap0 "), "scenario said: " + report);
            String[] f = report.split(" ");
            System.out.println("openViaHelper (uid 65534) took " + f[2] + " ms");
            assertEquals("0", f[3], "helper process left behind");
            assertEquals(0, scenario.descendants().filter(ProcessHandle::isAlive).count(), "helper process left behind");
            String link = Sh.run("nsenter", "--net=" + proc + "net", "ip", "-d", "link", "show", "tap0");
            assertTrue(link.contains("tun type tap"), link);
            assertNotEquals(Files.readSymbolicLink(Path.of(proc + "net")), Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
            scenario.getOutputStream().close();
            assertTrue(scenario.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, scenario.exitValue());
        } finally {
            Files.setPosixFilePermissions(tun, tunMode);
            kill(scenario);
            kill(holder);
            try (Stream<Path> w = Files.walk(cp)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        assertEquals(tunMode, Files.getPosixFilePermissions(tun));
    }

    /** The test class path lives under root-only directories; copy it somewhere uid 65534 can read. */
    private static String copyClassPath(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve(i++ + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                try (Stream<Path> w = Files.walk(src)) {
                    for (Path p : (Iterable<Path>) w::iterator) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                            Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                        } else {
                            Files.copy(p, t);
                            Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                        }
                    }
                }
            } else {
                Files.copy(src, dst);
                Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
            }
            out.add(dst.toString());
        }
        return String.join(File.pathSeparator, out);
    }

    /**
     * Starts a process that holds new namespaces ({@code unshare ... sleep 30}; unshare and setpriv exec, so
     * the pid is sleep's) and waits, bounded, until its namespaces differ from ours.
     */
    private static Process startNamespaceHolder(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                String comm = Files.readString(Path.of("/proc/" + p.pid() + "/comm")).trim();
                if (comm.equals("sleep") && !Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/net")).equals(ours)) {
                    return p;
                }
            } catch (IOException ignored) {
                // not there yet, or exited (checked below)
            }
            if (!p.isAlive()) {
                throw new IOException(cmd + " exited " + p.exitValue() + ": " + new String(p.getInputStream().readAllBytes()));
            }
            Thread.sleep(10);
        }
        kill(p);
        throw new IOException(cmd + " did not set up its namespaces within 5 s");
    }

    private static void kill(Process p) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void assertNoLiveChildren() {
        assertNoLiveChildren(-1);
    }

    /** No helper (nsenter, helper JVM, or the hang script's sleep) may outlive openViaHelper; {@code holder} may. */
    private static void assertNoLiveChildren(long holder) {
        List<String> alive = ProcessHandle.current().children().filter(ProcessHandle::isAlive).filter(ph -> ph.pid() != holder)
                .map(ph -> ph.pid() + " " + ph.info().commandLine().orElse("?")).toList();
        assertFalse(alive.stream().anyMatch(s -> s.contains("nsenter") || s.contains("NamespaceHelperMain") || s.contains("sleep")),
                "helper left behind: " + alive);
    }
}
