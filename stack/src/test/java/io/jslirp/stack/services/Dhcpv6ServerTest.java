package io.jslirp.stack.services;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.Dhcpv6Message;
import io.jslirp.stack.wire.Dhcpv6MessageTest;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.UdpPacket;

import java.util.Arrays;
import java.util.Random;

import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client messages in, exact DHCPv6 payloads out (decoded by our view; pcap4j has no DHCPv6 decoder). */
@ExtendWith(LeakCheckExtension.class)
class Dhcpv6ServerTest {
    private static final long ROUTER_MAC = 0x5256_0000_0002L;
    private static final long GUEST_MAC = 0x0242_ac11_0002L;
    private static final byte[] SERVER_DUID = hex("0003 0001 5256 0000 0002");
    private static final byte[] OTHER_DUID = hex("0003 0001 5256 0000 0009");
    /** The client identifier of {@link Dhcpv6MessageTest#DHCLIENT_SOLICIT}. */
    private static final byte[] DHCLIENT_DUID = hex("0001 0001 2f6b 1a20 0242 ac11 0002");
    private static final byte[] SEARCH = hex("07 6578616d706c65 03 636f6d 00");

    private final Dhcpv6Server server = new Dhcpv6Server(new Dhcpv6Server.Config(SERVER_DUID,
            hi("fd00::3"), lo("fd00::3"), hi("fd00::"), hi("fd00::100"), lo("fd00::100"), new byte[0]));
    private final Dhcpv6Message reply = new Dhcpv6Message();
    private final ByteBuf out = PooledByteBufAllocator.DEFAULT.buffer(server.maxReplyLength());

    @AfterEach
    void release() {
        out.release();
    }

    /** Runs one message through {@code s}; returns the reply bytes, or null for no reply. */
    private byte[] exchange(Dhcpv6Server s, byte[] request) {
        ByteBuf in = Frames.buf(request);
        try {
            out.clear();
            out.ensureWritable(s.maxReplyLength());
            int n = s.respond(in, 0, request.length, GUEST_MAC, out, 0);
            if (n == Dhcpv6Responder.NO_REPLY) {
                return null;
            }
            assertTrue(n <= s.maxReplyLength());
            byte[] r = new byte[n];
            out.getBytes(0, r);
            return r;
        } finally {
            in.release();
        }
    }

    private byte[] exchange(byte[] request) {
        return exchange(server, request);
    }

    /** Wraps reply bytes in our view, over a buffer that lives until the test's end. */
    private Dhcpv6Message parse(byte[] r) {
        out.clear().writeBytes(r);
        assertTrue(reply.wrap(out, 0, r.length), "reply refused: " + reply.error());
        return reply;
    }

    private static byte[] option(int code, byte[] value) {
        return concat(hex(String.format("%04x %04x", code, value.length)), value);
    }

    private static byte[] iaNa(long iaid, byte[]... sub) {
        return option(3, concat(hex(String.format("%08x 0000 0000 0000 0000", iaid)), concat(sub)));
    }

    private static byte[] iaAddr(String address) {
        return option(5, concat(Ipv6Frames.addr(address), hex("0000 0000 0000 0000")));
    }

    private static byte[] message(int type, int xid, byte[]... options) {
        return concat(hex(String.format("%02x %06x", type, xid)), concat(options));
    }

    @Test
    void dhclientSolicitGetsExactlyThisAdvertise() {
        byte[] r = exchange(Dhcpv6MessageTest.DHCLIENT_SOLICIT);
        byte[] expected = concat(
                hex("02 5a7b3c"),
                option(2, SERVER_DUID),
                option(1, DHCLIENT_DUID),
                hex("0003 0028 ac11 0002 0000 1c20 0000 2d00"),          // IA_NA: IAID, T1 7200, T2 11520
                hex("0005 0018"), Ipv6Frames.addr("fd00::100"), hex("0000 3840 0001 5180"), // 14400, 86400
                hex("0017 0010"), Ipv6Frames.addr("fd00::3"));
        assertArrayEquals(expected, r);
        assertEquals(1, server.solicits);
        assertEquals(1, server.advertises);
    }

    @Test
    void dhclientExchangeSolicitRequestRenewRebindRelease() {
        byte[] adv = exchange(Dhcpv6MessageTest.DHCLIENT_SOLICIT);
        Dhcpv6Message a = parse(adv);
        assertEquals(Dhcpv6Message.ADVERTISE, a.messageType());
        assertTrue(a.serverIdEquals(SERVER_DUID));

        byte[] clientId = option(1, DHCLIENT_DUID);
        byte[] request = message(3, 0x111111, clientId, option(2, SERVER_DUID), hex("0008 0002 0000"),
                iaNa(0xac110002L, iaAddr("fd00::100")), hex("0006 0004 0017 0018"));
        Dhcpv6Message r = parse(exchange(request));
        assertEquals(Dhcpv6Message.REPLY, r.messageType());
        assertEquals(0x111111, r.transactionId());
        assertEquals(0xac11_0002L, r.iaid());
        assertEquals(1, r.iaAddressCount());
        assertEquals(hi("fd00::100"), r.iaAddressHi());
        assertEquals(lo("fd00::100"), r.iaAddressLo());
        assertEquals(Dhcpv6Server.PREFERRED_LIFETIME, r.iaAddressPreferredLifetime());
        assertEquals(Dhcpv6Server.VALID_LIFETIME, r.iaAddressValidLifetime());
        assertEquals(Dhcpv6Server.T1, r.t1());
        assertEquals(Dhcpv6Server.T2, r.t2());
        assertEquals(hi("fd00::3"), r.dnsServerHi(0));

        byte[] renew = message(5, 0x222222, clientId, option(2, SERVER_DUID), iaNa(0xac110002L, iaAddr("fd00::100")));
        r = parse(exchange(renew));
        assertEquals(Dhcpv6Message.REPLY, r.messageType());
        assertEquals(1, r.iaAddressCount());

        byte[] rebind = message(6, 0x333333, clientId, iaNa(0xac110002L, iaAddr("fd00::100")));
        r = parse(exchange(rebind));
        assertEquals(Dhcpv6Message.REPLY, r.messageType());
        assertEquals(hi("fd00::100"), r.iaAddressHi());

        byte[] release = message(8, 0x444444, clientId, option(2, SERVER_DUID), iaNa(0xac110002L, iaAddr("fd00::100")));
        r = parse(exchange(release));
        assertEquals(Dhcpv6Message.STATUS_SUCCESS, r.statusCode());
        assertEquals(0, r.iaNaCount());
        byte[] decline = message(9, 0x555555, clientId, option(2, SERVER_DUID), iaNa(0xac110002L, iaAddr("fd00::100")));
        assertEquals(Dhcpv6Message.STATUS_SUCCESS, parse(exchange(decline)).statusCode());

        assertEquals(1, server.requests);
        assertEquals(1, server.renews);
        assertEquals(1, server.rebinds);
        assertEquals(1, server.releases);
        assertEquals(1, server.declines);
        assertEquals(5, server.replies);
        assertEquals(0, server.invalid + server.malformed + server.notForUs + server.ignored);
    }

    @Test
    void udhcpc6SolicitWithoutElapsedTimeGetsTheEui64Address() {
        Dhcpv6Server slaac = new Dhcpv6Server(new Dhcpv6Server.Config(SERVER_DUID, hi("fd00::3"), lo("fd00::3"),
                hi("fd00::"), 0, 0, SEARCH));
        Dhcpv6Message a = parse(exchange(slaac, Dhcpv6MessageTest.UDHCPC6_SOLICIT));
        assertEquals(Dhcpv6Message.ADVERTISE, a.messageType());
        assertEquals(0x0a0b0c, a.transactionId());
        assertEquals(0x1234_5678L, a.iaid());
        assertEquals(hi("fd00::42:acff:fe11:2"), a.iaAddressHi());
        assertEquals(lo("fd00::42:acff:fe11:2"), a.iaAddressLo(), "the address SLAAC forms from 02:42:ac:11:00:02");
        assertEquals(SEARCH.length, a.domainListLength());
        byte[] search = new byte[SEARCH.length];
        out.getBytes(a.domainListOffset(), search);
        assertArrayEquals(SEARCH, search);
    }

    @Test
    void rapidCommitSolicitIsAnsweredWithAReply() {
        byte[] solicit = concat(Dhcpv6MessageTest.DHCLIENT_SOLICIT, hex("000e 0000"));
        Dhcpv6Message r = parse(exchange(solicit));
        assertEquals(Dhcpv6Message.REPLY, r.messageType());
        assertTrue(r.rapidCommit());
        assertEquals(hi("fd00::100"), r.iaAddressHi());
        assertEquals(1, server.replies);
        assertEquals(0, server.advertises);
    }

    @Test
    void solicitWithoutIaNaIsToldNoAddrsAvail() {
        byte[] solicit = message(1, 7, option(1, DHCLIENT_DUID), hex("0019 000c 0000 0001 0000 0000 0000 0000"));
        Dhcpv6Message r = parse(exchange(solicit));
        assertEquals(Dhcpv6Message.ADVERTISE, r.messageType());
        assertEquals(Dhcpv6Message.STATUS_NO_ADDRS_AVAIL, r.statusCode());
        assertEquals(0, r.iaNaCount());
        assertEquals(0, r.dnsServerCount(), "RFC 8415 18.3.9: only the status and the identifiers");
    }

    @Test
    void renewNamingAnotherAddressIsToldToDropIt() {
        byte[] renew = message(5, 1, option(1, DHCLIENT_DUID), option(2, SERVER_DUID),
                iaNa(9, iaAddr("fd00::dead")));
        Dhcpv6Message r = parse(exchange(renew));
        assertEquals(2, r.iaAddressCount());
        assertEquals(lo("fd00::100"), r.iaAddressLo(), "ours first");
        // The second IA Address follows the first: its lifetimes are zero (RFC 8415 18.3.4).
        int second = 4 + 4 + SERVER_DUID.length + 4 + DHCLIENT_DUID.length + 4 + 12 + 28;
        assertEquals(5, out.getUnsignedShort(second));
        assertEquals(lo("fd00::dead"), out.getLong(second + 4 + 8));
        assertEquals(0, out.getLong(second + 4 + 16), "preferred and valid lifetimes 0");
    }

    @Test
    void confirm() {
        byte[] onLink = message(4, 1, option(1, DHCLIENT_DUID), iaNa(9, iaAddr("fd00::100")));
        assertEquals(Dhcpv6Message.STATUS_SUCCESS, parse(exchange(onLink)).statusCode());
        byte[] offLink = message(4, 2, option(1, DHCLIENT_DUID), iaNa(9, iaAddr("fd00::100"), iaAddr("2001:db8::1")));
        Dhcpv6Message r = parse(exchange(offLink));
        assertEquals(Dhcpv6Message.STATUS_NOT_ON_LINK, r.statusCode());
        assertEquals(0, r.iaNaCount(), "a CONFIRM's reply assigns nothing");
        assertEquals(null, exchange(message(4, 3, option(1, DHCLIENT_DUID), iaNa(9))), "no address, no reply");
        assertEquals(3, server.confirms);
        assertEquals(1, server.ignored);
    }

    @Test
    void informationRequestAsWindowsSendsItGetsDnsAsFromLibslirp() {
        // Elapsed time, DUID-LLT, Vendor Class "MSFT 5.0", ORO 17 23 24 32 (a Windows capture's layout).
        byte[] infoReq = message(11, 0xc81d5e, hex("0008 0002 0000"),
                option(1, hex("0001 0001 28ca 2f62 5405 dbe0 886c")),
                option(16, hex("0000 0137 0008 4d53 4654 2035 2e30")),
                hex("0006 0008 0011 0017 0018 0020"));
        byte[] expected = concat(hex("07 c81d5e"), option(2, SERVER_DUID),
                option(1, hex("0001 0001 28ca 2f62 5405 dbe0 886c")),
                hex("0017 0010"), Ipv6Frames.addr("fd00::3"));
        assertArrayEquals(expected, exchange(infoReq));
        assertEquals(1, server.informationRequests);

        byte[] anonymous = message(11, 1, hex("0006 0002 0017"));
        Dhcpv6Message r = parse(exchange(anonymous));
        assertFalse(r.hasClientId(), "RFC 8415 16.12: the client identifier is optional here");
        assertEquals(1, r.dnsServerCount());
        assertEquals(-1, r.domainListOffset(), "no search list configured");
    }

    @Test
    void messagesBreakingSection16AreDropped() {
        byte[] noClientId = message(1, 1, iaNa(1));
        byte[] solicitToAServer = message(1, 1, option(1, DHCLIENT_DUID), option(2, SERVER_DUID), iaNa(1));
        byte[] requestWithoutServer = message(3, 1, option(1, DHCLIENT_DUID), iaNa(1));
        byte[] rebindToAServer = message(6, 1, option(1, DHCLIENT_DUID), option(2, SERVER_DUID), iaNa(1));
        byte[] confirmToAServer = message(4, 1, option(1, DHCLIENT_DUID), option(2, SERVER_DUID),
                iaNa(1, iaAddr("fd00::1")));
        byte[] releaseWithoutClient = message(8, 1, option(2, SERVER_DUID));
        byte[] infoWithIa = message(11, 1, option(1, DHCLIENT_DUID), iaNa(1));
        byte[] infoWithPd = message(11, 1, hex("0019 000c 0000 0001 0000 0000 0000 0000"));
        for (byte[] m : new byte[][] {noClientId, solicitToAServer, requestWithoutServer, rebindToAServer,
                confirmToAServer, releaseWithoutClient, infoWithIa, infoWithPd}) {
            assertEquals(null, exchange(m), Arrays.toString(m));
        }
        assertEquals(8, server.invalid);
        assertEquals(0, server.replies + server.advertises);
    }

    @Test
    void anotherServersMessagesAreNotForUs() {
        byte[] request = message(3, 1, option(1, DHCLIENT_DUID), option(2, OTHER_DUID), iaNa(1));
        byte[] renew = message(5, 1, option(1, DHCLIENT_DUID), option(2, OTHER_DUID), iaNa(1));
        byte[] release = message(8, 1, option(1, DHCLIENT_DUID), option(2, OTHER_DUID));
        byte[] info = message(11, 1, option(1, DHCLIENT_DUID), option(2, OTHER_DUID));
        for (byte[] m : new byte[][] {request, renew, release, info}) {
            assertEquals(null, exchange(m));
        }
        assertEquals(4, server.notForUs);
        byte[] info2 = message(11, 1, option(1, DHCLIENT_DUID), option(2, SERVER_DUID));
        assertEquals(Dhcpv6Message.REPLY, parse(exchange(info2)).messageType(), "our own identifier is fine");
    }

    @Test
    void serverMessagesAndGarbageAreCountedAndIgnored() {
        for (int type : new int[] {2, 7, 10, 0, 200}) {
            assertEquals(null, exchange(message(type, 1, option(1, DHCLIENT_DUID))));
        }
        assertEquals(5, server.ignored);
        assertEquals(null, exchange(hex("01 00")));
        assertEquals(null, exchange(hex("0c 000000")));
        assertEquals(null, exchange(concat(hex("01 000001"), hex("0001 0020 0001"))));
        assertEquals(3, server.malformed);

        Random r = new Random(8415);
        byte[] junk = new byte[120];
        for (int i = 0; i < 5000; i++) {
            r.nextBytes(junk);
            junk[0] = (byte) (1 + r.nextInt(11));
            exchange(Arrays.copyOf(junk, r.nextInt(junk.length)));
        }
        assertTrue(server.malformed > 3);
    }

    @Test
    void largestClientIdentifierFitsTheReplyBound() {
        byte[] duid = new byte[Dhcpv6Message.MAX_DUID_LENGTH];
        duid[1] = 2;
        byte[] solicit = message(1, 1, option(1, duid), iaNa(1, iaAddr("fd00::55")), hex("000e 0000"));
        Dhcpv6Server s = new Dhcpv6Server(new Dhcpv6Server.Config(new byte[Dhcpv6Message.MAX_DUID_LENGTH],
                hi("fd00::3"), lo("fd00::3"), hi("fd00::"), hi("fd00::100"), lo("fd00::100"), new byte[1024]));
        byte[] r = exchange(s, solicit);
        assertEquals(Dhcpv6Message.REPLY, r[0]);
        assertTrue(r.length <= s.maxReplyLength(), r.length + " > " + s.maxReplyLength());
    }

    @Test
    void configIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Dhcpv6Server.Config(new byte[1], 0, 3, hi("fd00::"),
                0, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Dhcpv6Server.Config(SERVER_DUID, 0, 3, hi("fd00::"),
                hi("2001:db8::"), 1, new byte[0]));
        assertArrayEquals(SERVER_DUID, Dhcpv6Server.linkLayerDuid(ROUTER_MAC));
        assertEquals(lo("::42:acff:fe11:2"), Dhcpv6Server.eui64(GUEST_MAC));
        assertEquals(lo("::ff:fe00:0"), Dhcpv6Server.eui64(0x0200_0000_0000L));
    }

    @Test
    void replyInUdpOverIpv6DecodedByPcap4j() throws IllegalRawDataException {
        byte[] payload = exchange(Dhcpv6MessageTest.DHCLIENT_SOLICIT);
        String src = "fe80::2";
        String dst = "fe80::42:acff:fe11:2";
        int udpLength = 8 + payload.length;
        ByteBuf f = PooledByteBufAllocator.DEFAULT.buffer(14 + 40 + udpLength);
        try {
            f.writeZero(14 + 40 + udpLength);
            f.setShort(0, (int) (GUEST_MAC >>> 32));
            f.setInt(2, (int) GUEST_MAC);
            f.setShort(6, (int) (ROUTER_MAC >>> 32));
            f.setInt(8, (int) ROUTER_MAC);
            f.setShort(12, Ipv6Frames.ETHERTYPE_IPV6);
            Ipv6Packet.writeHeader(f, 14, 0, 0, udpLength, Ipv6Packet.NEXT_UDP, 255, hi(src), lo(src), hi(dst),
                    lo(dst));
            f.setShort(54, Dhcpv6Message.SERVER_PORT);
            f.setShort(56, Dhcpv6Message.CLIENT_PORT);
            f.setShort(58, udpLength);
            f.setBytes(62, payload);
            long pseudo = Ipv6Packet.pseudoHeaderSum(hi(src), lo(src), hi(dst), lo(dst), 17, udpLength);
            f.setShort(60, Checksum.finish(Checksum.add(pseudo, f, 54, udpLength)));
            byte[] frame = new byte[f.readableBytes()];
            f.getBytes(0, frame);
            EthernetPacket eth = EthernetPacket.newPacket(frame, 0, frame.length);
            assertEquals(Ipv6Frames.inet6(dst), eth.get(IpV6Packet.class).getHeader().getDstAddr());
            UdpPacket udp = eth.get(UdpPacket.class);
            assertTrue(udp.hasValidChecksum(Ipv6Frames.inet6(src), Ipv6Frames.inet6(dst), false));
            assertEquals(547, udp.getHeader().getSrcPort().valueAsInt());
            assertEquals(546, udp.getHeader().getDstPort().valueAsInt());
            assertArrayEquals(payload, udp.getPayload().getRawData());
        } finally {
            f.release();
        }
    }
}
