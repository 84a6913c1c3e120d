package io.jslirp.tap.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a timeout, capturing stdout, stderr and the exit status. */
final class Cmd {
    private Cmd() {}

    /** Outcome of a command. {@code exit} is -1 when it timed out (and was killed). */
    record Result(List<String> argv, int exit, String out, String err, boolean timedOut) {
        boolean ok() {
            return exit == 0 && !timedOut;
        }

        String describe() {
            return "command " + argv + (timedOut ? " TIMED OUT" : " exited " + exit)
                    + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
        }
    }

    static Result run(Duration timeout, String... argv) {
        return run(timeout, List.of(argv), Map.of());
    }

    static Result run(Duration timeout, List<String> argv) {
        return run(timeout, argv, Map.of());
    }

    static Result run(Duration timeout, List<String> argv, Map<String, String> env) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("jsl-out", ".txt");
            err = Files.createTempFile("jsl-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                Procs.kill(p);
            }
            return new Result(argv, done ? p.exitValue() : -1,
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), !done);
        } catch (IOException e) {
            return new Result(argv, -1, "", "could not start: " + e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Runs and fails the test (with the output) unless the command exits 0. */
    static Result ok(Duration timeout, List<String> argv) {
        Result r = run(timeout, argv);
        if (!r.ok()) {
            throw new AssertionError(r.describe());
        }
        return r;
    }

    static Result ok(Duration timeout, String... argv) {
        return ok(timeout, List.of(argv));
    }

    static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file; nothing to do
            }
        }
    }
}
