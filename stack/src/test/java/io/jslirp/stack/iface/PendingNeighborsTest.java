package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one queue of what waits for a guest's MAC: order, bounds, expiry, withdrawal, both families' keys. */
@ExtendWith(LeakCheckExtension.class)
class PendingNeighborsTest {
    private static final long GUEST = IpAddress.v4Lo(0x0a00_0264);
    private static final long OTHER = IpAddress.v4Lo(0x0a00_0265);
    private static final long MAC = 0x5255_0a00_0264L;

    private final Counters counters = new Counters();
    private final PendingNeighbors pending = new PendingNeighbors(counters);
    /** What the owner was handed, in order: "sent n mac" or "dropped k". */
    private final List<String> log = new ArrayList<>();
    private final PendingNeighbors.FrameOwner owner = new PendingNeighbors.FrameOwner() {
        @Override
        public void sendHeld(ByteBuf frame) {
            long mac = ((long) frame.getUnsignedShort(frame.readerIndex()) << 32)
                    | frame.getUnsignedInt(frame.readerIndex() + 2);
            log.add("sent " + frame.getByte(frame.readerIndex() + 12) + " " + Long.toHexString(mac));
            frame.release();
        }

        @Override
        public void heldDropped(int count) {
            log.add("dropped " + count);
        }
    };

    /** A frame whose destination MAC is still zero, numbered in its first EtherType byte. */
    private static ByteBuf frame(int n, int readerIndex) {
        ByteBuf f = PooledByteBufAllocator.DEFAULT.directBuffer(readerIndex + 14);
        f.writeZero(readerIndex + 14).readerIndex(readerIndex);
        f.setByte(readerIndex + 12, n);
        return f;
    }

    @Test
    void flowsFirstThenFramesOldestFirstOnlyForTheResolvedAddress() {
        pending.hold(0, GUEST, frame(1, 0), owner, "fw", 0);
        pending.hold(0, OTHER, frame(2, 0), owner, "fw", 0);
        pending.hold(0, GUEST, frame(3, 20), owner, "fw", 0);
        pending.await(0, GUEST, mac -> log.add("flow " + Long.toHexString(mac)));
        pending.await(0, OTHER, mac -> log.add("other flow"));
        pending.resolved(0, GUEST, MAC);
        assertEquals(List.of("flow 52550a000264", "sent 1 52550a000264", "sent 3 52550a000264"), log);
        assertEquals(1, pending.heldFrames());
        pending.clear();
    }

    @Test
    void aFullAddressGivesUpItsOldestFrame() {
        for (int i = 0; i < PendingNeighbors.FRAMES_PER_ADDRESS; i++) {
            assertFalse(pending.hold(0, GUEST, frame(i, 0), owner, "fw", i));
        }
        assertFalse(pending.hold(0, OTHER, frame(99, 0), owner, "fw", 0), "another address has its own bound");
        assertTrue(pending.hold(0, GUEST, frame(50, 0), owner, "fw", 50));
        assertEquals(List.of("dropped 1"), log);
        log.clear();
        pending.resolved(0, GUEST, MAC);
        assertEquals(PendingNeighbors.FRAMES_PER_ADDRESS, log.size());
        assertEquals("sent 1 52550a000264", log.get(0));
        assertEquals("sent 50 52550a000264", log.get(log.size() - 1));
        pending.clear();
    }

    @Test
    void framesExpireAfterTheHoldTimeAndTheirTagWithdrawsThem() {
        pending.hold(0, GUEST, frame(1, 0), owner, "a", 100);
        pending.hold(0, GUEST, frame(2, 0), owner, "b", 200);
        pending.hold(0, GUEST, frame(3, 0), owner, "a", 300);
        assertEquals(100 + PendingNeighbors.HOLD_NANOS, pending.nextDeadline());
        pending.expire(100 + PendingNeighbors.HOLD_NANOS - 1);
        assertEquals(3, pending.heldFrames());
        pending.expire(100 + PendingNeighbors.HOLD_NANOS);
        assertEquals(List.of("dropped 1"), log);
        pending.releaseTagged("a");
        assertEquals(List.of("dropped 1", "dropped 1"), log);
        assertEquals(1, pending.heldFrames());
        assertEquals(200 + PendingNeighbors.HOLD_NANOS, pending.nextDeadline());
        pending.clear();
        assertEquals(Long.MAX_VALUE, pending.nextDeadline());
    }

    @Test
    void aCancelledFlowIsNotToldAndIpv6KeysAreTheirOwn() {
        long docHi = 0x2001_0db8_0000_0000L;
        PendingNeighbors.Waiter gone = mac -> log.add("cancelled flow");
        pending.await(0, GUEST, gone);
        pending.await(docHi, GUEST, mac -> log.add("v6 flow"));
        pending.cancel(gone);
        pending.resolved(0, GUEST, MAC);
        assertEquals(List.of(), log);
        pending.resolved(docHi, GUEST, MAC);
        assertEquals(List.of("v6 flow"), log);
    }

    @Test
    void aFailingFlowIsCountedAndTheRestStillGo() {
        pending.await(0, GUEST, mac -> {
            throw new IllegalStateException("bug");
        });
        pending.await(0, GUEST, mac -> log.add("second"));
        pending.resolved(0, GUEST, MAC);
        assertEquals(List.of("second"), log);
        assertEquals(1, counters.internalErrors);
    }
}
