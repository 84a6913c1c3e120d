package io.jslirp.stack.tcp;

import io.jslirp.stack.wire.Seq;
import io.netty.buffer.ByteBuf;

/**
 * Frames sent to the guest and not yet acknowledged, oldest first: one connection's retransmission queue.
 *
 * <h2>Theory of operation</h2>
 * An entry is the whole frame as it went to the guest (Ethernet, IP and TCP headers and the payload), held by
 * one reference of its own while the sink releases the other. A retransmission rewrites only the TCP header in
 * place (the current ACK, window and timestamps) and sends one more reference, so nothing is copied or built
 * again. Beside each frame the queue keeps its first sequence number, its sequence length (payload, plus one
 * for a FIN), when it last went out, and two marks: <i>retransmitted</i> (Karn's algorithm: its ACK gives no
 * RTT sample) and <i>SACKed</i> (a guest SACK block covers it whole, RFC 2018, so it is never resent). A
 * cumulative ACK frees whole entries from the head; a frame only partly acknowledged stays whole until its end
 * is, and a resend of it carries the acknowledged part again, which the guest trims. Freed frames go back to
 * the layer's pool of read buffers. The queue is a ring of parallel primitive arrays, a power of two long,
 * doubling when full, so a bulk transfer allocates nothing once it has grown to the guest's window. The arrays
 * exist only while the connection sends: none before its first frame, none after {@link #releaseAll}.
 */
final class RetransmitQueue {
    private static final byte RETRANSMITTED = 1;
    private static final byte SACKED = 2;

    private static final int FIRST_CAPACITY = 16;
    private static final ByteBuf[] NO_FRAMES = {};
    private static final int[] NO_INTS = {};
    private static final long[] NO_LONGS = {};
    private static final byte[] NO_BYTES = {};

    // Allocated at the first frame and given back by releaseAll: a connection that never sends, or is past
    // sending (TIME_WAIT while the host takes the guest's last bytes), holds no arrays.
    private ByteBuf[] frame = NO_FRAMES;
    private int[] seq = NO_INTS;
    private int[] len = NO_INTS;
    private long[] sentAt = NO_LONGS;
    private byte[] mark = NO_BYTES;
    private int head;
    private int count;
    /** The layer's bytes in flight toward the guest, which every entry counts in while it is queued. */
    private final FlightToGuest flight;

    RetransmitQueue(FlightToGuest flight) {
        this.flight = flight;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Slots the arrays have now (0 when it holds none). */
    int capacity() {
        return frame.length;
    }

    /** Appends a frame just sent: {@code seqLen} sequence numbers from {@code firstSeq}. */
    void add(ByteBuf f, int firstSeq, int seqLen, long now) {
        if (count == frame.length) {
            grow();
        }
        int i = (head + count) & (frame.length - 1);
        frame[i] = f;
        seq[i] = firstSeq;
        len[i] = seqLen;
        sentAt[i] = now;
        mark[i] = 0;
        count++;
        flight.sent(seqLen, count == 1);
    }

    private void grow() {
        int n = frame.length == 0 ? FIRST_CAPACITY : frame.length * 2;
        ByteBuf[] frames = new ByteBuf[n];
        int[] seqs = new int[n];
        int[] lens = new int[n];
        long[] sent = new long[n];
        byte[] marks = new byte[n];
        for (int k = 0; k < count; k++) {
            int i = (head + k) & (frame.length - 1);
            frames[k] = frame[i];
            seqs[k] = seq[i];
            lens[k] = len[i];
            sent[k] = sentAt[i];
            marks[k] = mark[i];
        }
        frame = frames;
        seq = seqs;
        len = lens;
        sentAt = sent;
        mark = marks;
        head = 0;
    }

    /**
     * Frees the entries {@code ack} covers whole, recycling their frames through {@code layer}. Returns when the
     * newest freed entry that was sent only once went out (an RTT sample by Karn's rule), or -1 when none was.
     */
    long removeAcked(int ack, TcpLayer layer) {
        long sampleSentAt = -1;
        long freed = 0;
        while (count > 0) {
            int i = head;
            if (Seq.gt(seq[i] + len[i], ack)) {
                break;
            }
            if ((mark[i] & RETRANSMITTED) == 0) {
                sampleSentAt = sentAt[i];
            }
            layer.memory.recycle(frame[i]);
            frame[i] = null;
            head = (head + 1) & (frame.length - 1);
            count--;
            freed += len[i];
        }
        if (freed > 0) {
            flight.released(freed, count == 0);
        }
        return sampleSentAt;
    }

    /** Marks the entries inside one guest SACK block [left, right) as held by the guest. */
    void markSacked(int left, int right) {
        for (int k = 0, i = head; k < count; k++, i = (i + 1) & (frame.length - 1)) {
            if (Seq.le(left, seq[i]) && Seq.le(seq[i] + len[i], right)) {
                mark[i] |= SACKED;
            }
        }
    }

    /** The slot of the oldest entry the guest has not SACKed, or -1 when there is none. */
    int firstUnsacked() {
        for (int k = 0, i = head; k < count; k++, i = (i + 1) & (frame.length - 1)) {
            if ((mark[i] & SACKED) == 0) {
                return i;
            }
        }
        return -1;
    }

    ByteBuf frame(int slot) {
        return frame[slot];
    }

    int seq(int slot) {
        return seq[slot];
    }

    /** The entry in {@code slot} goes out again now: its ACK no longer gives an RTT sample. */
    void markResent(int slot, long now) {
        mark[slot] |= RETRANSMITTED;
        sentAt[slot] = now;
    }

    /**
     * Releases every frame (the connection is closing) and the arrays with them; the queue is empty afterwards
     * and allocates again only if a frame is added.
     */
    void releaseAll() {
        long bytes = 0;
        boolean held = count > 0;
        for (int k = 0; k < count; k++) {
            int i = (head + k) & (frame.length - 1);
            frame[i].release();
            frame[i] = null;
            bytes += len[i];
        }
        count = 0;
        head = 0;
        frame = NO_FRAMES;
        seq = NO_INTS;
        len = NO_INTS;
        sentAt = NO_LONGS;
        mark = NO_BYTES;
        if (held) {
            flight.released(bytes, true);
        }
    }
}
