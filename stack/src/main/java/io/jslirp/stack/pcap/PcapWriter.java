package io.jslirp.stack.pcap;

import io.netty.buffer.ByteBuf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** Classic libpcap writer; see the package documentation. Not thread-safe. */
public final class PcapWriter implements Closeable {
    public static final int MAGIC = 0xa1b2c3d4;
    public static final int SNAPLEN = 65535;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int RECORD_HEADER_LENGTH = 16;
    private static final int BUFFER_SIZE = 256 * 1024;

    private final WritableByteChannel channel;
    private final ByteBuffer buffer;
    private boolean closed;

    /** Writes the global header (into the buffer; it reaches the channel with the first flush). */
    public PcapWriter(WritableByteChannel channel) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC);
        buffer.putShort((short) 2);
        buffer.putShort((short) 4);
        buffer.putInt(0); // thiszone: timestamps are UTC
        buffer.putInt(0); // sigfigs: always 0 in practice
        buffer.putInt(SNAPLEN);
        buffer.putInt(LINKTYPE_ETHERNET);
    }

    /**
     * Appends one frame ({@code readerIndex..writerIndex}); frames over the snap length are cut, with the
     * original length recorded. Does not take ownership and does not move the frame's indices.
     */
    public void writeFrame(ByteBuf frame, long epochMicros) throws IOException {
        if (closed) {
            throw new IOException("pcap writer closed");
        }
        int originalLength = frame.readableBytes();
        int included = Math.min(originalLength, SNAPLEN);
        if (buffer.remaining() < RECORD_HEADER_LENGTH + included) {
            flush();
        }
        buffer.putInt((int) Math.floorDiv(epochMicros, 1_000_000L));
        buffer.putInt((int) Math.floorMod(epochMicros, 1_000_000L));
        buffer.putInt(included);
        buffer.putInt(originalLength);
        int limit = buffer.limit();
        buffer.limit(buffer.position() + included);
        frame.getBytes(frame.readerIndex(), buffer);
        buffer.limit(limit);
    }

    /**
     * True while something written (the global header included) has not reached the channel yet. A caller
     * that wants the file readable during a capture flushes when this is true and it has time (jslirp: when
     * its loop is about to sleep, and at least once a second).
     */
    public boolean hasBuffered() {
        return buffer.position() > 0;
    }

    /** Writes everything buffered to the channel (blocking channels: a non-blocking one may spin). */
    public void flush() throws IOException {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } finally {
            buffer.clear();
        }
    }

    /** Flushes and closes the channel. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } finally {
            channel.close();
        }
    }
}
