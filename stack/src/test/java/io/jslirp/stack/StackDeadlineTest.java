package io.jslirp.stack;

import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Stack#nextDeadlineNanos()} over a clock reading that wraps: deadlines are compared by difference, as
 * {@code System.nanoTime} asks, so one just past the wrap (negative) is later, not earlier.
 */
@ExtendWith(LeakCheckExtension.class)
class StackDeadlineTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void earlierComparesByDifferenceAndTreatsMaxValueAsNone() {
        assertEquals(Long.MAX_VALUE - 5, Clock.earlier(Long.MAX_VALUE - 5, Long.MIN_VALUE + 5));
        assertEquals(Long.MAX_VALUE - 5, Clock.earlier(Long.MIN_VALUE + 5, Long.MAX_VALUE - 5));
        assertEquals(-3, Clock.earlier(Long.MAX_VALUE, -3));
        assertEquals(-3, Clock.earlier(-3, Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, Clock.earlier(Long.MAX_VALUE, Long.MAX_VALUE));
        assertEquals(1, Clock.earlier(1, 2));
    }

    @Test
    void aDeadlinePastTheWrapDoesNotHideOneBeforeIt() {
        long start = Long.MAX_VALUE - 10 * SECOND;
        FakeClock clock = new FakeClock(start);
        CapturingSink sink = new CapturingSink();
        Stack stack = new Stack(Frames.NET.withIpv6(Ipv6Config.defaults(1500)), clock, sink,
                PooledByteBufAllocator.DEFAULT);
        try {
            // The first router advertisement is due at once; a first fragment's reassembly timer runs out 30 s
            // later, past the wrap.
            stack.receiveFrame(Frames.buf(Frames.fragmentFrame(7, 0, true, new byte[8])));
            assertEquals(start, stack.nextDeadlineNanos(), "the advertisement, not the wrapped reassembly timer");
            stack.runTimers();
            assertEquals(1, sink.take().size(), "the advertisement went");
            assertEquals(start + 30 * SECOND, stack.nextDeadlineNanos(), "now the reassembly timer, past the wrap");
        } finally {
            stack.close();
        }
    }
}
