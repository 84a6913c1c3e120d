package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IcmpV6CommonPacket.IpV6NeighborDiscoveryOption;
import org.pcap4j.packet.IcmpV6DestinationUnreachablePacket;
import org.pcap4j.packet.IcmpV6EchoReplyPacket;
import org.pcap4j.packet.IcmpV6NeighborAdvertisementPacket;
import org.pcap4j.packet.IcmpV6NeighborSolicitationPacket;
import org.pcap4j.packet.IcmpV6PacketTooBigPacket;
import org.pcap4j.packet.IcmpV6ParameterProblemPacket;
import org.pcap4j.packet.IcmpV6RouterAdvertisementPacket;
import org.pcap4j.packet.IcmpV6TimeExceededPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6NeighborDiscoveryMtuOption;
import org.pcap4j.packet.IpV6NeighborDiscoveryPrefixInformationOption;
import org.pcap4j.packet.IpV6NeighborDiscoverySourceLinkLayerAddressOption;
import org.pcap4j.packet.IpV6NeighborDiscoveryTargetLinkLayerAddressOption;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.UnknownIpV6NeighborDiscoveryOption;
import org.pcap4j.util.MacAddress;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.inet6;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakCheckExtension.class)
class Icmpv6PacketTest {
    private static final String GUEST = "fe80::42:acff:fe11:2";
    private static final String ROUTER = "fe80::2";
    private static final long GUEST_MAC = 0x0242_ac11_0002L;
    private static final long ROUTER_MAC = 0x5256_0000_0002L;

    private final Icmpv6Packet icmp = new Icmpv6Packet();

    private static long pseudo(String src, String dst, int length) {
        return Ipv6Packet.pseudoHeaderSum(hi(src), lo(src), hi(dst), lo(dst), 58, length);
    }

    /** Wraps a message built by the independent helper; only the result and error() outlive the buffer. */
    private boolean wrap(String src, String dst, byte[] message, int hopLimit) {
        ByteBuf b = Frames.buf(message);
        try {
            return icmp.wrap(b, 0, message.length, hopLimit, pseudo(src, dst, message.length));
        } finally {
            b.release();
        }
    }

    @Test
    void parsesEchoRequestAndRejectsBadChecksumAndTruncation() {
        byte[] echo = Ipv6Frames.icmpv6(GUEST, "fd00::2", 128, 0, hex("1234 0007 6162 63"));
        ByteBuf b = Frames.buf(echo);
        try {
            assertTrue(icmp.wrap(b, 0, echo.length, 64, pseudo(GUEST, "fd00::2", echo.length)), "" + icmp.error());
            assertEquals(Icmpv6Packet.TYPE_ECHO_REQUEST, icmp.type());
            assertEquals(0, icmp.code());
            assertFalse(icmp.isError());
            assertEquals(0x1234, icmp.identifier());
            assertEquals(7, icmp.sequence());
            assertEquals(8, icmp.dataOffset());
            assertEquals(3, icmp.dataLength());
            assertEquals(-1, icmp.firstOption(), "echo has no options");

            assertFalse(icmp.wrap(b, 0, echo.length, 64, pseudo(GUEST, "fd00::3", echo.length)),
                    "the pseudo-header covers the destination");
            assertEquals(Icmpv6Packet.ERR_CHECKSUM, icmp.error());
            for (int len = 0; len < 8; len++) {
                assertFalse(icmp.wrap(b, 0, len, 64, 0));
                assertEquals(Icmpv6Packet.ERR_TRUNCATED, icmp.error());
            }
            assertTrue(icmp.wrapChecksumTrusted(b, 0, echo.length, 64));
            b.setByte(9, 0);
            assertTrue(icmp.wrapChecksumTrusted(b, 0, echo.length, 64), "a trusted checksum is not read");
            assertFalse(icmp.wrap(b, 0, echo.length, 64, pseudo(GUEST, "fd00::2", echo.length)));
        } finally {
            b.release();
        }
    }

    @Test
    void parsesARouterSolicitationWithItsSourceLinkLayerOption() {
        byte[] rs = Ipv6Frames.icmpv6(GUEST, "ff02::2", 133, 0, hex("0000 0000 0101 0242 ac11 0002"));
        ByteBuf b = Frames.buf(rs);
        try {
            assertTrue(icmp.wrap(b, 0, rs.length, 255, pseudo(GUEST, "ff02::2", rs.length)), "" + icmp.error());
            assertEquals(Icmpv6Packet.TYPE_ROUTER_SOLICITATION, icmp.type());
            assertEquals(GUEST_MAC, icmp.sourceLinkLayer());
            assertEquals(Icmpv6Packet.NO_MAC, icmp.targetLinkLayer());
            int at = icmp.firstOption();
            assertEquals(8, at);
            assertEquals(Icmpv6Packet.OPT_SOURCE_LINK_LAYER, icmp.optionType(at));
            assertEquals(8, icmp.optionLength(at));
            assertEquals(-1, icmp.nextOption(at));
            assertTrue(icmp.ndpAddressesValid(hi(GUEST), lo(GUEST), hi("ff02::2"), lo("ff02::2")));
            assertFalse(icmp.ndpAddressesValid(0, 0, hi("ff02::2"), lo("ff02::2")),
                    "RFC 4861 6.1.1: no source link-layer option from the unspecified address");
        } finally {
            b.release();
        }
    }

    @Test
    void neighborDiscoveryIsValidatedBeforeUse() {
        byte[] nsBody = concat(hex("0000 0000"), Ipv6Frames.addr("fd00::2"), hex("0101 0242 ac11 0002"));
        byte[] ns = Ipv6Frames.icmpv6(GUEST, "ff02::1:ff00:2", 135, 0, nsBody);
        String dst = "ff02::1:ff00:2";
        assertTrue(wrap(GUEST, dst, ns, 255));
        assertFalse(wrap(GUEST, dst, ns, 254), "forwarded: hop limit below 255");
        assertEquals(Icmpv6Packet.ERR_NDP_HEADER, icmp.error());
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 1, nsBody), 255), "code 1");
        assertEquals(Icmpv6Packet.ERR_NDP_HEADER, icmp.error());
        byte[] shortNs = Ipv6Frames.icmpv6(GUEST, dst, 135, 0, new byte[4 + 12]);
        assertFalse(wrap(GUEST, dst, shortNs, 255), "20 octets, below the 24 of an NS");
        assertEquals(Icmpv6Packet.ERR_NDP_HEADER, icmp.error());

        byte[] zeroOption = concat(hex("0000 0000"), Ipv6Frames.addr("fd00::2"), hex("0100 0242 ac11 0002"));
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 0, zeroOption), 255));
        assertEquals(Icmpv6Packet.ERR_NDP_OPTION, icmp.error());
        byte[] pastEnd = concat(hex("0000 0000"), Ipv6Frames.addr("fd00::2"), hex("0102 0242 ac11 0002"));
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 0, pastEnd), 255));
        assertEquals(Icmpv6Packet.ERR_NDP_OPTION, icmp.error());
        byte[] halfOption = concat(hex("0000 0000"), Ipv6Frames.addr("fd00::2"), hex("01"));
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 0, halfOption), 255));
        assertEquals(Icmpv6Packet.ERR_NDP_OPTION, icmp.error());
        byte[] longLla = concat(hex("0000 0000"), Ipv6Frames.addr("fd00::2"),
                hex("0102 0242 ac11 0002 0000 0000 0000 0000"));
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 0, longLla), 255), "Ethernet LLA is 8");
        assertEquals(Icmpv6Packet.ERR_NDP_OPTION, icmp.error());
        byte[] unknownOption = concat(hex("0000 0000"), Ipv6Frames.addr("fd00::2"), hex("0e01 0102 0304 0506"));
        assertTrue(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 0, unknownOption), 255),
                "a nonce (RFC 3971) or any unknown option is skipped");

        byte[] multicastTarget = concat(hex("0000 0000"), Ipv6Frames.addr("ff02::1"));
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 135, 0, multicastTarget), 255));
        assertEquals(Icmpv6Packet.ERR_NDP_TARGET, icmp.error());
        assertFalse(wrap(GUEST, dst, Ipv6Frames.icmpv6(GUEST, dst, 136, 0, multicastTarget), 255));
        assertEquals(Icmpv6Packet.ERR_NDP_TARGET, icmp.error());
    }

    @Test
    void raOptionsWithBadLengthsAreRefused() {
        String dst = "ff02::1";
        byte[] ra = hex("4000 0708 0000 0000 0000 0000");
        byte[] mtu2 = hex("0502 0000 0000 05dc 0000 0000 0000 0000");
        assertFalse(wrap(ROUTER, dst, Ipv6Frames.icmpv6(ROUTER, dst, 134, 0, concat(ra, mtu2)), 255));
        assertEquals(Icmpv6Packet.ERR_NDP_OPTION, icmp.error());
        byte[] prefix3 = concat(hex("0303 40c0 0001 5180 0000 3840 0000 0000"), new byte[8]);
        assertFalse(wrap(ROUTER, dst, Ipv6Frames.icmpv6(ROUTER, dst, 134, 0, concat(ra, prefix3)), 255));
        byte[] rdnssEven = concat(hex("1904 0000 0000 04b0"), new byte[24]);
        assertFalse(wrap(ROUTER, dst, Ipv6Frames.icmpv6(ROUTER, dst, 134, 0, concat(ra, rdnssEven)), 255));
        byte[] rdnssEmpty = hex("1901 0000 0000 04b0");
        assertFalse(wrap(ROUTER, dst, Ipv6Frames.icmpv6(ROUTER, dst, 134, 0, concat(ra, rdnssEmpty)), 255));
        assertTrue(wrap(ROUTER, dst, Ipv6Frames.icmpv6(ROUTER, dst, 134, 0, ra), 255));
    }

    @Test
    void ndpAddressChecks() {
        String solicited = "ff02::1:ff00:100";
        byte[] dad = Ipv6Frames.icmpv6("::", solicited, 135, 0, concat(hex("0000 0000"), Ipv6Frames.addr("fd00::100")));
        ByteBuf b = Frames.buf(dad);
        try {
            assertTrue(icmp.wrap(b, 0, dad.length, 255, pseudo("::", solicited, dad.length)));
            assertTrue(icmp.ndpAddressesValid(0, 0, hi(solicited), lo(solicited)), "a DAD probe");
            assertFalse(icmp.ndpAddressesValid(0, 0, hi("fd00::100"), lo("fd00::100")),
                    "from :: only to a solicited-node group");
        } finally {
            b.release();
        }
        byte[] dadWithLla = Ipv6Frames.icmpv6("::", solicited, 135, 0,
                concat(hex("0000 0000"), Ipv6Frames.addr("fd00::100"), hex("0101 0242 ac11 0002")));
        b = Frames.buf(dadWithLla);
        try {
            assertTrue(icmp.wrap(b, 0, dadWithLla.length, 255, pseudo("::", solicited, dadWithLla.length)));
            assertFalse(icmp.ndpAddressesValid(0, 0, hi(solicited), lo(solicited)));
        } finally {
            b.release();
        }
        byte[] na = Ipv6Frames.icmpv6(GUEST, "ff02::1", 136, 0, concat(hex("6000 0000"), Ipv6Frames.addr(GUEST)));
        b = Frames.buf(na);
        try {
            assertTrue(icmp.wrap(b, 0, na.length, 255, pseudo(GUEST, "ff02::1", na.length)));
            assertEquals(Icmpv6Packet.NA_FLAG_SOLICITED | Icmpv6Packet.NA_FLAG_OVERRIDE, icmp.naFlags());
            assertFalse(icmp.ndpAddressesValid(hi(GUEST), lo(GUEST), hi("ff02::1"), lo("ff02::1")),
                    "RFC 4861 7.1.2: a solicited advertisement is never multicast");
            assertTrue(icmp.ndpAddressesValid(hi(GUEST), lo(GUEST), hi(ROUTER), lo(ROUTER)));
        } finally {
            b.release();
        }
    }

    @Test
    void routerAdvertisementAsLibslirpPlusMtuAndRdnss() throws IllegalRawDataException {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(256);
        try {
            int icmpAt = 14 + 40;
            b.writeZero(icmpAt + 16 + 8 + 32 + 8 + 24);
            int at = icmpAt;
            at += Icmpv6Packet.writeRouterAdvertisement(b, at, 64, 0, 1800, 0, 0);
            at += Icmpv6Packet.writeLinkLayerOption(b, at, Icmpv6Packet.OPT_SOURCE_LINK_LAYER, ROUTER_MAC);
            at += Icmpv6Packet.writePrefixOption(b, at, 64,
                    Icmpv6Packet.PREFIX_FLAG_ON_LINK | Icmpv6Packet.PREFIX_FLAG_AUTONOMOUS, 86400, 14400,
                    hi("fd00::"), lo("fd00::"));
            at += Icmpv6Packet.writeMtuOption(b, at, 1500);
            at += Icmpv6Packet.writeRdnssOption(b, at, 1200, hi("fd00::3"), lo("fd00::3"));
            int length = at - icmpAt;
            assertEquals(b.readableBytes() - icmpAt, length);
            Icmpv6Packet.writeChecksum(b, icmpAt, length, pseudo(ROUTER, "ff02::1", length));
            byte[] frame = frame(b, ROUTER, "ff02::1", length);
            byte[] expected = Ipv6Frames.icmpv6(ROUTER, "ff02::1", 134, 0, concat(
                    hex("4000 0708 0000 0000 0000 0000"),                   // hop 64, M=O=0, 1800 s, 0, 0
                    hex("0101 5256 0000 0002"),                             // source link-layer
                    hex("0304 40c0 0001 5180 0000 3840 0000 0000"),         // /64 L A 86400 14400
                    Ipv6Frames.addr("fd00::"),
                    hex("0501 0000 0000 05dc"),                             // MTU 1500
                    hex("1903 0000 0000 04b0"), Ipv6Frames.addr("fd00::3"))); // RDNSS 1200 s
            assertArrayEquals(expected, Arrays.copyOfRange(frame, icmpAt, frame.length), "exact bytes, checksum too");

            assertTrue(icmp.wrap(b, icmpAt, length, 255, pseudo(ROUTER, "ff02::1", length)), "" + icmp.error());
            assertEquals(64, icmp.raCurHopLimit());
            assertEquals(0, icmp.raFlags());
            assertEquals(1800, icmp.raRouterLifetime());
            assertEquals(ROUTER_MAC, icmp.sourceLinkLayer());
            int opt = icmp.firstOption();
            assertEquals(Icmpv6Packet.OPT_SOURCE_LINK_LAYER, icmp.optionType(opt));
            opt = icmp.nextOption(opt);
            assertEquals(Icmpv6Packet.OPT_PREFIX_INFORMATION, icmp.optionType(opt));
            assertEquals(64, icmp.prefixLength(opt));
            assertEquals(0xc0, icmp.prefixFlags(opt));
            assertEquals(86400, icmp.prefixValidLifetime(opt));
            assertEquals(14400, icmp.prefixPreferredLifetime(opt));
            assertEquals(hi("fd00::"), icmp.prefixHi(opt));
            assertEquals(0, icmp.prefixLo(opt));
            opt = icmp.nextOption(opt);
            assertEquals(Icmpv6Packet.OPT_MTU, icmp.optionType(opt));
            assertEquals(1500, icmp.mtuOptionValue(opt));
            opt = icmp.nextOption(opt);
            assertEquals(Icmpv6Packet.OPT_RDNSS, icmp.optionType(opt));
            assertEquals(1200, icmp.rdnssLifetime(opt));
            assertEquals(1, icmp.rdnssCount(opt));
            assertEquals(hi("fd00::3"), icmp.rdnssHi(opt, 0));
            assertEquals(lo("fd00::3"), icmp.rdnssLo(opt, 0));
            assertEquals(-1, icmp.nextOption(opt));

            EthernetPacket eth = EthernetPacket.newPacket(frame, 0, frame.length);
            assertValidChecksum(eth, ROUTER, "ff02::1");
            IcmpV6RouterAdvertisementPacket.IcmpV6RouterAdvertisementHeader ra =
                    eth.get(IcmpV6RouterAdvertisementPacket.class).getHeader();
            assertEquals(64, ra.getCurHopLimitAsInt());
            assertFalse(ra.getManagedAddressConfigurationFlag());
            assertFalse(ra.getOtherConfigurationFlag());
            assertEquals(1800, ra.getRouterLifetimeAsInt());
            assertEquals(0, ra.getReachableTime());
            assertEquals(0, ra.getRetransTimer());
            List<IpV6NeighborDiscoveryOption> options = ra.getOptions();
            assertEquals(4, options.size());
            assertEquals(MacAddress.getByName("52:56:00:00:00:02"),
                    assertInstanceOf(IpV6NeighborDiscoverySourceLinkLayerAddressOption.class, options.get(0))
                            .getLinkLayerAddressAsMacAddress());
            IpV6NeighborDiscoveryPrefixInformationOption prefix =
                    assertInstanceOf(IpV6NeighborDiscoveryPrefixInformationOption.class, options.get(1));
            assertEquals(64, prefix.getPrefixLengthAsInt());
            assertTrue(prefix.getOnLinkFlag());
            assertTrue(prefix.getAddressConfigurationFlag());
            assertEquals(86400, prefix.getValidLifetimeAsLong());
            assertEquals(14400, prefix.getPreferredLifetimeAsLong());
            assertEquals(inet6("fd00::"), prefix.getPrefix());
            assertEquals(1500, assertInstanceOf(IpV6NeighborDiscoveryMtuOption.class, options.get(2)).getMtuAsLong());
            UnknownIpV6NeighborDiscoveryOption rdnss =
                    assertInstanceOf(UnknownIpV6NeighborDiscoveryOption.class, options.get(3));
            assertEquals(25, rdnss.getType().value() & 0xff);
            assertEquals(3, rdnss.getLengthAsInt());
            assertArrayEquals(concat(hex("0000 0000 04b0"), Ipv6Frames.addr("fd00::3")), rdnss.getData());
        } finally {
            b.release();
        }
    }

    @Test
    void neighborAdvertisementAndSolicitationWriters() throws IllegalRawDataException {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(128);
        try {
            int icmpAt = 14 + 40;
            b.writeZero(icmpAt + 32);
            int flags = Icmpv6Packet.NA_FLAG_ROUTER | Icmpv6Packet.NA_FLAG_SOLICITED | Icmpv6Packet.NA_FLAG_OVERRIDE;
            int length = Icmpv6Packet.writeNeighborAdvertisement(b, icmpAt, flags, hi("fd00::2"), lo("fd00::2"),
                    ROUTER_MAC);
            assertEquals(32, length);
            Icmpv6Packet.writeChecksum(b, icmpAt, length, pseudo("fd00::2", GUEST, length));
            byte[] frame = frame(b, "fd00::2", GUEST, length);
            assertTrue(icmp.wrap(b, icmpAt, length, 255, pseudo("fd00::2", GUEST, length)));
            assertEquals(flags, icmp.naFlags());
            assertEquals(hi("fd00::2"), icmp.targetHi());
            assertEquals(lo("fd00::2"), icmp.targetLo());
            assertEquals(ROUTER_MAC, icmp.targetLinkLayer());
            EthernetPacket eth = EthernetPacket.newPacket(frame, 0, frame.length);
            assertValidChecksum(eth, "fd00::2", GUEST);
            IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader na =
                    eth.get(IcmpV6NeighborAdvertisementPacket.class).getHeader();
            assertTrue(na.getRouterFlag());
            assertTrue(na.getSolicitedFlag());
            assertTrue(na.getOverrideFlag());
            assertEquals(inet6("fd00::2"), na.getTargetAddress());
            assertEquals(MacAddress.getByName("52:56:00:00:00:02"),
                    assertInstanceOf(IpV6NeighborDiscoveryTargetLinkLayerAddressOption.class, na.getOptions().get(0))
                            .getLinkLayerAddressAsMacAddress());

            b.clear().writeZero(icmpAt + 32);
            String dst = "ff02::1:ff11:2";
            length = Icmpv6Packet.writeNeighborSolicitation(b, icmpAt, hi(GUEST), lo(GUEST), ROUTER_MAC);
            Icmpv6Packet.writeChecksum(b, icmpAt, length, pseudo(ROUTER, dst, length));
            frame = frame(b, ROUTER, dst, length);
            assertTrue(icmp.wrap(b, icmpAt, length, 255, pseudo(ROUTER, dst, length)));
            assertEquals(ROUTER_MAC, icmp.sourceLinkLayer());
            eth = EthernetPacket.newPacket(frame, 0, frame.length);
            assertValidChecksum(eth, ROUTER, dst);
            assertEquals(inet6(GUEST),
                    eth.get(IcmpV6NeighborSolicitationPacket.class).getHeader().getTargetAddress());

            assertEquals(24, Icmpv6Packet.writeNeighborSolicitation(b, icmpAt, 0, 1, Icmpv6Packet.NO_MAC));
        } finally {
            b.release();
        }
    }

    @Test
    void echoReplyWriter() throws IllegalRawDataException {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(128);
        try {
            int icmpAt = 14 + 40;
            b.writeZero(icmpAt + 8 + 5);
            Icmpv6Packet.writeEcho(b, icmpAt, Icmpv6Packet.TYPE_ECHO_REPLY, 0xbeef, 0x0102);
            b.setBytes(icmpAt + 8, "hello".getBytes());
            Icmpv6Packet.writeChecksum(b, icmpAt, 13, pseudo("fd00::2", "fd00::100", 13));
            byte[] frame = frame(b, "fd00::2", "fd00::100", 13);
            EthernetPacket eth = EthernetPacket.newPacket(frame, 0, frame.length);
            assertValidChecksum(eth, "fd00::2", "fd00::100");
            IcmpV6EchoReplyPacket reply = eth.get(IcmpV6EchoReplyPacket.class);
            assertEquals(0xbeef, reply.getHeader().getIdentifierAsInt());
            assertEquals(0x0102, reply.getHeader().getSequenceNumberAsInt());
            assertArrayEquals("hello".getBytes(), reply.getPayload().getRawData());
        } finally {
            b.release();
        }
    }

    @Test
    void errorsQuoteUpToTheMinimumMtu() throws IllegalRawDataException {
        byte[] big = Ipv6Frames.ipv6(17, 64, "fd00::100", "2001:db8::1",
                Ipv6Frames.udp("fd00::100", "2001:db8::1", 5, 6, new byte[1952]));
        assertEquals(2000, big.length);
        ByteBuf offending = Frames.buf(big);
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(1400);
        try {
            int icmpAt = 14 + 40;
            b.writeZero(icmpAt + Icmpv6Packet.HEADER_LENGTH + Icmpv6Packet.MAX_ERROR_QUOTE);
            int length = Icmpv6Packet.writeError(b, icmpAt, Icmpv6Packet.TYPE_PACKET_TOO_BIG, 0, 1500,
                    offending, 0, big.length);
            assertEquals(Ipv6Packet.MIN_MTU - Ipv6Packet.HEADER_LENGTH, length, "the error fills exactly 1280");
            Icmpv6Packet.writeChecksum(b, icmpAt, length, pseudo("fd00::2", "fd00::100", length));
            byte[] frame = frame(b, "fd00::2", "fd00::100", length);
            EthernetPacket eth = EthernetPacket.newPacket(frame, 0, frame.length);
            assertValidChecksum(eth, "fd00::2", "fd00::100");
            assertEquals(1500, eth.get(IcmpV6PacketTooBigPacket.class).getHeader().getMtuAsLong());
            assertTrue(icmp.wrap(b, icmpAt, length, 64, pseudo("fd00::2", "fd00::100", length)));
            assertTrue(icmp.isError());
            assertEquals(1500, icmp.mtu());
            assertEquals(1232, icmp.dataLength());
            byte[] quoted = new byte[1232];
            b.getBytes(icmp.dataOffset(), quoted);
            assertArrayEquals(Arrays.copyOf(big, 1232), quoted);

            byte[] small = Ipv6Frames.ipv6(17, 1, "fd00::100", "2001:db8::1", new byte[8]);
            ByteBuf s = Frames.buf(small);
            try {
                assertEquals(8 + small.length, errorFrame(b, Icmpv6Packet.TYPE_PARAMETER_PROBLEM, 0, 6, s));
                eth = EthernetPacket.newPacket(frame(b, "fd00::2", "fd00::100", 8 + small.length), 0,
                        14 + 40 + 8 + small.length);
                assertEquals(6, eth.get(IcmpV6ParameterProblemPacket.class).getHeader().getPointerAsLong());
                errorFrame(b, Icmpv6Packet.TYPE_TIME_EXCEEDED, Icmpv6Packet.CODE_HOP_LIMIT_EXCEEDED, 0, s);
                eth = EthernetPacket.newPacket(frame(b, "fd00::2", "fd00::100", 8 + small.length), 0,
                        14 + 40 + 8 + small.length);
                assertTrue(eth.contains(IcmpV6TimeExceededPacket.class));
                errorFrame(b, Icmpv6Packet.TYPE_DEST_UNREACHABLE, Icmpv6Packet.CODE_PORT_UNREACHABLE, 0, s);
                eth = EthernetPacket.newPacket(frame(b, "fd00::2", "fd00::100", 8 + small.length), 0,
                        14 + 40 + 8 + small.length);
                assertValidChecksum(eth, "fd00::2", "fd00::100");
                assertEquals(4, eth.get(IcmpV6CommonPacket.class).getHeader().getCode().value() & 0xff);
                assertTrue(eth.contains(IcmpV6DestinationUnreachablePacket.class));
            } finally {
                s.release();
            }
        } finally {
            offending.release();
            b.release();
        }
    }

    @Test
    void randomNeighborDiscoveryNeverThrowsAndOptionWalksEnd() {
        Random r = new Random(4861);
        byte[] bytes = new byte[96];
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(bytes.length);
        try {
            int accepted = 0;
            for (int i = 0; i < 20_000; i++) {
                r.nextBytes(bytes);
                bytes[0] = (byte) (133 + r.nextInt(5));
                bytes[1] = 0;
                bytes[8] = (byte) (r.nextBoolean() ? 0xfd : 0xff);
                int type = bytes[0] & 0xff;
                int fixed = type == 133 ? 8 : type == 134 ? 16 : type == 137 ? 40 : 24;
                // Mostly plausible option lengths, so that walks get deep.
                for (int at = fixed; at + 1 < bytes.length; at += 8) {
                    bytes[at] = (byte) new int[] {1, 2, 3, 5, 25, 14}[r.nextInt(6)];
                    bytes[at + 1] = (byte) r.nextInt(5);
                }
                int len = fixed + r.nextInt(bytes.length - fixed + 1);
                b.clear().writeBytes(bytes);
                if (!icmp.wrapChecksumTrusted(b, 0, len, 255)) {
                    continue;
                }
                accepted++;
                int steps = 0;
                for (int at = icmp.firstOption(); at >= 0; at = icmp.nextOption(at)) {
                    assertTrue(++steps <= len / 8, "each option is at least 8 octets");
                    assertTrue(at + icmp.optionLength(at) <= len);
                    switch (icmp.optionType(at)) {
                        case Icmpv6Packet.OPT_PREFIX_INFORMATION:
                            icmp.prefixLo(at);
                            break;
                        case Icmpv6Packet.OPT_RDNSS:
                            icmp.rdnssLo(at, icmp.rdnssCount(at) - 1);
                            break;
                        case Icmpv6Packet.OPT_MTU:
                            icmp.mtuOptionValue(at);
                            break;
                        default:
                            break;
                    }
                }
                icmp.ndpAddressesValid(0, 0, Ipv6Packet.SOLICITED_NODE_HI, 1);
            }
            assertTrue(accepted > 200, "accepted " + accepted);
        } finally {
            b.release();
        }
    }

    /** Writes an error quoting all of {@code invoking} at 54 and checksums it; returns its length. */
    private static int errorFrame(ByteBuf b, int type, int code, int word, ByteBuf invoking) {
        int length = Icmpv6Packet.writeError(b, 54, type, code, word, invoking, 0, invoking.readableBytes());
        Icmpv6Packet.writeChecksum(b, 54, length, pseudo("fd00::2", "fd00::100", length));
        return length;
    }

    /** Fills in Ethernet and IPv6 headers in front of the ICMPv6 message at 54 and returns the frame. */
    private static byte[] frame(ByteBuf b, String src, String dst, int icmpLength) {
        Ipv6Packet.writeHeader(b, 14, 0, 0, icmpLength, 58, 255, hi(src), lo(src), hi(dst), lo(dst));
        b.setShort(0, 0x3333);
        b.setInt(2, 1);
        b.setShort(6, 0x5256);
        b.setInt(8, 2);
        b.setShort(12, Ipv6Frames.ETHERTYPE_IPV6);
        byte[] frame = new byte[14 + 40 + icmpLength];
        b.getBytes(0, frame);
        return frame;
    }

    private static void assertValidChecksum(EthernetPacket eth, String src, String dst) {
        IpV6Packet ip = eth.get(IpV6Packet.class);
        assertEquals(inet6(src), ip.getHeader().getSrcAddr());
        assertTrue(eth.get(IcmpV6CommonPacket.class).hasValidChecksum(inet6(src), inet6(dst), false),
                "pcap4j verifies the ICMPv6 checksum");
    }
}
