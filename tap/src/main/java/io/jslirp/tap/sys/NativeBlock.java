package io.jslirp.tap.sys;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.Charset;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A block of zeroed native memory from malloc, for a call's arguments and results ({@link Native#allocate}), that
 * its owner frees with {@link #close} (try-with-resources for a call's scratch, the owner's own close for a block
 * that lives as long as it does). Freed explicitly rather than when unreachable: a finalizer or cleaner would keep
 * a thread and a reference queue busy for a few bytes of arguments.
 *
 * <p>Every access checks its offset against the block's size, so a wrong offset throws rather than writes past
 * the block; after {@link #close} every access throws. Never on the packet path: each block is a malloc.
 */
public final class NativeBlock implements AutoCloseable {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    /** Blocks allocated and not yet closed, for tests that check nothing leaks. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private long address;
    private final int size;

    private NativeBlock(long address, int size) {
        this.address = address;
        this.size = size;
    }

    static NativeBlock allocate(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size " + size);
        }
        long address = MEMORY.allocateMemory(size, true);
        if (address == 0) {
            throw new OutOfMemoryError("malloc(" + size + ")");
        }
        LIVE.incrementAndGet();
        return new NativeBlock(address, size);
    }

    /** The number of blocks allocated and not yet closed in this JVM. */
    static int live() {
        return LIVE.get();
    }

    /** The block's address, valid until {@link #close}. */
    public long address() {
        return at(0, 0);
    }

    public int size() {
        return size;
    }

    /** The address of {@code length} bytes at {@code offset}, after checking they lie in the open block. */
    private long at(long offset, int length) {
        long a = address;
        if (a == 0) {
            throw new IllegalStateException("native block already freed");
        }
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length + " in a block of " + size);
        }
        return a + offset;
    }

    public byte getByte(long offset) {
        return MEMORY.getByte(at(offset, 1));
    }

    public void putByte(long offset, byte value) {
        MEMORY.putByte(at(offset, 1), value);
    }

    public short getShort(long offset) {
        return MEMORY.getShort(at(offset, 2));
    }

    public void putShort(long offset, short value) {
        MEMORY.putShort(at(offset, 2), value);
    }

    public int getInt(long offset) {
        return MEMORY.getInt(at(offset, 4));
    }

    public void putInt(long offset, int value) {
        MEMORY.putInt(at(offset, 4), value);
    }

    public long getLong(long offset) {
        return MEMORY.getLong(at(offset, 8));
    }

    public void putLong(long offset, long value) {
        MEMORY.putLong(at(offset, 8), value);
    }

    /** A pointer-sized value: 64 bits on the two ABIs {@link Native} accepts. */
    public void putAddress(long offset, long value) {
        putLong(offset, value);
    }

    public void put(long offset, byte[] src, int index, int length) {
        MEMORY.putByteArray(at(offset, length), src, index, length);
    }

    public void get(long offset, byte[] dst, int index, int length) {
        MEMORY.getByteArray(at(offset, length), dst, index, length);
    }

    /** The text at {@code offset} up to its first NUL or {@code maxLength} bytes, whichever comes first. */
    public String getString(long offset, int maxLength, Charset charset) {
        byte[] b = new byte[maxLength];
        get(offset, b, 0, maxLength);
        int n = 0;
        while (n < maxLength && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, charset);
    }

    /** Frees the block; a second close does nothing. */
    @Override
    public void close() {
        long a = address;
        if (a != 0) {
            address = 0;
            LIVE.decrementAndGet();
            MEMORY.freeMemory(a);
        }
    }
}
