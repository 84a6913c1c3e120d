package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The TIME_WAIT record store against a plain map: lookups, fields, deadline order, growth and shrinking. */
@ExtendWith(LeakCheckExtension.class)
class TimeWaitTableTest {
    private static final long T = 15_000_000_000L;
    private static final long GUEST6_HI = 0xfd00_0000_0000_0000L;

    /** The launcher's pool: one arena of 1 MiB chunks, no thread caches, so its counts are the table's. */
    private final PooledByteBufAllocator pool = new PooledByteBufAllocator(true, 0, 1, 8192, 7, 0, 0, false);

    /**
     * A table whose bound (RelayOptions.DEFAULT_MAX_TIME_WAIT in production) none of the ring's tests reach, so
     * that growing, shrinking and lookups are tested past 8,192 records too.
     */
    private TimeWaitTable table(long now) {
        return new TimeWaitTable(pool, now, 1 << 16);
    }

    /** Direct buffers the tables of this test hold. */
    private long buffersHeld() {
        return pool.metric().directArenas().get(0).numActiveAllocations();
    }

    @AfterEach
    void everyTableGaveItsBufferBack() {
        assertEquals(0, buffersHeld());
    }

    /** A record as the model keeps it. */
    private static final class Rec {
        final long gHi;
        final long gLo;
        final int gPort;
        final long rHi;
        final long rLo;
        final int rPort;
        final int rcvNxt;
        final int sndNxt;
        int ts;
        final boolean tsOk;
        final boolean scaled;
        long deadline;

        Rec(long gHi, long gLo, int gPort, long rHi, long rLo, int rPort, int rcvNxt, int sndNxt, int ts,
            boolean tsOk, boolean scaled, long deadline) {
            this.gHi = gHi;
            this.gLo = gLo;
            this.gPort = gPort;
            this.rHi = rHi;
            this.rLo = rLo;
            this.rPort = rPort;
            this.rcvNxt = rcvNxt;
            this.sndNxt = sndNxt;
            this.ts = ts;
            this.tsOk = tsOk;
            this.scaled = scaled;
            this.deadline = deadline;
        }

        String key() {
            return gHi + "/" + gLo + "/" + gPort + "/" + rHi + "/" + rLo + "/" + rPort;
        }

        int find(TimeWaitTable t) {
            return t.find(gHi, gLo, gPort, rHi, rLo, rPort);
        }
    }

    private static void check(TimeWaitTable t, Rec r) {
        int slot = r.find(t);
        assertTrue(slot >= 0, r.key());
        assertEquals(r.gHi, t.guestHi(slot));
        assertEquals(r.gLo, t.guestLo(slot));
        assertEquals(r.gPort, t.guestPort(slot));
        assertEquals(r.rHi, t.remoteHi(slot));
        assertEquals(r.rLo, t.remoteLo(slot));
        assertEquals(r.rPort, t.remotePort(slot));
        assertEquals(r.rcvNxt, t.rcvNxt(slot));
        assertEquals(r.sndNxt, t.sndNxt(slot));
        assertEquals(r.ts, t.tsRecent(slot));
        assertEquals(r.tsOk, t.tsOk(slot));
        assertEquals(r.scaled, t.scaled(slot));
        assertEquals(r.deadline, t.deadline(slot));
    }

    @Test
    void randomChurnMatchesAMap() {
        Random rnd = new Random(12);
        long now = -5_000_000_000L; // the clock's origin is arbitrary: negative readings work alike
        TimeWaitTable t = table(now);
        Map<String, Rec> model = new LinkedHashMap<>();
        int maxSlots = 0;
        for (int step = 0; step < 60_000; step++) {
            now += rnd.nextInt(2_000_000);
            int op = rnd.nextInt(10);
            if (op < 5 || model.isEmpty()) {
                // IPv4 and IPv6 tuples, some differing only in the high halves or the ports.
                boolean v6 = rnd.nextBoolean();
                long gHi = v6 ? GUEST6_HI : IpAddress.V4_HI;
                long gLo = v6 ? rnd.nextInt(4) : IpAddress.v4Lo(0x0a00_0264);
                long rHi = v6 ? GUEST6_HI | rnd.nextInt(2) : IpAddress.V4_HI;
                long rLo = v6 ? 0x10 : IpAddress.v4Lo(0x7f00_0001 + rnd.nextInt(3));
                Rec r = new Rec(gHi, gLo, 1024 + rnd.nextInt(2000), rHi, rLo, 80 + rnd.nextInt(2), rnd.nextInt(),
                        rnd.nextInt(), rnd.nextInt(), rnd.nextBoolean(), rnd.nextBoolean(), now + T);
                if (model.containsKey(r.key())) {
                    continue;
                }
                t.add(r.gHi, r.gLo, r.gPort, r.rHi, r.rLo, r.rPort, r.rcvNxt, r.sndNxt, r.tsOk, r.ts, r.scaled,
                        r.deadline);
                model.put(r.key(), r);
            } else if (op < 7) {
                Rec r = any(model, rnd);
                t.remove(r.find(t));
                model.remove(r.key());
                assertEquals(-1, r.find(t));
            } else if (op < 8) {
                Rec r = any(model, rnd);
                r.deadline = now + T;
                r.ts = rnd.nextInt();
                int slot = r.find(t);
                t.setTsRecent(slot, r.ts);
                slot = t.restart(slot, r.deadline);
                assertEquals(slot, r.find(t));
                // Restarted records move to the end of the model's order too.
                model.remove(r.key());
                model.put(r.key(), r);
            } else {
                now += rnd.nextInt(200_000_000);
                int expected = 0;
                List<String> gone = new ArrayList<>();
                for (Rec r : model.values()) {
                    if (r.deadline - now <= 0) {
                        expected++;
                        gone.add(r.key());
                    }
                }
                assertEquals(expected, t.expire(now));
                gone.forEach(model::remove);
            }
            assertEquals(model.size(), t.size());
            maxSlots = Math.max(maxSlots, t.slots());
            long next = Long.MAX_VALUE;
            for (Rec r : model.values()) {
                next = Math.min(next, r.deadline);
            }
            assertEquals(next, t.nextDeadline());
            if (step % 1000 == 0) {
                for (Rec r : model.values()) {
                    check(t, r);
                }
            }
        }
        for (Rec r : model.values()) {
            check(t, r);
        }
        assertTrue(maxSlots > TimeWaitTable.MIN_SLOTS, "the run made the table grow");
        assertEquals(model.size(), t.expire(now + T));
        assertEquals(0, t.slots(), "and it shrank back to nothing");
        assertEquals(0, t.footprintBytes());
    }

    private static Rec any(Map<String, Rec> model, Random rnd) {
        int k = rnd.nextInt(model.size());
        for (Rec r : model.values()) {
            if (k-- == 0) {
                return r;
            }
        }
        throw new AssertionError();
    }

    @Test
    void aLateDeadlineIsRaisedToKeepTheOrder() {
        TimeWaitTable t = table(0);
        long a = IpAddress.v4Lo(0x0a00_0264);
        long b = IpAddress.v4Lo(0x7f00_0001);
        t.add(0, a, 1000, 0, b, 80, 1, 2, false, 0, false, 5 * T);
        // A connection that kept its object while the host drained: 2MSL counted from before the last record.
        t.add(0, a, 1001, 0, b, 80, 1, 2, false, 0, false, 4 * T);
        assertEquals(5 * T, t.deadline(t.find(0, a, 1001, 0, b, 80)));
        assertEquals(0, t.expire(5 * T - 1));
        assertEquals(2, t.expire(5 * T));
    }

    @Test
    void oneBufferSizedToThePowerOfTwoAboveTheRecordsAndNoneWhenEmpty() {
        TimeWaitTable t = table(0);
        assertEquals(0, t.footprintBytes(), "an empty table holds no buffer");
        assertEquals(0, buffersHeld());
        for (int i = 0; i < 10_000; i++) {
            add(t, 10_000 + i, T);
        }
        assertEquals(16_384, t.slots(), "the next power of two");
        assertTrue(TimeWaitTable.BYTES_PER_SLOT <= 64);
        assertEquals(1, buffersHeld(), "one buffer, the old ones released as it grew");
        t.clear();
        assertEquals(0, t.footprintBytes());
    }

    @Test
    void restartingTheOnlyRecordKeepsTheTablesBuffer() {
        // A guest retransmitting its FIN restarts 2MSL on every copy: that must not free and take a buffer.
        TimeWaitTable t = table(0);
        add(t, 40_000, T);
        long allocations = pool.metric().directArenas().get(0).numAllocations();
        int slot = t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), 40_000, IpAddress.V4_HI,
                IpAddress.v4Lo(0x7f00_0001), 80);
        for (int i = 1; i <= 5; i++) {
            slot = t.restart(slot, T + i);
            assertEquals(T + i, t.deadline(slot));
        }
        assertEquals(allocations, pool.metric().directArenas().get(0).numAllocations(), "no buffer taken anew");
        assertEquals(1, t.size());
        t.clear();
    }

    /**
     * The default bound: a full table ends its oldest record for each new one, counts each (takeEvicted), finds
     * the newest ones with their fields and none of the ended ones, and its ring stops growing.
     */
    @Test
    void aFullTableEndsItsOldestRecordForANewOneAndStopsGrowing() {
        int max = RelayOptions.DEFAULT_MAX_TIME_WAIT;
        TimeWaitTable t = new TimeWaitTable(pool, 0, max);
        int n = 3 * max;
        int evicted = 0;
        for (int i = 0; i < n; i++) {
            t.add(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), 1024 + i, IpAddress.V4_HI,
                    IpAddress.v4Lo(0x7f00_0001), 80, (1024 + i) * 3, (1024 + i) * 5, true, (1024 + i) * 7,
                    (i & 1) == 0, T + i);
            evicted += t.takeEvicted();
            assertTrue(t.size() <= max, t.size() + " records");
        }
        assertEquals(n - max, evicted);
        assertEquals(max, t.size());
        // Records ended in order leave no dead slot: the ring holds exactly the bound, and never more (below).
        assertEquals(max, t.slots());
        assertEquals((long) max * TimeWaitTable.BYTES_PER_SLOT, t.footprintBytes());
        for (int i = 0; i < n; i += 7) {
            if (i < n - max) {
                assertFalse(present(t, 1024 + i), "ended early: " + i);
            } else {
                assertRecord(t, 1024 + i, T + i);
            }
        }
        assertEquals(T + n - max, t.nextDeadline(), "the oldest left is next to expire");
        assertEquals(max, t.expire(T + n));
        assertEquals(0, t.slots());
        assertThrows(IllegalArgumentException.class, () -> new TimeWaitTable(pool, 0, 3000));
        assertThrows(IllegalArgumentException.class, () -> new TimeWaitTable(pool, 0, 64));
    }

    /**
     * A full table under removals (dead slots) and restarts, against a model that ends its oldest entries as the
     * table says it ended them: the same records found with their deadlines, the ended ones gone, never more
     * than the bound, the ring never past it, and the records ended early to rebuild it in place at most a
     * quarter ring at a time and only when more than three quarters of it were live.
     */
    @Test
    void aFullTableUnderRemovalsAndRestartsKeepsTheNewestAndStaysWithinItsBound() {
        int max = 4 * TimeWaitTable.MIN_SLOTS; // grows to it from the smallest ring, and shrinks
        int minSlots = max;
        TimeWaitTable t = new TimeWaitTable(pool, 0, max);
        Random rnd = new Random(7);
        LinkedHashMap<Integer, Long> model = new LinkedHashMap<>(); // ring order: oldest first
        long now = 0;
        int nextPort = 1024;
        int maxSlots = 0;
        for (int step = 0; step < 20_000; step++) {
            now += 1 + rnd.nextInt(1_000);
            int op = rnd.nextInt(10);
            if (op < 6 || model.isEmpty()) {
                int port = nextPort++;
                int before = model.size();
                t.add(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port, IpAddress.V4_HI,
                        IpAddress.v4Lo(0x7f00_0001), 80, port * 3, port * 5, true, port * 7, (port & 1) == 0,
                        now + T);
                int ended = t.takeEvicted();
                if (before == max) {
                    assertEquals(1, ended, "a full table ends its oldest, and only it");
                }
                endOldest(t, model, ended, max);
                model.put(port, now + T);
            } else {
                List<Integer> ports = new ArrayList<>(model.keySet());
                int port = ports.get(rnd.nextInt(ports.size()));
                int slot = t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port, IpAddress.V4_HI,
                        IpAddress.v4Lo(0x7f00_0001), 80);
                model.remove(port);
                if (op < 8) {
                    t.remove(slot);
                    assertEquals(0, t.takeEvicted());
                    assertFalse(present(t, port));
                } else {
                    t.restart(slot, now + T);
                    endOldest(t, model, t.takeEvicted(), max);
                    model.put(port, now + T);
                }
            }
            assertEquals(model.size(), t.size());
            maxSlots = Math.max(maxSlots, t.slots());
            if (t.slots() > 0) {
                minSlots = Math.min(minSlots, t.slots());
            }
            assertTrue(t.slots() <= max, t.slots() + " slots");
            if (step % 97 == 0) {
                for (Map.Entry<Integer, Long> e : model.entrySet()) {
                    assertRecord(t, e.getKey(), e.getValue());
                }
            }
        }
        assertEquals(max, maxSlots, "the ring reached the bound, and no further");
        assertTrue(minSlots < max, "and shrank below it at times");
        assertTrue(earlyEnds > 0, "dead slots in a ring at the bound made it end records early");
        t.clear();
    }

    private int earlyEnds;

    /**
     * The model's side of {@code ended} records the table ended early: its oldest (ring order), now absent.
     * Besides the one a full table ends for a newcomer (checked by the caller), records end early only where a
     * rebuild at the bound brings a ring more than three quarters live down to exactly three quarters.
     */
    private void endOldest(TimeWaitTable t, LinkedHashMap<Integer, Long> model, int ended, int max) {
        if (ended > 0 && model.size() < max) {
            earlyEnds += ended;
            assertEquals(max - max / 4, model.size() - ended, ended + " ended from " + model.size());
        }
        for (int i = 0; i < ended; i++) {
            int oldest = model.keySet().iterator().next();
            model.remove(oldest);
            assertFalse(present(t, oldest), "the oldest ended: " + oldest);
        }
    }

    private static void add(TimeWaitTable t, int port, long deadline) {
        t.add(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port, IpAddress.V4_HI, IpAddress.v4Lo(0x7f00_0001), 80,
                port * 3, port * 5, true, port * 7, (port & 1) == 0, deadline);
    }

    private static void assertRecord(TimeWaitTable t, int port, long deadline) {
        int slot = t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port, IpAddress.V4_HI,
                IpAddress.v4Lo(0x7f00_0001), 80);
        assertTrue(slot >= 0, "port " + port);
        assertEquals(port, t.guestPort(slot));
        assertEquals(port * 3, t.rcvNxt(slot));
        assertEquals(port * 5, t.sndNxt(slot));
        assertEquals(port * 7, t.tsRecent(slot));
        assertEquals((port & 1) == 0, t.scaled(slot));
        assertEquals(deadline, t.deadline(slot));
    }

    private static boolean present(TimeWaitTable t, int port) {
        return t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port, IpAddress.V4_HI,
                IpAddress.v4Lo(0x7f00_0001), 80) >= 0;
    }

    /**
     * A churn as the peer benchmark makes it: records entering TIME_WAIT at a steady rate, then none; as they
     * expire the table shrinks step by step, every record left still found with its fields, none gone found.
     */
    @Test
    void aChurnsTableShrinksAsItsRecordsExpireAndLookupsStayRight() {
        TimeWaitTable t = table(0);
        int n = 20_000;
        long step = 1_000_000L; // one record a millisecond: 20 s of churn, 15 s of TIME_WAIT each
        for (int i = 0; i < n; i++) {
            t.expire(i * step);
            add(t, 1024 + i, i * step + T);
        }
        int live = t.size();
        assertEquals((int) (T / step), live, "the last 15 s of records");
        int grown = t.slots();
        assertEquals(16_384, grown, "records expiring in order leave no dead slots: the ring fills before it grows");
        int lastSlots = grown;
        int shrinks = 0;
        for (long now = n * step; t.size() > 0; now += 100 * step) {
            t.expire(now);
            int first = 1024 + (int) Math.max(0, (now - T) / step + 1);
            for (int port = 1024 + n - live; port < 1024 + n; port += 37) {
                if (port < first) {
                    assertFalse(present(t, port), "expired " + port);
                } else {
                    assertRecord(t, port, (port - 1024) * step + T);
                }
            }
            if (t.slots() < lastSlots) {
                shrinks++;
                assertTrue(t.size() <= t.slots() / 2, t.size() + " records in " + t.slots() + " slots");
                lastSlots = t.slots();
            }
            assertTrue(t.size() == 0 || t.size() > t.slots() / 4 || t.slots() == TimeWaitTable.MIN_SLOTS,
                    "at most a quarter live stays no longer than the next expiry: " + t.size() + " in " + t.slots());
            assertEquals(t.slots() == 0 ? 0 : 1, buffersHeld(), "the old buffers went back at once");
        }
        assertTrue(shrinks >= 5, "shrank in steps: " + shrinks);
        assertEquals(0, t.slots());
    }

    /**
     * A load steady at any level, a record leaving for each that arrives, resizes the table at most once (the
     * first time the ring fills with dead slots it may grow past a ring three quarters live) and never back and
     * forth: shrinking waits for at most a quarter live and leaves it half live, growing waits for more than
     * three quarters.
     */
    @Test
    void aSteadyLoadDoesNotResizeBackAndForth() {
        for (int level : new int[] {1, 16, 17, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4096}) {
            TimeWaitTable t = table(0);
            for (int i = 0; i < level; i++) {
                add(t, 1024 + i, T);
            }
            int before = t.resizes();
            int next = level;
            for (int cycle = 0; cycle < 20 * Math.max(level, TimeWaitTable.MIN_SLOTS); cycle++) {
                add(t, 1024 + next % 60_000, T);
                int oldest = 1024 + (next - level) % 60_000;
                t.remove(t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), oldest, IpAddress.V4_HI,
                        IpAddress.v4Lo(0x7f00_0001), 80));
                next++;
                assertEquals(level, t.size());
            }
            assertTrue(t.resizes() - before <= 1, "level " + level + ": " + (t.resizes() - before) + " resizes");
            for (int i = next - level; i < next; i += 7) {
                assertRecord(t, 1024 + i % 60_000, T);
            }
            t.clear();
        }
    }

    /** Falling to a shrink threshold and rising past the next grow threshold, repeatedly, stays put. */
    @Test
    void aLoadSwingingAcrossAThresholdDoesNotRebuildEachSwing() {
        TimeWaitTable t = table(0);
        for (int i = 0; i < 4097; i++) {
            add(t, 1024 + i, T);
        }
        assertEquals(8192, t.slots());
        // Down to a quarter live: half the slots, half live.
        int port = 1024;
        while (t.size() > 2048) {
            t.remove(t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port++, IpAddress.V4_HI,
                    IpAddress.v4Lo(0x7f00_0001), 80));
        }
        assertEquals(4096, t.slots());
        int resizes = t.resizes();
        int next = 1024 + 4097;
        for (int swing = 0; swing < 50; swing++) {
            // Up by a few and down again, around the size it shrank at.
            for (int i = 0; i < 8; i++) {
                add(t, next++, T);
            }
            for (int i = 0; i < 8; i++) {
                t.remove(t.find(IpAddress.V4_HI, IpAddress.v4Lo(0x0a00_0264), port++, IpAddress.V4_HI,
                        IpAddress.v4Lo(0x7f00_0001), 80));
            }
        }
        assertTrue(t.resizes() - resizes <= 1, (t.resizes() - resizes) + " resizes");
        t.clear();
    }
}
