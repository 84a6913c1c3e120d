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
 */
public final class FrameBuffers {
    private final ByteBufAllocator alloc;
    private final int capacity;
    private final ByteBuf[] pool;
    private int count;

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
            return b;
        }
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

    /** Releases pooled buffers until at most {@code keep} are left. */
    public void trim(int keep) {
        while (count > keep) {
            pool[--count].release();
            pool[count] = null;
        }
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
        return released;
    }
}
