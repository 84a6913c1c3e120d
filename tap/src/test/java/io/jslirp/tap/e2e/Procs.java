package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Process helpers that only ever signal processes this test started, by PID. */
final class Procs {
    private Procs() {}

    /** SIGTERM, then SIGKILL after 3 s, to {@code p} and then to whatever it left behind. */
    static void kill(Process p) {
        if (p == null) {
            return;
        }
        List<ProcessHandle> kids = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle k : kids) {
            k.destroyForcibly();
        }
    }

    /** A process as read from /proc/PID/stat: pid, parent, start time (to tell reuse of a PID). */
    record Stat(long pid, long ppid, long start, String comm) {}

    static Stat stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = s.lastIndexOf(')');
            String comm = s.substring(s.indexOf('(') + 1, close);
            String[] f = s.substring(close + 2).split(" ");
            // after "(comm) ": state(0) ppid(1) ... starttime is field 22 overall, index 19 here
            return new Stat(pid, Long.parseLong(f[1]), Long.parseLong(f[19]), comm);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Every process on the machine whose ancestry includes {@code pid}, read from /proc/N/stat. */
    static List<Stat> descendantsOf(long pid) {
        Map<Long, List<Stat>> byParent = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : ds) {
                Stat st = stat(Long.parseLong(d.getFileName().toString()));
                if (st != null) {
                    byParent.computeIfAbsent(st.ppid(), k -> new ArrayList<>()).add(st);
                }
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        List<Stat> out = new ArrayList<>();
        List<Long> todo = new ArrayList<>(List.of(pid));
        while (!todo.isEmpty() && out.size() < 10_000) {
            long p = todo.remove(todo.size() - 1);
            for (Stat c : byParent.getOrDefault(p, List.of())) {
                out.add(c);
                todo.add(c.pid());
            }
        }
        return out;
    }

    /** True if that exact process (same PID and start time) still exists. */
    static boolean stillAlive(Stat s) {
        Stat now = stat(s.pid());
        return now != null && now.start() == s.start();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }
}
