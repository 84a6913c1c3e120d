package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Stack;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToLongFunction;

import static io.jslirp.stack.iface.Ipv6GuestTest.GUEST;
import static io.jslirp.stack.iface.Ipv6GuestTest.GUEST_LL;
import static io.jslirp.stack.iface.Ipv6GuestTest.GUEST_MAC;
import static io.jslirp.stack.iface.Ipv6GuestTest.NET6;
import static io.jslirp.stack.iface.Ipv6GuestTest.ROUTER_MAC;
import static io.jslirp.stack.iface.Ipv6GuestTest.frame;
import static io.jslirp.stack.iface.Ipv6GuestTest.icmpFrame;
import static io.jslirp.stack.iface.Ipv6GuestTest.slla;
import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.icmpv6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IPv6 garbage and abuse through the whole stack: never throws, always counted by reason, always bounded. */
@ExtendWith(LeakCheckExtension.class)
class Ipv6HostileInputTest {
    private final FakeClock clock = new FakeClock();
    private final CapturingSink sink = new CapturingSink();
    private final Stack stack = new Stack(NET6, clock, sink, PooledByteBufAllocator.DEFAULT);

    @AfterEach
    void close() {
        stack.close();
    }

    private List<byte[]> send(byte[] frame) {
        stack.receiveFrame(Frames.buf(frame));
        return sink.take();
    }

    private static byte[] echo(String src, String dst) {
        return frame(ROUTER_MAC, GUEST_MAC, 58, 64, src, dst, icmpv6(src, dst, 128, 0, hex("0001 0001 cafe")));
    }

    /** One crafted frame: exactly the named counter goes up by one, and nothing is sent. */
    private void dropped(String why, byte[] f, ToLongFunction<Counters> counter) {
        Counters c = stack.counters();
        long before = counter.applyAsLong(c);
        long errors = c.icmpv6ErrorsOut;
        List<byte[]> out = send(f);
        assertEquals(before + 1, counter.applyAsLong(c), why + ": " + c);
        assertEquals(errors, c.icmpv6ErrorsOut, why);
        assertEquals(0, out.size(), why);
    }

    @Test
    void craftedIpv6IsDroppedByReason() {
        byte[] ok = echo(GUEST, "fd00::2");
        assertEquals(1, send(ok).size());

        dropped("shorter than the header", Arrays.copyOf(ok, 14 + 39), c -> c.ipv6Truncated);
        byte[] v4 = ok.clone();
        v4[14] = 0x45;
        dropped("version 4 inside 0x86dd", v4, c -> c.ipv6BadVersion);
        byte[] lying = ok.clone();
        lying[14 + 4] = 0x7f;
        dropped("payload length beyond the frame", lying, c -> c.ipv6BadPayloadLength);
        dropped("multicast source", echo("ff02::1", "fd00::2"), c -> c.ipv6BadSource);
        dropped("loopback source", echo("::1", "fd00::2"), c -> c.ipv6BadSource);
        dropped("our own address as source", echo("fd00::2", "fd00::3"), c -> c.ipv6BadSource);
        dropped("IPv4-mapped source", echo("::ffff:10.0.2.100", "fd00::2"), c -> c.ipv6BadSource);
        dropped("echo from ::", echo("::", "fd00::2"), c -> c.ipv6BadSource);
        dropped("a group nobody joined", echo(GUEST, "ff02::16"), c -> c.ipv6OtherMulticast);
        dropped("echo to elsewhere, no host sockets to relay it", echo(GUEST, "2001:db8::1"), c -> c.icmpEchoNoSocket);
        byte[] badSum = ok.clone();
        badSum[badSum.length - 1] ^= 1;
        dropped("bad ICMPv6 checksum", badSum, c -> c.icmpv6BadChecksum);
        dropped("ICMPv6 shorter than its header",
                frame(ROUTER_MAC, GUEST_MAC, 58, 64, GUEST, "fd00::2", hex("8000 00")), c -> c.icmpv6Truncated);
        dropped("no next header", frame(ROUTER_MAC, GUEST_MAC, 59, 64, GUEST, "fd00::2", new byte[0]),
                c -> c.ipv6NoNextHeader);
        dropped("echo reply to us", frame(ROUTER_MAC, GUEST_MAC, 58, 64, GUEST, "fd00::2",
                icmpv6(GUEST, "fd00::2", 129, 0, hex("0001 0001"))), c -> c.icmpv6Unhandled);
        dropped("an RA from the guest", icmpFrame(0x3333_0000_0001L, GUEST_LL, "ff02::1", 134, new byte[12]),
                c -> c.icmpv6Unhandled);

        // Extension headers.
        byte[] icmp = icmpv6(GUEST, "fd00::2", 128, 0, hex("0001 0001"));
        dropped("header running past the payload", frame(ROUTER_MAC, GUEST_MAC, 60, 64, GUEST, "fd00::2",
                concat(hex("3a 05 0000 0000 0000"), icmp)), c -> c.ipv6ExtTruncated);
        dropped("option running past its header", frame(ROUTER_MAC, GUEST_MAC, 60, 64, GUEST, "fd00::2",
                concat(hex("3a 00 01 09 0000 0000"), icmp)), c -> c.ipv6ExtTruncated);
        dropped("second fragment header", frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2",
                concat(hex("2c 00 0000 00000001"), hex("3a 00 0000 00000002"), icmp)), c -> c.ipv6ExtSecondFragment);
        dropped("a discard-silently option (01)", frame(ROUTER_MAC, GUEST_MAC, 60, 64, GUEST, "fd00::2",
                concat(hex("3a 00 4f 04 00000000"), icmp)), c -> c.ipv6ExtBadOption);

        // Neighbor Discovery.
        dropped("NDP option of length 0", icmpFrame(ROUTER_MAC, GUEST_LL, "fe80::2", 135,
                concat(new byte[4], addr("fe80::2"), hex("0100 0000 0000 0000"))), c -> c.ndpBadOption);
        dropped("NS for a multicast target", icmpFrame(ROUTER_MAC, GUEST_LL, "fe80::2", 135,
                concat(new byte[4], addr("ff02::1"))), c -> c.ndpBadTarget);
        dropped("NS from :: with a link-layer option", icmpFrame(0x3333_ff00_0002L, "::", "ff02::1:ff00:2", 135,
                concat(new byte[4], addr("fe80::2"), slla(GUEST_MAC))), c -> c.ndpBadAddresses);
        dropped("NS from :: to a unicast address", icmpFrame(ROUTER_MAC, "::", "fe80::2", 135,
                concat(new byte[4], addr("fe80::2"))), c -> c.ndpBadAddresses);
        dropped("NA from ::", icmpFrame(0x3333_0000_0001L, "::", "ff02::1", 136,
                concat(new byte[4], addr(GUEST))), c -> c.ipv6BadSource);
        dropped("NA claiming our address", icmpFrame(0x3333_0000_0001L, GUEST_LL, "ff02::1", 136,
                concat(new byte[4], addr("fe80::2"))), c -> c.ndpConflicts);
        dropped("solicited NA to a group", icmpFrame(0x3333_0000_0001L, GUEST_LL, "ff02::1", 136,
                concat(hex("40000000"), addr(GUEST))), c -> c.ndpBadAddresses);
        byte[] rsCode = icmpv6(GUEST_LL, "ff02::2", 133, 1, new byte[4]);
        dropped("RS with code 1", frame(0x3333_0000_0002L, GUEST_MAC, 58, 255, GUEST_LL, "ff02::2", rsCode),
                c -> c.ndpBadHeader);
        // An NS in two fragments (RFC 6980: ignored, however valid once reassembled).
        byte[] ns = icmpv6(GUEST_LL, "fe80::2", 135, 0, concat(new byte[4], addr("fe80::2"), slla(GUEST_MAC)));
        send(frame(ROUTER_MAC, GUEST_MAC, 44, 255, GUEST_LL, "fe80::2",
                concat(hex("3a 00 0001 00000abc"), Arrays.copyOf(ns, 16))));
        dropped("NDP in fragments", frame(ROUTER_MAC, GUEST_MAC, 44, 255, GUEST_LL, "fe80::2",
                concat(hex("3a 00 0010 00000abc"), Arrays.copyOfRange(ns, 16, ns.length))), c -> c.ndpFragmented);
        assertEquals(0, stack.counters().internalErrors);
    }

    @Test
    void errorsAreNotSentAboutMulticastOrErrors() {
        // An unknown next header to all-nodes: dropped without Parameter Problem (RFC 4443 2.4 (e.3)).
        dropped("unknown protocol to a group", frame(0x3333_0000_0001L, GUEST_MAC, 132, 64, GUEST, "ff02::1",
                new byte[8]), c -> c.ipv6OtherMulticast);
        // A routing header with segments left, to a group: Parameter Problem suppressed.
        dropped("routing header to a group", frame(0x3333_0000_0001L, GUEST_MAC, 43, 64, GUEST, "ff02::1",
                concat(hex("3b 00 00 01 00000000"))), c -> c.icmpv6ErrorsSuppressed);
        // The same to us gets its Parameter Problem.
        List<byte[]> out = send(frame(ROUTER_MAC, GUEST_MAC, 43, 64, GUEST, "fd00::2",
                concat(hex("3b 00 00 01 00000000"))));
        assertEquals(1, out.size());
        assertEquals(4, out.get(0)[14 + 40] & 0xff);
        assertEquals(42, Frames.u32(out.get(0), 14 + 44));
    }

    @Test
    void fragmentsAreBoundedAndTimeOutWithTimeExceeded() {
        // The guest is known (it solicited us), so the Time Exceeded has somewhere to go.
        send(icmpFrame(0x3333_ff00_0002L, GUEST, "ff02::1:ff00:2", 135,
                concat(new byte[4], addr("fd00::2"), slla(GUEST_MAC))));
        byte[] first = frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2",
                concat(hex("3a 00 0001 00000042"), new byte[64]));
        assertEquals(0, send(first).size());
        assertEquals(1, stack.counters().ipv6FragmentsIn);
        clock.advanceSeconds(61);
        stack.runTimers();
        List<byte[]> out = sink.take();
        out.removeIf(f -> (f[14 + 40] & 0xff) == 134); // the start-up router advertisement
        assertEquals(1, out.size());
        assertEquals(3, out.get(0)[14 + 40] & 0xff);
        assertEquals(1, out.get(0)[14 + 41] & 0xff);
        assertEquals(1, stack.counters().ipv6FragTimeout);

        // A flood of fragments of distinct packets is capped in slots and bytes.
        for (int id = 0; id < 1000; id++) {
            send(frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2",
                    concat(new byte[] {58, 0, 0, 1, 0, 0, (byte) (id >>> 8), (byte) id}, new byte[1024])));
        }
        assertTrue(stack.counters().ipv6FragEvicted >= 1000 - Ipv6Input.MAX_REASSEMBLY_PACKETS);
        // Overlap drops the packet.
        send(frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2", concat(hex("3a 00 0001 00007777"), new byte[64])));
        send(frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2", concat(hex("3a 00 0020 00007777"), new byte[64])));
        assertEquals(1, stack.counters().ipv6FragOverlap);
        assertEquals(0, stack.counters().internalErrors);
    }

    @Test
    void fuzzedIpv6FramesNeverThrowAndAreCounted() {
        Random r = new Random(0x6e6e);
        byte[][] seeds = {
                echo(GUEST, "fd00::2"),
                icmpFrame(0x3333_0000_0002L, GUEST_LL, "ff02::2", 133, concat(new byte[4], slla(GUEST_MAC))),
                icmpFrame(0x3333_ff00_0002L, GUEST_LL, "ff02::1:ff00:2", 135,
                        concat(new byte[4], addr("fe80::2"), slla(GUEST_MAC))),
                icmpFrame(0x3333_0000_0001L, GUEST, "ff02::1", 136,
                        concat(hex("20000000"), addr(GUEST), Ipv6GuestTest.tlla(GUEST_MAC))),
                frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2", concat(hex("3a 00 0001 00000009"),
                        new byte[64])),
                frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2", concat(hex("3a 00 0040 00000009"),
                        new byte[13])),
                frame(ROUTER_MAC, GUEST_MAC, 0, 64, GUEST, "fd00::2", concat(hex("3c 00 0104 00000000"),
                        hex("3a 00 0000 00000000"), icmpv6(GUEST, "fd00::2", 128, 0, hex("0001 0001")))),
                frame(ROUTER_MAC, GUEST_MAC, 17, 64, GUEST, "fd00::3", new byte[20]),
        };
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            byte[] f;
            switch (r.nextInt(4)) {
                case 0:
                    f = new byte[r.nextInt(1600)];
                    r.nextBytes(f);
                    if (f.length >= 14) {
                        System.arraycopy(seeds[0], 0, f, 0, Math.min(f.length, 14 + (r.nextBoolean() ? 1 : 40)));
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
                        int at = 14 + r.nextInt(Math.min(f.length - 14, r.nextBoolean() ? 48 : f.length - 14));
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
        assertTrue(c.ipv6Truncated > 0 && c.icmpv6BadChecksum > 0 && c.ipv6BadPayloadLength > 0
                && c.ipv6ExtTruncated > 0 && c.ndpBadOption + c.ndpBadHeader > 0, c.toString());
    }
}
