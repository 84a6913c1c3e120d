package io.jslirp.stack.flow;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class FlowTableTest {
    @Test
    void putGetRemoveAndBound() {
        FlowTable<String> t = new FlowTable<>(3);
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
        FlowTable<Long> t = new FlowTable<>(20_000);
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
