package io.jslirp.tap.e2e;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A server process (a {@link GuestServer}, a {@link DnsResponder}, {@code GuestTool udpserve}) whose stdout
 * lines are collected as they come; {@link #start} returns once it printed {@code listening}. Killed, by
 * PID, on close.
 */
final class Background implements AutoCloseable {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    /** Counted down by "listening", or by the end of the output (the process died first). */
    private final CountDownLatch listeningOrGone = new CountDownLatch(1);
    private volatile boolean listening;

    private Background(Process process) {
        this.process = process;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("listening")) {
                        listening = true;
                        listeningOrGone.countDown();
                    } else {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
            listeningOrGone.countDown(); // a server that dies before listening fails start() now, not in 30 s
        }, "background-" + process.pid());
        t.setDaemon(true);
        t.start();
    }

    static Background start(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Background b = new Background(p);
        if (!b.listeningOrGone.await(30, TimeUnit.SECONDS) || !b.listening) {
            b.close();
            throw new AssertionError("server did not start listening: " + argv + " (alive " + p.isAlive() + ")");
        }
        return b;
    }

    /** Waits (at most 10 s) for a stdout line starting with {@code prefix}; null if none came. */
    String awaitLine(String prefix) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : lines) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            Procs.sleep(20);
        }
        return null;
    }

    @Override
    public void close() {
        Procs.kill(process);
    }
}
