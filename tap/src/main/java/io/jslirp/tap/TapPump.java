package io.jslirp.tap;

import io.jslirp.stack.FrameSink;
import io.jslirp.stack.Stack;
import io.jslirp.stack.pcap.PcapWriter;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.jslirp.tap.dev.TapDevice;
import io.jslirp.tap.loop.EventLoop;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;

/**
 * A session's frames between the TAP and its stack, on the loop thread: the read loop that drains the TAP into
 * the stack ({@link #onTapReady}), the stack's frames written back with their virtio-net header (the
 * {@link FrameSink}), and the {@code --pcap} capture of both.
 */
final class TapPump implements FrameSink {
    /** A long TAP batch gives up the CPU after this many frames (onTapReady says why). */
    static final int YIELD_EVERY_FRAMES = 32;
    /** A TAP frame longer than this is bulk data: no busy poll after its turn (onTapReady). */
    static final int HEAVY_FRAME_BYTES = 1024;
    static final long PCAP_FLUSH_INTERVAL_NANOS = 1_000_000_000L;

    /** How the pump ends its session: {@link Jslirp#end}. */
    @FunctionalInterface
    interface Ending {
        void end(int status, String reason);
    }

    private final TapDevice tap;
    private final ByteBufAllocator alloc;
    private final Ending ending;
    private final int readCapacity;
    private final int vnetHeaderLength;
    private final long wallMicrosAtStart;
    private final long nanosAtStart;
    /** The stack frames go to; set once, right after the stack is made with this pump as its sink. */
    private Stack stack;
    /** Null when there is no capture, or once it failed: a broken capture must not cost every frame an error. */
    private PcapWriter pcap;
    /**
     * When buffered capture must reach the file even if the loop never sleeps (sustained traffic): one second
     * after the first frame buffered since the last flush; Long.MAX_VALUE while nothing waits.
     */
    private long pcapFlushDueNanos = Long.MAX_VALUE;
    private long framesDroppedOnWrite;
    private ByteBuf spare;
    /** Thread::yield; a test counts the yields instead. */
    private Runnable yielder = Thread::yield;
    /** EventLoop::markHeavyTurn; a test counts the marks instead. */
    private Runnable markHeavy;

    TapPump(TapDevice tap, ByteBufAllocator alloc, PcapWriter pcap, Runnable markHeavy, Ending ending) {
        this.tap = tap;
        this.alloc = alloc;
        this.pcap = pcap;
        this.markHeavy = markHeavy;
        this.ending = ending;
        // A TAP read truncates a frame that does not fit, with no way to get the rest; the guest may raise
        // its MTU past ours (and with offload sends 64 KiB TSO frames), so every read has room for the largest
        // frame the device can carry.
        this.readCapacity = tap.readCapacity();
        this.vnetHeaderLength = tap.vnetHeader() ? TapDevice.VNET_HDR_LEN : 0;
        this.wallMicrosAtStart = System.currentTimeMillis() * 1000L;
        this.nanosAtStart = System.nanoTime();
    }

    void feed(Stack stack) {
        this.stack = stack;
    }

    /** Whether frames are being captured (so the loop's before-sleep hook flushes them). */
    boolean capturing() {
        return pcap != null;
    }

    /** When buffered capture is due at the file; Long.MAX_VALUE while nothing waits. */
    long captureFlushDueNanos() {
        return pcapFlushDueNanos;
    }

    long framesDroppedOnWrite() {
        return framesDroppedOnWrite;
    }

    /** For a test: counts the yields of onTapReady instead of yielding. Call before {@link Jslirp#run()}. */
    void yieldWith(Runnable yielder) {
        this.yielder = yielder;
    }

    /**
     * For a test: counts the turns onTapReady marks heavy instead of telling the loop. Call before
     * {@link Jslirp#run()}.
     */
    void markHeavyWith(Runnable marker) {
        this.markHeavy = marker;
    }

    /**
     * Reads until EAGAIN: one wakeup drains everything the guest queued, and a steady stream reuses one read
     * buffer (see the comment at receiveFrame).
     *
     * <p>Every {@value #YIELD_EVERY_FRAMES} frames of a long batch the thread yields the CPU. A datagram or
     * segment we send to a host socket on loopback wakes its reader with a synchronous wakeup, which the
     * scheduler places on our CPU on the assumption that we are about to sleep. We are not: after a stall
     * (the JIT, another process) the TAP holds hundreds of frames, and while we relay them at a few
     * microseconds each the woken reader waits behind us until its receive buffer (about 90 datagrams at the
     * default 208 KiB) overflows, even with the other CPU idle. Measured with {@code perf record -e
     * skb:kfree_skb -e sched:sched_switch} during {@code iperf3 -u} through 10.0.2.2: every loss was such an
     * overflow, and in most the reader sat runnable on our CPU while we ran. Yielding lets that reader
     * drain; when nothing else is runnable it costs one cheap syscall. A short batch (request/response, one
     * frame per wakeup) never yields. The guest's UDP datagrams wait in the stack's send batch (sendmmsg) until
     * the end of the batch of frames, or until such a yield, which sends them first.
     */
    void onTapReady(int events) {
        int sinceYield = 0;
        for (int budget = 4096; budget > 0; budget--) {
            ByteBuf buf = spare != null ? spare : alloc.directBuffer(readCapacity, readCapacity);
            spare = null;
            int n;
            try {
                n = tap.readInto(buf);
            } catch (IOException e) {
                buf.release();
                ending.end(Jslirp.EXIT_FAILURE, "reading " + tap.name() + ": " + e.getMessage());
                return;
            }
            if (n <= 0) {
                buf.clear();
                spare = buf;
                if ((events & (EventLoop.EPOLLERR | EventLoop.EPOLLHUP)) != 0) {
                    ending.end(Jslirp.EXIT_FAILURE, tap.name() + " was detached from its device");
                }
                return;
            }
            if (n > HEAVY_FRAME_BYTES) {
                // A full-sized segment or datagram (an MTU-1500 guest's bulk UDP comes as 1442-byte frames), a
                // TSO super-frame or a jumbo frame: a bulk transfer from the guest, whose sender needs the CPU
                // more than a poll would save a wake-up (EventLoop.setBusyPoll). Polling after such turns cost
                // jslirp 0.2 epoll_wait and 0.2 sched_yield per datagram of iperf3 -u at 1 Gbit/s, a quarter of
                // its system calls. Requests, answers, ACKs and DNS are far smaller.
                markHeavy.run();
            }
            if (pcap != null) {
                int at = buf.readerIndex();
                // The capture is Ethernet: leave out the virtio-net header.
                buf.readerIndex(at + Math.min(n, vnetHeaderLength));
                capture(buf);
                buf.readerIndex(at);
            }
            // The stack works on the frame in place. Whatever it keeps beyond this call it keeps as a right-sized
            // copy when a slice would pin this 64 KiB buffer (FrameMemory.keep), so the buffer is nearly always free
            // again at once and is reused; if something did keep a reference, the next read takes a new one.
            buf.retain();
            stack.receiveFrame(buf);
            if (buf.refCnt() == 1) {
                buf.clear();
                spare = buf;
            } else {
                buf.release();
            }
            if (++sinceYield == YIELD_EVERY_FRAMES) {
                sinceYield = 0;
                // The datagrams relayed so far leave first: the yield is for their readers.
                stack.flushDatagrams();
                yielder.run();
            }
        }
        // The budget ran out with frames still waiting: level-triggered epoll reports the TAP again next turn,
        // after the batch's flush.
    }

    /** A frame toward the guest; with offload each write carries a virtio-net header (TapDevice). */
    @Override
    public void sendFrame(ByteBuf frame) {
        if (vnetHeaderLength != 0) {
            VirtioNetHeader.writeNone(tap.vnetHeaderOut(), 0);
        }
        sendToGuest(frame);
    }

    @Override
    public void sendOffloadFrame(ByteBuf frame, int gsoSize) {
        if (vnetHeaderLength == 0) {
            // Only a VNET_HDR stack sends these; a complete checksum would be needed otherwise.
            frame.release();
            framesDroppedOnWrite++;
            return;
        }
        VirtioNetHeader.writeForTcp(tap.vnetHeaderOut(), 0, frame, gsoSize);
        sendToGuest(frame);
    }

    private void sendToGuest(ByteBuf frame) {
        try {
            if (pcap != null) {
                capture(frame);
            }
            if (tap.write(frame) != 0) {
                framesDroppedOnWrite++;
            }
        } catch (IOException e) {
            framesDroppedOnWrite++;
        } finally {
            frame.release();
        }
    }

    private void capture(ByteBuf frame) {
        long now = System.nanoTime();
        long micros = wallMicrosAtStart + (now - nanosAtStart) / 1000L;
        try {
            pcap.writeFrame(frame, micros);
        } catch (IOException e) {
            captureFailed(e);
            return;
        }
        if (pcapFlushDueNanos == Long.MAX_VALUE) {
            pcapFlushDueNanos = now + PCAP_FLUSH_INTERVAL_NANOS;
        }
    }

    /** Sends buffered capture to the file; the loop's before-sleep hook and the one-second timer call it. */
    void flushCapture() {
        pcapFlushDueNanos = Long.MAX_VALUE;
        if (pcap == null || !pcap.hasBuffered()) {
            return;
        }
        try {
            pcap.flush();
        } catch (IOException e) {
            captureFailed(e);
        }
    }

    private void captureFailed(IOException e) {
        System.err.println("jslirp: --pcap: " + e.getMessage() + "; capture stopped");
        closePcapQuietly();
    }

    private void closePcapQuietly() {
        PcapWriter p = pcap;
        pcap = null;
        try {
            p.close();
        } catch (IOException ignored) {
            // Already failing; the first error was reported.
        }
    }

    /**
     * Gives back the read buffer kept for the next read (the session is closing, or the loop has gone quiet:
     * the next read takes a new one); returns whether there was one.
     */
    boolean releaseSpare() {
        if (spare == null) {
            return false;
        }
        spare.release();
        spare = null;
        return true;
    }

    /** Closes the capture, if any: after the stack's last frames (its resets at close) went into it. */
    void closeCapture() {
        if (pcap != null) {
            closePcapQuietly();
        }
    }
}
