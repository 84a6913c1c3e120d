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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    private EventLoop loop;
    private LoopThread running;
    private final int[] pipe = new int[2];
    private final io.jslirp.tap.sys.NativeBlock byteBuf = Native.allocate(16);

    @BeforeEach
    void setUp() {
        loop = new EventLoop();
        assertEquals(0, Native.libc().pipe2(pipe, Flags.O_CLOEXEC | Flags.O_NONBLOCK));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            if (running != null) {
                running.close();
            } else {
                loop.close();
            }
        } finally {
            byteBuf.close();
            Fds.close(pipe[0]);
            Fds.close(pipe[1]);
        }
    }

    private void start() {
        running = LoopThread.start(loop);
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
        loop.addTimerSource(() -> timers.isEmpty() ? Long.MAX_VALUE : timers.firstKey(), () -> {
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
    void eachTimerSourceRunsAtItsOwnDeadlineAndARemovedOneNever() throws Exception {
        long t0 = System.nanoTime();
        // Far apart: on a loaded machine the loop thread may start, or wake, tens of milliseconds late, and
        // when both are already due the loop runs them in the order they were added (late first), which is
        // not what this test is about.
        long[] early = {t0 + TimeUnit.MILLISECONDS.toNanos(30)};
        long[] late = {t0 + TimeUnit.MILLISECONDS.toNanos(600)};
        long[] removedDeadline = {t0 + TimeUnit.MILLISECONDS.toNanos(10)};
        List<String> fired = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Long> lateness = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        Runnable removed = () -> fired.add("removed");
        // Each source only reports its own deadline, so the loop's wait must end at the earlier of the two
        // and run only the source that is due.
        loop.addTimerSource(() -> late[0], () -> {
            lateness.add(System.nanoTime() - late[0]);
            late[0] = Long.MAX_VALUE;
            fired.add("late");
            done.countDown();
        });
        loop.addTimerSource(() -> removedDeadline[0], removed);
        loop.addTimerSource(() -> early[0], () -> {
            lateness.add(System.nanoTime() - early[0]);
            early[0] = Long.MAX_VALUE;
            fired.add("early");
        });
        loop.removeTimerSource(removed);
        start();
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("early", "late"), fired);
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
        assertSame(running.thread(), ranOn.get());
    }

    @Test
    void stopEndsRun() throws Exception {
        start();
        Thread.sleep(50);
        running.stop();
        assertNull(running.escaped());
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
        assertTrue(running.thread().isAlive());
        assertNull(running.escaped());
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
        running.thread().join(5000);
        assertFalse(running.thread().isAlive());
        Throwable escaped = running.takeEscaped(); // the failure wanted here; tearDown fails on any other
        assertTrue(escaped instanceof Fatal, String.valueOf(escaped));
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
    @Test
    void afterDispatchRunsOncePerTurnAfterHandlersTasksAndTimers() throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch after = new CountDownLatch(1);
        long[] deadline = {System.nanoTime()};
        loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> {
            readAll(fd);
            seen.add("fd");
        });
        loop.addTimerSource(() -> deadline[0], () -> {
            deadline[0] = Long.MAX_VALUE;
            seen.add("timer");
        });
        loop.execute(() -> seen.add("task"));
        loop.setAfterDispatch(() -> {
            seen.add("after");
            after.countDown();
        });
        writeByte(); // ready before the first turn, so one turn has an fd, a task and a timer
        start();
        assertTrue(after.await(5, TimeUnit.SECONDS));
        CountDownLatch later = new CountDownLatch(1);
        loop.execute(later::countDown);
        assertTrue(later.await(5, TimeUnit.SECONDS));
        synchronized (seen) {
            assertEquals(List.of("fd", "task", "timer", "after"), seen.subList(0, 4), seen.toString());
            assertEquals(1, seen.subList(0, 4).stream().filter("after"::equals).count());
        }
        // A later turn with only a task runs the hook again, after the task.
        CountDownLatch second = new CountDownLatch(1);
        loop.execute(() -> {
            seen.add("task2");
            loop.setAfterDispatch(() -> {
                seen.add("after2");
                second.countDown();
            });
        });
        assertTrue(second.await(5, TimeUnit.SECONDS));
        synchronized (seen) {
            assertTrue(seen.indexOf("task2") < seen.indexOf("after2"), seen.toString());
        }
    }

    @Test
    void aThrowingAfterDispatchHookDoesNotKillTheLoop() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch twice = new CountDownLatch(2);
        loop.setAfterDispatch(() -> {
            calls.incrementAndGet();
            twice.countDown();
            throw new IllegalStateException("deliberate, from a test");
        });
        start();
        loop.execute(() -> { });
        Thread.sleep(20);
        loop.execute(() -> { });
        assertTrue(twice.await(5, TimeUnit.SECONDS));
        assertTrue(running.thread().isAlive());
        assertNull(running.escaped());
        assertThrows(IllegalStateException.class, () -> loop.setAfterDispatch(null), "loop thread only once running");
    }

    /**
     * Two fds ready in one turn; the first handler closes the other and gives its number to a new, idle fd.
     * The event collected for the old file must not reach the new one's handler.
     */
    @Test
    void anFdReusedWithinATurnDoesNotGetTheOldFilesEvents() throws Exception {
        int[] other = new int[2];
        assertEquals(0, Native.libc().pipe2(other, Flags.O_CLOEXEC | Flags.O_NONBLOCK));
        int[] idle = new int[2];
        assertEquals(0, Native.libc().pipe2(idle, Flags.O_CLOEXEC | Flags.O_NONBLOCK));
        AtomicInteger wrongDelivery = new AtomicInteger();
        AtomicInteger reused = new AtomicInteger(-1);
        CountDownLatch swapped = new CountDownLatch(1);
        int[] readEnds = {pipe[0], other[0]};
        EventLoop.FdHandler[] swapper = new EventLoop.FdHandler[1];
        swapper[0] = (fd, ev) -> {
            if (swapped.getCount() == 0) {
                readAll(fd);
                return;
            }
            int victim = fd == readEnds[0] ? readEnds[1] : readEnds[0];
            loop.unregister(victim);
            Native.libc().close(victim);
            // F_DUPFD takes the lowest free number at or above victim: victim itself, just freed.
            int dup = Native.libc().fcntl(idle[0], 0 /* F_DUPFD */, victim);
            reused.set(dup);
            loop.register(dup, EventLoop.EPOLLIN, (f, e) -> wrongDelivery.incrementAndGet());
            readAll(fd);
            swapped.countDown();
        };
        loop.register(pipe[0], EventLoop.EPOLLIN, swapper[0]);
        loop.register(other[0], EventLoop.EPOLLIN, swapper[0]);
        writeByte();
        assertEquals(1, Native.libc().write(other[1], byteBuf.address(), 1));
        start();
        assertTrue(swapped.await(5, TimeUnit.SECONDS));
        Thread.sleep(100);
        int dup = reused.get();
        CountDownLatch cleaned = new CountDownLatch(1);
        loop.execute(() -> {
            loop.unregister(dup);
            cleaned.countDown();
        });
        assertTrue(cleaned.await(5, TimeUnit.SECONDS));
        int victim = dup == pipe[0] ? pipe[0] : other[0];
        assertEquals(victim, dup, "the test needs the number reused");
        assertEquals(0, wrongDelivery.get(), "the closed pipe's readiness reached the fd that took its number");
        // pipe[0] or other[0] was closed by the handler and its number now holds the dup; close each number once.
        Fds.close(dup == pipe[0] ? other[0] : pipe[0]);
        Fds.close(dup);
        pipe[0] = -1;
        Fds.close(other[1]);
        Fds.close(idle[0]);
        Fds.close(idle[1]);
    }

    @Test
    void busyPollPollsWhileEventsKeepComingButNotAfterAHeavyTurnOrALongIdle() throws Exception {
        // Every epoll_wait's timeout, and every event handled, in order.
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        recordWaitsIn(seen);
        loop.setBusyPoll(200_000); // 200 ms, so that the test's own timing cannot miss the window
        AtomicInteger events = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(1);
        loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> {
            readAll(fd);
            int n = events.incrementAndGet();
            seen.add("event " + n);
            if (n == 2) {
                loop.markHeavyTurn();
            } else if (n == 3) {
                third.countDown();
            }
        });
        writeByte(); // event 1 is there before the first wait, which has no history: it sleeps (-1)
        start();
        awaitEvents(events, 1);
        Thread.sleep(20); // event 2 comes 20 ms later: the loop is polling for it (0)
        writeByte();
        awaitEvents(events, 2);
        Thread.sleep(1000); // event 2's turn was heavy: the loop sleeps at once, and 1 s is a long idle
        writeByte();
        assertTrue(third.await(5, TimeUnit.SECONDS));
        // The wait after event 3 is recorded when the loop enters it: wait (bounded) until it has.
        List<String> order = collapsed(seen);
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); order.size() < 7 && System.nanoTime() < end;) {
            Thread.sleep(1);
            order = collapsed(seen);
        }
        assertEquals(List.of("wait -1", "event 1", "wait 0", "event 2", "wait -1", "event 3", "wait -1"),
                order.subList(0, Math.min(7, order.size())), order.toString());
    }

    /** Replaces the loop with one whose every epoll_wait adds "wait TIMEOUT" to {@code seen} as it starts. */
    private void recordWaitsIn(List<String> seen) {
        io.jslirp.tap.sys.LibC real = Native.libc();
        io.jslirp.tap.sys.LibC recording = (io.jslirp.tap.sys.LibC) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.jslirp.tap.sys.LibC.class}, (proxy, method, args) -> {
                    if (method.getName().equals("epoll_wait")) {
                        seen.add("wait " + args[3]);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        loop.close();
        loop = new EventLoop(recording);
    }

    @Test
    void beforeSleepRunsBeforeEveryWaitThatMayBlockAndNeverWhilePolling() throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        recordWaitsIn(seen);
        loop.setBusyPoll(200_000);
        loop.setBeforeSleep(() -> seen.add("hook"));
        AtomicInteger events = new AtomicInteger();
        loop.register(pipe[0], EventLoop.EPOLLIN, (fd, ev) -> {
            readAll(fd);
            int n = events.incrementAndGet();
            seen.add("event " + n);
            if (n == 2) {
                loop.markHeavyTurn();
            }
        });
        writeByte();
        start();
        awaitEvents(events, 1);
        Thread.sleep(20); // the loop polls (wait 0) for event 2: no hook in between
        writeByte();
        awaitEvents(events, 2);
        List<String> order = collapsed(seen);
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); order.size() < 7 && System.nanoTime() < end;) {
            Thread.sleep(1);
            order = collapsed(seen);
        }
        // The first wait sleeps (no history), the heavy turn's next one too: each right after the hook.
        assertEquals(List.of("hook", "wait -1", "event 1", "wait 0", "event 2", "hook", "wait -1"),
                order.subList(0, Math.min(7, order.size())), order.toString());
        // A wait with a task queued does not block, so it runs no hook.
        seen.clear();
        CountDownLatch ran = new CountDownLatch(2);
        loop.execute(() -> loop.execute(ran::countDown));
        loop.execute(ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        order = collapsed(seen);
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); !order.contains("wait -1") && System.nanoTime() < end;) {
            Thread.sleep(1);
            order = collapsed(seen);
        }
        assertEquals(List.of("wait 0", "hook", "wait -1"), order.subList(Math.max(0, order.size() - 3), order.size()),
                order.toString());
    }

    /** {@code seen} with runs of one entry made one: a poll is many "wait 0" in a row. */
    private static List<String> collapsed(List<String> seen) {
        List<String> order = new ArrayList<>();
        synchronized (seen) {
            for (String s : seen) {
                if (order.isEmpty() || !order.get(order.size() - 1).equals(s)) {
                    order.add(s);
                }
            }
        }
        return order;
    }

    private static void awaitEvents(AtomicInteger events, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (events.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(n, events.get());
    }

    @Test
    void closeWaitsForAWakeUpWriteInProgressSoItsBytesCannotReachAReusedFdNumber() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch finishWrite = new CountDownLatch(1);
        io.jslirp.tap.sys.LibC real = Native.libc();
        // The real libc, except that the wake-up's eventfd write stops half-way until the test lets it go on.
        io.jslirp.tap.sys.LibC paused = (io.jslirp.tap.sys.LibC) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.jslirp.tap.sys.LibC.class}, (proxy, method, args) -> {
                    if (method.getName().equals("eventfd_write")) {
                        writing.countDown();
                        finishWrite.await(10, TimeUnit.SECONDS);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        EventLoop other = new EventLoop(paused);
        Thread waker = new Thread(() -> other.execute(() -> { }), "waker");
        waker.start();
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        Thread closer = new Thread(other::close, "closer");
        closer.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (closer.getState() != Thread.State.BLOCKED && closer.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(Thread.State.BLOCKED, closer.getState(), "close() must wait for the write in progress");
        } finally {
            finishWrite.countDown();
            waker.join(5000);
            closer.join(5000);
        }
        assertFalse(closer.isAlive());
        assertThrows(IllegalStateException.class, other::run);
    }
}
