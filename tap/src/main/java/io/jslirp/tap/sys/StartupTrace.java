package io.jslirp.tap.sys;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Where start-up time goes: {@code -Djslirp.startup.trace=true} has jslirp print, once it is ready, each step's
 * moment in the JVM's uptime (the clock of {@code -Xlog:...:uptime}, so the lines fall into a class-load log at
 * their place) and the CPU time then, the process's and the marking thread's. Off, a mark is one static final test the JIT folds away: no
 * clock read, no allocation, no class loaded. On, each mark reads the clock and /proc/self/stat and
 * /proc/thread-self/stat (user+system time, in the kernel's 10 ms ticks), and the report loads the management classes, after ready.
 */
public final class StartupTrace {
    public static final boolean ON = Boolean.getBoolean("jslirp.startup.trace");
    private static final int MAX = 64;
    private static final long[] NANOS = new long[MAX];
    private static final long[] CPU_TICKS = new long[MAX];
    private static final long[] THREAD_TICKS = new long[MAX];
    private static final String[] WHAT = new String[MAX];
    private static int count;

    private StartupTrace() {
    }

    /** Notes that {@code what} happened now, on the calling thread. */
    public static void mark(String what) {
        if (ON) {
            record(what);
        }
    }

    private static synchronized void record(String what) {
        if (count < MAX) {
            NANOS[count] = System.nanoTime();
            CPU_TICKS[count] = cpuTicks("/proc/self/stat");
            THREAD_TICKS[count] = cpuTicks("/proc/thread-self/stat");
            WHAT[count] = what + " [" + Thread.currentThread().getName() + "]";
            count++;
        }
    }

    /** The marks so far, one line each: uptime in ms, process CPU in ms, the step and its thread. */
    public static synchronized void report(PrintStream out) {
        if (!ON) {
            return;
        }
        long uptimeNanos = ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
        long startNanos = System.nanoTime() - uptimeNanos;
        for (int i = 0; i < count; i++) {
            out.printf("jslirp: startup: %6.1f ms uptime, cpu %4d ms (this thread %4d): %s%n",
                    (NANOS[i] - startNanos) / 1e6, CPU_TICKS[i] * 10, THREAD_TICKS[i] * 10, WHAT[i]);
        }
        out.flush();
    }

    /** utime + stime from a stat file (fields 14 and 15, after the command's parens): the process's or a thread's. */
    private static long cpuTicks(String statFile) {
        try (FileInputStream in = new FileInputStream(statFile)) {
            String stat = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
