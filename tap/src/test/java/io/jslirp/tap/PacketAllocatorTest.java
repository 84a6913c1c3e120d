package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a burst leaves in the packet pools once every buffer is back: the chunks of the large pool go, because
 * the small buffers that would pin them (one empty run kept per size class) live in the small pool. A single pool
 * as the launcher sizes it (1 MiB chunks) under the same burst is the control: it keeps chunks for those runs.
 */
@ExtendWith(LeakCheckExtension.class)
class PacketAllocatorTest {
    /** The launcher's large pool: one direct arena, 8 KiB pages, maxOrder 7 (1 MiB chunks), no thread caches. */
    private static PooledByteBufAllocator launcherPool() {
        return new PooledByteBufAllocator(true, 0, 1, 8192, 7, 0, 0, false);
    }

    private static PacketAllocator packetAllocator() {
        return new PacketAllocator(launcherPool(), 8192, PacketAllocator.smallPool());
    }

    /**
     * A bulk download's frames (64 KiB each, 8 MiB of them) with control frames and right-sized copies of every
     * small size among them, taken while the chunks fill up, then all released: what a bulk transfer followed by
     * short connections does to the pool.
     */
    private static void burst(ByteBufAllocator alloc) {
        List<ByteBuf> held = new ArrayList<>();
        int[] smallSizes = {54, 66, 78, 90, 100, 200, 300, 400, 500, 700, 900, 1200, 1460, 1700, 2100, 2900, 3500,
            4500, 5000, 9000, 14000, 20000};
        for (int i = 0; i < 128; i++) {
            held.add(alloc.directBuffer(65536, 65536));
            int size = smallSizes[i % smallSizes.length];
            held.add(alloc.directBuffer(size, size));
        }
        for (ByteBuf b : held) {
            b.release();
        }
    }

    @Test
    void aBurstLeavesNoChunkOfTheLargePoolPinned() {
        PacketAllocator alloc = packetAllocator();
        burst(alloc);
        long[] chunks = alloc.chunks();
        // A chunk that never got past a quarter full stays in Netty's first list, empty or not: at most one here.
        assertTrue(chunks[0] <= 1, "large pool chunks left: " + chunks[0]);
        // The small pool keeps a run per size class used, in its 64 KiB chunks (8 of them here): all together
        // less than the one 1 MiB chunk a single such run pins in the control.
        long smallChunk = (long) PacketAllocator.SMALL_PAGE_SIZE << PacketAllocator.SMALL_MAX_ORDER;
        assertTrue(chunks[1] * smallChunk < 1 << 20, "small pool chunks left: " + chunks[1]);
    }

    @Test
    void theSameBurstPinsChunksOfASinglePool() {
        PooledByteBufAllocator single = launcherPool();
        burst(single);
        long chunks = 0;
        for (var list : single.metric().directArenas().get(0).chunkLists()) {
            for (var ignored : list) {
                chunks++;
            }
        }
        // 3 of the 1 MiB chunks the burst took stay for their empty runs.
        assertTrue(chunks >= 3, "a single pool kept only " + chunks + " chunks: the control no longer shows pinning");
    }

    @Test
    void smallRequestsComeFromTheSmallPoolAndLargeOnesFromTheLarge() {
        PooledByteBufAllocator large = launcherPool();
        PooledByteBufAllocator small = PacketAllocator.smallPool();
        PacketAllocator alloc = new PacketAllocator(large, 8192, small);
        // 28 KiB is the large pool's largest subpage size (8 KiB pages); from 32 KiB on a request is a run of pages.
        ByteBuf a = alloc.directBuffer(28 * 1024, 28 * 1024);
        ByteBuf b = null;
        ByteBuf c = null;
        try {
            assertEquals(0, large.metric().usedDirectMemory());
            assertTrue(small.metric().usedDirectMemory() > 0);
            b = alloc.directBuffer(32 * 1024, 32 * 1024);
            assertTrue(large.metric().usedDirectMemory() > 0);
            assertEquals(large.metric().usedDirectMemory() + small.metric().usedDirectMemory(),
                    alloc.usedDirectMemory());
            assertTrue(a.isDirect() && b.isDirect());
            assertEquals(28 * 1024, a.capacity());
            assertEquals(32 * 1024, b.capacity());
            // buffer() is a direct buffer too: the stack asks for it where it has no preference.
            c = alloc.buffer(100);
            assertTrue(c.isDirect());
        } finally {
            a.release();
            if (b != null) {
                b.release();
            }
            if (c != null) {
                c.release();
            }
        }
    }
}
