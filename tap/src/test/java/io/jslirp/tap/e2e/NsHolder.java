package io.jslirp.tap.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process that holds namespaces open, the way a container's first process does: {@code unshare -n
 * sleep 600} (a net namespace, as root) or {@code unshare -r -n sleep 600} (user + net namespace, run
 * as an unprivileged user). Its PID is the target jslirp attaches to. Killed on close.
 */
final class NsHolder implements AutoCloseable {
    final Process process;
    final long pid;
    final boolean userns;
    final List<String> asUser;

    private NsHolder(Process process, boolean userns, List<String> asUser) {
        this.process = process;
        this.pid = process.pid();
        this.userns = userns;
        this.asUser = asUser;
    }

    /** As root: a process alone in a new network namespace. */
    static NsHolder netns() throws IOException {
        return start(List.of(), false);
    }

    /** As the given user (a setpriv prefix): a new user namespace (mapped root) with its own netns. */
    static NsHolder userAndNetns(List<String> asUser) throws IOException {
        return start(asUser, true);
    }

    private static NsHolder start(List<String> asUser, boolean userns) throws IOException {
        List<String> argv = new ArrayList<>(asUser);
        argv.addAll(userns ? List.of("unshare", "-r", "-n", "sleep", "600") : List.of("unshare", "-n", "sleep", "600"));
        Process p = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        NsHolder h = new NsHolder(p, userns, asUser);
        // unshare execs sleep in place, so the PID is right at once; wait until it has actually
        // entered the new namespaces, or attaching would hit the host's.
        String hostNet = link("/proc/self/ns/net");
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            String net = link("/proc/" + h.pid + "/ns/net");
            if (net != null && !net.equals(hostNet) && Procs.stat(h.pid) != null
                    && "sleep".equals(Procs.stat(h.pid).comm())) {
                return h;
            }
            if (!p.isAlive()) {
                break;
            }
            Procs.sleep(20);
        }
        h.close();
        throw new IOException("namespace holder " + argv + " did not enter a new namespace (alive=" + p.isAlive() + ")");
    }

    private static String link(String p) {
        try {
            return Files.readSymbolicLink(Path.of(p)).toString();
        } catch (IOException e) {
            return null;
        }
    }

    String netPath() {
        return "/proc/" + pid + "/ns/net";
    }

    String userPath() {
        return "/proc/" + pid + "/ns/user";
    }

    /** {@code argv} prefixed so it runs inside the holder's namespaces (as the holder's user). */
    List<String> enter(String... argv) {
        List<String> r = new ArrayList<>(asUser);
        r.add("nsenter");
        if (userns) {
            r.add("--user=" + userPath());
        }
        r.add("--net=" + netPath());
        if (userns) {
            r.add("--preserve-credentials");
        }
        r.add("--");
        r.addAll(List.of(argv));
        return r;
    }

    Cmd.Result run(String... argv) {
        return Cmd.run(E2e.SHORT, enter(argv));
    }

    Cmd.Result ok(String... argv) {
        return Cmd.ok(E2e.SHORT, enter(argv));
    }

    @Override
    public void close() {
        Procs.kill(process);
    }
}
