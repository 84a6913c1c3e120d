package io.jslirp.stack.flow;

import io.jslirp.stack.wire.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class FlowTableTest {
    /** IPv4 keys, stored IPv4-mapped as the layers store them. */
    private static final class V4Table<T> {
        final FlowTable<T> t;

        V4Table(int max) {
            t = new FlowTable<>(max);
        }

        boolean put(int ga, int gp, int ra, int rp, T v) {
            return t.put(0, IpAddress.v4Lo(ga), gp, 0, IpAddress.v4Lo(ra), rp, v);
        }

        T get(int ga, int gp, int ra, int rp) {
            return t.get(0, IpAddress.v4Lo(ga), gp, 0, IpAddress.v4Lo(ra), rp);
        }

        T remove(int ga, int gp, int ra, int rp) {
            return t.remove(0, IpAddress.v4Lo(ga), gp, 0, IpAddress.v4Lo(ra), rp);
        }

        boolean isFull() {
            return t.isFull();
        }

        int size() {
            return t.size();
        }
    }

    @Test
    void ipv6KeysDifferFromTheirIpv4LookAlikes() {
        FlowTable<String> t = new FlowTable<>(4);
        long docHi = 0x2001_0db8_0000_0000L;
        assertTrue(t.put(0, IpAddress.v4Lo(1), 2, 0, IpAddress.v4Lo(3), 4, "v4"));
        assertTrue(t.put(docHi, 1, 2, docHi, 3, 4, "v6"));
        assertTrue(t.put(0, 1, 2, 0, 3, 4, "v6 low"));
        assertEquals("v4", t.get(0, IpAddress.v4Lo(1), 2, 0, IpAddress.v4Lo(3), 4));
        assertEquals("v6", t.get(docHi, 1, 2, docHi, 3, 4));
        assertEquals("v6 low", t.remove(0, 1, 2, 0, 3, 4));
        assertNull(t.get(docHi, 1, 2, 0, 3, 4));
        assertEquals(2, t.size());
    }

    @Test
    void putGetRemoveAndBound() {
        V4Table<String> t = new V4Table<>(3);
        assertTrue(t.put(1, 2, 3, 4, "a"));
        assertFalse(t.put(1, 2, 3, 4, "dup"));
        assertTrue(t.put(1, 2, 3, 5, "b"));
        assertTrue(t.put(-1, 65535, -2, 65535, "c"));
        assertTrue(t.isFull());
        assertFalse(t.put(9, 9, 9, 9, "over"));
        assertEquals("a", t.get(1, 2, 3, 4));
        assertEquals("c", t.get(-1, 65535, -2, 65535));
        assertNull(t.get(1, 2, 3, 6));
        assertEquals("b", t.remove(1, 2, 3, 5));
        assertNull(t.remove(1, 2, 3, 5));
        assertEquals(2, t.size());
    }

    @Test
    void randomChurnAgreesWithAHashMap() {
        V4Table<Long> t = new V4Table<>(20_000);
        Map<Long, Long> ref = new HashMap<>();
        Random r = new Random(42);
        int ga = 0x0a000264;
        int rp = 80;
        for (int i = 0; i < 200_000; i++) {
            int gp = r.nextInt(4000);
            int ra = 0xc0000200 | r.nextInt(4);
            long key = ((long) gp << 32) | (ra & 0xffffffffL);
            if (r.nextBoolean()) {
                boolean added = t.put(ga, gp, ra, rp, key);
                assertEquals(!ref.containsKey(key), added);
                ref.putIfAbsent(key, key);
            } else {
                assertEquals(ref.remove(key), t.remove(ga, gp, ra, rp));
            }
            if (i % 1000 == 0) {
                for (Long k : ref.keySet()) {
                    assertEquals(k, t.get(ga, (int) (k >>> 32), (int) (long) k, rp));
                }
            }
        }
        assertEquals(ref.size(), t.size());
    }

    /** A burst of flows, then they end in random order: the table shrinks in steps and every lookup stays right. */
    @Test
    void theTableShrinksAsFlowsEndAndLookupsStayRight() {
        V4Table<Integer> t = new V4Table<>(65_536);
        int n = 10_000;
        int ra = 0x7f00_0001;
        for (int i = 0; i < n; i++) {
            assertTrue(t.put(0x0a00_0264, 1024 + i, ra, 80, i));
        }
        assertEquals(32_768, t.t.capacity(), "more than half of 16,384");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        boolean[] gone = new boolean[n];
        int capacity = t.t.capacity();
        int shrinks = 0;
        for (int k = 0; k < n; k++) {
            int i = order.get(k);
            assertEquals(i, t.remove(0x0a00_0264, 1024 + i, ra, 80));
            gone[i] = true;
            if (t.t.capacity() != capacity) {
                assertTrue(t.t.capacity() < capacity, "only shrinks while flows end");
                shrinks++;
                capacity = t.t.capacity();
                assertTrue(t.size() * 4 <= capacity, t.size() + " flows in " + capacity);
                // Right after each shrink every flow is where a lookup finds it, and no ended one is.
                for (int j = 0; j < n; j++) {
                    assertEquals(gone[j] ? null : (Integer) j, t.get(0x0a00_0264, 1024 + j, ra, 80));
                }
            }
            assertTrue(t.size() > capacity / 8 || capacity == 64, t.size() + " flows left in " + capacity);
        }
        assertEquals(64, t.t.capacity(), "back to its first size");
        assertEquals(9, shrinks, "32,768 down to 64 a half at a time");
        assertEquals(0, t.size());
    }

    /**
     * A load steady at any level, a flow ending for each that starts, resizes the table at most once, never
     * back and forth: it shrinks at an eighth full to a quarter, and grows past a half.
     */
    @Test
    void aSteadyLoadDoesNotResizeBackAndForth() {
        for (int level : new int[] {1, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 4096, 4097}) {
            V4Table<Integer> t = new V4Table<>(65_536);
            for (int i = 0; i < level; i++) {
                t.put(0x0a00_0264, 1024 + i, 0x7f00_0001, 80, i);
            }
            int before = t.t.resizes();
            int afterFirst = -1;
            for (int i = level; i < level + 20_000; i++) {
                assertTrue(t.put(0x0a00_0264, 1024 + i % 60_000, 0x7f00_0001, 80, i));
                int old = i - level;
                assertEquals(old, t.remove(0x0a00_0264, 1024 + old % 60_000, 0x7f00_0001, 80));
                if (i == level) {
                    // The flow that starts before one ends may take a table at its threshold over it, once.
                    afterFirst = t.t.resizes();
                }
            }
            assertTrue(afterFirst - before <= 1, "level " + level);
            assertEquals(afterFirst, t.t.resizes(), "level " + level);
        }
        // Right after a shrink (at an eighth full, to a quarter full) a swing of 16 up and down resizes nothing: a
        // rule that shrank to half full, or grew at a quarter, would rebuild the table on every swing.
        V4Table<Integer> w = new V4Table<>(65_536);
        for (int i = 0; i < 4097; i++) {
            w.put(0x0a00_0264, 1024 + i, 0x7f00_0001, 80, i);
        }
        int removed = 0;
        while (w.t.capacity() == 16_384) {
            w.remove(0x0a00_0264, 1024 + removed, 0x7f00_0001, 80);
            removed++;
        }
        int resizes = w.t.resizes();
        int next = 4097;
        for (int swing = 0; swing < 50; swing++) {
            for (int k = 0; k < 16; k++) {
                w.put(0x0a00_0264, 1024 + next++, 0x7f00_0001, 80, 0);
            }
            for (int k = 0; k < 16; k++) {
                w.remove(0x0a00_0264, 1024 + removed++, 0x7f00_0001, 80);
            }
        }
        assertEquals(resizes, w.t.resizes(), "a swing of 16 around the shrink threshold");
    }

    @Test
    void handleIndexIgnoresStaleRemovals() {
        HandleIndex<String> h = new HandleIndex<>();
        h.put(1000, "x");
        assertEquals("x", h.get(1000));
        h.remove(1000, "other");
        assertEquals("x", h.get(1000));
        h.remove(1000, "x");
        assertNull(h.get(1000));
        assertNull(h.get(-1));
        assertEquals(0, h.size());
    }
}
