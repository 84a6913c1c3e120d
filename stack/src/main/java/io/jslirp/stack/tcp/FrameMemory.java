package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.flow.FrameBuffers;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The direct memory a TCP layer's frames hold, and for how long: the pool of frame buffers host reads go into,
 * and the rule by which a queue keeps bytes of a larger buffer.
 *
 * <h2>Theory of operation</h2>
 * Every host read goes into a buffer of {@link #frameCapacity} bytes, which becomes the frame toward the guest
 * and stays in the retransmission queue until the guest acknowledges it. Acknowledged frames come back here
 * instead of going back to the allocator: a bulk transfer then reuses the same few buffers and allocates nothing,
 * not even the allocator's own bookkeeping (Netty's subpage and recycler objects churn when dozens of buffers are
 * freed and taken again per window). Only buffers of exactly {@link #frameCapacity} are kept: as many as the
 * budget in flight toward the guest takes ({@link FlightToGuest}); a second after the flight empties, about
 * 2 MiB or what reads took in that second if more ({@link #trimIdle}, when the layer's timers say so); and none
 * once the whole loop has been quiet for seconds ({@link #clear}, from {@code Stack.releaseIdleBuffers}): the 2 MiB lie in every
 * chunk of Netty's pool the burst took, and keep each of them from going back.
 *
 * <p>A buffer pins all of its capacity for as long as anything holds it. So a short read is copied into a
 * right-sized buffer before it waits for its acknowledgment ({@link #fitReadBuffer}), and bytes a queue keeps
 * from the guest's frames (toward the host, out of order) are a retained slice only when that pins little more
 * than the bytes, else a right-sized copy ({@link #keep}): a small segment in a TAP read buffer sized for 64 KiB
 * must not keep the whole buffer alive. Memory pinned by queues thus stays within about twice the bytes they
 * count. Apart from {@link TcpLayer} because it is one policy with its own numbers, which the send path, the
 * receive queues and the timers all apply.
 */
final class FrameMemory {
    /**
     * A buffer this much larger than the bytes it would keep is not kept: the bytes are copied into a
     * right-sized one, so that memory pinned by queues stays within twice the bytes they count.
     */
    static final int PIN_SLACK = 2048;
    static final int OFFLOAD_FRAME_CAPACITY = 65536;

    private final Counters counters;
    private final ByteBufAllocator alloc;
    /** Capacity of every host-read frame: the largest frame a connection of this layer sends. */
    final int frameCapacity;
    /** What the pool keeps when nothing has been in flight for a while. */
    private final int framesKept;
    private final FrameBuffers frames;

    /**
     * @param l4Offset where TCP starts in a frame of the layer's IPv4 route
     * @param offload  the device takes TSO super-segments (Stack.DeviceFormat.VNET_HDR)
     */
    FrameMemory(ByteBufAllocator alloc, Counters counters, int mtu, int l4Offset, boolean offload) {
        this.alloc = alloc;
        this.counters = counters;
        // With offload a frame holds a TSO super-segment of up to 64 KiB (Netty's size class: one byte more
        // and each buffer takes 80 KiB), else one MTU.
        this.frameCapacity = Math.max(offload ? OFFLOAD_FRAME_CAPACITY : EthernetFrame.HEADER_LENGTH + mtu,
                l4Offset + TcpSegment.MAX_HEADER_LENGTH + TcpConnection.MIN_MSS);
        // The pool holds the whole budget in flight (FlightToGuest), and keeps about 2 MiB once idle.
        this.framesKept = Math.max(4, Math.min(64, (2 << 20) / frameCapacity));
        this.frames = new FrameBuffers(alloc, frameCapacity,
                Math.max(framesKept, Math.min(1024, FlightToGuest.BUDGET / frameCapacity + 4)));
    }

    /** A buffer of {@link #frameCapacity} bytes for a host read, from the pool when it has one. */
    ByteBuf readBuffer() {
        if (frames.isEmpty()) {
            counters.tcpFrameBuffersAllocated++;
        }
        return frames.take();
    }

    /**
     * The read filled only {@code used} bytes of {@code b}: when that leaves most of it idle, copies them into a
     * right-sized buffer and gives {@code b} back to the pool, so a short read does not pin a whole frame
     * buffer for as long as it waits for its acknowledgment.
     */
    ByteBuf fitReadBuffer(ByteBuf b, int used) {
        if (b.capacity() - used <= Math.max(used, PIN_SLACK)) {
            return b;
        }
        ByteBuf small = alloc.directBuffer(used, used);
        small.writeBytes(b, 0, used);
        recycle(b);
        return small;
    }

    /** Drops the caller's reference to a frame; a read-sized one nobody else holds goes back to the pool. */
    void recycle(ByteBuf f) {
        frames.giveBack(f);
    }

    /**
     * {@code len} bytes of {@code buf} at {@code index} to keep in a queue: a retained slice when that pins
     * little more than the bytes themselves, else a right-sized copy.
     */
    ByteBuf keep(ByteBuf buf, int index, int len) {
        if (buf.capacity() - len <= Math.max(len, PIN_SLACK)) {
            return buf.retainedSlice(index, len);
        }
        ByteBuf copy = alloc.directBuffer(len, len);
        copy.writeBytes(buf, index, len);
        return copy;
    }

    /** The flight has emptied: {@link #trimIdle} counts the buffers no read takes from here. */
    void startIdleCount() {
        frames.startIdleCount();
    }

    /**
     * A second after the flight emptied, and every second after while the pool holds more than its idle size:
     * it gives back what it holds beyond that size and no read took since the count started (a download under
     * way again keeps its window). Returns whether it still holds more than its idle size.
     */
    boolean trimIdle() {
        frames.trimUnused(framesKept);
        return frames.size() > framesKept;
    }

    /** Releases every pooled buffer (layer shutdown, or the loop has gone quiet); returns how many. */
    int clear() {
        return frames.clear();
    }
}
