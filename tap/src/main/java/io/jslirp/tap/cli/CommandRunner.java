package io.jslirp.tap.cli;

import io.jslirp.tap.Jslirp;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code jslirp run}: COMMAND in a fresh user and network namespace with networking, like
 * {@code unshare -rn} plus slirp4netns in one step.
 *
 * <p>The child is {@code unshare --user --map-root-user --net} running a tiny shell that blocks on a FIFO
 * before it execs COMMAND. That gate is what makes the network usable from COMMAND's first instruction: jslirp
 * enters the child's namespaces (directly as root, through a helper when unprivileged), attaches and
 * configures {@code tap0}, and only then opens the gate. COMMAND keeps the terminal: stdin, stdout and stderr
 * are inherited, and the gate is a separate file. When COMMAND ends, jslirp ends with its status; when jslirp
 * is told to end, it passes the signal on to COMMAND first.
 */
final class CommandRunner {
    private static final long NAMESPACE_WAIT_MILLIS = 10_000;
    private static final long GATE_OPEN_MILLIS = 10_000;

    private CommandRunner() {
    }

    static int run(Settings template, List<String> command, PrintStream err) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jslirp-run-");
        Path gate = dir.resolve("gate");
        Process child = null;
        Jslirp session = null;
        try {
            mkfifo(gate);
            List<String> argv = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "--net", "--",
                    "/bin/sh", "-c", "read _ < \"$0\" || exit 125; exec \"$@\"", gate.toString()));
            argv.addAll(command);
            child = new ProcessBuilder(argv).inheritIO().start();
            long pid = child.pid();
            if (!awaitNamespaces(child)) {
                if (!child.isAlive()) {
                    return child.exitValue();
                }
                err.println("jslirp: the namespaces of the command did not appear in time");
                return 1;
            }
            Settings.Builder b = template.toBuilder(new Target.Pid((int) pid));
            if (!isRoot()) {
                b.usernsPath(Path.of("/proc", Long.toString(pid), "ns", "user"));
            }
            try {
                session = Jslirp.start(b.build());
            } catch (IOException | RuntimeException e) {
                err.println("jslirp: " + e.getMessage());
                return 1;
            }
            Jslirp serving = session;
            serving.startupWarnings().forEach(err::println);
            Thread loop = new Thread(serving::run, "jslirp-loop");
            loop.start();
            Process target = child;
            Main.installSignalHandlers((status, reason) -> target.destroy());
            Main.installCounterDump(serving, err);
            if (!openGate(gate, child)) {
                err.println("jslirp: the command did not start");
                return child.isAlive() ? 1 : child.exitValue();
            }
            int status = child.waitFor();
            serving.end(Jslirp.EXIT_NORMAL, "the command exited");
            loop.join(5_000);
            String summary = serving.exitSummary();
            if (!summary.equals(Jslirp.CLEAN_EXIT_SUMMARY)) {
                // COMMAND owns the terminal; speak only when connections were cut off at its exit.
                err.println("jslirp: at exit: " + summary);
            }
            return status;
        } finally {
            if (child != null && child.isAlive()) {
                child.destroy();
                if (!child.waitFor(2, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
            if (session != null) {
                session.end(Jslirp.EXIT_NORMAL, "the command exited");
            }
            Files.deleteIfExists(gate);
            Files.deleteIfExists(dir);
        }
    }

    /** The child is ready for us once it has its own network namespace and its uid map is written. */
    private static boolean awaitNamespaces(Process child) throws InterruptedException {
        String own = readLink(Path.of("/proc/self/ns/net"));
        Path proc = Path.of("/proc", Long.toString(child.pid()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NAMESPACE_WAIT_MILLIS);
        while (System.nanoTime() - deadline < 0 && child.isAlive()) {
            String net = readLink(proc.resolve("ns/net"));
            if (net != null && !net.equals(own) && uidMapWritten(proc)) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    private static boolean uidMapWritten(Path proc) {
        try {
            return !Files.readString(proc.resolve("uid_map")).isBlank();
        } catch (IOException e) {
            return false;
        }
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Opening a FIFO for writing blocks until the reader opens it; a child that died first would leave us
     * blocked forever, so the open runs on a helper thread with a deadline.
     */
    private static boolean openGate(Path gate, Process child) throws InterruptedException {
        ExecutorService opener = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jslirp-gate");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> opened = opener.submit(() -> {
                try (OutputStream out = Files.newOutputStream(gate)) {
                    out.write("go\n".getBytes(StandardCharsets.US_ASCII));
                }
                return null;
            });
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GATE_OPEN_MILLIS);
            while (System.nanoTime() - deadline < 0) {
                try {
                    opened.get(50, TimeUnit.MILLISECONDS);
                    return true;
                } catch (TimeoutException e) {
                    if (!child.isAlive()) {
                        return false;
                    }
                } catch (ExecutionException e) {
                    return false;
                }
            }
            return false;
        } finally {
            opener.shutdownNow();
        }
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException("mkfifo " + path + ": " + out);
        }
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.split("\\s+");
                    return f.length > 2 && f[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
