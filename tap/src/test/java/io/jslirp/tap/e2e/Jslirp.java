package io.jslirp.tap.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the program under test ({@code java -jar jslirp.jar}, the launcher, or slirp4netns) the way a
 * container runtime does, with a ready fd and an exit fd at the numbers given in argv.
 *
 * <p>ProcessBuilder cannot hand a child any fd beyond 0, 1 and 2, so the child's stdin and stdout pipes
 * are moved: the program is started as {@code bash -c 'exec "$@" 3>&1 1>OUTFILE 4<&0 0</dev/null'}.
 * Fd 3 (the ready fd) is then the pipe Java reads as the process's stdout, and fd 4 (the exit fd) is
 * the pipe Java writes as its stdin, so closing {@link Process#getOutputStream()} is exactly "the
 * monitor holding the exit-fd writer went away". The program's own stdout goes to a file, stderr to
 * another. Every exec in the chain (setpriv, nsenter, ip netns exec, bash) replaces itself, so the
 * {@link Process} PID is the program's PID.
 */
final class Jslirp implements AutoCloseable {
    final Process process;
    final long pid;
    final List<String> argv;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final CompletableFuture<byte[]> readyBytes;

    private Jslirp(Process process, List<String> argv, Path stdoutFile, Path stderrFile, boolean hasReady) {
        this.process = process;
        this.pid = process.pid();
        this.argv = argv;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
        this.readyBytes = hasReady ? CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()))
                : CompletableFuture.completedFuture(new byte[0]);
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        private List<String> command = E2e.command();
        private final List<String> prefix = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private Integer readyFd;
        private Integer exitFd;
        private final java.util.Map<String, String> env = new java.util.HashMap<>();

        /** Run the repo's {@code ./jslirp} launcher instead of {@code java -jar}. */
        Builder launcher() {
            if (E2e.isJslirp()) {
                command = new ArrayList<>(List.of(E2e.launcher()));
            }
            return this;
        }

        Builder command(List<String> command) {
            this.command = new ArrayList<>(command);
            return this;
        }

        /** Commands that exec the program: setpriv, nsenter, ip netns exec (outermost first). */
        Builder prefix(List<String> p) {
            prefix.addAll(p);
            return this;
        }

        /** The ready fd: the child gets it at this number, and {@code -r N} is NOT added for you. */
        Builder readyFd(int fd) {
            readyFd = fd;
            return this;
        }

        /** The exit fd: the child gets it at this number, and {@code -e N} is NOT added for you. */
        Builder exitFd(int fd) {
            exitFd = fd;
            return this;
        }

        /** Convenience: {@code -r 3} plus the ready fd at 3, the way RootlessKit and podman do it. */
        Builder ready3() {
            readyFd(3);
            args.add("-r");
            args.add("3");
            return this;
        }

        /** An environment variable for the program (JSLIRP_JAVA_OPTS, say). */
        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        Builder args(String... a) {
            args.addAll(List.of(a));
            return this;
        }

        Builder args(List<String> a) {
            args.addAll(a);
            return this;
        }

        Jslirp start() throws IOException {
            StringBuilder script = new StringBuilder("exec \"$@\"");
            if (readyFd != null) {
                script.append(' ').append(readyFd).append(">&1");
            }
            script.append(" 1>\"$JSLIRP_E2E_OUT\"");
            if (exitFd != null) {
                script.append(' ').append(exitFd).append("<&0");
            }
            script.append(" 0</dev/null");
            List<String> full = new ArrayList<>(prefix);
            full.addAll(List.of("bash", "-c", script.toString(), E2e.programName()));
            full.addAll(command);
            full.addAll(args);
            Path out = Files.createTempFile("jsl-stdout", ".txt");
            Path err = Files.createTempFile("jsl-stderr", ".txt");
            // readable by an unprivileged child too
            out.toFile().setWritable(true, false);
            err.toFile().setWritable(true, false);
            ProcessBuilder pb = new ProcessBuilder(full)
                    .redirectError(err.toFile());
            pb.environment().put("JSLIRP_E2E_OUT", out.toString());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (exitFd == null) {
                p.getOutputStream().close();
            }
            return new Jslirp(p, E2e.concat(command, args), out, err, readyFd != null);
        }
    }

    private static byte[] readAll(InputStream in) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[256];
        try {
            int n;
            while ((n = in.read(buf)) > 0 && b.size() < 4096) {
                b.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the stream is closed when the process is killed: report what arrived
        }
        return b.toByteArray();
    }

    /**
     * Waits until the ready fd has been written to and closed, and returns the bytes it got. Fails with
     * jslirp's stderr if that does not happen in time or the process dies first.
     */
    byte[] awaitReadyEof(Duration timeout) {
        try {
            return readyBytes.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("ready fd not written and closed within " + timeout + " (alive="
                    + process.isAlive() + ")" + diagnostics());
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("reading ready fd failed: " + e + diagnostics());
        }
    }

    /** Waits for the ready fd to say {@code 1}, then EOF, and for the process to still be running. */
    Jslirp awaitReady() {
        try {
            return checkReady();
        } catch (AssertionError | RuntimeException e) {
            // it is used as `try (Jslirp j = ....start().awaitReady())`, where a throw here means close()
            // would never run: stop the process and remove its files now
            close();
            throw e;
        }
    }

    private Jslirp checkReady() {
        byte[] got = awaitReadyEof(E2e.READY);
        if (got.length == 0 || got[0] != '1') {
            throw new AssertionError("ready fd got " + show(got) + " instead of \"1\"" + diagnostics());
        }
        if (!process.isAlive()) {
            throw new AssertionError("exited right after signalling ready" + diagnostics());
        }
        return this;
    }

    static String show(byte[] b) {
        StringBuilder s = new StringBuilder("[");
        for (byte x : b) {
            s.append(x >= 32 && x < 127 ? "'" + (char) x + "'" : String.format("0x%02x", x)).append(' ');
        }
        return s.append(']').toString();
    }

    /** Closes the only writer of the exit fd. */
    void closeExitFd() throws IOException {
        process.getOutputStream().close();
    }

    /** The exit status, or null if still running after {@code timeout}. */
    Integer waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    String stdout() {
        try {
            return Files.readString(stdoutFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no stdout: " + e + ")";
        }
    }

    /** Appended to every assertion message: what was run, whether it is alive, and its output. */
    String diagnostics() {
        return "\n--- " + argv + " (pid " + pid + ", "
                + (process.isAlive() ? "running" : "exited " + process.exitValue()) + ")"
                + "\n--- its stderr ---\n" + stderr() + "\n--- its stdout ---\n" + stdout();
    }

    @Override
    public void close() {
        Procs.kill(process);
        Cmd.deleteQuietly(stdoutFile);
        Cmd.deleteQuietly(stderrFile);
    }
}
