package io.jslirp.tap.sys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Test helper: runs commands with a deadline, and makes and removes uniquely named network namespaces. */
public final class Sh {
    private Sh() {
    }

    public record Result(int status, String out, String err) {
    }

    /** Runs {@code cmd}, killing it by pid if it outlives {@code timeoutMs}. */
    public static Result exec(long timeoutMs, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = drain(p.getInputStream(), out);
        Thread te = drain(p.getErrorStream(), err);
        if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            throw new IOException("timed out after " + timeoutMs + " ms: " + String.join(" ", cmd));
        }
        to.join(5000);
        te.join(5000);
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code cmd} (10 s deadline) and returns its stdout; a non-zero exit fails with its stderr. */
    public static String run(String... cmd) throws IOException, InterruptedException {
        Result r = exec(10_000, cmd);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + r.status() + ": " + r.err());
        }
        return r.out();
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // process gone
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** {@code ip netns add} a name unique to this run; remove it with {@link #deleteNetns}. */
    public static String addNetns(String prefix) throws IOException, InterruptedException {
        String name = prefix + "-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
        run("ip", "netns", "add", name);
        return name;
    }

    public static void deleteNetns(String name) {
        if (name == null) {
            return;
        }
        try {
            exec(10_000, "ip", "netns", "delete", name);
        } catch (IOException | InterruptedException e) {
            System.err.println("could not delete netns " + name + ": " + e);
        }
    }

    /** Runs {@code cmd} inside netns {@code ns} via {@code ip netns exec}. */
    public static String inNetns(String ns, String... cmd) throws IOException, InterruptedException {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return run(full);
    }
}
