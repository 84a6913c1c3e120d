package io.jslirp.tap;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The session's packet memory: two Netty pools, one for small buffers and one for the rest, behind one
 * allocator, so that memory a burst took comes back when the burst is over.
 *
 * <h2>Theory of operation</h2>
 * Netty's pool frees a chunk once nothing in it is allocated, except that it keeps the last, empty, run
 * ("subpage") of each small size class wherever it lies, and that run keeps its whole chunk. Frames toward the
 * guest without payload (ACKs, SYN-ACKs), short reads copied to their size and the guest's short segments kept
 * for the host come in every small size from 64 bytes to 5 KiB: after a bulk download each way and 100,000
 * short connections the launcher's pool held 5 chunks of 1 MiB for 26 empty runs and nothing else of note
 * (measured with Netty's own arena dump), 4 MiB of the RSS that stayed after the burst against 1 at idle.
 *
 * <p>So buffers that would be subpages in the large pool (under four of its pages: 32 KiB with Netty's 8 KiB
 * default) come from a small pool of 64 KiB chunks and 4 KiB pages: the runs it keeps pin 64 KiB chunks,
 * not 1 MiB ones. The large pool then has no subpages at all, and frees every chunk that empties: a bulk
 * transfer's frame buffers (64 KiB with offload) and the TAP's read buffers live there. The small pool's 64 KiB
 * chunks come from malloc's heap rather than mmap, so what they free goes back to the system with glibc's
 * other free memory (the launcher's {@code TrimNativeHeapInterval}, and {@code BufferTrim}).
 *
 * <p>Which pool a buffer comes from is decided once, by the capacity it is asked for; a buffer that grows stays
 * in its pool, where a size past its chunks is allocated on its own and freed with the buffer. Both pools have
 * one arena and no thread caches (one loop thread allocates), take chunks from the same direct-memory limit
 * (Netty counts both), and wrap buffers for leak detection once, in the pool that makes them.
 */
public final class PacketAllocator extends AbstractByteBufAllocator {
    /** Pages of the small pool: Netty's smallest; its subpages then run 4-28 KiB rather than 8-56. */
    static final int SMALL_PAGE_SIZE = 4096;
    /** 64 KiB chunks in the small pool ({@code SMALL_PAGE_SIZE << SMALL_MAX_ORDER}). */
    static final int SMALL_MAX_ORDER = 4;

    /** The one every session of this JVM uses, over Netty's default pool (which the launcher sizes). */
    public static final PacketAllocator DEFAULT = new PacketAllocator(PooledByteBufAllocator.DEFAULT,
            new PooledByteBufAllocator(true, 0, 1, SMALL_PAGE_SIZE, SMALL_MAX_ORDER, 0, 0, false));

    private final PooledByteBufAllocator large;
    private final PooledByteBufAllocator small;
    /** Requests below this many bytes would be subpages in {@link #large}: they go to {@link #small}. */
    private final int smallBelow;

    /**
     * @param large where buffers of four of its pages or more come from
     * @param small where smaller ones come from
     */
    PacketAllocator(PooledByteBufAllocator large, PooledByteBufAllocator small) {
        super(true);
        this.large = large;
        this.small = small;
        this.smallBelow = 4 * PooledByteBufAllocator.defaultPageSize();
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return (initialCapacity < smallBelow ? small : large).directBuffer(initialCapacity, maxCapacity);
    }

    /** Heap buffers are rare here (none on the packet path): the large pool's, which has heap arenas. */
    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return large.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** Bytes of native memory both pools hold in chunks (what {@code BufferTrim} watches). */
    public long usedDirectMemory() {
        return large.metric().usedDirectMemory() + small.metric().usedDirectMemory();
    }

    /** Chunks each pool holds now, {@code {large, small}}: for tests and diagnostics. */
    long[] chunks() {
        return new long[] {chunkCount(large), chunkCount(small)};
    }

    private static long chunkCount(PooledByteBufAllocator pool) {
        long n = 0;
        for (var arena : pool.metric().directArenas()) {
            for (var list : arena.chunkLists()) {
                for (var ignored : list) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Gives back the calling thread's cached buffers in both pools (a thread that allocated and ends). */
    void freeThreadLocalCache() {
        large.freeThreadLocalCache();
        small.freeThreadLocalCache();
    }
}
