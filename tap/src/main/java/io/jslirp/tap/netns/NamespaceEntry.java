package io.jslirp.tap.netns;

import io.jslirp.tap.dev.TapDevice;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import io.jslirp.tap.sys.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Opens {@link NamespaceHandles} inside a target network namespace; see the package documentation. */
public final class NamespaceEntry {
    private NamespaceEntry() {
    }

    /** How long the setns thread may take; it does four system calls, so this only catches a wedged kernel. */
    static final long SETNS_TIMEOUT_MS = 10_000;
    /**
     * How long the helper JVM may take to start and report; JVM start is well under a second, a loaded CI
     * host is slower. Settable (system property, or by tests) because a too-short value fails containers.
     */
    static volatile long helperReportTimeoutMs = Long.getLong("jslirp.helper.timeoutMs", 30_000);
    /** How long the helper may take to exit once its stdin is closed. */
    static final long HELPER_EXIT_TIMEOUT_MS = 5_000;
    private static final long TUNGETIFF = 0x800454d2L;
    /** {@code _IO('T', 227)}: an fd of the network namespace a TUN/TAP device lives in. */
    private static final long TUNGETDEVNETNS = 0x54e3L;
    /** {@code asm-generic/socket.h}: a socket's address family. */
    private static final int SO_DOMAIN = 39;

    /**
     * Joins {@code netnsPath} on a dedicated thread and opens the handles there. Needs CAP_SYS_ADMIN in this
     * process's user namespace and in the one owning the netns (root, or podman's case).
     */
    public static NamespaceHandles openViaSetns(Path netnsPath) throws IOException {
        return openViaSetns(netnsPath, false);
    }

    /** As {@link #openViaSetns(Path)}, with a NETLINK_ROUTE socket as well when {@code withNetlink}. */
    public static NamespaceHandles openViaSetns(Path netnsPath, boolean withNetlink) throws IOException {
        checkPath(netnsPath, "netns");
        return onThrowawayThread("entering " + netnsPath, () -> openInside(netnsPath, withNetlink),
                NamespaceEntry::closeQuietly);
    }

    /**
     * For {@code --netns-type=tapfd} with {@code -c}: the caller handed over only the TAP, so ask the device
     * which namespace it lives in ({@code TUNGETDEVNETNS}) and open the control sockets there. The result has
     * no tun fd (-1): the caller's TAP is the device.
     */
    public static NamespaceHandles openControlSocketsForTap(int tapFd, boolean withNetlink) throws IOException {
        LibC c = Native.libc();
        int nsFd = c.ioctl(tapFd, TUNGETDEVNETNS, 0);
        if (nsFd < 0) {
            throw NativeException.last("TUNGETDEVNETNS on TAP fd " + tapFd + " (needed for --configure)");
        }
        try {
            String where = "the namespace of TAP fd " + tapFd;
            return onThrowawayThread("entering " + where, () -> {
                if (c.setns(nsFd, Flags.CLONE_NEWNET) < 0) {
                    throw NativeException.last("setns into " + where);
                }
                return controlSockets(-1, where, withNetlink);
            }, NamespaceEntry::closeQuietly);
        } finally {
            Fds.close(nsFd);
        }
    }

    /** Work that must run inside another namespace; it throws what the kernel said. */
    @FunctionalInterface
    private interface InsideWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} on a dedicated thread that ends right after, taking its namespace membership with it:
     * setns changes only the calling thread, and a thread that has moved must never run other work. A result
     * that arrives after the deadline is handed to {@code discardLate} so its fds do not leak.
     */
    private static <T> T onThrowawayThread(String what, InsideWork<T> work, java.util.function.Consumer<T> discardLate)
            throws IOException {
        Handoff<T> result = new Handoff<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(work.run());
            } catch (Throwable e) {
                result.fail(e);
            }
        }, "jslirp-setns");
        t.setDaemon(true);
        t.start();
        try {
            return result.get(SETNS_TIMEOUT_MS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(what + ": " + c, c);
        } catch (TimeoutException e) {
            result.whenLate(discardLate);
            throw new IOException(what + ": timed out after " + SETNS_TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.whenLate(discardLate);
            throw new InterruptedIOException("interrupted while " + what);
        }
    }

    /** Runs on the throwaway thread: setns, then the fds. */
    private static NamespaceHandles openInside(Path netnsPath, boolean withNetlink) throws NativeException {
        LibC c = Native.libc();
        int nsFd = c.open(netnsPath.toString(), Flags.O_RDONLY | Flags.O_CLOEXEC, 0);
        if (nsFd < 0) {
            throw NativeException.last("open " + netnsPath);
        }
        int tunFd = -1;
        try {
            if (c.setns(nsFd, Flags.CLONE_NEWNET) < 0) {
                throw NativeException.last("setns " + netnsPath);
            }
            tunFd = TapDevice.openTunInCurrentNamespace();
            NamespaceHandles h = controlSockets(tunFd, netnsPath.toString(), withNetlink);
            tunFd = -1;
            return h;
        } finally {
            Fds.close(tunFd);
            Fds.close(nsFd);
        }
    }

    /**
     * The AF_INET socket and, if asked, the NETLINK_ROUTE one, made in the calling thread's namespace; with
     * {@code tunFd} they are the handles. Nothing is left open when it throws, except {@code tunFd}.
     */
    private static NamespaceHandles controlSockets(int tunFd, String where, boolean withNetlink) throws NativeException {
        LibC c = Native.libc();
        int sock = c.socket(Flags.AF_INET, Flags.SOCK_DGRAM | Flags.SOCK_CLOEXEC, 0);
        if (sock < 0) {
            throw NativeException.last("socket(AF_INET, SOCK_DGRAM) in " + where);
        }
        if (!withNetlink) {
            return new NamespaceHandles(tunFd, sock, -1);
        }
        int nl = c.socket(Flags.AF_NETLINK, Flags.SOCK_RAW | Flags.SOCK_CLOEXEC, Flags.NETLINK_ROUTE);
        if (nl < 0) {
            NativeException e = NativeException.last("socket(AF_NETLINK, NETLINK_ROUTE) in " + where);
            Fds.close(sock);
            throw e;
        }
        return new NamespaceHandles(tunFd, sock, nl);
    }

    /**
     * Rootless from outside: a helper joins {@code usernsPath} and {@code netnsPath}, opens the handles, and
     * this process takes duplicates with pidfd_getfd. The helper has exited when this returns, on every path.
     */
    public static NamespaceHandles openViaHelper(Path usernsPath, Path netnsPath) throws IOException {
        return openViaHelper(usernsPath, netnsPath, false);
    }

    /**
     * As {@link #openViaHelper(Path, Path)}, with a NETLINK_ROUTE socket as well when {@code withNetlink}; the
     * helper then loads jffi to make it (see {@link NamespaceHelperMain}).
     */
    public static NamespaceHandles openViaHelper(Path usernsPath, Path netnsPath, boolean withNetlink)
            throws IOException {
        checkPath(usernsPath, "userns");
        checkPath(netnsPath, "netns");
        List<String> cmd = helperCommand(usernsPath, netnsPath, withNetlink);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new IOException("cannot start namespace helper (" + cmd.get(0) + "): " + e.getMessage(), e);
        }
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread errPump = pump(p.getErrorStream(), stderr, "jslirp-helper-stderr");
        NamespaceHandles h;
        try {
            h = takeHandles(p, stderr, errPump, withNetlink);
        } catch (IOException | RuntimeException | Error e) {
            try {
                finish(p, errPump);
            } catch (IOException second) {
                e.addSuppressed(second);
            }
            throw e;
        }
        try {
            finish(p, errPump);
        } catch (IOException e) {
            // A helper we could not reap must not leave us holding fds the caller never received.
            closeQuietly(h);
            throw e;
        }
        return h;
    }

    private static NamespaceHandles takeHandles(Process p, ByteArrayOutputStream stderr, Thread errPump,
            boolean withNetlink) throws IOException {
        Handoff<String> line = new Handoff<>();
        Thread outPump = new Thread(() -> {
            try {
                line.complete(readLine(p.getInputStream()));
            } catch (Throwable e) {
                line.fail(e);
            }
        }, "jslirp-helper-stdout");
        outPump.setDaemon(true);
        outPump.start();
        String report;
        try {
            report = line.get(helperReportTimeoutMs);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("namespace helper (pid " + p.pid() + ") did not report within "
                    + helperReportTimeoutMs + " ms; killed it" + stderrSuffix(p, stderr, errPump));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the namespace helper");
        } catch (ExecutionException e) {
            throw new IOException("reading from namespace helper: " + e.getCause(), e.getCause());
        }
        if (report == null || !report.startsWith(NamespaceHelperMain.OK)) {
            // Most failures (nsenter: reassociate to namespace 'ns/user' failed: Operation not permitted)
            // are explained on stderr, so wait for the helper to finish writing it.
            throw new IOException("namespace helper failed" + (report != null && !report.isEmpty() ? ": " + report : "")
                    + stderrSuffix(p, stderr, errPump));
        }
        String[] f = report.trim().split(" ");
        int helperPid;
        int tunTarget;
        int sockTarget;
        int netlinkTarget = -1;
        try {
            helperPid = Integer.parseInt(f[1]);
            tunTarget = Integer.parseInt(f[2]);
            sockTarget = Integer.parseInt(f[3]);
            if (withNetlink) {
                netlinkTarget = Integer.parseInt(f[4]);
            }
        } catch (RuntimeException e) {
            throw new IOException("namespace helper sent a malformed report: " + report);
        }
        // nsenter without --pid/--fork execs its command, so the helper is our child itself; a different pid
        // would mean something else answered, and pidfd_getfd on it is not ours to do.
        if (helperPid != p.pid() && p.descendants().noneMatch(d -> d.pid() == helperPid)) {
            throw new IOException("namespace helper reported pid " + helperPid + ", which is not its own (" + p.pid() + ")");
        }
        int pidfd = Syscalls.pidfdOpen(helperPid);
        int tunFd = -1;
        int sockFd = -1;
        int netlinkFd = -1;
        try {
            tunFd = Syscalls.pidfdGetfd(pidfd, tunTarget);
            sockFd = Syscalls.pidfdGetfd(pidfd, sockTarget);
            checkUnattachedTun(tunFd);
            if (withNetlink) {
                netlinkFd = Syscalls.pidfdGetfd(pidfd, netlinkTarget);
                checkSocketFamily(netlinkFd, Flags.AF_NETLINK);
            }
            NamespaceHandles h = new NamespaceHandles(tunFd, sockFd, netlinkFd);
            tunFd = -1;
            sockFd = -1;
            netlinkFd = -1;
            return h;
        } finally {
            Fds.close(tunFd);
            Fds.close(sockFd);
            Fds.close(netlinkFd);
            Fds.close(pidfd);
        }
    }

    /** A fresh tun fd answers TUNGETIFF with EBADFD; anything else means we duplicated the wrong fd. */
    private static void checkUnattachedTun(int fd) throws NativeException {
        try (NativeBlock ifr = Native.allocate(40)) {
            if (Native.libc().ioctl(fd, TUNGETIFF, ifr.address()) == 0 || Native.errno() != Errno.EBADFD) {
                throw NativeException.withMessage("namespace helper's fd is not an unattached /dev/net/tun fd", Errno.EINVAL);
            }
        }
    }

    /** SO_DOMAIN: the fd taken from the helper is a socket of the family asked for, not some other fd. */
    private static void checkSocketFamily(int fd, int family) throws NativeException {
        try (NativeBlock v = Native.allocate(8)) {
            v.putInt(4, 4); // socklen_t after the int value
            if (Native.libc().getsockopt(fd, Flags.SOL_SOCKET, SO_DOMAIN, v.address(), v.address() + 4) < 0
                    || v.getInt(0) != family) {
                throw NativeException.withMessage("namespace helper's fd " + fd + " is not an AF_NETLINK socket", Errno.EINVAL);
            }
        }
    }

    /** Closing stdin tells the helper to exit; if it does not within the deadline it is killed by pid. */
    private static void finish(Process p, Thread errPump) throws IOException {
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // Already gone: nothing to tell.
        }
        boolean exited;
        try {
            exited = p.waitFor(HELPER_EXIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (!exited) {
                p.destroyForcibly();
                exited = p.waitFor(HELPER_EXIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            errPump.join(HELPER_EXIT_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new InterruptedIOException("interrupted while waiting for the namespace helper to exit");
        }
        if (!exited) {
            throw new IOException("namespace helper (pid " + p.pid() + ") did not exit after SIGKILL");
        }
    }

    private static String stderrSuffix(Process p, ByteArrayOutputStream stderr, Thread errPump) {
        try {
            p.waitFor(HELPER_EXIT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            errPump.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String s;
        synchronized (stderr) {
            s = stderr.toString(StandardCharsets.UTF_8).trim();
        }
        String exit = p.isAlive() ? "" : " (exit status " + p.exitValue() + ")";
        return exit + (s.isEmpty() ? "" : ": " + s);
    }

    /**
     * {@code nsenter --user=U --net=N --preserve-credentials -- JAVA ... NamespaceHelperMain}. The helper JVM is
     * tuned for start-up time (no JIT tiers beyond C1, serial GC, small heap, no perf-data file) since it lives
     * for a fraction of a second. Its class path is just where this class came from: the helper uses only
     * the JDK, so it needs neither jffi nor its JNI library, which also spares it writing to a tmpdir.
     * {@code withNetlink} is the exception: the helper then loads jffi for one socket(2), so it gets our
     * whole class path and the settings that say where jffi's JNI library is.
     */
    static List<String> helperCommand(Path usernsPath, Path netnsPath, boolean withNetlink) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("jslirp.nsenter", "nsenter"));
        cmd.add("--user=" + usernsPath);
        cmd.add("--net=" + netnsPath);
        cmd.add("--preserve-credentials");
        cmd.add("--");
        cmd.add(java);
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xms8m");
        cmd.add("-Xmx32m");
        cmd.add("-XX:-UsePerfData");
        if (withNetlink) {
            for (String p : new String[] {"java.io.tmpdir", "jffi.extract.dir", "jffi.boot.library.path"}) {
                String v = System.getProperty(p);
                if (v != null) {
                    cmd.add("-D" + p + "=" + v);
                }
            }
        }
        cmd.add("-cp");
        cmd.add(helperClassPath(withNetlink));
        cmd.add(NamespaceHelperMain.class.getName());
        if (withNetlink) {
            cmd.add(NamespaceHelperMain.NETLINK);
        }
        return cmd;
    }

    private static String helperClassPath(boolean withNetlink) throws IOException {
        CodeSource cs = NamespaceHelperMain.class.getProtectionDomain().getCodeSource();
        if (cs != null && cs.getLocation() != null && "file".equals(cs.getLocation().getProtocol())) {
            try {
                String own = Path.of(cs.getLocation().toURI()).toString();
                // jslirp.jar carries jffi; a build tree (tests) has it elsewhere on our class path.
                return withNetlink ? own + java.io.File.pathSeparator + System.getProperty("java.class.path") : own;
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("cannot locate jslirp's classes for the namespace helper: " + cs.getLocation(), e);
            }
        }
        return System.getProperty("java.class.path");
    }

    /**
     * Checks existence first, in slirp4netns's words ("userns path doesn't exist: PATH"), because the
     * later failure (inside nsenter or setns) would be less direct.
     */
    static void checkPath(Path path, String kind) throws IOException {
        if (path == null) {
            throw new IOException(kind + " path is not set");
        }
        if (!Files.exists(path)) {
            throw NativeException.withMessage(kind + " path doesn't exist: " + path, Errno.ENOENT);
        }
        if (!Files.isReadable(path)) {
            throw NativeException.withMessage(kind + " path is not readable: " + path + ": " + Native.strerror(Errno.EACCES), Errno.EACCES);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (sink) {
                        // Cap what is kept: a misbehaving helper must not fill our heap.
                        if (sink.size() < 64 * 1024) {
                            sink.write(buf, 0, n);
                        }
                    }
                }
            } catch (IOException ignored) {
                // The stream closes when the helper exits; whatever arrived is kept.
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** One line, at most 256 bytes, so a garbage-spewing helper cannot stall or bloat us; null on bare EOF. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c = -1;
        while (b.size() < 256 && (c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        return b.size() == 0 && c < 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(NamespaceHandles h) {
        Fds.close(h.tunFd());
        Fds.close(h.controlSocketFd());
        Fds.close(h.netlinkFd());
    }
}
