package io.jslirp.stack.services;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.udp.UdpReplier;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.jslirp.stack.NetConfig.parseIpv4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each exchange frame by frame: one client message in, exactly the one reply (or nothing) out. Client
 * messages are built here byte by byte and replies decoded here by hand (pcap4j 1.8.2 has no DHCP packet),
 * so DhcpMessage is tested against an independent reading of RFC 2131.
 */
@ExtendWith(LeakCheckExtension.class)
class DhcpServerTest {
    private static final int DISCOVER = 1;
    private static final int OFFER = 2;
    private static final int REQUEST = 3;
    private static final int DECLINE = 4;
    private static final int ACK = 5;
    private static final int NAK = 6;
    private static final int RELEASE = 7;
    private static final int INFORM = 8;
    private static final int BROADCAST_IP = -1;
    private static final long BROADCAST_MAC = 0xffff_ffff_ffffL;
    private static final int GW = parseIpv4("10.0.2.2");
    private static final long MAC_A = 0x0242_ac11_0002L;
    private static final long MAC_B = 0x0242_ac11_0003L;

    /** BusyBox 1.35.0 udhcpc's DISCOVER from 02:42:ac:11:00:02, as captured (see DhcpMessageTest). */
    private static final byte[] UDHCPC_DISCOVER = udhcpcDiscover();

    private final FakeClock clock = new FakeClock();
    private final Recorder out = new Recorder();
    private DhcpServer server = new DhcpServer(NetConfig.defaults(), clock, PooledByteBufAllocator.DEFAULT);

    private static int ip(String dotted) {
        return parseIpv4(dotted);
    }

    private static byte[] udhcpcDiscover() {
        byte[] m = new byte[300];
        byte[] head = HexFormat.of().parseHex(
                "01010600a276335600000000000000000000000000000000000000000242ac11000200000000000000000000");
        byte[] tail = HexFormat.of().parseHex(
                "638253633501013902024037070103060c0f1c2a3c0c756468637020312e33352e303d07010242ac110002ff");
        System.arraycopy(head, 0, m, 0, head.length);
        System.arraycopy(tail, 0, m, 236, tail.length);
        return m;
    }

    // ---- Client side: messages built by hand. ----

    /** A BOOTREQUEST of {@code type}; {@code requested}/{@code serverId} 0 means the option is absent. */
    private static byte[] message(int type, long mac, int xid, int flags, int ciaddr, int requested, int serverId) {
        ByteBuffer b = ByteBuffer.allocate(300);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0);
        b.putInt(xid);
        b.putShort((short) 0).putShort((short) flags);
        b.putInt(ciaddr).putInt(0).putInt(0).putInt(0);
        for (int shift = 40; shift >= 0; shift -= 8) {
            b.put((byte) (mac >>> shift));
        }
        b.position(236);
        b.putInt(0x63825363);
        b.put((byte) 53).put((byte) 1).put((byte) type);
        if (requested != 0) {
            b.put((byte) 50).put((byte) 4).putInt(requested);
        }
        if (serverId != 0) {
            b.put((byte) 54).put((byte) 4).putInt(serverId);
        }
        b.put((byte) 255);
        return b.array();
    }

    private static byte[] discover(long mac) {
        return message(DISCOVER, mac, (int) mac, 0, 0, 0, 0);
    }

    private static byte[] select(long mac, int address) {
        return message(REQUEST, mac, (int) mac, 0, 0, address, GW);
    }

    /** What a client sends from srcAddr; the service sees the guest's Ethernet source and IPv4 source. */
    private List<Sent> send(byte[] message, long srcMac, int srcAddr) {
        int before = out.sent.size();
        ByteBuf b = Frames.buf(message);
        try {
            server.onDatagram(srcMac, srcAddr, 68, srcAddr == 0 ? BROADCAST_IP : GW, 67, b, out);
        } finally {
            b.release();
        }
        return new ArrayList<>(out.sent.subList(before, out.sent.size()));
    }

    private Sent one(byte[] message, long srcMac, int srcAddr) {
        List<Sent> replies = send(message, srcMac, srcAddr);
        assertEquals(1, replies.size(), "exactly one reply");
        return replies.get(0);
    }

    private void none(byte[] message, long srcMac, int srcAddr) {
        assertEquals(List.of(), send(message, srcMac, srcAddr), "no reply");
    }

    /** DISCOVER then REQUEST the offered address; returns the ACKed address. */
    private int lease(long mac) {
        Reply offer = one(discover(mac), mac, 0).reply();
        assertEquals(OFFER, offer.type());
        Reply ack = one(select(mac, offer.yiaddr), mac, 0).reply();
        assertEquals(ACK, ack.type());
        assertEquals(offer.yiaddr, ack.yiaddr);
        return ack.yiaddr;
    }

    private static long mac(int n) {
        return 0x0242_ac11_1000L + n;
    }

    // ---- Server side: replies recorded and decoded by hand. ----

    record Sent(int srcAddr, int srcPort, int dstAddr, int dstPort, long dstMac, byte[] payload) {
        Reply reply() {
            return Reply.decode(payload);
        }

        void assertBroadcast() {
            assertEquals(GW, srcAddr);
            assertEquals(67, srcPort);
            assertEquals(BROADCAST_IP, dstAddr);
            assertEquals(68, dstPort);
            assertEquals(BROADCAST_MAC, dstMac);
        }

        void assertUnicast(int address, long mac) {
            assertEquals(GW, srcAddr);
            assertEquals(67, srcPort);
            assertEquals(address, dstAddr);
            assertEquals(68, dstPort);
            assertEquals(mac, dstMac);
        }
    }

    static final class Recorder implements UdpReplier {
        final List<Sent> sent = new ArrayList<>();

        @Override
        public void send(int srcAddr, int srcPort, int dstAddr, int dstPort, long dstMac, ByteBuf payload, int index,
                         int length) {
            byte[] copy = new byte[length];
            payload.getBytes(index, copy);
            sent.add(new Sent(srcAddr, srcPort, dstAddr, dstPort, dstMac, copy));
        }
    }

    record Option(int code, byte[] value) {
        int asInt() {
            assertEquals(4, value.length, "option " + code + " length");
            return ByteBuffer.wrap(value).getInt();
        }

        int asShort() {
            assertEquals(2, value.length, "option " + code + " length");
            return ByteBuffer.wrap(value).getShort() & 0xffff;
        }
    }

    record Reply(int op, int htype, int hlen, int xid, int flags, int ciaddr, int yiaddr, int siaddr, int giaddr,
                 long chaddr, List<Option> options, int length) {
        static Reply decode(byte[] p) {
            assertTrue(p.length >= 300, "RFC 1542 minimum BOOTP size");
            ByteBuffer b = ByteBuffer.wrap(p);
            int op = p[0] & 0xff;
            int htype = p[1] & 0xff;
            int hlen = p[2] & 0xff;
            assertEquals(0, p[3], "hops");
            int xid = b.getInt(4);
            assertEquals(0, b.getShort(8), "secs");
            int flags = b.getShort(10) & 0xffff;
            long chaddr = 0;
            for (int i = 0; i < 6; i++) {
                chaddr = (chaddr << 8) | (p[28 + i] & 0xff);
            }
            for (int i = 34; i < 236; i++) {
                assertEquals(0, p[i], "chaddr padding, sname and file are zero (" + i + ")");
            }
            assertEquals(0x63825363, b.getInt(236), "magic cookie");
            List<Option> options = new ArrayList<>();
            int at = 240;
            while (true) {
                int code = p[at] & 0xff;
                if (code == 255) {
                    break;
                }
                int len = p[at + 1] & 0xff;
                options.add(new Option(code, Arrays.copyOfRange(p, at + 2, at + 2 + len)));
                at += 2 + len;
            }
            for (int i = at + 1; i < p.length; i++) {
                assertEquals(0, p[i], "padding after End");
            }
            return new Reply(op, htype, hlen, xid, flags, b.getInt(12), b.getInt(16), b.getInt(20), b.getInt(24),
                    chaddr, options, p.length);
        }

        int type() {
            return option(53).value()[0];
        }

        Option option(int code) {
            return options.stream().filter(o -> o.code() == code).findFirst().orElse(null);
        }

        int[] codes() {
            return options.stream().mapToInt(Option::code).toArray();
        }
    }

    /** The options of an OFFER or ACK in the default network, in the order the server sends them. */
    private static void assertDefaultLeaseOptions(Reply r, int type) {
        assertArrayEquals(new int[] {53, 54, 51, 58, 59, 1, 3, 6, 26, 28}, r.codes());
        assertEquals(type, r.type());
        assertEquals(ip("10.0.2.2"), r.option(54).asInt());
        assertEquals(86400, r.option(51).asInt());
        assertEquals(43200, r.option(58).asInt());
        assertEquals(75600, r.option(59).asInt());
        assertEquals(ip("255.255.255.0"), r.option(1).asInt());
        assertEquals(ip("10.0.2.2"), r.option(3).asInt());
        assertEquals(ip("10.0.2.3"), r.option(6).asInt());
        assertEquals(1500, r.option(26).asShort());
        assertEquals(ip("10.0.2.255"), r.option(28).asInt());
    }

    // ---- Exchanges. ----

    @Test
    void udhcpcDiscoverGetsOfferOfNetworkPlus15Broadcast() {
        Sent sent = one(UDHCPC_DISCOVER, MAC_A, 0);
        sent.assertBroadcast();
        Reply r = sent.reply();
        assertEquals(2, r.op());
        assertEquals(1, r.htype());
        assertEquals(6, r.hlen());
        assertEquals(0xa2763356, r.xid());
        assertEquals(0, r.flags());
        assertEquals(0, r.ciaddr());
        assertEquals(ip("10.0.2.15"), r.yiaddr());
        assertEquals(ip("10.0.2.2"), r.siaddr());
        assertEquals(0, r.giaddr());
        assertEquals(MAC_A, r.chaddr());
        assertEquals(300, r.length());
        assertDefaultLeaseOptions(r, OFFER);
        assertEquals(1, server.discovers);
        assertEquals(1, server.offers);
        assertEquals(ip("10.0.2.15"), server.addressOf(MAC_A));
    }

    @Test
    void selectingRequestGetsAck() {
        one(discover(MAC_A), MAC_A, 0);
        Sent sent = one(message(REQUEST, MAC_A, 0x1234, 0, 0, ip("10.0.2.15"), GW), MAC_A, 0);
        sent.assertBroadcast();
        Reply r = sent.reply();
        assertEquals(0x1234, r.xid());
        assertEquals(ip("10.0.2.15"), r.yiaddr());
        assertEquals(0, r.ciaddr());
        assertDefaultLeaseOptions(r, ACK);
        assertEquals(1, server.requests);
        assertEquals(1, server.acks);
    }

    @Test
    void selectingAnotherFreeAddressMovesTheClientsOneLease() {
        // udhcpc's captured REQUEST selects 10.0.2.17 (what udhcpd offered it); we had offered .15.
        byte[] udhcpcRequest = Arrays.copyOf(UDHCPC_DISCOVER, 300);
        byte[] tail = HexFormat.of().parseHex("6382536335010332040a00021136040a0002023902024037070103060c0f1c2a3c0c"
                + "756468637020312e33352e303d07010242ac110002ff");
        System.arraycopy(tail, 0, udhcpcRequest, 236, tail.length);
        udhcpcRequest[9] = 2; // secs
        assertEquals(ip("10.0.2.15"), one(UDHCPC_DISCOVER, MAC_A, 0).reply().yiaddr());
        Reply r = one(udhcpcRequest, MAC_A, 0).reply();
        assertEquals(ACK, r.type());
        assertEquals(0xa2763356, r.xid());
        assertEquals(ip("10.0.2.17"), r.yiaddr());
        assertEquals(ip("10.0.2.17"), server.addressOf(MAC_A));
        assertEquals(ip("10.0.2.15"), lease(MAC_B));
    }

    @Test
    void broadcastFlagIsEchoedAndReplyBroadcast() {
        Sent sent = one(message(DISCOVER, MAC_A, 7, 0x8000, 0, 0, 0), MAC_A, 0);
        sent.assertBroadcast();
        assertEquals(0x8000, sent.reply().flags());
    }

    @Test
    void secondClientGetsNetworkPlus16AndFirstKeepsItsAddress() {
        assertEquals(ip("10.0.2.15"), lease(MAC_A));
        assertEquals(ip("10.0.2.16"), lease(MAC_B));
        // A reboots and starts over: same address again, lease intact.
        assertEquals(ip("10.0.2.15"), lease(MAC_A));
        assertEquals(ip("10.0.2.16"), server.addressOf(MAC_B));
        // After its lease ran out and nobody took the address, A still gets it back (RFC 2131 4.3.1).
        clock.advanceSeconds(86400);
        assertEquals(0, server.addressOf(MAC_A));
        assertEquals(ip("10.0.2.16"), lease(MAC_B));
        assertEquals(ip("10.0.2.15"), lease(MAC_A));
    }

    @Test
    void discoverHonoursAFreeRequestedAddress() {
        Reply r = one(message(DISCOVER, MAC_A, 1, 0, 0, ip("10.0.2.20"), 0), MAC_A, 0).reply();
        assertEquals(ip("10.0.2.20"), r.yiaddr());
        // Outside the pool: ignored, lowest free instead.
        r = one(message(DISCOVER, MAC_B, 1, 0, 0, ip("10.0.2.100"), 0), MAC_B, 0).reply();
        assertEquals(ip("10.0.2.15"), r.yiaddr());
    }

    @Test
    void requestForForeignAddressGetsNak() {
        lease(MAC_A);
        lease(MAC_B);
        for (String wanted : new String[] {"10.0.2.16", "10.0.2.100", "192.168.1.15", "10.0.2.31"}) {
            Sent sent = one(message(REQUEST, MAC_A, 99, 0, 0, ip(wanted), GW), MAC_A, 0);
            sent.assertBroadcast();
            Reply r = sent.reply();
            assertEquals(0, r.yiaddr(), wanted);
            assertEquals(0, r.siaddr());
            assertEquals(0, r.ciaddr());
            assertArrayEquals(new int[] {53, 54, 56}, r.codes());
            assertEquals(NAK, r.type());
            assertEquals(GW, r.option(54).asInt());
            assertEquals("requested address not available",
                    new String(r.option(56).value(), StandardCharsets.US_ASCII));
        }
        assertEquals(4, server.naks);
        // The NAKs took nothing away.
        assertEquals(ip("10.0.2.15"), server.addressOf(MAC_A));
        assertEquals(ip("10.0.2.16"), server.addressOf(MAC_B));
    }

    @Test
    void requestNamingAnotherServerIsSilentAndDropsOurOffer() {
        assertEquals(ip("10.0.2.15"), one(discover(MAC_A), MAC_A, 0).reply().yiaddr());
        none(message(REQUEST, MAC_A, 1, 0, 0, ip("192.168.1.50"), ip("192.168.1.1")), MAC_A, 0);
        assertEquals(1, server.requests);
        assertEquals(0, server.acks + server.naks);
        assertEquals(0, server.addressOf(MAC_A));
        assertEquals(ip("10.0.2.15"), one(discover(MAC_B), MAC_B, 0).reply().yiaddr());
    }

    @Test
    void initRebootRequestFromDhclient() {
        // dhclient (hand-built as in DhcpMessageTest) verifying 10.0.2.15 after a restart of jslirp: no
        // record, but the address is free and in the pool, so ACK (libslirp does the same).
        long mac = 0x5254_0012_3456L;
        byte[] dhclient = message(REQUEST, mac, 0x3903f326, 0, 0, ip("10.0.2.15"), 0);
        Sent sent = one(dhclient, mac, 0);
        sent.assertBroadcast();
        Reply r = sent.reply();
        assertEquals(ip("10.0.2.15"), r.yiaddr());
        assertDefaultLeaseOptions(r, ACK);
        // Another client verifying the same address gets a NAK.
        assertEquals(NAK, one(message(REQUEST, MAC_B, 1, 0, 0, ip("10.0.2.15"), 0), MAC_B, 0).reply().type());
    }

    @Test
    void renewingRequestIsUnicastToCiaddr() {
        int address = lease(MAC_A);
        clock.advanceSeconds(43200);
        Sent sent = one(message(REQUEST, MAC_A, 5, 0, address, 0, 0), MAC_A, address);
        sent.assertUnicast(address, MAC_A);
        Reply r = sent.reply();
        assertEquals(address, r.ciaddr());
        assertEquals(address, r.yiaddr());
        assertDefaultLeaseOptions(r, ACK);
        // The renewal restarted the lease: still A's a day after the first ACK.
        clock.advanceSeconds(86400 - 43200);
        assertEquals(address, server.addressOf(MAC_A));
        // Renewing an address that is someone else's: NAK, broadcast.
        Sent nak = one(message(REQUEST, MAC_B, 6, 0, address, 0, 0), MAC_B, address);
        nak.assertBroadcast();
        assertEquals(NAK, nak.reply().type());
    }

    @Test
    void releaseThenReuse() {
        int address = lease(MAC_A);
        none(message(RELEASE, MAC_A, 2, 0, address, 0, GW), MAC_A, address);
        assertEquals(1, server.releases);
        assertEquals(0, server.addressOf(MAC_A));
        assertEquals(address, lease(MAC_B));
        // A RELEASE of someone else's address changes nothing.
        none(message(RELEASE, MAC_A, 3, 0, address, 0, GW), MAC_A, address);
        assertEquals(address, server.addressOf(MAC_B));
    }

    @Test
    void declineQuarantinesTheAddressThenFreesIt() {
        int declined = lease(MAC_A);
        none(message(DECLINE, MAC_A, 4, 0, 0, declined, GW), MAC_A, 0);
        assertEquals(1, server.declines);
        assertEquals(0, server.addressOf(MAC_A));
        assertEquals(ip("10.0.2.16"), one(discover(MAC_A), MAC_A, 0).reply().yiaddr());
        // Asking for the quarantined address explicitly is refused too.
        assertEquals(NAK, one(message(REQUEST, MAC_B, 1, 0, 0, declined, 0), MAC_B, 0).reply().type());
        clock.advanceSeconds(599);
        assertEquals(ip("10.0.2.16"), lease(mac(1)), "A's offer lapsed; .15 still quarantined");
        clock.advanceSeconds(1);
        assertEquals(declined, lease(mac(2)));
    }

    @Test
    void informGetsAckUnicastWithoutAddressOrLease() {
        int ciaddr = ip("10.0.2.100");
        Sent sent = one(message(INFORM, MAC_A, 8, 0, ciaddr, 0, 0), MAC_A, ciaddr);
        sent.assertUnicast(ciaddr, MAC_A);
        Reply r = sent.reply();
        assertEquals(ciaddr, r.ciaddr());
        assertEquals(0, r.yiaddr());
        assertArrayEquals(new int[] {53, 54, 1, 3, 6, 26, 28}, r.codes());
        assertEquals(ACK, r.type());
        assertNull(r.option(51));
        assertEquals(1, server.informs);
        assertEquals(0, server.addressOf(MAC_A));
    }

    @Test
    void poolExhaustedAfterSixteenClients() {
        for (int i = 0; i < 16; i++) {
            assertEquals(ip("10.0.2." + (15 + i)), lease(mac(i)));
        }
        none(discover(mac(16)), mac(16), 0);
        assertEquals(1, server.poolExhausted);
        assertEquals(17, server.discovers);
        assertEquals(16, server.offers);
        // Existing clients still get their own addresses.
        assertEquals(ip("10.0.2.20"), lease(mac(5)));
    }

    @Test
    void unansweredOffersLapse() {
        for (int i = 0; i < 16; i++) {
            one(discover(mac(i)), mac(i), 0);
        }
        none(discover(mac(16)), mac(16), 0);
        clock.advanceSeconds(DhcpServer.OFFER_HOLD_SECONDS);
        assertEquals(ip("10.0.2.15"), lease(mac(16)));
    }

    @Test
    void leaseExpiryFreesAddresses() {
        for (int i = 0; i < 16; i++) {
            lease(mac(i));
        }
        clock.advanceSeconds(1000);
        int renewed = ip("10.0.2.18");
        one(message(REQUEST, mac(3), 1, 0, renewed, 0, 0), mac(3), renewed);
        clock.advanceSeconds(86400 - 1001);
        none(discover(mac(99)), mac(99), 0);
        clock.advanceSeconds(1);
        assertEquals(ip("10.0.2.15"), lease(mac(99)));
        assertEquals(renewed, server.addressOf(mac(3)));
        assertEquals(0, server.addressOf(mac(0)));
    }

    @Test
    void otherCidrAndMtu() {
        server = new DhcpServer(NetConfig.of("10.0.3.0/24", 65520), clock, PooledByteBufAllocator.DEFAULT);
        Sent sent = one(discover(MAC_A), MAC_A, 0);
        assertEquals(ip("10.0.3.2"), sent.srcAddr());
        Reply r = sent.reply();
        assertEquals(ip("10.0.3.15"), r.yiaddr());
        assertEquals(ip("10.0.3.2"), r.option(54).asInt());
        assertEquals(ip("10.0.3.2"), r.option(3).asInt());
        assertEquals(ip("10.0.3.3"), r.option(6).asInt());
        assertEquals(ip("255.255.255.0"), r.option(1).asInt());
        assertEquals(ip("10.0.3.255"), r.option(28).asInt());
        assertEquals(65520, r.option(26).asShort());
        Reply ack = one(message(REQUEST, MAC_A, 1, 0, 0, ip("10.0.3.15"), ip("10.0.3.2")), MAC_A, 0).reply();
        assertEquals(ACK, ack.type());
        // The default network's server id is "another server" here.
        none(message(REQUEST, MAC_B, 1, 0, 0, ip("10.0.3.16"), GW), MAC_B, 0);

        server = new DhcpServer(NetConfig.of("192.168.100.128/25", 1400), clock, PooledByteBufAllocator.DEFAULT);
        r = one(discover(MAC_A), MAC_A, 0).reply();
        assertEquals(ip("192.168.100.143"), r.yiaddr());
        assertEquals(ip("255.255.255.128"), r.option(1).asInt());
        assertEquals(ip("192.168.100.255"), r.option(28).asInt());
        assertEquals(ip("192.168.100.130"), r.option(3).asInt());
    }

    @Test
    void malformedAndIrrelevantMessagesAreCountedAndUnanswered() {
        byte[] badCookie = UDHCPC_DISCOVER.clone();
        badCookie[236] = 0;
        none(badCookie, MAC_A, 0);
        none(Arrays.copyOf(UDHCPC_DISCOVER, 250), MAC_A, 0);
        none(new byte[0], MAC_A, 0);
        assertEquals(3, server.malformed);

        byte[] bootReply = UDHCPC_DISCOVER.clone();
        bootReply[0] = 2;
        none(bootReply, MAC_A, 0);
        byte[] relayed = UDHCPC_DISCOVER.clone();
        relayed[24] = 10;
        none(relayed, MAC_A, 0);
        none(message(OFFER, MAC_A, 1, 0, 0, 0, 0), MAC_A, 0);
        none(bootpRequest(), MAC_A, 0);
        assertEquals(4, server.ignored);
        assertEquals(0, server.discovers);
    }

    private static byte[] bootpRequest() {
        byte[] m = Arrays.copyOf(UDHCPC_DISCOVER, 300);
        Arrays.fill(m, 240, 300, (byte) 0);
        m[240] = (byte) 255;
        return m;
    }

    @Test
    void twoArgumentConstructorUsesThePooledAllocator() {
        server = new DhcpServer(NetConfig.defaults(), clock);
        assertEquals(ip("10.0.2.15"), one(UDHCPC_DISCOVER, MAC_A, 0).reply().yiaddr());
    }

    @Test
    void countersByName() {
        lease(MAC_A);
        none(new byte[10], MAC_A, 0);
        Map<String, Long> c = server.counters();
        assertEquals(List.of("discovers", "offers", "requests", "acks", "naks", "releases", "declines", "informs",
                "malformed", "poolExhausted", "ignored"), new ArrayList<>(c.keySet()));
        assertEquals(1L, c.get("discovers"));
        assertEquals(1L, c.get("offers"));
        assertEquals(1L, c.get("requests"));
        assertEquals(1L, c.get("acks"));
        assertEquals(1L, c.get("malformed"));
        assertEquals(0L, c.get("naks"));
    }
}
