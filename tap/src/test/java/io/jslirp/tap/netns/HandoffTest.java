package io.jslirp.tap.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class HandoffTest {
    @Test
    void theWaiterGetsAResultFromAnotherThread() throws Exception {
        Handoff<String> h = new Handoff<>();
        Thread t = new Thread(() -> h.complete("fds"));
        t.start();
        assertEquals("fds", h.get(10_000));
        t.join();
    }

    @Test
    void aFailureIsTheCauseAndOnlyTheFirstOutcomeCounts() {
        Handoff<String> h = new Handoff<>();
        IOException cause = new IOException("setns: EPERM");
        h.fail(cause);
        h.complete("too late");
        ExecutionException e = assertThrows(ExecutionException.class, () -> h.get(0));
        assertSame(cause, e.getCause());
    }

    @Test
    void aResultAfterTheDeadlineGoesToTheLateConsumer() throws Exception {
        Handoff<String> h = new Handoff<>();
        assertThrows(TimeoutException.class, () -> h.get(20));
        List<String> discarded = new ArrayList<>();
        CountDownLatch got = new CountDownLatch(1);
        h.whenLate(v -> {
            discarded.add(v);
            got.countDown();
        });
        assertTrue(discarded.isEmpty());
        new Thread(() -> h.complete("late fds")).start();
        assertTrue(got.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("late fds"), discarded);
    }

    @Test
    void aResultThatRacedTheDeadlineIsDiscardedAtOnceAndAFailureNever() {
        Handoff<String> h = new Handoff<>();
        h.complete("raced");
        List<String> discarded = new ArrayList<>();
        h.whenLate(discarded::add);
        assertEquals(List.of("raced"), discarded);

        Handoff<String> failed = new Handoff<>();
        failed.fail(new IOException("x"));
        failed.whenLate(discarded::add);
        assertEquals(List.of("raced"), discarded);
    }
}
