package io.jslirp.stack;

import io.netty.buffer.ByteBuf;

/**
 * Where the stack puts the Ethernet frames it emits toward the guest.
 *
 * <p>Ownership: {@link #sendFrame} takes the buffer. The sink releases it exactly once, after writing it
 * or after dropping it; the caller must not touch it afterwards. The frame spans
 * {@code readerIndex..writerIndex} and starts with the Ethernet header.
 */
@FunctionalInterface
public interface FrameSink {
    void sendFrame(ByteBuf frame);
}
