package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.services.RouterAdvertiser;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IcmpV6DestinationUnreachablePacket;
import org.pcap4j.packet.IcmpV6EchoReplyPacket;
import org.pcap4j.packet.IcmpV6NeighborAdvertisementPacket;
import org.pcap4j.packet.IcmpV6NeighborSolicitationPacket;
import org.pcap4j.packet.IcmpV6ParameterProblemPacket;
import org.pcap4j.packet.IcmpV6RouterAdvertisementPacket;
import org.pcap4j.packet.IpV6NeighborDiscoveryMtuOption;
import org.pcap4j.packet.IpV6NeighborDiscoveryPrefixInformationOption;
import org.pcap4j.packet.IpV6NeighborDiscoverySourceLinkLayerAddressOption;
import org.pcap4j.packet.IpV6NeighborDiscoveryTargetLinkLayerAddressOption;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.util.MacAddress;

import java.util.List;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.icmpv6;
import static io.jslirp.stack.testing.Ipv6Frames.inet6;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 guest basics through the whole stack, frames in and exactly the frames out: router advertisements
 * for SLAAC, Neighbor Discovery for our four addresses, duplicate address detection, learning the guest,
 * echo, and the errors for what is not served.
 */
@ExtendWith(LeakCheckExtension.class)
class Ipv6GuestTest {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));
    static final long GUEST_MAC = Frames.GUEST_MAC; // 02:42:ac:11:00:02
    /** The guest's EUI-64 link-local and SLAAC addresses for that MAC. */
    static final String GUEST_LL = "fe80::42:acff:fe11:2";
    static final String GUEST = "fd00::42:acff:fe11:2";
    static final long ROUTER_MAC = 0x5256_0000_0002L;
    static final long DNS_MAC = 0x5256_0000_0003L;
    static final long ALL_NODES_MAC = 0x3333_0000_0001L;

    private final FakeClock clock = new FakeClock();
    private final CapturingSink sink = new CapturingSink();
    private final Stack stack = new Stack(NET6, clock, sink, PooledByteBufAllocator.DEFAULT);

    @AfterEach
    void close() {
        stack.close();
        assertEquals(0, stack.counters().internalErrors);
    }

    private List<byte[]> send(byte[] frame) {
        stack.receiveFrame(Frames.buf(frame));
        return sink.take();
    }

    private Counters counters() {
        return stack.counters();
    }

    private Ipv6NeighborCache cache() {
        return stack.ipv6Neighbors().cache();
    }

    static byte[] frame(long dstMac, long srcMac, int next, int hop, String src, String dst, byte[] payload) {
        return io.jslirp.stack.testing.Ipv6Frames.ethernet(dstMac, srcMac, ipv6(next, hop, src, dst, payload));
    }

    static byte[] icmpFrame(long dstMac, String src, String dst, int type, byte[] body) {
        return frame(dstMac, GUEST_MAC, 58, 255, src, dst, icmpv6(src, dst, type, 0, body));
    }

    static byte[] slla(long mac) {
        return concat(hex("01 01"), macBytes(mac));
    }

    static byte[] tlla(long mac) {
        return concat(hex("02 01"), macBytes(mac));
    }

    static byte[] macBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return b;
    }

    /** The RA we send, built independently: libslirp's fields plus MTU and RDNSS, to ff02::1 from fe80::2. */
    static byte[] expectedRa(int mtu) {
        byte[] body = concat(
                hex("40 00 0708 00000000 00000000"),                  // hop limit 64, M=0 O=0, 1800 s, 0, 0
                slla(ROUTER_MAC),
                hex("03 04 40 c0 00015180 00003840 00000000"), addr("fd00::"), // /64 L A 86400 14400
                hex("05 01 0000"), new byte[] {0, 0, (byte) (mtu >>> 8), (byte) mtu},
                hex("19 03 0000 000004b0"), addr("fd00::3"));
        return frame(ALL_NODES_MAC, ROUTER_MAC, 58, 255, "fe80::2", "ff02::1",
                icmpv6("fe80::2", "ff02::1", 134, 0, body));
    }

    static void assertRa(byte[] ra) throws Exception {
        EthernetPacket eth = EthernetPacket.newPacket(ra, 0, ra.length);
        IpV6Packet ip = eth.get(IpV6Packet.class);
        assertEquals(255, ip.getHeader().getHopLimitAsInt());
        assertEquals(inet6("fe80::2"), ip.getHeader().getSrcAddr());
        assertEquals(inet6("ff02::1"), ip.getHeader().getDstAddr());
        IcmpV6RouterAdvertisementPacket.IcmpV6RouterAdvertisementHeader h =
                eth.get(IcmpV6RouterAdvertisementPacket.class).getHeader();
        assertEquals(64, h.getCurHopLimitAsInt());
        assertFalse(h.getManagedAddressConfigurationFlag());
        assertFalse(h.getOtherConfigurationFlag());
        assertEquals(1800, h.getRouterLifetimeAsInt());
        assertEquals(MacAddress.getByName("52:56:00:00:00:02"),
                assertInstanceOf(IpV6NeighborDiscoverySourceLinkLayerAddressOption.class, h.getOptions().get(0))
                        .getLinkLayerAddressAsMacAddress());
        IpV6NeighborDiscoveryPrefixInformationOption p =
                assertInstanceOf(IpV6NeighborDiscoveryPrefixInformationOption.class, h.getOptions().get(1));
        assertEquals(inet6("fd00::"), p.getPrefix());
        assertTrue(p.getOnLinkFlag() && p.getAddressConfigurationFlag());
        assertEquals(1500, assertInstanceOf(IpV6NeighborDiscoveryMtuOption.class, h.getOptions().get(2))
                .getMtuAsLong());
        assertTrue(eth.get(IcmpV6CommonPacket.class).getHeader().getChecksum() != 0);
    }

    @Test
    void routerSolicitationIsAnsweredAtOnceWithTheRa() throws Exception {
        List<byte[]> out = send(icmpFrame(0x3333_0000_0002L, GUEST_LL, "ff02::2", 133,
                concat(new byte[4], slla(GUEST_MAC))));
        assertEquals(1, out.size());
        assertArrayEquals(expectedRa(1500), out.get(0), Frames.hex(out.get(0)));
        assertRa(out.get(0));
        assertEquals(1, counters().ndpRouterSolicitationsIn);
        assertEquals(1, counters().ndpRouterAdvertisementsOut);
        // Learned from the RS's source link-layer option.
        assertEquals(GUEST_MAC, cache().get(hi(GUEST_LL), lo(GUEST_LL)));
        assertEquals(0, counters().drops());
    }

    @Test
    void routerSolicitationFromUnspecifiedIsAnsweredButNotLearned() {
        List<byte[]> out = send(icmpFrame(0x3333_0000_0002L, "::", "ff02::2", 133, new byte[4]));
        assertEquals(1, out.size());
        assertArrayEquals(expectedRa(1500), out.get(0));
        assertEquals(0, cache().size());
    }

    @Test
    void oneUnsolicitedRaAtStartThenEvery200To600Seconds() {
        assertEquals(clock.nanoTime(), stack.nextDeadlineNanos());
        stack.runTimers();
        List<byte[]> out = sink.take();
        assertEquals(1, out.size());
        assertArrayEquals(expectedRa(1500), out.get(0));
        long next = stack.nextDeadlineNanos() - clock.nanoTime();
        assertTrue(next >= RouterAdvertiser.MIN_INTERVAL_NANOS && next < RouterAdvertiser.MAX_INTERVAL_NANOS,
                "next RA in " + next);
        clock.advanceNanos(next - 1);
        stack.runTimers();
        assertEquals(0, sink.take().size());
        clock.advanceNanos(1);
        stack.runTimers();
        assertEquals(1, sink.take().size());
    }

    @Test
    void raStatesTheLinkMtuAndAnotherPrefix() {
        NetConfig net = Frames.NET.withIpv6(Ipv6Config.of("2001:db8:1:2::/64", 65520));
        Stack s = new Stack(net, clock, sink, PooledByteBufAllocator.DEFAULT);
        try {
            s.runTimers();
            byte[] ra = sink.take().get(0);
            int icmp = 14 + 40;
            // Prefix option at 16 + 8; MTU option after it.
            assertArrayEquals(addr("2001:db8:1:2::"), java.util.Arrays.copyOfRange(ra, icmp + 24 + 16, icmp + 24 + 32));
            assertEquals(65520, Frames.u32(ra, icmp + 56 + 4));
            assertArrayEquals(addr("2001:db8:1:2::3"), java.util.Arrays.copyOfRange(ra, icmp + 64 + 8, icmp + 64 + 24));
        } finally {
            s.close();
        }
    }

    static byte[] expectedNa(String target, long ourMac, String to, long toMac) {
        byte[] body = concat(hex("e0000000"), addr(target), tlla(ourMac));
        return frame(toMac, ourMac, 58, 255, target, to, icmpv6(target, to, 136, 0, body));
    }

    @Test
    void neighborSolicitationForEachOfOurAddressesGetsAnAdvertisement() throws Exception {
        String[][] cases = {{"fe80::2", "ff02::1:ff00:2"}, {"fd00::2", "ff02::1:ff00:2"},
                {"fe80::3", "ff02::1:ff00:3"}, {"fd00::3", "fd00::3"}};
        for (String[] c : cases) {
            String target = c[0];
            long ourMac = target.endsWith("3") ? DNS_MAC : ROUTER_MAC;
            long dstMac = c[1].startsWith("ff02") ? 0x3333_ff00_0000L | (target.endsWith("3") ? 3 : 2) : ourMac;
            List<byte[]> out = send(icmpFrame(dstMac, GUEST_LL, c[1], 135,
                    concat(new byte[4], addr(target), slla(GUEST_MAC))));
            assertEquals(1, out.size(), target);
            assertArrayEquals(expectedNa(target, ourMac, GUEST_LL, GUEST_MAC), out.get(0), target);
            EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
            IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader na =
                    eth.get(IcmpV6NeighborAdvertisementPacket.class).getHeader();
            assertTrue(na.getRouterFlag() && na.getSolicitedFlag() && na.getOverrideFlag());
            assertEquals(inet6(target), na.getTargetAddress());
            assertEquals(MacAddress.getByAddress(macBytes(ourMac)),
                    assertInstanceOf(IpV6NeighborDiscoveryTargetLinkLayerAddressOption.class, na.getOptions().get(0))
                            .getLinkLayerAddressAsMacAddress());
        }
        assertEquals(4, counters().ndpNeighborAdvertisementsOut);
        assertEquals(GUEST_MAC, cache().get(hi(GUEST_LL), lo(GUEST_LL)));
        assertEquals(0, counters().drops());
    }

    @Test
    void unicastSolicitationWithoutOptionIsAnsweredToTheFrameSource() {
        List<byte[]> out = send(icmpFrame(ROUTER_MAC, GUEST, "fd00::2", 135, concat(new byte[4], addr("fd00::2"))));
        assertEquals(1, out.size());
        assertArrayEquals(expectedNa("fd00::2", ROUTER_MAC, GUEST, GUEST_MAC), out.get(0));
        assertEquals(Ipv6NeighborCache.NONE, cache().get(hi(GUEST), lo(GUEST)));
    }

    @Test
    void dadProbeForTheGuestsAddressGetsNothingAndTeachesNothing() {
        List<byte[]> out = send(icmpFrame(0x3333_ff11_0002L, "::", "ff02::1:ff11:2", 135,
                concat(new byte[4], addr(GUEST))));
        assertEquals(0, out.size());
        assertEquals(1, counters().ndpDadProbes);
        assertEquals(0, cache().size());
    }

    @Test
    void dadProbeForOurAddressIsDefendedToAllNodes() {
        List<byte[]> out = send(icmpFrame(0x3333_ff00_0002L, "::", "ff02::1:ff00:2", 135,
                concat(new byte[4], addr("fd00::2"))));
        assertEquals(1, out.size());
        byte[] body = concat(hex("a0000000"), addr("fd00::2"), tlla(ROUTER_MAC));
        assertArrayEquals(frame(ALL_NODES_MAC, ROUTER_MAC, 58, 255, "fd00::2", "ff02::1",
                icmpv6("fd00::2", "ff02::1", 136, 0, body)), out.get(0));
        assertEquals(1, counters().ndpConflicts);
    }

    @Test
    void solicitationForAnotherTargetIsIgnored() {
        assertEquals(0, send(icmpFrame(0x3333_ff00_0009L, GUEST_LL, "ff02::1:ff00:9", 135,
                concat(new byte[4], addr("fd00::9"), slla(GUEST_MAC)))).size());
        assertEquals(1, counters().ndpNotForUs);
    }

    @Test
    void guestLearnedFromAnUnsolicitedAdvertisement() {
        long mac = 0x0242_ac11_0099L;
        assertEquals(0, send(icmpFrame(ALL_NODES_MAC, GUEST, "ff02::1", 136,
                concat(hex("20000000"), addr(GUEST), tlla(mac)))).size());
        assertEquals(mac, cache().get(hi(GUEST), lo(GUEST)));
        assertEquals(1, counters().ndpNeighborAdvertisementsIn);
    }

    @Test
    void resolveSolicitsTheGuestAndItsAnswerIsLearnedAndAnnounced() throws Exception {
        long[] told = {-1};
        // A flow waiting in the shared pending queue (as a port forward's SYN will) is told the MAC.
        stack.ipv6Neighbors().pending().await(hi(GUEST), lo(GUEST), mac -> told[0] = mac);
        assertEquals(Ipv6NeighborCache.NONE, stack.ipv6Neighbors().resolve(hi(GUEST), lo(GUEST)));
        List<byte[]> out = sink.take();
        assertEquals(1, out.size());
        byte[] body = concat(new byte[4], addr(GUEST), slla(ROUTER_MAC));
        assertArrayEquals(frame(0x3333_ff11_0002L, ROUTER_MAC, 58, 255, "fd00::2", "ff02::1:ff11:2",
                icmpv6("fd00::2", "ff02::1:ff11:2", 135, 0, body)), out.get(0));
        EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
        assertEquals(inet6(GUEST), eth.get(IcmpV6NeighborSolicitationPacket.class).getHeader().getTargetAddress());
        // A second ask within 100 ms sends nothing more; after it, another solicitation.
        stack.ipv6Neighbors().resolve(hi(GUEST), lo(GUEST));
        assertEquals(0, sink.take().size());
        clock.advanceNanos(NeighborDiscovery.SOLICIT_INTERVAL);
        stack.ipv6Neighbors().resolve(hi(GUEST), lo(GUEST));
        assertEquals(1, sink.take().size());
        // The solicited answer, without a target link-layer option: the frame's source is learned.
        send(icmpFrame(ROUTER_MAC, GUEST, "fd00::2", 136, concat(hex("60000000"), addr(GUEST))));
        assertEquals(GUEST_MAC, stack.ipv6Neighbors().resolve(hi(GUEST), lo(GUEST)));
        assertEquals(GUEST_MAC, told[0]);
        assertEquals(2, counters().ndpNeighborSolicitationsOut);
    }

    @Test
    void linkLocalTargetIsSolicitedFromFe80() {
        stack.ipv6Neighbors().resolve(hi(GUEST_LL), lo(GUEST_LL));
        byte[] ns = sink.take().get(0);
        assertArrayEquals(addr("fe80::2"), java.util.Arrays.copyOfRange(ns, 14 + 8, 14 + 24));
    }

    static byte[] echoBody(int id, int seq, byte[] data) {
        return concat(new byte[] {(byte) (id >>> 8), (byte) id, (byte) (seq >>> 8), (byte) seq}, data);
    }

    @Test
    void echoToEachOfOurAddressesIsAnsweredWithHopLimit255() throws Exception {
        byte[] data = Frames.pattern(56);
        for (String to : new String[] {"fd00::2", "fd00::3", "fe80::2", "fe80::3"}) {
            String from = to.startsWith("fe80") ? GUEST_LL : GUEST;
            long ourMac = to.endsWith("3") ? DNS_MAC : ROUTER_MAC;
            List<byte[]> out = send(frame(ourMac, GUEST_MAC, 58, 64, from, to,
                    icmpv6(from, to, 128, 0, echoBody(0x1234, 9, data))));
            assertEquals(1, out.size(), to);
            assertArrayEquals(frame(GUEST_MAC, ourMac, 58, 255, to, from,
                    icmpv6(to, from, 129, 0, echoBody(0x1234, 9, data))), out.get(0), to);
            EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
            assertEquals(255, eth.get(IpV6Packet.class).getHeader().getHopLimitAsInt());
            IcmpV6EchoReplyPacket reply = eth.get(IcmpV6EchoReplyPacket.class);
            assertEquals(0x1234, reply.getHeader().getIdentifierAsInt());
            assertArrayEquals(data, reply.getPayload().getRawData());
        }
        assertEquals(4, counters().icmpv6EchoRepliesOut);
        assertEquals(0, counters().drops());
    }

    @Test
    void fragmentedBigPingIsReassembledAndTheReplyFragmentedToTheMtu() {
        byte[] data = Frames.pattern(3000);
        byte[] icmp = icmpv6(GUEST, "fd00::2", 128, 0, echoBody(7, 1, data));
        int first = 1448; // a multiple of 8 that fits 1500 with the headers
        for (int off = 0; off < icmp.length; off += first) {
            int n = Math.min(first, icmp.length - off);
            boolean more = off + n < icmp.length;
            byte[] fh = {58, 0, (byte) (off >>> 8), (byte) (off | (more ? 1 : 0)), 0, 0, 0x12, 0x34};
            List<byte[]> out = send(frame(ROUTER_MAC, GUEST_MAC, 44, 64, GUEST, "fd00::2",
                    concat(fh, java.util.Arrays.copyOfRange(icmp, off, off + n))));
            if (more) {
                assertEquals(0, out.size());
                continue;
            }
            assertEquals(3, out.size());
            byte[] expect = icmpv6("fd00::2", GUEST, 129, 0, echoBody(7, 1, data));
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
            for (byte[] f : out) {
                assertTrue(f.length <= 14 + 1500);
                assertEquals(44, f[14 + 6]);
                joined.write(f, 14 + 48, f.length - 14 - 48);
            }
            assertArrayEquals(expect, joined.toByteArray());
        }
        assertEquals(1, counters().ipv6Reassembled);
        assertEquals(3, counters().ipv6FragmentsOut);
    }

    @Test
    void tcpWithoutATransportHandlerIsRefusedWithNoRoute() throws Exception {
        // The Stack registers TCP and UDP for IPv6; a bare interface has no handler for them.
        Counters c = new Counters();
        EthernetInterface iface = new EthernetInterface(NET6, clock, c, PooledByteBufAllocator.DEFAULT, sink);
        try {
            byte[] syn = hex("c000 0050 00000001 00000000 5002 ffff 0000 0000");
            byte[] in = frame(ROUTER_MAC, GUEST_MAC, 6, 64, GUEST, "2001:db8::1", syn);
            io.netty.buffer.ByteBuf b = Frames.buf(in);
            try {
                iface.receive(b);
            } finally {
                b.release();
            }
            List<byte[]> out = sink.take();
            assertEquals(1, out.size());
            byte[] quoted = java.util.Arrays.copyOfRange(in, 14, in.length);
            assertArrayEquals(frame(GUEST_MAC, ROUTER_MAC, 58, 255, "fd00::2", GUEST,
                    icmpv6("fd00::2", GUEST, 1, 0, concat(new byte[4], quoted))), out.get(0));
            EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
            assertTrue(eth.contains(IcmpV6DestinationUnreachablePacket.class));
            assertEquals(1, c.ipv6TransportUnavailable);
        } finally {
            iface.close();
        }
    }

    @Test
    void aTransportRegisteredForIpv6GetsThePacketThroughTheIpPacketSeam() {
        Counters c = new Counters();
        EthernetInterface iface = new EthernetInterface(NET6, clock, c, PooledByteBufAllocator.DEFAULT, sink);
        try {
            String[] seen = new String[1];
            iface.ipv6().register(17, p -> {
                io.jslirp.stack.wire.UdpDatagram udp = new io.jslirp.stack.wire.UdpDatagram();
                boolean ok = udp.wrap(p.buffer(), p.payloadOffset(), p.payloadLength(), p.addressSum(),
                        !p.checksumTrusted());
                seen[0] = ok + " " + p.isIpv4() + " " + p.protocol() + " " + udp.destinationPort() + " "
                        + Long.toHexString(p.destinationHi()) + ":" + p.destinationLo() + " "
                        + Long.toHexString(p.sourceMac());
            });
            byte[] udp = io.jslirp.stack.testing.Ipv6Frames.udp(GUEST, "fd00::3", 5353, 53, hex("abcd"));
            // Behind a destination options header, so the payload bounds come from the walk.
            byte[] f = frame(DNS_MAC, GUEST_MAC, 60, 64, GUEST, "fd00::3", concat(hex("11 00 0104 00000000"), udp));
            io.netty.buffer.ByteBuf b = Frames.buf(f);
            try {
                iface.receive(b);
            } finally {
                b.release();
            }
            assertEquals("true false 17 53 fd00000000000000:3 242ac110002", seen[0]);
            assertEquals(0, sink.take().size());
        } finally {
            iface.close();
        }
    }

    @Test
    void unknownNextHeaderToUsGetsParameterProblemAtTheField() throws Exception {
        byte[] in = frame(ROUTER_MAC, GUEST_MAC, 132, 64, GUEST, "fd00::2", new byte[8]);
        List<byte[]> out = send(in);
        assertEquals(1, out.size());
        EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
        assertEquals(6, eth.get(IcmpV6ParameterProblemPacket.class).getHeader().getPointerAsLong());
        assertEquals(1, eth.get(IcmpV6CommonPacket.class).getHeader().getCode().value() & 0xff);
        assertEquals(1, counters().ipv6UnknownNextHeader);
    }

    @Test
    void ndpWithHopLimitBelow255IsDropped() {
        byte[] ns = frame(ROUTER_MAC, GUEST_MAC, 58, 64, GUEST_LL, "fe80::2",
                icmpv6(GUEST_LL, "fe80::2", 135, 0, concat(new byte[4], addr("fe80::2"))));
        assertEquals(0, send(ns).size());
        assertEquals(1, counters().ndpBadHeader);
    }

    @Test
    void errorsAreRateLimited() {
        int sent = 0;
        for (int i = 0; i < 50; i++) {
            sent += send(frame(ROUTER_MAC, GUEST_MAC, 132, 64, GUEST, "fd00::2", new byte[8])).size();
        }
        assertEquals(Ipv6Input.ERROR_BURST, sent);
        assertEquals(50 - Ipv6Input.ERROR_BURST, counters().icmpv6ErrorsSuppressed);
        clock.advanceNanos(Ipv6Input.ERROR_INTERVAL_NANOS);
        assertEquals(1, send(frame(ROUTER_MAC, GUEST_MAC, 132, 64, GUEST, "fd00::2", new byte[8])).size());
    }

    @Test
    void onAnOffloadingTapTheVnetHeaderIsStrippedAndItsChecksumWordTrusted() {
        Stack v = new Stack(NET6, clock, sink, PooledByteBufAllocator.DEFAULT, null,
                io.jslirp.stack.relay.RelayOptions.defaults(), Stack.DeviceFormat.VNET_HDR);
        try {
            byte[] data = Frames.pattern(8);
            byte[] ping = frame(ROUTER_MAC, GUEST_MAC, 58, 64, GUEST, "fd00::2",
                    icmpv6(GUEST, "fd00::2", 128, 0, echoBody(1, 2, data)));
            byte[] expected = frame(GUEST_MAC, ROUTER_MAC, 58, 255, "fd00::2", GUEST,
                    icmpv6("fd00::2", GUEST, 129, 0, echoBody(1, 2, data)));
            // No flags: the checksum is verified, and a corrupt one is dropped.
            byte[] corrupt = ping.clone();
            corrupt[corrupt.length - 1] ^= 1;
            v.receiveFrame(Frames.buf(concat(new byte[10], corrupt)));
            assertEquals(0, sink.take().size());
            assertEquals(1, v.counters().icmpv6BadChecksum);
            v.receiveFrame(Frames.buf(concat(new byte[10], ping)));
            List<byte[]> out = sink.take();
            assertEquals(1, out.size());
            assertArrayEquals(expected, out.get(0));
            // DATA_VALID: the device vouched for it, so it is not verified again.
            byte[] valid = new byte[10];
            valid[0] = (byte) io.jslirp.stack.wire.VirtioNetHeader.F_DATA_VALID;
            v.receiveFrame(Frames.buf(concat(valid, corrupt)));
            assertEquals(1, sink.take().size());
            assertEquals(1, v.counters().icmpv6BadChecksum);
        } finally {
            v.close();
        }
    }

    @Test
    void withoutIpv6TheFramesAreUnknown() {
        Stack v4 = new Stack(Frames.NET, clock, sink, PooledByteBufAllocator.DEFAULT);
        try {
            v4.runTimers();
            v4.receiveFrame(Frames.buf(icmpFrame(0x3333_0000_0002L, GUEST_LL, "ff02::2", 133, new byte[4])));
            assertEquals(0, sink.take().size());
            assertEquals(1, v4.counters().ethUnknownType);
        } finally {
            v4.close();
        }
    }
}
