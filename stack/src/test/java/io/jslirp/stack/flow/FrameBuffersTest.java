package io.jslirp.stack.flow;

import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(LeakCheckExtension.class)
class FrameBuffersTest {
    private static final int CAPACITY = 4096;
    /** One arena, no thread caches: what the pool releases goes straight back to the arena, as in the launcher. */
    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true, 0, 1, 8192, 7, 0, 0, false);
    private final FrameBuffers pool = new FrameBuffers(alloc, CAPACITY, 16);

    @AfterEach
    void releaseAll() {
        pool.clear();
        assertEquals(0, alloc.metric().directArenas().get(0).numActiveAllocations(), "a buffer leaked");
    }

    /** Takes {@code n} buffers and gives them all back. */
    private List<ByteBuf> cycle(int n) {
        List<ByteBuf> taken = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            taken.add(pool.take());
        }
        for (ByteBuf b : taken) {
            pool.giveBack(b);
        }
        return taken;
    }

    @Test
    void buffersEveryPeriodTookStayAndTheIdleOnesGo() {
        cycle(8);
        // All eight were taken since the pool was made: none was idle.
        assertEquals(0, pool.trimUnused(2));
        assertEquals(8, pool.size());
        // A load that takes one buffer at a time leaves seven idle for the whole period; six go, two stay.
        cycle(1);
        cycle(1);
        assertEquals(6, pool.trimUnused(2));
        assertEquals(2, pool.size());
        assertEquals(0, pool.trimUnused(2), "never below what it keeps");
        assertEquals(2, pool.size());
    }

    @Test
    void aPeriodCountsFromTheLastTrim() {
        cycle(8);
        assertEquals(0, pool.trimUnused(0));
        // This period a burst takes six of the eight: only two were idle.
        cycle(6);
        assertEquals(2, pool.trimUnused(0));
        assertEquals(6, pool.size());
        // The next period nothing is taken: all six were idle.
        assertEquals(6, pool.trimUnused(0));
        assertEquals(0, pool.size());
        // An empty pool that had to allocate counts every buffer as taken.
        cycle(3);
        assertEquals(0, pool.trimUnused(0));
        assertEquals(3, pool.size());
    }

    @Test
    void aFullTrimAlsoStartsAPeriod() {
        cycle(8);
        assertEquals(5, pool.trim(3));
        assertEquals(3, pool.size());
        assertEquals(3, pool.trimUnused(0), "nothing was taken since the trim");
        assertEquals(0, pool.trim(3), "nothing left beyond three");
    }

    @Test
    void theBuffersKeptAreThoseAtTheLowestAddresses() {
        List<ByteBuf> taken = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            taken.add(pool.take());
        }
        assertTrue(taken.get(0).hasMemoryAddress(), "needs Netty's unsafe direct buffers");
        long[] lowest = taken.stream().mapToLong(ByteBuf::memoryAddress).sorted().limit(3).toArray();
        // Given back in an order unlike their addresses', as acknowledgments would.
        for (int i : new int[] {5, 0, 7, 2, 6, 1, 4, 3}) {
            pool.giveBack(taken.get(i));
        }
        assertEquals(5, pool.trim(3));
        List<ByteBuf> kept = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            kept.add(pool.take());
        }
        assertArrayEquals(lowest, kept.stream().mapToLong(ByteBuf::memoryAddress).sorted().toArray());
        for (ByteBuf b : kept) {
            pool.giveBack(b);
        }
    }
}
