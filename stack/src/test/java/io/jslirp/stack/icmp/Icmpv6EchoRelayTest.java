package io.jslirp.stack.icmp;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6Packet;

import java.util.Arrays;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.checksum;
import static io.jslirp.stack.testing.Ipv6Frames.ethernet;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.icmpv6;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ICMPv6 echo to the outside through an ICMPv6 ping socket: the request goes out as the guest sent it, the
 * reply comes back with the guest's identifier and a checksum for the guest's addresses, errors quote the
 * request; nothing inside the prefix or naming the host is relayed.
 */
class Icmpv6EchoRelayTest extends StackHarness {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));
    static final String GUEST = "fd00::5054:ff:fe12:3456";
    static final String REMOTE6 = "2001:db8::10";

    @Override
    protected NetConfig net() {
        return NET6;
    }

    void ping(String dst, int id, int seq, byte[] data) {
        byte[] body = new byte[4 + data.length];
        body[0] = (byte) (id >>> 8);
        body[1] = (byte) id;
        body[2] = (byte) (seq >>> 8);
        body[3] = (byte) seq;
        System.arraycopy(data, 0, body, 4, data.length);
        send(ethernet(NET6.ipv6().routerMac(), Frames.GUEST_MAC, ipv6(58, 64, GUEST, dst,
                icmpv6(GUEST, dst, 128, 0, body))));
    }

    static EthernetPacket pcap(byte[] f) {
        try {
            return EthernetPacket.newPacket(f, 0, f.length);
        } catch (IllegalRawDataException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void echoGoesOutThroughAnIcmpv6SocketAndTheReplyComesBackWithTheGuestsIdentifier() {
        ping(REMOTE6, 0x1234, 7, hex("aabbccdd"));
        nothing();
        FakeHostDatagrams.Sock s = datagrams.last();
        assertTrue(s.ping);
        assertArrayEquals(new byte[16], s.bindAddrBytes, "an ICMPv6 socket");
        assertArrayEquals(addr(REMOTE6), s.lastSent().dstAddr6);
        assertArrayEquals(hex("80 00"), Arrays.copyOfRange(s.lastSent().data, 0, 2));
        assertArrayEquals(hex("1234 0007 aabbccdd"), Arrays.copyOfRange(s.lastSent().data, 4, 12));
        // The host's reply carries the socket's identifier (0x9999) and a checksum for the host's addresses.
        datagrams.deliver6(s, addr(REMOTE6), 0, hex("81 00 ffff 9999 0007 aabbccdd"));
        byte[] f = one();
        assertEquals(58, f[20]);
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(f, 22, 38));
        assertArrayEquals(addr(GUEST), Arrays.copyOfRange(f, 38, 54));
        byte[] icmp = Arrays.copyOfRange(f, 54, f.length);
        assertArrayEquals(icmpv6(REMOTE6, GUEST, 129, 0, hex("1234 0007 aabbccdd")), icmp);
        IpV6Packet ip = pcap(f).get(IpV6Packet.class);
        assertTrue(pcap(f).get(IcmpV6CommonPacket.class).hasValidChecksum(ip.getHeader().getSrcAddr(),
                ip.getHeader().getDstAddr(), false));
        assertEquals(1, stack.activePingFlows());
    }

    @Test
    void hopLimitExceededComesFromTheRouterThatSaidSoQuotingTheRequest() {
        ping(REMOTE6, 0x1234, 9, hex("01020304"));
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmp6Error(s, 113, 3, 0, 0, addr("2001:db8::1"), addr(REMOTE6), 0);
        byte[] f = one();
        assertArrayEquals(addr("2001:db8::1"), Arrays.copyOfRange(f, 22, 38));
        byte[] icmp = Arrays.copyOfRange(f, 54, f.length);
        assertArrayEquals(hex("03 00"), Arrays.copyOfRange(icmp, 0, 2));
        assertEquals(12, Frames.u16(icmp, 8 + 4), "the quoted payload length: the echo request's");
        assertEquals(58, icmp[8 + 6]);
        assertArrayEquals(hex("80 00 0000 1234 0009"), Arrays.copyOfRange(icmp, 48, 56));
        byte[] zeroed = icmp.clone();
        zeroed[2] = 0;
        zeroed[3] = 0;
        assertEquals(checksum("2001:db8::1", GUEST, 58, zeroed), Frames.u16(icmp, 2));
    }

    @Test
    void aReporterTheGuestMayNotSeeIsShownAsThePingedAddress() {
        ping(REMOTE6, 0x1234, 9, hex("01020304"));
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmp6Error(s, 113, 3, 0, 0, addr("fd00::9"), addr(REMOTE6), 0);
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(one(), 22, 38), "our own prefix");
        datagrams.icmp6Error(s, 113, 3, 0, 0, addr("::192.0.2.1"), addr(REMOTE6), 0);
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(one(), 22, 38), "IPv4 by another name (::/96)");
        datagrams.icmp6Error(s, 113, 3, 0, 0, null, addr(REMOTE6), 0);
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(one(), 22, 38), "no reporter known");
    }

    @Test
    void aRefusedIcmpv6PingSocketIsReportedAndTheEchoDropped() {
        datagrams.failOpenPing = io.jslirp.stack.relay.HostSockets.EPERM;
        assertFalse(stack.pingUnavailable());
        ping(REMOTE6, 1, 1, hex("00"));
        nothing();
        assertTrue(stack.pingUnavailable(), "an ICMPv6 ping socket refused says so as an IPv4 one does");
        assertEquals(1, stack.counters().icmpEchoNoSocket);
        assertEquals(0, stack.counters().icmpEchoRelayed);
    }

    @Test
    void nothingInsideThePrefixNorAnyNameOfTheHost() {
        ping("fd00::9", 1, 1, hex("00"));
        ping("::ffff:127.0.0.1", 1, 1, hex("00"));
        ping("fe80::9", 1, 1, hex("00"));
        nothing();
        assertEquals(0, datagrams.sockets().size());
        assertEquals(3, stack.counters().icmpBadDestination);
    }
}
