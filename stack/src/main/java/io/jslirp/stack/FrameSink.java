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

    /**
     * A TCP segment from a stack built for a device with offloads ({@link Stack.DeviceFormat#VNET_HDR}): an
     * Ethernet + IPv4 + TCP frame whose TCP checksum field holds only the pseudo-header sum, to go out with a
     * virtio-net header saying NEEDS_CSUM, and, when its payload exceeds {@code gsoSize}, TSO (TCPV4) with
     * {@code gsoSize}-byte segments; such a frame may be far larger than the MTU (its IPv4 total length is
     * real, below 65536). Same ownership as {@link #sendFrame}. Only a stack in VNET_HDR format calls this.
     */
    default void sendOffloadFrame(ByteBuf frame, int gsoSize) {
        sendFrame(frame);
    }
}
