package io.jslirp.stack.wire;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.Set;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DHCPv6 fixtures are built from RFC 8415's layouts (pcap4j 1.8.2 has no DHCPv6 packet), so the view is
 * tested against an independent reading of the RFC.
 */
@ExtendWith(LeakCheckExtension.class)
public class Dhcpv6MessageTest {
    /**
     * A SOLICIT shaped as ISC {@code dhclient -6} sends it: Client Identifier DUID-LLT (type 1, Ethernet,
     * time, MAC), Elapsed Time 0, IA_NA with the MAC's last four octets as IAID and T1 = T2 = 0, and the
     * Option Request of Debian's default dhclient.conf (name servers 23, domain search 24, FQDN 39,
     * SNTP 31).
     */
    public static final byte[] DHCLIENT_SOLICIT = hex(
            "01 5a7b3c"
                    + "0001 000e 0001 0001 2f6b 1a20 0242 ac11 0002"
                    + "0008 0002 0000"
                    + "0003 000c ac11 0002 0000 0000 0000 0000"
                    + "0006 0008 0017 0018 0027 001f");

    /**
     * A SOLICIT shaped as busybox {@code udhcpc6} sends it: Client Identifier DUID-LL (type 3, Ethernet,
     * MAC) first, IA_NA with a random IAID, the Option Request for -O dns -O search, and an empty Client
     * FQDN (39); no Elapsed Time, which busybox omits.
     */
    public static final byte[] UDHCPC6_SOLICIT = hex(
            "01 0a0b0c"
                    + "0001 000a 0003 0001 0242 ac11 0002"
                    + "0003 000c 1234 5678 0000 0000 0000 0000"
                    + "0006 0004 0017 0018"
                    + "0027 0002 0000");

    /** Option boundaries of {@link #DHCLIENT_SOLICIT}: a cut there leaves a shorter, well-formed message. */
    private static final Set<Integer> DHCLIENT_BOUNDARIES = Set.of(4, 22, 28, 44, 56);

    private final Dhcpv6Message m = new Dhcpv6Message();

    private boolean wrap(byte[] bytes) {
        ByteBuf b = Frames.buf(bytes);
        try {
            return m.wrap(b, 0, bytes.length);
        } finally {
            b.release();
        }
    }

    @Test
    void parsesDhclientSolicit() {
        ByteBuf b = Frames.buf(DHCLIENT_SOLICIT);
        try {
            assertTrue(m.wrap(b, 0, DHCLIENT_SOLICIT.length), "error " + m.error());
            assertEquals(Dhcpv6Message.SOLICIT, m.messageType());
            assertEquals(0x5a7b3c, m.transactionId());
            assertTrue(m.hasClientId());
            assertEquals(8, m.clientIdOffset());
            assertEquals(14, m.clientIdLength());
            assertFalse(m.hasServerId());
            assertEquals(1, m.iaNaCount());
            assertEquals(0xac11_0002L, m.iaid());
            assertEquals(0, m.t1());
            assertEquals(0, m.t2());
            assertEquals(0, m.iaAddressCount());
            assertEquals(0, m.elapsedTime());
            assertEquals(4, m.requestedOptionCount());
            assertEquals(23, m.requestedOption(0));
            assertTrue(m.requests(Dhcpv6Message.OPT_DNS_SERVERS));
            assertTrue(m.requests(Dhcpv6Message.OPT_DOMAIN_LIST));
            assertFalse(m.requests(Dhcpv6Message.OPT_IA_PD));
            assertFalse(m.rapidCommit());
            assertFalse(m.hasOtherIa());
            assertEquals(-1, m.statusCode());
            assertEquals(0, m.dnsServerCount());
            assertEquals(-1, m.domainListOffset());
        } finally {
            b.release();
        }
    }

    @Test
    void parsesUdhcpc6Solicit() {
        ByteBuf b = Frames.buf(UDHCPC6_SOLICIT);
        try {
            assertTrue(m.wrap(b, 0, UDHCPC6_SOLICIT.length), "error " + m.error());
            assertEquals(0x0a0b0c, m.transactionId());
            assertEquals(10, m.clientIdLength());
            assertEquals(0x1234_5678L, m.iaid());
            assertEquals(-1, m.elapsedTime(), "busybox sends no Elapsed Time");
            assertEquals(2, m.requestedOptionCount());
        } finally {
            b.release();
        }
    }

    @Test
    void truncationAtEveryLength() {
        for (int len = 0; len < DHCLIENT_SOLICIT.length; len++) {
            boolean ok = wrap(Arrays.copyOf(DHCLIENT_SOLICIT, len));
            if (len < 4) {
                assertFalse(ok);
                assertEquals(Dhcpv6Message.ERR_TRUNCATED, m.error());
            } else if (DHCLIENT_BOUNDARIES.contains(len)) {
                assertTrue(ok, "a cut between options at " + len + " is a shorter message");
            } else {
                assertFalse(ok, "cut inside an option at " + len);
                assertEquals(Dhcpv6Message.ERR_OPTIONS, m.error());
            }
        }
        ByteBuf b = Frames.buf(DHCLIENT_SOLICIT);
        try {
            assertFalse(m.wrap(b, 1, DHCLIENT_SOLICIT.length), "range past the buffer");
            assertEquals(Dhcpv6Message.ERR_TRUNCATED, m.error());
            assertFalse(m.wrap(b, -1, 8));
        } finally {
            b.release();
        }
    }

    @Test
    void refusesRelayMessages() {
        assertFalse(wrap(hex("0c00 fe80 0000 0000 0000 0000 0000 0000 0001")));
        assertEquals(Dhcpv6Message.ERR_RELAY, m.error());
        assertFalse(wrap(hex("0d00 0000")));
        assertEquals(Dhcpv6Message.ERR_RELAY, m.error());
    }

    @Test
    void refusesBadLengthsOfOptionsItReads() {
        byte[] head = hex("01 000001");
        byte[][] bad = {
                hex("0001 0001 00"),                              // DUID of one octet
                concat(hex("0001 0083"), new byte[131]),          // DUID of 131 octets
                hex("0002 0001 00"),
                hex("0008 0003 000000"),                          // elapsed time of three
                hex("000e 0001 00"),                              // rapid commit with data
                hex("0006 0003 001700"),                          // odd option request
                concat(hex("0017 000f"), new byte[15]),           // DNS list not whole addresses
                concat(hex("0003 000b"), new byte[11]),           // IA_NA below 12
                concat(hex("0003 0027"), new byte[12], hex("0005 0017"), new byte[23]), // IA Address below 24
                concat(hex("0003 0011"), new byte[12], hex("000d 0001 00")),             // status below 2
                hex("000d 0001 00"),
        };
        for (byte[] option : bad) {
            assertFalse(wrap(concat(head, option)), "option " + Arrays.toString(option));
            assertEquals(Dhcpv6Message.ERR_OPTION_LENGTH, m.error());
        }
        assertTrue(wrap(concat(head, hex("0001 0002 0001"), hex("000e 0000"))));
        assertTrue(wrap(concat(head, hex("0001 0082"), new byte[130])), "DUID of 130 is the maximum");
    }

    @Test
    void refusesOptionsRunningPastTheirContainer() {
        byte[] head = hex("01 000001");
        assertFalse(wrap(concat(head, hex("0001 0010 0001 0001"))), "past the message");
        assertEquals(Dhcpv6Message.ERR_OPTIONS, m.error());
        assertFalse(wrap(concat(head, hex("0001"))), "half an option header");
        assertEquals(Dhcpv6Message.ERR_OPTIONS, m.error());
        // IA_NA of 16 whose IA Address claims 24 octets.
        assertFalse(wrap(concat(head, hex("0003 0010"), new byte[12], hex("0005 0018"))));
        assertEquals(Dhcpv6Message.ERR_OPTIONS, m.error());
        // IA Address whose own status code runs past it.
        assertFalse(wrap(concat(head, hex("0003 002c"), new byte[12], hex("0005 001c"), new byte[24],
                hex("000d 0008"))));
        assertEquals(Dhcpv6Message.ERR_OPTIONS, m.error());
    }

    @Test
    void optionCountIsBounded() {
        byte[] head = hex("0b 000001");
        byte[] max = head;
        for (int i = 0; i < Dhcpv6Message.MAX_OPTIONS; i++) {
            max = concat(max, hex("ff00 0000"));
        }
        assertTrue(wrap(max));
        assertFalse(wrap(concat(max, hex("ff00 0000"))));
        assertEquals(Dhcpv6Message.ERR_OPTIONS, m.error());
    }

    @Test
    void writersRoundTrip() {
        byte[] serverDuid = hex("0003 0001 5256 0000 0002");
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(256);
        ByteBuf client = Frames.buf(hex("0001 0001 0203 0405 0607"));
        try {
            int at = Dhcpv6Message.writeHeader(b, 0, Dhcpv6Message.REPLY, 0xabcdef);
            at += Dhcpv6Message.writeOption(b, at, Dhcpv6Message.OPT_SERVERID, serverDuid);
            at += Dhcpv6Message.writeOption(b, at, Dhcpv6Message.OPT_CLIENTID, client, 0, 10);
            int sub = 28 + 6 + 2;
            at += Dhcpv6Message.writeIaNaHeader(b, at, 0xfeedbeefL, 7200, 11520, sub);
            at += Dhcpv6Message.writeIaAddress(b, at, hi("fd00::100"), lo("fd00::100"), 14400, 86400);
            at += Dhcpv6Message.writeStatusCode(b, at, 0, "ok".getBytes());
            at += Dhcpv6Message.writeDnsServer(b, at, hi("fd00::3"), lo("fd00::3"));
            at += Dhcpv6Message.writeOption(b, at, Dhcpv6Message.OPT_DOMAIN_LIST, hex("07 6578616d706c65 00"));
            at += Dhcpv6Message.writeStatusCode(b, at, Dhcpv6Message.STATUS_NOT_ON_LINK, new byte[0]);
            at += Dhcpv6Message.writeOptionHeader(b, at, Dhcpv6Message.OPT_RAPID_COMMIT, 0);
            assertTrue(m.wrap(b, 0, at), "error " + m.error());
            assertEquals(Dhcpv6Message.REPLY, m.messageType());
            assertEquals(0xabcdef, m.transactionId());
            assertTrue(m.serverIdEquals(serverDuid));
            assertFalse(m.serverIdEquals(hex("0003 0001 5256 0000 0003")));
            assertFalse(m.serverIdEquals(hex("0003 0001 5256 0000")));
            assertEquals(10, m.clientIdLength());
            assertEquals(0xfeedbeefL, m.iaid());
            assertEquals(7200, m.t1());
            assertEquals(11520, m.t2());
            assertEquals(1, m.iaAddressCount());
            assertEquals(hi("fd00::100"), m.iaAddressHi());
            assertEquals(lo("fd00::100"), m.iaAddressLo());
            assertEquals(14400, m.iaAddressPreferredLifetime());
            assertEquals(86400, m.iaAddressValidLifetime());
            assertTrue(m.iaAddressesAllIn(hi("fd00::")));
            assertFalse(m.iaAddressesAllIn(hi("2001:db8::")));
            assertEquals(1, m.dnsServerCount());
            assertEquals(hi("fd00::3"), m.dnsServerHi(0));
            assertEquals(lo("fd00::3"), m.dnsServerLo(0));
            assertEquals(9, m.domainListLength());
            assertEquals(Dhcpv6Message.STATUS_NOT_ON_LINK, m.statusCode());
            assertEquals(0, m.statusMessageLength());
            assertTrue(m.rapidCommit());
            byte[] iaAddr = new byte[16];
            b.getBytes(m.clientIdOffset() + 10 + 4 + 12 + 4, iaAddr);
            assertArrayEquals(addr("fd00::100"), iaAddr);
        } finally {
            client.release();
            b.release();
        }
    }
}
