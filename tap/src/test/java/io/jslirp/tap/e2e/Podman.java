package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rootless podman 4.x as uid 65534, with the program under test as its slirp4netns, for {@link PodmanIT}.
 *
 * <p>What podman needs on a machine like this one:
 * <ul>
 *   <li><b>cgroups.</b> runc refuses the machine's cgroup v1 hierarchy on a tmpfs ("no cgroup mount found in
 *       mountinfo"), so every podman command runs in a private mount namespace ({@code unshare -m
 *       --propagation private}) with cgroup2 mounted on /sys/fs/cgroup, with {@code --runtime=runc
 *       --cgroup-manager=cgroupfs}. Podman's user and mount namespace (kept alive by its pause process) is
 *       made by the first command and inherits that mount.</li>
 *   <li><b>No image.</b> Nothing can be pulled, so containers run {@code --rootfs} on a directory holding the
 *       machine's busybox, its shared libraries as {@code ldd} names them, and a link per applet.</li>
 *   <li><b>Nothing shared.</b> HOME, XDG_RUNTIME_DIR (so podman's pause process and its pid file),
 *       {@code --root}, {@code --runroot} and the vfs storage all live in one fresh directory,
 *       /tmp/jpm-RANDOM (short: podman's API socket path under it must fit a sockaddr_un). The machine's
 *       resolv.conf is replaced, in that private mount namespace only, by one naming the test's own DNS
 *       server, so no query leaves the machine.</li>
 *   <li><b>The program.</b> {@code --network-cmd-path} names a wrapper script that appends
 *       {@code PID ARGV} to a log and execs the program (jslirp's launcher, or {@code jslirp.command}), so
 *       the test sees exactly what podman passed and which process serves the container.</li>
 * </ul>
 * Close ends everything this object started: containers ({@code podman rm -f}), then the pause process by
 * the PID in its pid file, then any process of uid 65534 whose command line or environment names the
 * directory (conmon, rootlessport, the program, their children), then deletes the directory and puts
 * /etc/subuid, /etc/subgid and /dev/net/tun back.
 */
final class Podman implements AutoCloseable {
    static final Duration RUN = Duration.ofSeconds(60);
    private static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String USER = "nobody";

    final Path dir;
    final Path home;
    final Path runtimeDir;
    final Path rootfs;
    final Path wrapper;
    final Path argvLog;
    final Path resolvConf;
    private final SubIds subIds;
    private final Unprivileged.TunOpen tun;

    /**
     * Skips (JUnit assumption) unless this machine can run rootless podman at all: the packages, newuidmap,
     * unprivileged user namespaces, a mountable cgroup2, and podman running a container without a network.
     * Anything that fails after that involves the program under test.
     */
    static Podman startOrSkip(String nameserver) throws IOException {
        for (String tool : List.of("podman", "runc", "conmon", "catatonit", "newuidmap", "newgidmap", "busybox",
                "setpriv", "unshare", "ldd")) {
            assumeTrue(onPath(tool), "no " + tool + " on PATH; scripts/install-test-deps.sh installs podman and its helpers");
        }
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun");
        Cmd.Result userns = Cmd.run(E2e.SHORT, E2e.concat(Unprivileged.AS_USER, "unshare", "-U", "true"));
        assumeTrue(userns.ok(), "unprivileged user namespaces are not allowed here:\n" + userns.describe());
        Cmd.Result cgroup2 = Cmd.run(E2e.SHORT, "unshare", "-m", "--propagation", "private",
                "mount", "-t", "cgroup2", "cgroup2", "/sys/fs/cgroup");
        assumeTrue(cgroup2.ok(), "cannot mount cgroup2 on /sys/fs/cgroup in a private mount namespace, which runc "
                + "needs under rootless podman:\n" + cgroup2.describe());
        Podman p = new Podman(nameserver);
        try {
            Cmd.Result bare = p.podman(RUN, "run", "--rm", "--network=none", "--rootfs", p.rootfs.toString(),
                    "/bin/sh", "-c", "echo bare-ok");
            assumeTrue(bare.ok() && bare.out().contains("bare-ok"),
                    "rootless podman cannot run a container here even without a network:\n" + bare.describe());
            return p;
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    private Podman(String nameserver) throws IOException {
        dir = Path.of("/tmp", E2e.unique("jpm"));
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        home = dir.resolve("h");
        runtimeDir = dir.resolve("r");
        rootfs = dir.resolve("rootfs");
        Path logDir = dir.resolve("log");
        argvLog = logDir.resolve("argv.txt");
        wrapper = dir.resolve("slirp4netns");
        resolvConf = dir.resolve("resolv.conf");
        SubIds ids = null;
        Unprivileged.TunOpen t = null;
        try {
            for (Path d : List.of(home, runtimeDir, logDir)) {
                Files.createDirectory(d);
            }
            Files.writeString(resolvConf, "nameserver " + nameserver + "\n", StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(resolvConf, PosixFilePermissions.fromString("rw-r--r--"));
            Files.createFile(argvLog);
            buildRootfs();
            writeWrapper();
            Cmd.ok(E2e.SHORT, "chown", "-R", Unprivileged.UID + ":" + Unprivileged.UID,
                    home.toString(), runtimeDir.toString(), logDir.toString(), rootfs.toString());
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(runtimeDir, PosixFilePermissions.fromString("rwx------"));
            ids = new SubIds(USER, 300_000, 65_536);
            t = new Unprivileged.TunOpen();
        } catch (IOException | RuntimeException e) {
            closeQuietly(ids);
            closeQuietly(t);
            Cmd.run(E2e.SHORT, "rm", "-rf", "--one-file-system", dir.toString());
            throw e;
        }
        subIds = ids;
        tun = t;
    }

    /** busybox, the libraries it links, one link per applet, and a page for httpd at /www/index.html. */
    private void buildRootfs() throws IOException {
        Path bin = rootfs.resolve("bin");
        Files.createDirectories(bin);
        for (String d : List.of("proc", "sys", "dev", "tmp", "etc", "www")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Path busybox = Path.of(Cmd.ok(E2e.SHORT, "sh", "-c", "command -v busybox").out().trim()).toRealPath();
        Files.copy(busybox, bin.resolve("busybox"));
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)";
        // a static busybox makes ldd exit 1 with "not a dynamic executable", and then there is nothing to copy
        Cmd.Result ldd = Cmd.run(E2e.SHORT, "ldd", busybox.toString());
        Matcher lib = Pattern.compile("(?m)(?:=>\\s*|^\\s*)(/\\S+)\\s+\\(0x").matcher(ldd.out());
        while (lib.find()) {
            Path src = Path.of(lib.group(1));
            Path dst = rootfs.resolve(src.toString().substring(1));
            Files.createDirectories(dst.getParent());
            Files.copy(src, dst); // follows the symlink: the rootfs gets the library itself
        }
        for (String applet : Cmd.ok(E2e.SHORT, busybox.toString(), "--list").out().split("\\s+")) {
            if (!applet.isEmpty() && !applet.equals("busybox") && !Files.exists(bin.resolve(applet), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
        }
        Files.writeString(rootfs.resolve("www/index.html"), "hello-from-container\n");
        Cmd.ok(E2e.SHORT, "chmod", "-R", "a+rX", rootfs.toString());
    }

    private void writeWrapper() throws IOException {
        StringBuilder exec = new StringBuilder("exec");
        for (String a : E2e.commandForUnprivileged()) {
            exec.append(' ').append(quote(a));
        }
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "# podman's slirp4netns: note this PID and the argv podman passed, then become the program (same PID)\n"
                + "echo \"$$ $*\" >> " + quote(argvLog.toString()) + "\n"
                + exec + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * {@code podman GLOBAL-FLAGS ARGS} as uid 65534, in a private mount namespace with cgroup2 on
     * /sys/fs/cgroup and the test's resolv.conf, bounded by {@code timeout} (podman gets SIGTERM, SIGKILL 5 s
     * later).
     */
    Cmd.Result podman(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t cgroup2 cgroup2 /sys/fs/cgroup && mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
                resolvConf.toString()));
        argv.addAll(Unprivileged.AS_USER);
        argv.addAll(List.of("env", "-i", PATH_ENV, "HOME=" + home, "XDG_RUNTIME_DIR=" + runtimeDir,
                "JAVA_HOME=" + System.getProperty("java.home"), "LANG=C.UTF-8",
                "timeout", "-k", "5", Long.toString(timeout.toSeconds()),
                "podman", "--root=" + home.resolve("storage"), "--runroot=" + home.resolve("runroot"),
                "--storage-driver=vfs", "--runtime=runc", "--cgroup-manager=cgroupfs", "--events-backend=file",
                "--network-cmd-path=" + wrapper));
        argv.addAll(List.of(args));
        return Cmd.run(timeout.plusSeconds(10), argv);
    }

    /** One program start as podman made it: its PID and the argv podman passed. */
    record Start(long pid, String args) {}

    /** Lines logged so far; pass to {@link #startsSince} to see the starts after this point. */
    int logMark() throws IOException {
        return Files.readAllLines(argvLog).size();
    }

    /** The program's starts to serve a container since {@code mark} (podman's {@code --help} probes left out). */
    List<Start> startsSince(int mark) throws IOException {
        List<String> lines = Files.readAllLines(argvLog);
        List<Start> out = new ArrayList<>();
        for (String line : lines.subList(Math.min(mark, lines.size()), lines.size())) {
            int sp = line.indexOf(' ');
            String args = sp < 0 ? "" : line.substring(sp + 1);
            if (args.contains("--netns-type")) {
                out.add(new Start(Long.parseLong(line.substring(0, sp)), args));
            }
        }
        return out;
    }

    String argvLogText() {
        try {
            return "\n--- argv podman passed ---\n" + Files.readString(argvLog);
        } catch (IOException e) {
            return "\n(no argv log: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            podman(RUN, "rm", "--all", "--force", "--time=0");
            // what a container's end still winds down (conmon, the program after its exit fd) gets 5 s first
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!leftovers(false).isEmpty() && System.nanoTime() < deadline) {
                Procs.sleep(100);
            }
            killPauseProcess();
            for (int round = 0; round < 3; round++) {
                Set<Long> doomed = leftovers(true);
                if (doomed.isEmpty()) {
                    break;
                }
                doomed.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                Procs.sleep(200);
            }
            Cmd.run(Duration.ofSeconds(60), "rm", "-rf", "--one-file-system", dir.toString());
        } finally {
            closeQuietly(subIds);
            closeQuietly(tun);
        }
    }

    /** Podman's pause process (catatonit -P) keeps its user and mount namespace; its PID is in pause.pid. */
    private void killPauseProcess() {
        Path pidFile = runtimeDir.resolve("libpod/tmp/pause.pid");
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Procs.Stat st = Procs.stat(pid);
            if (st != null && st.comm().equals("catatonit") && uid(pid) == Unprivileged.UID) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // no pause process to end
        }
    }

    /**
     * Every running uid-65534 process naming this directory in its command line or environment, with its
     * descendants when {@code withDescendants} (a container's processes name nothing of ours), the pause
     * process left out unless {@code withDescendants}.
     */
    private Set<Long> leftovers(boolean withDescendants) {
        byte[] needle = dir.toString().getBytes(StandardCharsets.UTF_8);
        Set<Long> doomed = new LinkedHashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : ds) {
                long pid = Long.parseLong(d.getFileName().toString());
                if (pid == ProcessHandle.current().pid() || uid(pid) != Unprivileged.UID || !running(pid)) {
                    continue;
                }
                if (!withDescendants && "catatonit".equals(Procs.stat(pid) == null ? null : Procs.stat(pid).comm())) {
                    continue;
                }
                if (contains(d.resolve("cmdline"), needle) || contains(d.resolve("environ"), needle)) {
                    doomed.add(pid);
                    if (withDescendants) {
                        Procs.descendantsOf(pid).forEach(s -> doomed.add(s.pid()));
                    }
                }
            }
        } catch (IOException e) {
            return Set.of();
        }
        return doomed;
    }

    /** True while {@code pid} exists and is not a zombie (state Z or X in /proc/PID/stat). */
    static boolean running(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = s.charAt(s.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long uid(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
        return -1;
    }

    private static boolean contains(Path f, byte[] needle) {
        byte[] hay;
        try {
            hay = Files.readAllBytes(f);
        } catch (IOException e) {
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean onPath(String tool) {
        return Cmd.run(E2e.SHORT, "sh", "-c", "command -v \"$0\"", tool).ok();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // restoring a file or a mode; the next run's SubIds/TunOpen read what is there
            }
        }
    }
}
