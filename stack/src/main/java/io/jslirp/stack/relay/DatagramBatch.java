package io.jslirp.stack.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Datagrams for host sockets, gathered while the loop handles a batch of the guest's frames and then given to
 * {@link HostDatagrams#sendBatch} together, which on Linux sends each run of them to one socket with a single
 * {@code sendmmsg}. Each has its socket, its destination (a family-neutral address, {@code IpAddress}) and its
 * payload, and after the send its result, which is what {@link HostDatagrams#sendTo} would have returned.
 *
 * <p>The payloads are copied into one direct buffer the batch owns, {@link #ROOM} bytes, so the frame each came
 * from is free again at once (the TAP read loop reads the next frame into the same buffer) and a datagram of
 * any size fits an empty batch. A copy of a datagram costs a small part of the system call it saves.
 *
 * <p>Loop thread only. Nothing here allocates after construction; {@link #release} returns the buffer.
 */
public final class DatagramBatch {
    /** Bytes of payload one batch holds: the largest UDP payload (65,527 over IPv6) fits an empty one. */
    public static final int ROOM = 65_536;

    private final ByteBuf payloads;
    private final int[] handles;
    private final long[] dstHi;
    private final long[] dstLo;
    private final int[] dstPorts;
    private final int[] indices;
    private final int[] lengths;
    private final int[] results;
    private int count;

    /** An empty batch of at most {@code capacity} datagrams, its payload room from {@code alloc}. */
    public DatagramBatch(ByteBufAllocator alloc, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.handles = new int[capacity];
        this.dstHi = new long[capacity];
        this.dstLo = new long[capacity];
        this.dstPorts = new int[capacity];
        this.indices = new int[capacity];
        this.lengths = new int[capacity];
        this.results = new int[capacity];
        this.payloads = alloc.directBuffer(ROOM, ROOM);
    }

    public int capacity() {
        return handles.length;
    }

    public int size() {
        return count;
    }

    public boolean isFull() {
        return count == handles.length;
    }

    /** Whether a datagram of {@code length} bytes can be added: a free place and room for its payload. */
    public boolean fits(int length) {
        return count < handles.length && length >= 0 && length <= payloads.capacity() - payloads.writerIndex();
    }

    /**
     * Appends a datagram of {@code length} bytes of {@code src} at absolute {@code index}, for {@code handle} to
     * send to {@code dstHi:dstLo} port {@code dstPort}, and returns its place in the batch. The caller has checked
     * {@link #fits}.
     */
    public int add(int handle, long dstHi, long dstLo, int dstPort, ByteBuf src, int index, int length) {
        if (!fits(length)) {
            throw new IllegalStateException("batch full: " + count + " datagrams, " + payloads.writerIndex()
                    + " bytes, adding " + length);
        }
        int i = count++;
        handles[i] = handle;
        this.dstHi[i] = dstHi;
        this.dstLo[i] = dstLo;
        dstPorts[i] = dstPort;
        indices[i] = payloads.writerIndex();
        lengths[i] = length;
        results[i] = 0;
        payloads.writeBytes(src, index, length);
        return i;
    }

    public int handle(int i) {
        return handles[check(i)];
    }

    public long dstHi(int i) {
        return dstHi[check(i)];
    }

    public long dstLo(int i) {
        return dstLo[check(i)];
    }

    public int dstPort(int i) {
        return dstPorts[check(i)];
    }

    /** The buffer holding every payload: datagram {@code i}'s is at {@link #index}, {@link #length} bytes. */
    public ByteBuf payloads() {
        return payloads;
    }

    public int index(int i) {
        return indices[check(i)];
    }

    public int length(int i) {
        return lengths[check(i)];
    }

    /** Set by {@link HostDatagrams#sendBatch}: what {@link HostDatagrams#sendTo} would have returned. */
    public void setResult(int i, int result) {
        results[check(i)] = result;
    }

    public int result(int i) {
        return results[check(i)];
    }

    /** Empties the batch for the next one. */
    public void clear() {
        count = 0;
        payloads.clear();
    }

    /** Returns the payload buffer; the batch is not used afterwards. */
    public void release() {
        count = 0;
        payloads.release();
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("datagram " + i + " of " + count);
        }
        return i;
    }
}
