package io.jslirp.tap.sandbox;

import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.NativeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the whole JVM into a mount namespace of its own, before setup, by starting it again in one.
 *
 * <p>{@code unshare(CLONE_NEWNS)} moves only the calling thread, and a JVM is multi-threaded before
 * {@code main}; its GC and compiler threads would keep the caller's mounts. {@code setns} into a user
 * namespace is refused outright in a multi-threaded process. But {@code execve} keeps the namespaces of the
 * thread that calls it and ends all others, so:
 * <ul>
 *   <li>with CAP_SYS_ADMIN over our own user namespace (root; podman starts us inside its user namespace):
 *       this thread unshares its mount namespace and execs the same java command line;</li>
 *   <li>rootless from outside ({@code --userns-path}, RootlessKit's detach mode; or a PID target whose user
 *       namespace is not ours, as namespace entry does by itself): exec {@code nsenter --user=NS
 *       --preserve-credentials unshare --mount --propagation slave} in front of the same java command line.
 *       The restarted JVM is the user namespace's root, so it enters the network namespace with setns
 *       like podman's case, and owns the new mount namespace.</li>
 * </ul>
 * The PID stays the same (runtimes wait on it), inherited fds (ready, exit, tapfd) survive, and the
 * environment carries the inode of the caller's mount namespace so that the restarted JVM knows it is the
 * second one and can check that it really has a namespace of its own. It also gets
 * {@code -XX:-UsePerfData}: its /tmp will be the sandbox's, where a perf-data file would be left behind.
 */
public final class SandboxExec {
    /** Set in the restarted JVM's environment: the caller's mount namespace inode. */
    static final String ENV = "JSLIRP_SANDBOX_FROM_MNTNS";
    private static final int CLONE_NEWNS = 0x00020000;
    private static final long MS_REC = 16384;
    private static final long MS_SLAVE = 1 << 19;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    private SandboxExec() {
    }

    /**
     * In the first JVM: restarts the process in its own mount namespace and does not return (it throws if
     * that fails). In the restarted one: checks the namespace and returns the settings to serve with (without
     * {@code --userns-path}, since the process is now inside that user namespace).
     */
    public static Settings ensureOwnMountNamespace(Settings settings) throws IOException {
        // Refused before the restart rather than after it: the per-thread drop needs x86-64.
        CapabilityDrop.requireSupportedArch();
        String from = System.getenv(ENV);
        long mntns = inode(Path.of("/proc/self/ns/mnt"));
        if (from != null) {
            if (Long.parseLong(from) == mntns) {
                throw NativeException.withMessage("sandbox: restarted, but still in the caller's mount namespace",
                        Errno.EINVAL);
            }
            Path userns = settings.usernsPath();
            if (userns != null && inode(userns) == inode(Path.of("/proc/self/ns/user"))) {
                return settings.toBuilder(settings.target()).usernsPath(null).build();
            }
            return settings;
        }
        List<String> java = javaCommandLine();
        List<String> env = environment(mntns);
        Path userns = usernsToEnter(settings);
        // Not LibC: binding it would be most of this JVM's life, and the restarted one binds it again.
        RestartCalls c = new RestartCalls();
        closeOnExec(settings, c);
        System.out.flush();
        System.err.flush();
        // execve skips the JVM's exit, which would have removed this JVM's perf-data file; the restarted
        // one (same PID, -XX:-UsePerfData) never will.
        Files.deleteIfExists(Path.of("/tmp", "hsperfdata_" + System.getProperty("user.name"),
                Long.toString(ProcessHandle.current().pid())));
        if (userns == null) {
            if (c.unshare(CLONE_NEWNS) != 0) {
                throw new NativeException("sandbox: unshare(CLONE_NEWNS) (needs root, the runtime's user namespace, "
                        + "or --userns-path)", c.errno());
            }
            if (c.mountPropagation("/", MS_REC | MS_SLAVE) != 0) {
                throw new NativeException("sandbox: making every mount a slave (MS_REC|MS_SLAVE on /)", c.errno());
            }
            c.execve(java.get(0), java, env);
            throw new NativeException("sandbox: execve " + java.get(0), c.errno());
        }
        String nsenter = onPath("nsenter");
        List<String> argv = new ArrayList<>(List.of(nsenter, "--user=" + userns, "--preserve-credentials", "--",
                onPath("unshare"), "--mount", "--propagation", "slave", "--"));
        argv.addAll(java);
        c.execve(nsenter, argv, env);
        throw new NativeException("sandbox: execve " + nsenter, c.errno());
    }

    /**
     * Marks close-on-exec every fd the restarted JVM must not inherit: what this JVM opened without
     * O_CLOEXEC (its jar, lib/modules, /dev/random, a socket of java.net's start-up probe) and any file,
     * directory or socket the caller left open without naming it, since a directory fd inside the sandbox
     * would be a way out of it. Kept: 0-2, the fds the command line names (ready, exit, tapfd), and pipes,
     * which runtimes pass and which lead nowhere in the filesystem.
     */
    private static void closeOnExec(Settings settings, RestartCalls c) throws IOException {
        java.util.Set<Integer> keep = new java.util.HashSet<>(List.of(0, 1, 2, settings.readyFd(), settings.exitFd()));
        if (settings.target() instanceof Target.TapFd tap) {
            keep.add(tap.fd());
        }
        List<Integer> fds = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : dir) {
                fds.add(Integer.parseInt(fd.getFileName().toString()));
            }
        }
        for (int fd : fds) {
            if (keep.contains(fd)) {
                continue;
            }
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString();
            } catch (IOException e) {
                continue; // the listing's own fd, closed by now
            }
            if (!target.startsWith("pipe:") && c.fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
                int errno = c.errno();
                if (errno == Errno.EBADF) {
                    continue; // closed since the listing by another of the JVM's threads: nothing to inherit
                }
                throw new NativeException("sandbox: marking fd " + fd + " close-on-exec", errno);
            }
        }
    }

    /** The user namespace to restart in, or null when ours will do (we can unshare a mount namespace). */
    private static Path usernsToEnter(Settings settings) throws IOException {
        if (settings.usernsPath() != null) {
            return settings.usernsPath();
        }
        if (isPrivileged()) {
            return null;
        }
        // Unprivileged with a PID target: namespace entry would use the process's user namespace by itself.
        if (settings.target() instanceof Target.Pid pid) {
            Path userns = Path.of("/proc", Integer.toString(pid.pid()), "ns", "user");
            if (Files.exists(userns) && inode(userns) != inode(Path.of("/proc/self/ns/user"))) {
                return userns;
            }
        }
        return null;
    }

    /** CAP_SYS_ADMIN in our effective set (bit 21 of CapEff). */
    private static boolean isPrivileged() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 21)) != 0;
            }
        }
        return false;
    }

    /** This JVM's own command line (/proc/self/cmdline), run by its own binary, with perf data off. */
    private static List<String> javaCommandLine() throws IOException {
        List<String> argv = split(Files.readAllBytes(Path.of("/proc/self/cmdline")));
        List<String> java = new ArrayList<>();
        java.add(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString());
        java.add("-XX:-UsePerfData");
        java.addAll(argv.subList(1, argv.size()));
        return java;
    }

    private static List<String> environment(long mntns) throws IOException {
        List<String> env = split(Files.readAllBytes(Path.of("/proc/self/environ")));
        env.removeIf(e -> e.startsWith(ENV + "="));
        env.add(ENV + "=" + mntns);
        return env;
    }

    private static List<String> split(byte[] nulSeparated) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < nulSeparated.length; i++) {
            if (nulSeparated[i] == 0) {
                parts.add(new String(nulSeparated, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < nulSeparated.length) {
            parts.add(new String(nulSeparated, start, nulSeparated.length - start, StandardCharsets.UTF_8));
        }
        return parts;
    }

    private static String onPath(String command) throws NativeException {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Path.of(dir, command).toString();
            }
        }
        throw NativeException.withMessage("sandbox: " + command + " (util-linux) not found on PATH; it is needed to "
                + "enter the user namespace", Errno.ENOENT);
    }

    static long inode(Path nsFile) throws IOException {
        return ((Number) Files.getAttribute(nsFile, "unix:ino")).longValue();
    }
}
