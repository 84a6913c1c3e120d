package io.jslirp.tap.loop;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * An {@link EventLoop} running on its own daemon thread, driven from the test thread: the loop owns its state,
 * so tests hand work to it with {@link #call} and {@link #run} instead of touching it directly. {@link #close}
 * fails the test if the thread does not end or if anything escaped {@link EventLoop#run()}, so a handler that
 * throws on the loop cannot go unnoticed.
 */
public final class LoopThread implements AutoCloseable {
    /** How long {@link #call} waits for the work and {@link #stop} for the thread, in seconds. */
    public static final long WAIT = 5;

    private final EventLoop loop;
    private final Thread thread;
    private final AtomicReference<Throwable> escaped = new AtomicReference<>();

    private LoopThread(EventLoop loop, String name, BooleanSupplier enter) {
        this.loop = loop;
        this.thread = new Thread(() -> {
            try {
                if (enter.getAsBoolean()) {
                    loop.run();
                }
            } catch (Throwable t) {
                escaped.set(t);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** A new loop, running. */
    public static LoopThread start() {
        return start(new EventLoop());
    }

    /** Runs {@code loop}, which the caller may have prepared (registered fds) while no thread owned it. */
    public static LoopThread start(EventLoop loop) {
        return start(loop, "test-loop", () -> true);
    }

    /**
     * Runs {@code loop} on a thread called {@code name} that first runs {@code enter} (to move into a namespace,
     * say) and only runs the loop if it returns true.
     */
    public static LoopThread start(EventLoop loop, String name, BooleanSupplier enter) {
        return new LoopThread(loop, name, enter);
    }

    public EventLoop loop() {
        return loop;
    }

    public Thread thread() {
        return thread;
    }

    /** What ended the loop thread by escaping {@link EventLoop#run()}, or null. */
    public Throwable escaped() {
        return escaped.get();
    }

    /** Like {@link #escaped()}, and forgets it: for a test that makes the loop fail on purpose. */
    public Throwable takeEscaped() {
        return escaped.getAndSet(null);
    }

    /** Runs {@code work} on the loop thread and returns its result, or rethrows what it threw. */
    public <T> T call(Callable<T> work) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(work.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(WAIT, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Runs {@code work} on the loop thread and waits for it, like {@link #call}. */
    public void run(Runnable work) throws Exception {
        call(() -> {
            work.run();
            return null;
        });
    }

    /** Stops the loop and waits for its thread to end; the loop stays open, so its owners can still close fds. */
    public void stop() throws InterruptedException {
        loop.stop();
        thread.join(TimeUnit.SECONDS.toMillis(WAIT));
        assertFalse(thread.isAlive(), "loop thread did not end");
    }

    /** Stops the loop, closes it, and fails if anything escaped its thread. */
    @Override
    public void close() throws InterruptedException {
        stop();
        loop.close();
        Throwable t = escaped.get();
        if (t != null) {
            throw new AssertionError("the loop thread ended with " + t, t);
        }
    }
}
