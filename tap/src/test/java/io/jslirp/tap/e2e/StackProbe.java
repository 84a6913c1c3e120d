package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Looks at the running program from outside: how many sockets it holds ({@code /proc/PID/fd} links
 * named {@code socket:[...]}), and jslirp's counters, which it prints on stderr as one line
 * {@code jslirp: counters: k=v k=v ...} each time it gets SIGUSR1.
 */
final class StackProbe {
    static final String COUNTERS_PREFIX = "jslirp: counters: ";

    private StackProbe() {}

    /** The number of socket fds the process has open now, or -1 if it is gone. */
    static int socketFds(long pid) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : ds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed while we looked
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    /**
     * Polls (every 100 ms, at most {@code within}) until the socket count satisfies {@code ok}; returns
     * the last count seen.
     */
    static int awaitSocketFds(long pid, IntPredicate ok, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        int n = socketFds(pid);
        while (!ok.test(n) && System.nanoTime() < deadline) {
            Procs.sleep(100);
            n = socketFds(pid);
        }
        return n;
    }

    /**
     * Sends SIGUSR1 and waits (at most 5 s) for a new counters line on the program's stderr; returns it
     * parsed, in order. Fails if none comes.
     */
    static Map<String, String> counters(Jslirp j) {
        int before = countLines(j.stderr());
        Cmd.ok(E2e.SHORT, "kill", "-s", "USR1", Long.toString(j.pid));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            String err = j.stderr();
            if (countLines(err) > before) {
                return parse(lastLine(err));
            }
            if (!j.process.isAlive()) {
                break;
            }
            Procs.sleep(50);
        }
        throw new AssertionError("no new \"" + COUNTERS_PREFIX + "...\" line on stderr within 5 s of SIGUSR1"
                + j.diagnostics());
    }

    /**
     * Asks for counters (SIGUSR1) every 500 ms until {@code key} has {@code value}, at most
     * {@code within}; returns the last counters seen.
     */
    static Map<String, String> awaitCounter(Jslirp j, String key, String value, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        Map<String, String> c = counters(j);
        while (!value.equals(c.get(key)) && System.nanoTime() < deadline) {
            Procs.sleep(500);
            c = counters(j);
        }
        return c;
    }

    private static int countLines(String err) {
        int n = 0;
        for (String l : err.split("\n")) {
            if (l.startsWith(COUNTERS_PREFIX)) {
                n++;
            }
        }
        return n;
    }

    private static String lastLine(String err) {
        String last = null;
        for (String l : err.split("\n")) {
            if (l.startsWith(COUNTERS_PREFIX)) {
                last = l;
            }
        }
        return last;
    }

    static Map<String, String> parse(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.substring(COUNTERS_PREFIX.length()).trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }
}
