package io.jslirp.stack.flow;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Direct buffers of one capacity for reading host datagrams into, kept for the next read instead of going
 * back to the allocator. A datagram is read at an offset that leaves room for its headers, the headers are
 * written around it, and the buffer itself becomes the frame: the only copy is the kernel's. The caller
 * sends a retained frame and then hands its own reference back: when the sink has released
 * its reference (the TAP write is synchronous) the buffer is reused, otherwise only dropped, so the pool never
 * hands out a buffer someone still reads.
 *
 * <p>The pool may hold many buffers after a burst that the load after it does not need (a bulk download's
 * window, then short connections that take one buffer at a time). {@link #trimUnused} gives back the ones no
 * {@link #take} reached since the count started: the fewest the pool held in between (its low-water mark) were
 * idle all along. Which of the kept buffers go is free, so the ones at the highest addresses go and those
 * left lie together in as few of the allocator's chunks as they can: a chunk with one kept buffer in it
 * cannot go back to the system.
 */
public final class FrameBuffers {
    private final ByteBufAllocator alloc;
    private final int capacity;
    private final ByteBuf[] pool;
    private int count;
    /** The fewest buffers the pool held since the last trim: that many were never taken in between. */
    private int low;

    /** Keeps at most {@code slots} buffers. */
    public FrameBuffers(ByteBufAllocator alloc, int capacity, int slots) {
        this.alloc = alloc;
        this.capacity = capacity;
        this.pool = new ByteBuf[slots];
    }

    /** No buffer is kept: the next {@link #take} allocates. */
    public boolean isEmpty() {
        return count == 0;
    }

    /** A cleared buffer of the capacity given at construction. */
    public ByteBuf take() {
        if (count > 0) {
            ByteBuf b = pool[--count];
            pool[count] = null;
            if (count < low) {
                low = count;
            }
            return b;
        }
        low = 0;
        return alloc.directBuffer(capacity, capacity);
    }

    /** Drops the caller's reference; a buffer nobody else holds goes back to the pool. */
    public void giveBack(ByteBuf b) {
        if (b.refCnt() == 1 && b.capacity() == capacity && count < pool.length) {
            b.clear();
            pool[count++] = b;
        } else {
            b.release();
        }
    }

    /** Releases pooled buffers until at most {@code keep} are left; returns how many. */
    public int trim(int keep) {
        return releaseHighest(count - keep);
    }

    /** Counts from here the buffers no {@link #take} needs, for {@link #trimUnused}. */
    public void startIdleCount() {
        low = count;
    }

    /**
     * Releases the buffers no {@link #take} needed since the last trim or {@link #startIdleCount}, leaving at
     * least {@code keep}; returns how many. The next trim counts from here.
     */
    public int trimUnused(int keep) {
        return releaseHighest(Math.min(low, count - keep));
    }

    /** Releases the {@code n} pooled buffers at the highest addresses, and starts a new low-water period. */
    private int releaseHighest(int n) {
        if (n > 0) {
            sortByAddress();
            for (int i = 0; i < n; i++) {
                pool[--count].release();
                pool[count] = null;
            }
        } else {
            n = 0;
        }
        low = count;
        return n;
    }

    /**
     * Insertion sort of the pool by memory address, lowest first, in place: it runs once per trim, at most once a
     * second, over at most the pool's bound of buffers (1,024 at the most), most of them left in order by the
     * previous trim.
     */
    private void sortByAddress() {
        for (int i = 1; i < count; i++) {
            ByteBuf b = pool[i];
            long a = address(b);
            int j = i - 1;
            while (j >= 0 && address(pool[j]) > a) {
                pool[j + 1] = pool[j];
                j--;
            }
            pool[j + 1] = b;
        }
    }

    private static long address(ByteBuf b) {
        return b.hasMemoryAddress() ? b.memoryAddress() : 0;
    }

    /** Buffers kept for the next takes. */
    public int size() {
        return count;
    }

    /**
     * Releases every pooled buffer (shutdown, or the loop has gone quiet); returns how many. A kept buffer pins
     * its allocator chunk as firmly as one in use, so only an empty pool lets a burst's chunks go back.
     */
    public int clear() {
        int released = count;
        while (count > 0) {
            pool[--count].release();
            pool[count] = null;
        }
        low = 0;
        return released;
    }
}
