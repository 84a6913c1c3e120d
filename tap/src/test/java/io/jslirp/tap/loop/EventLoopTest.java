package io.jslirp.tap.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    private EventLoop loop;
    private Thread thread;
    private final AtomicReference<Throwable> escaped = new AtomicReference<>();
    private final int[] pipe = new int[2];
    private final Pointer byteBuf = Memory.allocateDirect(Native.runtime(), 16, true);

    @BeforeEach
    void setUp() {
        loop = new EventLoop();
        assertEquals(0, Native.libc().pipe2(pipe, Flags.O_CLOEXEC | Flags.O_NONBLOCK));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        loop.stop();
        if (thread != null) {
            thread.join(5000);
            assertFalse(thread.isAlive(), "loop thread did not end");
        }
        loop.close();
        Fds.close(pipe[0]);
        Fds.close(pipe[1]);
    }

    private void start() {
        thread = new Thread(() -> {
            try {
                loop.run();
            } catch (Throwable t) {
                escaped.set(t);
            }
        }, "test-loop");
        thread.setDaemon(true);
        thread.start();
    }

    private void writeByte() {
        assertEquals(1, Native.libc().write(pipe[1], byteBuf.address(), 1));
    }

    private long readAll(int fd) {
        long total = 0;
        long n;
        while ((n = Native.libc().read(fd, byteBuf.address(), 16)) > 0) {
            total += n;
        }
        return total;
    }

    @Test
    void pipeReadinessReachesItsHandler() throws Exception {
        CountDownLatch got = new CountDownLatch(3);
        AtomicInteger seenEvents = new AtomicInteger();
        loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> {
            assertEquals(pipe[0], fd);
            seenEvents.set(ev);
            readAll(fd);
            got.countDown();
        });
        start();
        for (int i = 0; i < 3; i++) {
            writeByte();
            Thread.sleep(20); // separate turns, so each write is its own readiness
        }
        assertTrue(got.await(5, TimeUnit.SECONDS));
        assertEquals(EventLoop.EPOLLIN, seenEvents.get());
    }

    @Test
    void modifyAndUnregisterChangeWhatIsDispatched() throws Exception {
        CountDownLatch writable = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        loop.register(pipe[1], EventLoop.EPOLLOUT, (fd, ev) -> {
            calls.incrementAndGet();
            assertTrue((ev & EventLoop.EPOLLOUT) != 0);
            loop.modify(fd, 0); // level-triggered EPOLLOUT would otherwise fire every turn
            writable.countDown();
        });
        start();
        assertTrue(writable.await(5, TimeUnit.SECONDS));
        CountDownLatch unregistered = new CountDownLatch(1);
        loop.execute(() -> {
            loop.unregister(pipe[1]);
            loop.register(pipe[1], EventLoop.EPOLLOUT, (fd, ev) -> unregistered.countDown());
        });
        assertTrue(unregistered.await(5, TimeUnit.SECONDS), "re-registration after unregister works");
        assertEquals(1, calls.get(), "old handler not called after modify(0)/unregister");
        assertThrows(IllegalStateException.class, () -> loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> { }),
                "registering from a foreign thread while running must fail fast");
    }

    @Test
    void timersFireInDeadlineOrderAndNotEarly() throws Exception {
        TreeMap<Long, String> timers = new TreeMap<>();
        List<String> fired = new ArrayList<>();
        List<Long> lateness = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        long t0 = System.nanoTime();
        timers.put(t0 + TimeUnit.MILLISECONDS.toNanos(60), "c");
        timers.put(t0 + TimeUnit.MILLISECONDS.toNanos(20), "a");
        timers.put(t0 + TimeUnit.MILLISECONDS.toNanos(40), "b");
        loop.setTimerSource(() -> timers.isEmpty() ? Long.MAX_VALUE : timers.firstKey(), () -> {
            long now = System.nanoTime();
            while (!timers.isEmpty() && timers.firstKey() - now <= 0) {
                var e = timers.pollFirstEntry();
                fired.add(e.getValue());
                lateness.add(now - e.getKey());
            }
            if (timers.isEmpty()) {
                done.countDown();
            }
        });
        start();
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("a", "b", "c"), fired);
        lateness.forEach(l -> assertTrue(l >= 0, "fired early by " + (-l) + " ns"));
    }

    @Test
    void executeFromAnotherThreadWakesAnIdleLoop() throws Exception {
        start();
        Thread.sleep(50); // let it block in epoll_wait with no timeout
        CountDownLatch ran = new CountDownLatch(100);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        for (int i = 0; i < 100; i++) {
            loop.execute(() -> {
                ranOn.set(Thread.currentThread());
                ran.countDown();
            });
        }
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertSame(thread, ranOn.get());
    }

    @Test
    void stopEndsRun() throws Exception {
        start();
        Thread.sleep(50);
        loop.stop();
        thread.join(5000);
        assertFalse(thread.isAlive());
        assertNull(escaped.get());
    }

    @Test
    void aThrowingHandlerDoesNotKillTheLoop() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch recovered = new CountDownLatch(1);
        loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("deliberate, from a test");
            }
            readAll(fd);
            recovered.countDown();
        });
        loop.execute(() -> {
            throw new RuntimeException("deliberate task failure, from a test");
        });
        start();
        writeByte();
        assertTrue(recovered.await(5, TimeUnit.SECONDS), "level-triggered: called again after throwing");
        assertTrue(thread.isAlive());
        assertNull(escaped.get());
    }

    @Test
    void anErrorPropagatesOutOfRun() throws Exception {
        class Fatal extends Error {
            Fatal() {
                super("deliberate, from a test");
            }
        }
        loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> {
            throw new Fatal();
        });
        start();
        writeByte();
        thread.join(5000);
        assertFalse(thread.isAlive());
        assertTrue(escaped.get() instanceof Fatal, String.valueOf(escaped.get()));
    }

    /** Regression: a wake-up drained while its flag stayed set made every later execute()/stop() silent. */
    @Test
    void noWakeUpIsLostUnderConcurrentExecute() throws Exception {
        start();
        for (int round = 0; round < 200; round++) {
            CountDownLatch ran = new CountDownLatch(2 * 50);
            Runnable producer = () -> {
                for (int i = 0; i < 50; i++) {
                    loop.execute(ran::countDown);
                }
            };
            Thread a = new Thread(producer);
            Thread b = new Thread(producer);
            a.start();
            b.start();
            a.join(5000);
            b.join(5000);
            assertTrue(ran.await(5, TimeUnit.SECONDS), "round " + round + ": tasks stranded in the queue");
            // The loop is idle again now; a single later execute must still wake it.
            CountDownLatch late = new CountDownLatch(1);
            loop.execute(late::countDown);
            assertTrue(late.await(5, TimeUnit.SECONDS), "round " + round + ": wake-up lost");
        }
    }
}
