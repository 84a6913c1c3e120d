package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Stack;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.Random;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Garbage and abuse: never throws, always counted, always bounded. */
@ExtendWith(LeakCheckExtension.class)
class HostileInputTest {
    private final FakeClock clock = new FakeClock();
    private final CapturingSink sink = new CapturingSink();
    private final Counters counters = new Counters();
    private final EthernetInterface iface =
            new EthernetInterface(NET, clock, counters, PooledByteBufAllocator.DEFAULT, sink);
    private final Stack stack = new Stack(NET, clock, sink, PooledByteBufAllocator.DEFAULT);

    HostileInputTest() {
        // The bare interface (used to look at reassembler state) gets the same ICMP handler as Stack wires.
        io.jslirp.stack.icmp.IcmpResponder responder =
                new io.jslirp.stack.icmp.IcmpResponder(counters, PooledByteBufAllocator.DEFAULT, iface.output());
        iface.register(1, p -> responder.receive(p.ipv4(), p.sourceMac()));
    }

    @AfterEach
    void close() {
        iface.close();
        stack.close();
    }

    private void toIface(byte[] frame) {
        ByteBuf b = Frames.buf(frame);
        try {
            iface.receive(b);
        } finally {
            b.release();
        }
    }

    private static byte[] frag(int ident, int offsetBytes, boolean more, int length) {
        return fragmentFrame(ident, offsetBytes, more, pattern(length));
    }

    @Test
    void fuzzedFramesNeverThrowAndAreCounted() {
        Random r = new Random(0x5eed);
        byte[][] seeds = {
                arpRequestFrame(GATEWAY_IP),
                pingFrame(GATEWAY_IP, 1, 1, pattern(56)),
                pingFrame(DNS_IP, 1, 1, pattern(1)),
                fragmentFrame(9, 0, true, pattern(64)),
                fragmentFrame(9, 64, false, pattern(13)),
        };
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            byte[] f;
            switch (r.nextInt(4)) {
                case 0:
                    f = new byte[r.nextInt(1600)];
                    r.nextBytes(f);
                    if (f.length >= 14 && r.nextBoolean()) {
                        // Make it reach the deeper layers: our MAC and a type we speak.
                        f[0] = 0x52; f[1] = 0x55; f[2] = 0x0a; f[3] = 0; f[4] = 2; f[5] = 2; f[6] = 2;
                        f[12] = 8;
                        f[13] = (byte) (r.nextBoolean() ? 0 : 6);
                    }
                    break;
                case 1:
                    byte[] s = seeds[r.nextInt(seeds.length)];
                    f = Arrays.copyOf(s, r.nextInt(s.length + 1));
                    break;
                default:
                    f = seeds[r.nextInt(seeds.length)].clone();
                    int flips = 1 + r.nextInt(4);
                    for (int k = 0; k < flips; k++) {
                        // Mostly in the headers, where the validation is.
                        int at = r.nextInt(Math.min(f.length, r.nextBoolean() ? 42 : f.length));
                        f[at] = (byte) r.nextInt(256);
                    }
            }
            stack.receiveFrame(Frames.buf(f));
            sink.take();
            if (i % 1000 == 0) {
                clock.advanceSeconds(5);
                stack.runTimers();
            }
        }
        Counters c = stack.counters();
        assertEquals(0, c.internalErrors, c.toString());
        assertEquals(n, c.framesIn);
        assertTrue(c.drops() > n / 2, c.toString());
        assertTrue(c.ethTruncated > 0 && c.ipv4BadChecksum > 0 && c.arpMalformed > 0, c.toString());
    }

    @Test
    void overlappingFragmentsDropTheDatagram() {
        toIface(frag(1, 0, true, 1480));
        toIface(frag(1, 1472, false, 100)); // overlaps the first by 8 bytes
        assertEquals(1, counters.ipv4FragOverlap);
        assertEquals(0, iface.reassembler().inProgress());
        assertEquals(0, iface.reassembler().bytesHeld());
        // The rest of the datagram, arriving later, starts over and never completes a reply on its own.
        toIface(frag(1, 1480, false, 100));
        assertEquals(0, sink.size());
        // Overlap from the other side (a fragment inside a held one).
        toIface(frag(2, 16, true, 800));
        toIface(frag(2, 0, true, 24));
        assertEquals(2, counters.ipv4FragOverlap);
    }

    @Test
    void duplicateFragmentsAreIgnored() {
        byte[][] frags = fragmentFrames(GATEWAY_MAC, GUEST_IP, GATEWAY_IP, 1, 3, icmpEcho(8, 1, 1, pattern(2000)), 1480);
        toIface(frags[0]);
        toIface(frags[0]);
        toIface(frags[1]);
        toIface(frags[1]); // after completion: a new, incomplete datagram that will just expire
        assertEquals(1, counters.ipv4FragDuplicate);
        assertEquals(2, sink.take().size(), "exactly one (fragmented) reply");
        clock.advanceSeconds(30);
        iface.runTimers(clock.nanoTime());
        assertEquals(1, counters.ipv4FragTimeout);
    }

    @Test
    void oversizedDatagramIsDropped() {
        toIface(frag(4, 0, true, 1480));
        toIface(frag(4, 65520, false, 16)); // 20 + 65536 > 65535: ping of death
        assertEquals(1, counters.ipv4FragOversize);
        assertEquals(0, iface.reassembler().inProgress());
        toIface(frag(5, 8191 * 8, true, 8)); // offset field at its maximum
        assertEquals(2, counters.ipv4FragOversize);
        assertEquals(0, sink.size());
    }

    @Test
    void inconsistentFragmentsAreDropped() {
        toIface(frag(6, 0, true, 100)); // not a multiple of 8
        toIface(frag(7, 0, true, 0)); // empty
        toIface(frag(8, 800, false, 80)); // last ends at 880
        toIface(frag(8, 880, true, 80)); // beyond the end
        toIface(frag(9, 800, false, 80));
        toIface(frag(9, 800, false, 16)); // second, different end
        toIface(frag(10, 800, true, 80));
        toIface(frag(10, 16, false, 40)); // "last" ends before held data
        assertEquals(5, counters.ipv4FragMalformed, counters.toString());
        assertEquals(0, iface.reassembler().inProgress());
    }

    @Test
    void endlessFragmentsAreBounded() {
        // One datagram that never ends: 8-byte fragments until the per-datagram cap trips.
        for (int i = 0; i < 10_000; i++) {
            toIface(frag(11, i * 8 + 8, true, 8));
        }
        assertTrue(counters.ipv4FragTooMany > 0);
        assertTrue(iface.reassembler().bytesHeld() <= EthernetInterface.MAX_REASSEMBLY_BYTES);
        // Many datagrams that never end: slots are bounded, the oldest are evicted.
        for (int id = 100; id < 5100; id++) {
            toIface(frag(id, 0, true, 1480));
            assertTrue(iface.reassembler().inProgress() <= EthernetInterface.MAX_REASSEMBLY_DATAGRAMS);
            assertTrue(iface.reassembler().bytesHeld() <= EthernetInterface.MAX_REASSEMBLY_BYTES);
        }
        assertTrue(counters.ipv4FragEvicted >= 5000 - EthernetInterface.MAX_REASSEMBLY_DATAGRAMS);
        // Big fragments from many datagrams hit the byte cap before the slot cap.
        for (int id = 6000; id < 6100; id++) {
            for (int k = 0; k < 40; k++) {
                toIface(frag(id, k * 1480, true, 1480));
                assertTrue(iface.reassembler().bytesHeld() <= EthernetInterface.MAX_REASSEMBLY_BYTES);
            }
        }
        // A legitimate datagram still gets through afterwards.
        for (byte[] f : fragmentFrames(GATEWAY_MAC, GUEST_IP, GATEWAY_IP, 1, 7000, icmpEcho(8, 1, 1, pattern(3000)), 1480)) {
            toIface(f);
        }
        assertEquals(3, sink.take().size());
        assertEquals(0, counters.internalErrors);
    }

    @Test
    void incompleteDatagramsExpireAfterThirtySeconds() {
        long start = clock.nanoTime();
        stack.receiveFrame(Frames.buf(frag(12, 0, true, 1480)));
        assertEquals(start + 30_000_000_000L, stack.nextDeadlineNanos());
        clock.advanceSeconds(10);
        stack.receiveFrame(Frames.buf(frag(13, 0, true, 1480)));
        // Later fragments do not extend the first one's life.
        stack.receiveFrame(Frames.buf(frag(12, 2960, true, 1480)));
        assertEquals(start + 30_000_000_000L, stack.nextDeadlineNanos());
        clock.advanceNanos(19_999_999_999L);
        stack.runTimers();
        assertEquals(0, stack.counters().ipv4FragTimeout);
        clock.advanceNanos(1);
        stack.runTimers();
        assertEquals(1, stack.counters().ipv4FragTimeout);
        assertEquals(start + 40_000_000_000L, stack.nextDeadlineNanos());
        clock.advanceSeconds(10);
        stack.runTimers();
        assertEquals(2, stack.counters().ipv4FragTimeout);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
        // The missing piece arriving late starts a new datagram; no reply from half a ping.
        stack.receiveFrame(Frames.buf(frag(12, 1480, false, 100)));
        assertEquals(0, sink.size());
    }
}
