package io.jslirp.stack.flow;

import io.jslirp.stack.wire.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
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
