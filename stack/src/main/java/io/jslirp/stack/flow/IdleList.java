package io.jslirp.stack.flow;

/**
 * Flows in order of last activity, as an intrusive doubly linked list: {@link #touch} moves a flow to the
 * tail in O(1) with no allocation, so the head is always the flow idle longest. With one idle timeout per
 * list, the head also holds the list's earliest expiry, which is all a timer needs; and it is the flow to
 * evict when a bounded table is full.
 */
public final class IdleList<T extends IdleList.Node> {
    /** What a flow extends to be listed. */
    public abstract static class Node {
        Node prev;
        Node next;
        IdleList<?> list;
        /** Clock.nanoTime() of the last activity. */
        public long lastActive;

        public boolean listed() {
            return list != null;
        }
    }

    private Node head;
    private Node tail;

    /** The flow idle longest, or null. */
    @SuppressWarnings("unchecked")
    public T first() {
        return (T) head;
    }

    /** Adds {@code n} at the tail (or moves it there) with activity at {@code now}. */
    public void touch(T n, long now) {
        n.lastActive = now;
        if (n.list == this && n == tail) {
            return;
        }
        if (n.list != null) {
            n.list.unlink(n);
        }
        n.list = this;
        n.prev = tail;
        n.next = null;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
    }

    public void remove(T n) {
        if (n.list == this) {
            unlink(n);
        }
    }

    private void unlink(Node n) {
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = null;
        n.next = null;
        n.list = null;
    }
}
