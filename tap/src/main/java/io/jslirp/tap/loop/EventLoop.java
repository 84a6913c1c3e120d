package io.jslirp.tap.loop;

import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * A single-threaded, level-triggered epoll loop; see the package documentation.
 *
 * <p>Threading: {@link #register}, {@link #modify}, {@link #unregister}, {@link #addTimerSource},
 * {@link #removeTimerSource}, {@link #setBusyPoll}, {@link #markHeavyTurn} and {@link #setAfterDispatch} must
 * be called before {@link #run()} starts or on the loop thread (from a handler, task or timer); from elsewhere
 * use {@link #execute}. {@link #execute} and {@link #stop} are safe from any thread. {@link #close()} after
 * {@code run()} has returned.
 *
 * <p>System-call failures here are rare (fd exhaustion, a closed fd passed in) and surface as
 * {@link UncheckedIOException} wrapping a {@link NativeException}, so that setup code is not forced into
 * checked-exception plumbing for them.
 */
public final class EventLoop implements AutoCloseable {
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    /** Opt-in edge triggering for a handler that always reads to EAGAIN. */
    public static final int EPOLLET = 1 << 31;

    /** Called on the loop thread with the ready events (EPOLL* bits) of {@code fd}. */
    @FunctionalInterface
    public interface FdHandler {
        void onReady(int fd, int events);
    }

    private static final int MAX_EVENTS = 256;
    private static final int EVENT_SIZE = Native.isX86_64() ? 12 : 16;
    private static final int DATA_OFFSET = Native.isX86_64() ? 4 : 8;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final LibC libc;
    private final int epfd;
    private final int wakeFd;
    /** Freed by {@link #close}, or by {@link #run} on its way out when close came while it ran. */
    private final NativeBlock events;
    private final long eventsAddress;
    /** One epoll_event for epoll_ctl, and 8 bytes for draining the eventfd; loop-thread (or pre-run) only. */
    private final NativeBlock ctl;
    private final long ctlAddress;
    private final long drainAddress;

    private FdHandler[] handlers = new FdHandler[64];
    /**
     * The turn in which each fd was last registered. Events of one turn were collected before any handler
     * ran, so an fd registered during that turn (a socket that got the number of one just closed) must not
     * receive them: they belong to the fd's previous owner.
     */
    private long[] registeredInTurn = new long[64];
    private long turn;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while an eventfd write is outstanding; lets a burst of execute() calls wake the loop once. */
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile Thread loopThread;
    private volatile boolean closed;
    /**
     * Held by a wake-up's eventfd write and by close(). Without it close() could close the eventfd between a
     * writer's check of {@link #closed} and its write, and the fd number, reused by the next open, would get
     * eight bytes meant for us.
     */
    private final Object wakeLock = new Object();

    /** Who keeps timers: the session's stack, the API server. An array, so that a turn allocates nothing. */
    private TimerSource[] timerSources = new TimerSource[0];
    private Runnable afterDispatch;
    private Runnable beforeSleep;
    /** How long to poll before sleeping; 0 never polls. See {@link #setBusyPoll}. */
    private long busyPollNanos;
    /** From the start of the last wait (poll or sleep) to the events that ended it. */
    private long lastWaitNanos = Long.MAX_VALUE;
    /** Set by a handler during a turn that moved bulk data; the next wait sleeps at once. */
    private boolean heavyTurn;

    private record TimerSource(LongSupplier nextDeadlineNanos, Runnable runDueTimers) { }

    /** Creates the epoll instance and its wake-up eventfd. */
    public EventLoop() {
        this(Native.libc());
    }

    /** With {@code libc} in place of the real one, so a test can stop a call half-way. */
    EventLoop(LibC libc) {
        this.libc = libc;
        int ep = libc.epoll_create1(Flags.EPOLL_CLOEXEC);
        if (ep < 0) {
            throw new UncheckedIOException(NativeException.last("epoll_create1"));
        }
        int ev = libc.eventfd(0, Flags.EFD_NONBLOCK | Flags.EFD_CLOEXEC);
        if (ev < 0) {
            NativeException e = NativeException.last("eventfd");
            Fds.close(ep);
            throw new UncheckedIOException(e);
        }
        epfd = ep;
        wakeFd = ev;
        events = Native.allocate(MAX_EVENTS * EVENT_SIZE);
        eventsAddress = events.address();
        ctl = Native.allocate(16 + 8);
        ctlAddress = ctl.address();
        drainAddress = ctlAddress + 16;
        try {
            ctl(Flags.EPOLL_CTL_ADD, wakeFd, EPOLLIN, "epoll_ctl(ADD) eventfd");
        } catch (NativeException e) {
            Fds.close(ep);
            Fds.close(ev);
            events.close();
            ctl.close();
            throw new UncheckedIOException(e);
        }
    }

    /** {@code what} names the operation; the fd is added to the message only when it fails (modify is hot). */
    private void ctl(int op, int fd, int ev, String what) throws NativeException {
        ctl.putInt(0, ev);
        ctl.putLong(DATA_OFFSET, fd);
        if (libc.epoll_ctl(epfd, op, fd, ctlAddress) < 0) {
            throw NativeException.last(what + " fd " + fd);
        }
    }

    private void checkThread() {
        Thread t = loopThread;
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException("call from the event-loop thread, or hand the work over with execute()");
        }
    }

    /** Starts watching {@code fd} for {@code events} (EPOLL* bits); one handler per fd. */
    public void register(int fd, int events, FdHandler h) {
        Objects.requireNonNull(h, "handler");
        checkThread();
        if (fd < 0 || fd == wakeFd) {
            throw new IllegalArgumentException("cannot register fd " + fd);
        }
        if (fd < handlers.length && handlers[fd] != null) {
            throw new IllegalStateException("fd " + fd + " is already registered");
        }
        try {
            ctl(Flags.EPOLL_CTL_ADD, fd, events, "epoll_ctl(ADD)");
        } catch (NativeException e) {
            throw new UncheckedIOException(e);
        }
        if (fd >= handlers.length) {
            int size = Math.max(fd + 1, handlers.length * 2);
            handlers = Arrays.copyOf(handlers, size);
            registeredInTurn = Arrays.copyOf(registeredInTurn, size);
        }
        handlers[fd] = h;
        registeredInTurn[fd] = turn;
    }

    /** Changes the events watched on a registered fd, e.g. adding EPOLLOUT while output is queued. */
    public void modify(int fd, int events) {
        checkThread();
        if (fd < 0 || fd >= handlers.length || handlers[fd] == null) {
            throw new IllegalStateException("fd " + fd + " is not registered");
        }
        try {
            ctl(Flags.EPOLL_CTL_MOD, fd, events, "epoll_ctl(MOD)");
        } catch (NativeException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops watching {@code fd}. Call before closing it; if it was closed first the kernel already dropped
     * it (ENOENT/EBADF are ignored). Events already collected this turn for it are not dispatched.
     */
    public void unregister(int fd) {
        checkThread();
        if (fd < 0 || fd >= handlers.length || handlers[fd] == null) {
            return;
        }
        handlers[fd] = null;
        if (libc.epoll_ctl(epfd, Flags.EPOLL_CTL_DEL, fd, ctlAddress) < 0) {
            int e = Native.errno();
            if (e != Errno.ENOENT && e != Errno.EBADF) {
                throw new UncheckedIOException(new NativeException("epoll_ctl(DEL) fd " + fd, e));
            }
        }
    }

    /**
     * Adds a keeper of timers (a timer wheel, a list of deadlines): {@code nextDeadlineNanos} returns its
     * earliest deadline in {@link System#nanoTime()} units, or {@link Long#MAX_VALUE} for none, and is asked
     * every turn, so it must be cheap; {@code runDueTimers} runs every timer of it that is due. The loop
     * waits until the earliest deadline of all sources. Both are called on the loop thread only.
     */
    public void addTimerSource(LongSupplier nextDeadlineNanos, Runnable runDueTimers) {
        checkThread();
        TimerSource added = new TimerSource(Objects.requireNonNull(nextDeadlineNanos), Objects.requireNonNull(runDueTimers));
        TimerSource[] grown = Arrays.copyOf(timerSources, timerSources.length + 1);
        grown[timerSources.length] = added;
        timerSources = grown;
    }

    /** Removes the timer source whose {@code runDueTimers} is this very object; nothing if there is none. */
    public void removeTimerSource(Runnable runDueTimers) {
        checkThread();
        // A loop, not a stream: this runs as jslirp exits, and streams would be the only ones its exit loads (40
        // classes, which the class-data archive's training run would then put in every start's archive).
        TimerSource[] kept = new TimerSource[timerSources.length];
        int n = 0;
        for (TimerSource t : timerSources) {
            if (t.runDueTimers() != runDueTimers) {
                kept[n++] = t;
            }
        }
        timerSources = Arrays.copyOf(kept, n);
    }

    /**
     * Installs {@code hook} to run on the loop thread once per turn, after the turn's ready fds, tasks and due
     * timers have all been handled, or removes it ({@code null}). This is where work that a whole batch of
     * events can share belongs: the stack coalesces ACKs and window updates while frames arrive and sends
     * them here, once.
     */
    public void setAfterDispatch(Runnable hook) {
        checkThread();
        this.afterDispatch = hook;
    }

    /**
     * Installs {@code hook} to run on the loop thread each time the loop is about to sleep: nothing is ready,
     * no task is queued, and busy polling (if on) found nothing either; or removes it ({@code null}). Work that
     * may wait until the loop has nothing better to do goes here: jslirp flushes its capture file, so that
     * the file is readable while traffic pauses without a write per frame while it flows.
     */
    public void setBeforeSleep(Runnable hook) {
        checkThread();
        this.beforeSleep = hook;
    }

    /** Runs {@code task} on the loop thread, soon; safe from any thread, wakes the loop if it is waiting. */
    public void execute(Runnable task) {
        tasks.add(Objects.requireNonNull(task));
        if (Thread.currentThread() != loopThread) {
            wake();
        }
    }

    /** Makes {@link #run()} return after the current turn; safe from any thread. */
    public void stop() {
        stopped = true;
        if (Thread.currentThread() != loopThread) {
            wake();
        }
    }

    private void wake() {
        if (wakePending.compareAndSet(false, true)) {
            synchronized (wakeLock) {
                if (!closed) {
                    // eventfd_write only fails on counter overflow, impossible with one write per pending wake-up.
                    libc.eventfd_write(wakeFd, 1);
                }
            }
        }
    }

    /**
     * Lets the loop poll its fds for up to {@code micros} before it goes to sleep (0, the default, never
     * does): while events arrive at most four such windows apart, and the last turn was not marked heavy
     * ({@link #markHeavyTurn}), a wait first calls epoll_wait with no timeout, yielding the CPU between calls,
     * and only then sleeps. Request/response traffic gains most: a thread that is awake when the answer comes
     * needs no wake-up, which on a virtual machine is the dearest part of a round trip. Sparse traffic and an
     * idle loop never poll. A handler whose turn moved data the processes at either end need the CPU for
     * marks it heavy and the next wait sleeps at once (jslirp marks bulk frames from the guest). Call before
     * {@link #run()} or on the loop thread.
     */
    public void setBusyPoll(long micros) {
        checkThread();
        if (micros < 0) {
            throw new IllegalArgumentException("busy poll must be 0 or more microseconds: " + micros);
        }
        this.busyPollNanos = micros * 1000;
    }

    /** Called by a handler whose turn moved bulk data: the loop's next wait sleeps without polling first. */
    public void markHeavyTurn() {
        heavyTurn = true;
    }

    private boolean pollBriefly() {
        return busyPollNanos > 0 && !heavyTurn && lastWaitNanos <= 4 * busyPollNanos;
    }

    /**
     * epoll_wait without a timeout until something is ready or the busy-poll window has passed, then asleep.
     * A timer due within the window ends the polling, so polling never makes a timer later than sleeping would.
     */
    private int spinThenWait(long waitStart, int timeoutMillis) {
        long window = timeoutMillis > 0 ? Math.min(busyPollNanos, timeoutMillis * 1_000_000L) : busyPollNanos;
        long end = waitStart + window;
        do {
            int n = libc.epoll_wait(epfd, eventsAddress, MAX_EVENTS, 0);
            if (n != 0) {
                return n;
            }
            // Yield rather than spin: on a busy machine the peer we wait for may need this CPU.
            Thread.yield();
        } while (System.nanoTime() - end < 0);
        runBeforeSleep();
        return libc.epoll_wait(epfd, eventsAddress, MAX_EVENTS, timeoutMillis());
    }

    /** Runs the loop on the calling thread until {@link #stop()}. */
    public void run() {
        synchronized (wakeLock) {
            if (closed) {
                throw new IllegalStateException("event loop is closed");
            }
            loopThread = Thread.currentThread();
        }
        try {
            while (!stopped) {
                int timeout = timeoutMillis();
                // The clock is read around waits only when polling can use it (nanoTime is not free per turn).
                long waitStart = busyPollNanos > 0 ? System.nanoTime() : 0;
                int n;
                if (timeout == 0) {
                    n = libc.epoll_wait(epfd, eventsAddress, MAX_EVENTS, 0);
                } else if (pollBriefly()) {
                    n = spinThenWait(waitStart, timeout);
                } else {
                    runBeforeSleep();
                    n = libc.epoll_wait(epfd, eventsAddress, MAX_EVENTS, timeout);
                }
                if (n < 0) {
                    int e = Native.errno();
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new UncheckedIOException(new NativeException("epoll_wait", e));
                }
                if (busyPollNanos > 0) {
                    lastWaitNanos = System.nanoTime() - waitStart;
                    heavyTurn = false;
                }
                turn++;
                for (int i = 0; i < n; i++) {
                    int off = i * EVENT_SIZE;
                    int ev = events.getInt(off);
                    int fd = (int) events.getLong(off + DATA_OFFSET);
                    if (fd == wakeFd) {
                        // Drain, then clear the flag. The other order loses wake-ups: a writer that saw the
                        // flag clear could have its write drained here while the flag stays set, and every
                        // later execute()/stop() would then skip writing. In this order a writer that found
                        // the flag still set has queued work that runTasks below, or the stopped check, sees.
                        libc.eventfd_read(wakeFd, drainAddress);
                        wakePending.set(false);
                        continue;
                    }
                    FdHandler h = fd < handlers.length ? handlers[fd] : null;
                    if (h == null || registeredInTurn[fd] == turn) {
                        continue; // unregistered by an earlier handler in this turn, or the number was reused since
                    }
                    try {
                        h.onReady(fd, ev);
                    } catch (Exception e) {
                        report("handler for fd " + fd, e);
                    }
                }
                runTasks();
                runTimersIfDue();
                runAfterDispatch();
            }
        } finally {
            synchronized (wakeLock) {
                loopThread = null;
                if (closed) {
                    freeBlocks();
                }
            }
        }
    }

    private int timeoutMillis() {
        if (!tasks.isEmpty() || stopped) {
            return 0;
        }
        long deadline = NO_DEADLINE;
        for (TimerSource t : timerSources) {
            long next = t.nextDeadlineNanos().getAsLong();
            if (next != NO_DEADLINE && (deadline == NO_DEADLINE || next - deadline < 0)) {
                deadline = next;
            }
        }
        if (deadline == NO_DEADLINE) {
            return -1;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return 0;
        }
        // Round up: waking before the deadline would find nothing due and cost another turn.
        long ms = (remaining + 999_999) / 1_000_000;
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    private void runTasks() {
        // Bounded by the queue's length at entry, so a task that re-queues itself cannot starve the fds.
        for (int budget = tasks.size(); budget > 0; budget--) {
            Runnable t = tasks.poll();
            if (t == null) {
                return;
            }
            try {
                t.run();
            } catch (Exception e) {
                report("task", e);
            }
        }
    }

    private void runTimersIfDue() {
        // The array as it was when the turn's timers began: a timer that adds or removes a source changes
        // the field, not this loop.
        for (TimerSource t : timerSources) {
            long deadline = t.nextDeadlineNanos().getAsLong();
            if (deadline != NO_DEADLINE && deadline - System.nanoTime() <= 0) {
                try {
                    t.runDueTimers().run();
                } catch (Exception e) {
                    report("timer", e);
                }
            }
        }
    }

    private void runAfterDispatch() {
        Runnable hook = afterDispatch;
        if (hook != null) {
            try {
                hook.run();
            } catch (Exception e) {
                report("after-dispatch hook", e);
            }
        }
    }

    private void runBeforeSleep() {
        Runnable hook = beforeSleep;
        if (hook != null) {
            try {
                hook.run();
            } catch (Exception e) {
                report("before-sleep hook", e);
            }
        }
    }

    private static void report(String what, Exception e) {
        System.err.println("jslirp: event loop: " + what + " failed: " + e);
        e.printStackTrace();
    }

    private void freeBlocks() {
        events.close();
        ctl.close();
    }

    /** Releases the epoll fd and the eventfd. Registered fds belong to their owners and stay open. */
    @Override
    public void close() {
        synchronized (wakeLock) {
            if (!closed) {
                closed = true;
                stopped = true;
                Fds.close(epfd);
                Fds.close(wakeFd);
                // A close that breaks the contract and comes while run() waits must not free the memory the
                // kernel is about to write the events into: run() frees it on its way out then.
                if (loopThread == null) {
                    freeBlocks();
                }
            }
        }
    }
}
