package io.jslirp.tap.dev;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Byte-exact requests against hand-assembled fixtures, and the ack parser against good and hostile input. */
class RtnetlinkTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("[\\s|]", ""));
    }

    @Test
    void newAddressIsIfaddrmsgWithLocalAddressAndNodadFlags() {
        byte[] expected = hex(
                // nlmsghdr: len 72, RTM_NEWADDR (20), REQUEST|ACK|REPLACE|CREATE (0x505), seq 0x01020304, pid 0
                "48000000 1400 0505 04030201 00000000"
                // ifaddrmsg: AF_INET6, /64, IFA_F_NODAD, scope universe, ifindex 7
                + "0a 40 02 00 07000000"
                // IFA_LOCAL (2) fd00::100, in network order
                + "1400 0200 fd000000000000000000000000000100"
                // IFA_ADDRESS (1) fd00::100
                + "1400 0100 fd000000000000000000000000000100"
                // IFA_FLAGS (8) = IFA_F_NODAD
                + "0800 0800 02000000");
        assertArrayEquals(expected, Rtnetlink.newAddress(0x01020304, 7, 0xfd00_0000_0000_0000L, 0x100, 64,
                Rtnetlink.IFA_F_NODAD));
    }

    @Test
    void newDefaultRouteIsRtmsgWithGatewayDeviceAndMetric() {
        byte[] expected = hex(
                // nlmsghdr: len 64, RTM_NEWROUTE (24), REQUEST|ACK|REPLACE|CREATE, seq 5, pid 0
                "40000000 1800 0505 05000000 00000000"
                // rtmsg: AF_INET6, dst_len 0 (default), src_len 0, tos 0, table main (254), proto boot (3),
                // scope universe, type unicast; flags 0
                + "0a 00 00 00 fe 03 00 01 00000000"
                // RTA_GATEWAY (5) fe80::2
                + "1400 0500 fe800000000000000000000000000002"
                // RTA_OIF (4) 7
                + "0800 0400 07000000"
                // RTA_PRIORITY (6) 2048
                + "0800 0600 00080000");
        assertArrayEquals(expected, Rtnetlink.newDefaultRoute(5, 7, 0xfe80_0000_0000_0000L, 2, 2048));
    }

    /** NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK: error, then only the request's header. */
    private static String cappedAck(int error, int seq, int flags, String tlvs) {
        byte[] t = hex(tlvs);
        int len = 16 + 4 + 16 + t.length;
        return le32(len) + "0200" + le16(flags) + le32(seq) + "39300000" + le32(error)
                + "48000000 1400 0505" + le32(seq) + "00000000" + tlvs;
    }

    private static String le32(int v) {
        return String.format("%02x%02x%02x%02x", v & 0xff, v >>> 8 & 0xff, v >>> 16 & 0xff, v >>> 24);
    }

    private static String le16(int v) {
        return String.format("%02x%02x", v & 0xff, v >>> 8 & 0xff);
    }

    /** NLMSGERR_ATTR_MSG with {@code text}, NUL-terminated and padded to four octets. */
    private static String msgAttr(String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        int len = 4 + t.length + 1;
        ByteArrayOutputStream pad = new ByteArrayOutputStream();
        pad.writeBytes(t);
        pad.write(0);
        while (pad.size() % 4 != 0) {
            pad.write(0);
        }
        return le16(len) + "0100" + HexFormat.of().formatHex(pad.toByteArray());
    }

    @Test
    void successAckIsErrorZero() {
        byte[] d = hex(cappedAck(0, 41, 0x100, ""));
        Rtnetlink.Ack ack = new Rtnetlink.Ack();
        assertTrue(ack.find(d, d.length, 41));
        assertEquals(0, ack.error());
        assertEquals("", ack.message());
    }

    @Test
    void errorAckCarriesTheErrnoAndTheKernelsWords() {
        byte[] d = hex(cappedAck(-17, 42, 0x300, msgAttr("Nexthop has invalid gateway")));
        Rtnetlink.Ack ack = new Rtnetlink.Ack();
        assertTrue(ack.find(d, d.length, 42));
        assertEquals(17, ack.error());
        assertEquals("Nexthop has invalid gateway", ack.message());
    }

    /** Without NETLINK_CAP_ACK the whole request is echoed; the attributes start after it. */
    @Test
    void uncappedAckSkipsTheEchoedRequestBody() {
        byte[] request = Rtnetlink.newAddress(43, 7, 0xfd00_0000_0000_0000L, 0x100, 64, Rtnetlink.IFA_F_NODAD);
        String tlv = msgAttr("Permission denied, IPv6 is disabled");
        int len = 16 + 4 + request.length + hex(tlv).length;
        byte[] d = hex(le32(len) + "0200" + le16(0x200) + le32(43) + "39300000" + le32(-13)
                + HexFormat.of().formatHex(request) + tlv);
        Rtnetlink.Ack ack = new Rtnetlink.Ack();
        assertTrue(ack.find(d, d.length, 43));
        assertEquals(13, ack.error());
        assertEquals("Permission denied, IPv6 is disabled", ack.message());
    }

    @Test
    void findsOurAckAfterAnotherMessageAndIgnoresOthersSequence() {
        byte[] d = hex(cappedAck(-1, 7, 0x100, "") + cappedAck(0, 8, 0x100, ""));
        Rtnetlink.Ack ack = new Rtnetlink.Ack();
        assertTrue(ack.find(d, d.length, 8));
        assertEquals(0, ack.error());
        assertFalse(new Rtnetlink.Ack().find(d, d.length, 9));
    }

    @Test
    void hostileAcksAreNotFoundAndNeverThrow() {
        Rtnetlink.Ack ack = new Rtnetlink.Ack();
        byte[] good = hex(cappedAck(0, 1, 0x100, ""));
        // Every truncation of a good ack: no ack (the length field then points past the datagram).
        for (int n = 0; n < good.length; n++) {
            assertFalse(ack.find(good, n, 1), "truncated to " + n);
        }
        // A length below the header's own size would loop forever if trusted.
        byte[] tiny = good.clone();
        tiny[0] = 8;
        assertFalse(ack.find(tiny, tiny.length, 1));
        // NLMSG_ERROR too short to hold the echoed header: skipped, not read past its end.
        byte[] shortError = hex("14000000 0200 0000 01000000 00000000 00000000" + "01000000");
        assertFalse(ack.find(shortError, shortError.length, 1));
        // A length larger than the array is clamped to what is there.
        assertFalse(ack.find(new byte[4], 100, 1));
        // An attribute whose length runs past the message: errno kept, words dropped.
        byte[] badTlv = hex(cappedAck(-22, 2, 0x300, "ff000100 41424300"));
        assertTrue(ack.find(badTlv, badTlv.length, 2));
        assertEquals(22, ack.error());
        assertEquals("", ack.message());
        // An attribute length below its header: words dropped.
        byte[] zeroTlv = hex(cappedAck(-22, 3, 0x300, "00000100"));
        assertTrue(ack.find(zeroTlv, zeroTlv.length, 3));
        assertEquals("", ack.message());
        // Uncapped, with an echoed request length that is impossible.
        byte[] badEcho = hex(le32(40) + "0200" + le16(0x200) + le32(4) + "00000000" + le32(-22)
                + "ffffff7f 1400 0505" + le32(4) + "00000000" + "04000100");
        assertTrue(ack.find(badEcho, badEcho.length, 4));
        assertEquals("", ack.message());
    }
}
