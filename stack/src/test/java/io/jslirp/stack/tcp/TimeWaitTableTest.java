package io.jslirp.stack.tcp;

import io.jslirp.stack.wire.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The TIME_WAIT record store against a plain map: lookups, fields, deadline order, growth and shrinking. */
class TimeWaitTableTest {
    private static final long T = 15_000_000_000L;
    private static final long GUEST6_HI = 0xfd00_0000_0000_0000L;

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
        TimeWaitTable t = new TimeWaitTable(now);
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
        assertEquals(TimeWaitTable.MIN_SLOTS, t.slots(), "and it shrank back");
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
        TimeWaitTable t = new TimeWaitTable(0);
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
    void footprintIsTheSlotCostTimesTheSlots() {
        TimeWaitTable t = new TimeWaitTable(0);
        assertEquals((long) TimeWaitTable.MIN_SLOTS * TimeWaitTable.BYTES_PER_SLOT, t.footprintBytes());
        for (int i = 0; i < 10_000; i++) {
            t.add(0, IpAddress.v4Lo(0x0a00_0264), 10_000 + i, 0, IpAddress.v4Lo(0x7f00_0001), 80, i, i, true, i,
                    true, T);
        }
        assertEquals(16_384, t.slots(), "the next power of two");
        assertEquals(16_384L * TimeWaitTable.BYTES_PER_SLOT, t.footprintBytes());
        assertTrue(TimeWaitTable.BYTES_PER_SLOT <= 64);
    }
}
