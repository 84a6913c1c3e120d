package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.HostSockets;
import io.netty.buffer.ByteBuf;

/**
 * Guest bytes accepted (acknowledged, or about to be) that the host socket has not taken yet.
 *
 * <h2>Theory of operation</h2>
 * Each entry is a retained slice of a received frame, or a right-sized copy where a slice would pin a much
 * larger buffer ({@code FrameMemory.keep}), so queued memory stays within about twice the bytes counted. Bytes
 * enter only as RCV.NXT advances, in order, which is why the window the connection advances from this queue's
 * free space ({@link TcpConnection#RCV_BUFFER} less {@link #queued()}) never moves its right edge left. The
 * queue is handed to the kernel by gathering writes of up to 64 buffers each ({@code HostSockets.writeGather});
 * a write that stops inside a buffer means the socket's send buffer is full, and the rest waits for WRITABLE.
 * A ring of buffers, a power of two long, doubling when full. {@link #releaseAll} gives the ring back too: a
 * connection done with its host side holds no array (and in TIME_WAIT it becomes a record without a queue at
 * all); should bytes come after all, the ring is made again.
 */
final class ToHostQueue {
    /** Gathering writes per drain: bounds one connection's turn. */
    private static final int MAX_ROUNDS = 64;
    private static final int FIRST_CAPACITY = 8;
    private static final ByteBuf[] NO_BUFFERS = {};

    private ByteBuf[] buffers = new ByteBuf[FIRST_CAPACITY];
    private int head;
    private int count;
    private int queued;

    boolean isEmpty() {
        return count == 0;
    }

    /** Bytes queued. */
    int queued() {
        return queued;
    }

    /** Appends a buffer the queue now owns. */
    void add(ByteBuf slice) {
        if (count == buffers.length) {
            ByteBuf[] bigger = new ByteBuf[Math.max(FIRST_CAPACITY, buffers.length * 2)];
            for (int k = 0; k < count; k++) {
                bigger[k] = buffers[(head + k) & (buffers.length - 1)];
            }
            buffers = bigger;
            head = 0;
        }
        buffers[(head + count) & (buffers.length - 1)] = slice;
        count++;
        queued += slice.readableBytes();
    }

    /**
     * Writes as much as the kernel takes to {@code handle}, releasing what it took. Returns 0, or {@code -errno}
     * when the write failed (the caller ends the flow, which releases the rest).
     */
    long writeTo(HostSockets host, int handle) {
        int mask = buffers.length - 1;
        for (int round = 0; count > 0 && round < MAX_ROUNDS; round++) {
            long n = host.writeGather(handle, buffers, head, count, mask);
            if (n < 0) {
                return n;
            }
            if (n == 0) {
                break;
            }
            queued -= (int) n;
            boolean full = false;
            while (n > 0) {
                ByteBuf b = buffers[head];
                int len = b.readableBytes();
                if (n < len) {
                    b.skipBytes((int) n);
                    full = true; // the kernel stopped inside a buffer: its send buffer is full
                    break;
                }
                n -= len;
                b.release();
                buffers[head] = null;
                head = (head + 1) & mask;
                count--;
            }
            if (full) {
                break;
            }
        }
        return 0;
    }

    /** Releases every buffer and the ring (the connection's host side is done). */
    void releaseAll() {
        for (int k = 0; k < count; k++) {
            int i = (head + k) & (buffers.length - 1);
            buffers[i].release();
            buffers[i] = null;
        }
        count = 0;
        head = 0;
        queued = 0;
        buffers = NO_BUFFERS;
    }

    /** Slots the ring has now (0 when it holds none). */
    int capacity() {
        return buffers.length;
    }
}
