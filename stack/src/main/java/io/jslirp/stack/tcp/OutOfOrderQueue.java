package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.wire.Seq;
import io.netty.buffer.ByteBuf;

/**
 * Guest segments that arrived beyond RCV.NXT, held until the hole before them fills, and the SACK blocks
 * (RFC 2018) that report them.
 *
 * <h2>Theory of operation</h2>
 * Pieces are kept sorted by sequence number and never overlap: a new piece that a held one covers is dropped,
 * held pieces it covers are released, and it is trimmed against pieces that overlap either of its edges, so
 * every guest byte is held at most once. A piece is a retained slice of the received frame, or a right-sized
 * copy when the slice would pin a much larger buffer ({@code FrameMemory.keep}). The caller trims pieces to the
 * receive window first, and at most {@link TcpConnection#MAX_OOO_SEGMENTS} are held (a piece beyond that is
 * counted and dropped; the guest resends it), so the queue is bounded in count and bytes. A FIN beyond the hole
 * is remembered by its sequence number and takes effect when RCV.NXT reaches it. The arrays are allocated at
 * the first out-of-order piece: most connections never see one. When RCV.NXT advances the connection takes
 * pieces off the head ({@link #headReached}, {@link #pollHead}) and delivers what lies beyond RCV.NXT.
 * SACK blocks merge adjacent pieces and put the block holding the most recent arrival first (RFC 2018 4), as
 * many as fit in the ACK being built.
 */
final class OutOfOrderQueue {
    private final TcpLayer layer;
    private final Counters counters;
    private int[] seq;
    private ByteBuf[] data;
    private int count;
    private boolean fin;
    private int finSeq;
    /** Sequence number of the most recent piece kept, for the first SACK block. */
    private int lastSeq;

    OutOfOrderQueue(TcpLayer layer) {
        this.layer = layer;
        this.counters = layer.counters;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Whether it holds its arrays (made by the first out-of-order segment, dropped by releaseAll). */
    boolean hasArrays() {
        return seq != null;
    }

    /** Holds {@code len} bytes of {@code buf} at {@code at}, sequence {@code first}, and a FIN right after them. */
    void hold(ByteBuf buf, int at, int len, int first, boolean withFin) {
        if (withFin) {
            fin = true;
            finSeq = first + len;
        }
        if (len <= 0) {
            return;
        }
        if (seq == null) {
            seq = new int[TcpConnection.MAX_OOO_SEGMENTS];
            data = new ByteBuf[TcpConnection.MAX_OOO_SEGMENTS];
        }
        lastSeq = first;
        int end = first + len;
        // Drop held pieces the new one covers; trim the new one against pieces that overlap its edges.
        for (int i = 0; i < count; ) {
            int a = seq[i];
            int b = a + data[i].readableBytes();
            if (Seq.le(a, first) && Seq.ge(b, end)) {
                return; // already have all of it
            }
            if (Seq.le(first, a) && Seq.ge(end, b)) {
                data[i].release();
                System.arraycopy(seq, i + 1, seq, i, count - i - 1);
                System.arraycopy(data, i + 1, data, i, count - i - 1);
                data[--count] = null;
                continue;
            }
            if (Seq.lt(a, first) && Seq.gt(b, first)) {
                int cut = Seq.diff(b, first);
                at += cut;
                len -= cut;
                first = b;
            }
            if (Seq.lt(a, end) && Seq.gt(b, end)) {
                len -= Seq.diff(end, a);
                end = a;
            }
            i++;
        }
        if (len <= 0) {
            return;
        }
        if (count == TcpConnection.MAX_OOO_SEGMENTS) {
            counters.tcpOutOfOrderDropped++;
            return;
        }
        int pos = 0;
        while (pos < count && Seq.lt(seq[pos], first)) {
            pos++;
        }
        System.arraycopy(seq, pos, seq, pos + 1, count - pos);
        System.arraycopy(data, pos, data, pos + 1, count - pos);
        seq[pos] = first;
        data[pos] = layer.memory.keep(buf, at, len);
        count++;
    }

    /** A held FIN sits exactly at {@code rcvNxt}. */
    boolean finAt(int rcvNxt) {
        return fin && rcvNxt == finSeq;
    }

    /** The guest's FIN was taken: a held one is spent. */
    void clearFin() {
        fin = false;
    }

    /** The first held piece starts at or before {@code rcvNxt}: the hole before it is filled. */
    boolean headReached(int rcvNxt) {
        return count > 0 && !Seq.gt(seq[0], rcvNxt);
    }

    int headSeq() {
        return seq[0];
    }

    /** Takes the first piece off the queue; the caller owns (and releases) it. */
    ByteBuf pollHead() {
        ByteBuf d = data[0];
        count--;
        System.arraycopy(seq, 1, seq, 0, count);
        System.arraycopy(data, 1, data, 0, count);
        data[count] = null;
        return d;
    }

    /**
     * Fills {@code left}/{@code right} with the held ranges, adjacent pieces merged, the one holding the latest
     * arrival first (RFC 2018 4); returns how many (at most four, the arrays' length).
     */
    int sackBlocks(int[] left, int[] right) {
        int n = 0;
        int first = -1;
        for (int i = 0; i < count && n < 4; ) {
            int l = seq[i];
            int r;
            boolean latest = false;
            int j = i;
            do {
                if (Seq.inRange(lastSeq, seq[j], seq[j] + data[j].readableBytes())) {
                    latest = true;
                }
                r = seq[j] + data[j].readableBytes();
                j++;
            } while (j < count && seq[j] == r);
            left[n] = l;
            right[n] = r;
            if (latest) {
                first = n;
            }
            n++;
            i = j;
        }
        if (first > 0) {
            int l = left[first];
            int r = right[first];
            System.arraycopy(left, 0, left, 1, first);
            System.arraycopy(right, 0, right, 1, first);
            left[0] = l;
            right[0] = r;
        }
        return n;
    }

    /** Releases every held piece (the connection is closing) and the arrays; {@link #hold} makes new ones. */
    void releaseAll() {
        for (int i = 0; i < count; i++) {
            data[i].release();
            data[i] = null;
        }
        count = 0;
        seq = null;
        data = null;
    }
}
