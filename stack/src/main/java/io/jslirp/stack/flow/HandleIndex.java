package io.jslirp.stack.flow;

/**
 * Host socket handle (a file descriptor: small, dense, non-negative) to flow, as a plain array: the
 * event loop's readiness callback finds its flow with one load. Grows to the largest handle seen.
 */
public final class HandleIndex<T> {
    private Object[] byHandle = new Object[64];
    private int size;

    @SuppressWarnings("unchecked")
    public T get(int handle) {
        return handle >= 0 && handle < byHandle.length ? (T) byHandle[handle] : null;
    }

    public void put(int handle, T value) {
        if (handle < 0) {
            throw new IllegalArgumentException("negative handle " + handle);
        }
        if (handle >= byHandle.length) {
            Object[] bigger = new Object[Math.max(byHandle.length * 2, Integer.highestOneBit(handle) << 1)];
            System.arraycopy(byHandle, 0, bigger, 0, byHandle.length);
            byHandle = bigger;
        }
        if (byHandle[handle] == null) {
            size++;
        }
        byHandle[handle] = value;
    }

    /** Clears the handle's entry only if it still maps to {@code value} (a reused fd may map to a new flow). */
    public void remove(int handle, T value) {
        if (handle >= 0 && handle < byHandle.length && byHandle[handle] == value && value != null) {
            byHandle[handle] = null;
            size--;
        }
    }

    public int size() {
        return size;
    }
}
