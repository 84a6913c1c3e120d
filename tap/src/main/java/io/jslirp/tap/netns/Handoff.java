package io.jslirp.tap.netns;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One result handed from a worker thread to a thread that waits for it with a deadline; a result that arrives
 * after the waiter gave up goes to {@link #whenLate}'s consumer instead, so that the fds in it do not leak.
 *
 * <p>Why not {@code CompletableFuture}, which did this before: its first use at every start loaded it and
 * ForkJoinPool's common pool with their helpers, some 20 classes (each one resident in the class-data archive
 * of every jslirp) for one hand-over.
 */
final class Handoff<T> {
    private boolean done;
    private T value;
    private Throwable failure;
    private Consumer<? super T> late;

    /** The worker's result; the first of {@link #complete} and {@link #fail} counts. */
    void complete(T result) {
        Consumer<? super T> after;
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
            value = result;
            after = late;
            notifyAll();
        }
        if (after != null) {
            after.accept(result);
        }
    }

    /** The worker's failure, which {@link #get} throws as the cause of an ExecutionException. */
    synchronized void fail(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        failure = cause;
        notifyAll();
    }

    /** Waits up to {@code timeoutMs} for the result. */
    synchronized T get(long timeoutMs) throws InterruptedException, TimeoutException, ExecutionException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException();
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (failure != null) {
            throw new ExecutionException(failure);
        }
        return value;
    }

    /**
     * After the waiter gave up: {@code consumer} takes the result when it arrives, or at once if it already
     * has; a failure is dropped (it holds nothing to release).
     */
    void whenLate(Consumer<? super T> consumer) {
        T now;
        synchronized (this) {
            if (!done) {
                late = consumer;
                return;
            }
            if (failure != null) {
                return;
            }
            now = value;
        }
        consumer.accept(now);
    }
}
