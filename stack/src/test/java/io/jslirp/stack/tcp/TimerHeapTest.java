package io.jslirp.stack.tcp;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.wire.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The timer heap's order, and its array going back after a burst of connections. */
class TimerHeapTest extends TcpHarness {
    private List<TcpConnection> connections(int n) {
        List<TcpConnection> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(new TcpConnection(stack.tcp(), 0x0200_0000_0001L, IpAddress.V4_HI, IpAddress.v4Lo(Frames.GUEST_IP),
                    1024 + i, IpAddress.V4_HI, IpAddress.v4Lo(REMOTE), RPORT, 0));
        }
        return all;
    }

    @Test
    void aBurstsArrayShrinksAsItsConnectionsLeaveAndTheOrderHolds() {
        TimerHeap h = new TimerHeap();
        List<TcpConnection> all = connections(5000);
        for (int i = 0; i < all.size(); i++) {
            h.schedule(all.get(i), (i * 7919L) % 5000);
        }
        assertEquals(8192, h.length());
        // Half leave out of order (closed before their timers), then the rest fire in deadline order.
        for (int i = 0; i < all.size(); i += 2) {
            h.remove(all.get(i));
        }
        assertEquals(8192, h.length(), "half full: nothing to give back yet");
        long last = Long.MIN_VALUE;
        int lengthBefore = h.length();
        while (h.size() > 0) {
            long next = h.peekDeadline();
            TcpConnection c = h.poll();
            assertEquals(next, c.heapKey);
            assertTrue(next >= last, "deadline order");
            last = next;
            assertTrue(h.length() <= lengthBefore);
            assertTrue(h.size() > h.length() / 8 || h.length() == 64, h.size() + " in " + h.length());
            lengthBefore = h.length();
        }
        assertEquals(64, h.length());
    }

    @Test
    void aSteadyLoadDoesNotResizeBackAndForth() {
        List<TcpConnection> all = connections(3000);
        for (int level : new int[] {8, 9, 16, 17, 63, 64, 65, 128, 129, 1000}) {
            TimerHeap h = new TimerHeap();
            for (int i = 0; i < level; i++) {
                h.schedule(all.get(i), i);
            }
            // Read after the schedule and again after the poll: a grow that the poll undid would pass a check
            // made only after both.
            int length = -1;
            for (int i = level; i < level + 10_000; i++) {
                h.schedule(all.get(i % all.size()), i);
                if (i == level) {
                    // The connection scheduled before one leaves may take a full array over, once.
                    length = h.length();
                }
                assertEquals(length, h.length(), "level " + level + ", after the schedule");
                TcpConnection first = h.poll();
                assertEquals(i - level, first.heapKey);
                assertEquals(length, h.length(), "level " + level + ", after the poll");
            }
            while (h.size() > 0) {
                h.poll();
            }
        }
    }
}
