package io.jslirp.tap;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The session's packet memory: two Netty pools, one for small buffers and one for the rest, behind one
 * allocator, so that memory a burst took comes back when the burst is over.
 *
 * <h2>Theory of operation</h2>
 * Netty's pool frees a chunk once nothing in it is allocated, with two exceptions: it keeps the last, empty,
 * run ("subpage") of each small size class wherever it lies, and that run keeps its whole chunk; and a chunk
 * that never got past a quarter full stays in its first chunk list, empty or not. Frames toward the guest
 * without payload (ACKs, SYN-ACKs), short reads copied to their size and the guest's short segments kept for
 * the host come in every small size from 64 bytes to 5 KiB: after a bulk download each way and 100,000 short
 * connections the launcher's single pool held 5 chunks of 1 MiB for 26 empty runs and little else (Netty's
 * arena dump), NMT's "Other" 5,136 KiB against 1,040 at idle.
 *
 * <p>So buffers that would be subpages in the large pool (under four of its pages: 32 KiB with Netty's 8 KiB
 * default) come from a small pool of 64 KiB chunks and 4 KiB pages: the runs it keeps pin 64 KiB chunks,
 * not 1 MiB ones. The large pool has no subpages then: the TAP's read buffers and, with offload, the 64 KiB
 * frames of a bulk transfer live there, and each chunk goes once it empties (but for the first-list rule).
 * Without offload the frames of an MTU-1500 link are small buffers too. 64 KiB is below glibc's mmap
 * threshold, so the small pool's chunks come from malloc's heap and go back to it; what the heap holds free
 * goes back to the system by the launcher's {@code TrimNativeHeapInterval}, or at once after a quiet-time
 * release ({@code BufferTrim}).
 *
 * <p>Which pool a buffer comes from is decided once, by the capacity it is asked for; a buffer that grows stays
 * in its pool, where a size past its chunks is allocated on its own and freed with the buffer. A buffer's
 * {@code alloc()} is the pool that made it, not this allocator, so a {@code copy()} of a large buffer would be
 * taken from the large pool whatever its size: the packet path makes no such copies (it asks this allocator).
 * The small pool has one arena and no thread caches; the large one is Netty's default pool, to which the
 * launcher gives one arena, and which gives a thread that is not Netty's no cache. An arena locks, so the
 * warm-up's thread may allocate beside the loop's. Both pools take chunks against the same direct-memory
 * limit, and wrap buffers for leak detection once, in the pool that makes them.
 */
public final class PacketAllocator extends AbstractByteBufAllocator {
    /** Pages of the small pool: Netty's smallest; its subpages then run 4-28 KiB rather than 8-56. */
    static final int SMALL_PAGE_SIZE = 4096;
    /** 64 KiB chunks in the small pool ({@code SMALL_PAGE_SIZE << SMALL_MAX_ORDER}). */
    static final int SMALL_MAX_ORDER = 4;

    /** The one every session of this JVM uses, over Netty's default pool (which the launcher sizes). */
    public static final PacketAllocator DEFAULT = new PacketAllocator(PooledByteBufAllocator.DEFAULT,
            PooledByteBufAllocator.defaultPageSize(), smallPool());

    private final PooledByteBufAllocator large;
    private final PooledByteBufAllocator small;
    /** Requests below this many bytes would be subpages in {@link #large}: they go to {@link #small}. */
    private final int smallBelow;

    /** A small pool as {@link #DEFAULT} has it: one direct arena, 64 KiB chunks, no thread caches. */
    static PooledByteBufAllocator smallPool() {
        return new PooledByteBufAllocator(true, 0, 1, SMALL_PAGE_SIZE, SMALL_MAX_ORDER, 0, 0, false);
    }

    /**
     * @param large         where buffers of four of its pages or more come from
     * @param largePageSize the page size {@code large} was made with
     * @param small         where smaller ones come from
     */
    PacketAllocator(PooledByteBufAllocator large, int largePageSize, PooledByteBufAllocator small) {
        super(true);
        this.large = large;
        this.small = small;
        this.smallBelow = 4 * largePageSize;
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
