package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ready fd, the exit fd and signals, as podman and RootlessKit drive them. */
@Tag("e2e")
@Timeout(60)
class LifecycleIT {

    /** Ready fd gets exactly one byte, {@code 1}, then EOF (runtimes read until they see it). */
    @Test
    void readyFdGetsExactlyOneThenEof() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start()) {
            byte[] got = j.awaitReadyEof(E2e.READY);
            assertArrayEquals(new byte[] {'1'}, got, "ready fd got " + Jslirp.show(got) + j.diagnostics());
            assertTrue(j.process.isAlive(), "must keep running after ready" + j.diagnostics());
            // ready means configured: the address is there already, not some time later
            assertTrue(Guest.of(h, j).addr("tap0").contains("10.0.2.100/24"), j.diagnostics());
        }
    }

    /** Podman: {@code -r 3 -e 4}; closing the exit-fd writer ends it with 0 within 1 s. */
    @Test
    void exitFdEofEndsWithStatusZeroQuickly() throws Exception {
        exitFd(List.of("-r", "3", "-e", "4"), 3, 4);
    }

    /** Older podman: {@code -e 3 -r 4}. */
    @Test
    void exitFdAndReadyFdSwapped() throws Exception {
        exitFd(List.of("-e", "3", "-r", "4"), 4, 3);
    }

    private void exitFd(List<String> fdArgs, int ready, int exit) throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().readyFd(ready).exitFd(exit).args(fdArgs)
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest.of(h, j).ping("10.0.2.2");
            List<Procs.Stat> kids = Procs.descendantsOf(j.pid);
            long t0 = System.nanoTime();
            j.closeExitFd();
            Integer status = j.waitFor(Duration.ofSeconds(5));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertNotNull(status, "still running 5 s after the exit fd was closed" + j.diagnostics());
            assertEquals(0, status, "exit status after exit-fd EOF" + j.diagnostics());
            assertTrue(ms <= 1000, "took " + ms + " ms to exit after exit-fd EOF (limit 1000)" + j.diagnostics());
            assertNothingLeft(kids, j);
        }
    }

    /** SIGTERM: exits like slirp4netns (128+15) and leaves no helper process behind. */
    @Test
    void sigtermExits143AndLeavesNothing() throws Exception {
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest.of(h, j).ping("10.0.2.2");
            List<Procs.Stat> kids = Procs.descendantsOf(j.pid);
            j.process.destroy(); // SIGTERM
            Integer status = j.waitFor(Duration.ofSeconds(5));
            assertNotNull(status, "still running 5 s after SIGTERM" + j.diagnostics());
            assertEquals(143, status, "exit status after SIGTERM" + j.diagnostics());
            assertNothingLeft(kids, j);
            assertTrue(h.process.isAlive(), "the container process must not be harmed");
        }
    }

    /** Every process that was below jslirp is gone too (checked by PID and start time). */
    private static void assertNothingLeft(List<Procs.Stat> kidsBefore, Jslirp j) {
        long deadline = System.currentTimeMillis() + 3000;
        List<Procs.Stat> alive = kidsBefore;
        while (System.currentTimeMillis() < deadline) {
            alive = kidsBefore.stream().filter(Procs::stillAlive).toList();
            if (alive.isEmpty()) {
                break;
            }
            Procs.sleep(50);
        }
        assertTrue(alive.isEmpty(), "left behind: " + alive + j.diagnostics());
        assertTrue(Procs.descendantsOf(j.pid).isEmpty(), "children of the exited PID: " + Procs.descendantsOf(j.pid));
    }
}
