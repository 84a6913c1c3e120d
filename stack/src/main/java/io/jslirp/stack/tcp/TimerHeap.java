package io.jslirp.stack.tcp;

/**
 * A binary min-heap of connections by deadline, with each connection's position stored in the connection
 * (an intrusive index), so that insert, remove and decrease-key are O(log n) with no search and no
 * allocation. One entry per connection: its earliest deadline. A connection whose deadline moves later is
 * left where it is (the entry fires early and the connection reschedules itself), so the common case of
 * pushing the retransmission timer back on every ACK costs nothing here.
 */
final class TimerHeap {
    private static final int MIN_LENGTH = 64;

    private TcpConnection[] heap = new TcpConnection[MIN_LENGTH];
    private int size;

    int size() {
        return size;
    }

    /** Slots allocated. */
    int length() {
        return heap.length;
    }

    long peekDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].heapKey;
    }

    /** Makes sure {@code c} fires no later than {@code deadline}. */
    void schedule(TcpConnection c, long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return;
        }
        if (c.heapIndex < 0) {
            if (size == heap.length) {
                TcpConnection[] bigger = new TcpConnection[size * 2];
                System.arraycopy(heap, 0, bigger, 0, size);
                heap = bigger;
            }
            c.heapKey = deadline;
            c.heapIndex = size;
            heap[size++] = c;
            siftUp(c.heapIndex);
        } else if (deadline < c.heapKey) {
            c.heapKey = deadline;
            siftUp(c.heapIndex);
        }
    }

    void remove(TcpConnection c) {
        int i = c.heapIndex;
        if (i < 0) {
            return;
        }
        c.heapIndex = -1;
        size--;
        if (i != size) {
            TcpConnection last = heap[size];
            heap[size] = null;
            heap[i] = last;
            last.heapIndex = i;
            siftDown(i);
            siftUp(last.heapIndex);
        } else {
            heap[size] = null;
        }
        // A burst's array goes back as its connections end: half the length at an eighth full, which leaves it
        // a quarter full, and it doubles again only when full, so no load rebuilds it back and forth.
        if (size <= heap.length / 8 && heap.length > MIN_LENGTH) {
            TcpConnection[] smaller = new TcpConnection[heap.length / 2];
            System.arraycopy(heap, 0, smaller, 0, size);
            heap = smaller;
        }
    }

    TcpConnection poll() {
        TcpConnection top = heap[0];
        remove(top);
        return top;
    }

    private void siftUp(int i) {
        TcpConnection c = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            TcpConnection p = heap[parent];
            if (p.heapKey <= c.heapKey) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = c;
        c.heapIndex = i;
    }

    private void siftDown(int i) {
        TcpConnection c = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            TcpConnection ch = heap[child];
            int right = child + 1;
            if (right < size && heap[right].heapKey < ch.heapKey) {
                child = right;
                ch = heap[child];
            }
            if (c.heapKey <= ch.heapKey) {
                break;
            }
            heap[i] = ch;
            ch.heapIndex = i;
            i = child;
        }
        heap[i] = c;
        c.heapIndex = i;
    }
}
