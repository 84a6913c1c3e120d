package io.jslirp.tap.sandbox;

import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a JVM of its own by {@link CapabilityDropForkTest}: threads in several states (sleeping, blocked
 * in accept, spinning), then the drop, then one more thread; prints every thread's capability lines.
 */
public final class CapabilityDropProbe {
    private CapabilityDropProbe() {
    }

    public static void main(String[] args) throws Exception {
        List<Thread> threads = new ArrayList<>();
        ServerSocket server = new ServerSocket(0);
        threads.add(daemon(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // Done.
            }
        }));
        threads.add(daemon(() -> {
            try {
                server.accept();
            } catch (Exception e) {
                // Closed at the end.
            }
        }));
        long[] spins = new long[1];
        threads.add(daemon(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                spins[0]++;
            }
        }));
        Thread.sleep(200);
        CapabilityDrop drop = CapabilityDrop.prepare();
        drop.run();
        Thread after = daemon(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // Done.
            }
        });
        Thread.sleep(100);
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                StringBuilder line = new StringBuilder("task");
                for (String l : Files.readAllLines(task.resolve("status"))) {
                    if (l.matches("^(Cap(Eff|Prm|Bnd|Amb|Inh)|NoNewPrivs):.*")) {
                        line.append(' ').append(l.replace("\t", ""));
                    }
                }
                System.out.println(line);
            }
        }
        System.out.println("acceptor alive " + threads.get(1).isAlive());
        server.close();
        threads.forEach(Thread::interrupt);
        after.interrupt();
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
