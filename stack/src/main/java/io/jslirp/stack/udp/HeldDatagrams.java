package io.jslirp.stack.udp;

import io.netty.buffer.ByteBuf;

/**
 * Frames from port forwards waiting for one guest address's MAC (the ARP answer), oldest first, in a ring
 * of fixed size: a full ring gives up its oldest frame, as Linux's neighbour queue (unres_qlen) does, so the
 * freshest datagrams are the ones sent when the answer comes. Owns every frame it holds until it hands it
 * out or releases it. Allocated once per guest address that has to wait, never per datagram.
 */
final class HeldDatagrams {
    final int guestAddr;
    private final ByteBuf[] frames;
    private final UdpForward[] forwards;
    private final long[] heldAt;
    private int head;
    private int count;

    HeldDatagrams(int guestAddr, int capacity) {
        this.guestAddr = guestAddr;
        this.frames = new ByteBuf[capacity];
        this.forwards = new UdpForward[capacity];
        this.heldAt = new long[capacity];
    }

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    /** Holds {@code frame}; returns true when the oldest frame had to be released to make room. */
    boolean add(ByteBuf frame, UdpForward forward, long now) {
        boolean pushedOut = false;
        if (count == frames.length) {
            poll().release();
            pushedOut = true;
        }
        int i = (head + count) % frames.length;
        frames[i] = frame;
        forwards[i] = forward;
        heldAt[i] = now;
        count++;
        return pushedOut;
    }

    /** Clock time the oldest frame was held at; only when not empty. */
    long oldestHeldAt() {
        return heldAt[head];
    }

    /** Hands out the oldest frame (the caller owns it now), or null. */
    ByteBuf poll() {
        if (count == 0) {
            return null;
        }
        ByteBuf f = frames[head];
        frames[head] = null;
        forwards[head] = null;
        head = (head + 1) % frames.length;
        count--;
        return f;
    }

    /** Releases the frames that came through {@code forward}, keeping the others in order; returns how many. */
    int releaseFrom(UdpForward forward) {
        int released = 0;
        for (int n = count; n > 0; n--) {
            UdpForward fw = forwards[head];
            long at = heldAt[head];
            ByteBuf f = poll();
            if (fw == forward) {
                f.release();
                released++;
            } else {
                add(f, fw, at);
            }
        }
        return released;
    }
}
