package io.jslirp.stack.testing;

import io.jslirp.stack.FrameSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.ArrayList;
import java.util.List;

/** Records each emitted frame as a byte[] and releases the buffer, exactly as the sink contract says. */
public final class CapturingSink implements FrameSink {
    private final List<byte[]> frames = new ArrayList<>();
    /** Per frame: the gsoSize it was sent with through {@link #sendOffloadFrame}, or -1 for {@link #sendFrame}. */
    private final List<Integer> gsoSizes = new ArrayList<>();

    @Override
    public void sendFrame(ByteBuf frame) {
        gsoSizes.add(-1);
        capture(frame);
    }

    @Override
    public void sendOffloadFrame(ByteBuf frame, int gsoSize) {
        gsoSizes.add(gsoSize);
        capture(frame);
    }

    private void capture(ByteBuf frame) {
        try {
            frames.add(ByteBufUtil.getBytes(frame, frame.readerIndex(), frame.readableBytes()));
        } finally {
            frame.release();
        }
    }

    public List<byte[]> frames() {
        return frames;
    }

    /** Returns and forgets what was captured so far. */
    public List<Integer> gsoSizes() {
        return gsoSizes;
    }

    public List<byte[]> take() {
        List<byte[]> copy = new ArrayList<>(frames);
        frames.clear();
        gsoSizes.clear();
        return copy;
    }

    public int size() {
        return frames.size();
    }
}
