package io.jslirp.stack.udp;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.UdpPacket;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.checksum;
import static io.jslirp.stack.testing.Ipv6Frames.ethernet;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static io.jslirp.stack.testing.Ipv6Frames.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP over IPv6: relayed through AF_INET6 host sockets, prefix::2 as the host's ::1, DNS at prefix::3 to a
 * resolver of either family, ICMPv6 errors from the host passed on, datagrams over the MTU fragmented toward
 * the guest, and DHCPv6 on port 547. Frames exact, and decoded by pcap4j.
 */
class Udp6Test extends StackHarness {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));
    static final String GUEST = "fd00::5054:ff:fe12:3456";
    static final String REMOTE6 = "2001:db8::10";
    static final int GPORT = 40000;

    @Override
    protected NetConfig net() {
        return NET6;
    }

    static byte[] frame(String src, String dst, byte[] l4, int next) {
        long dstMac = NET6.ipv6().ourMacFor(hi(dst), lo(dst));
        return ethernet(dstMac, Frames.GUEST_MAC, ipv6(next, 64, src, dst, l4));
    }

    void guestSends(String dst, int dstPort, byte[] payload) {
        send(frame(GUEST, dst, udp(GUEST, dst, GPORT, dstPort, payload), 17));
    }

    static EthernetPacket pcap(byte[] f) {
        try {
            return EthernetPacket.newPacket(f, 0, f.length);
        } catch (IllegalRawDataException e) {
            throw new AssertionError(e);
        }
    }

    /** One complete IPv6 UDP frame from {@code from}:{@code fromPort} to the guest's GPORT; its payload. */
    static byte[] udpPayload(byte[] f, String from, int fromPort) {
        assertEquals(Frames.GUEST_MAC, Frames.mac(f, 0));
        assertEquals(NET6.ipv6().ourMacFor(hi(from), lo(from)), Frames.mac(f, 6));
        assertEquals(0x86dd, Frames.u16(f, 12));
        assertEquals(17, f[20]);
        assertArrayEquals(addr(from), Arrays.copyOfRange(f, 22, 38));
        assertArrayEquals(addr(GUEST), Arrays.copyOfRange(f, 38, 54));
        byte[] u = Arrays.copyOfRange(f, 54, f.length);
        assertEquals(u.length, Frames.u16(f, 18));
        assertEquals(fromPort, Frames.u16(u, 0));
        assertEquals(GPORT, Frames.u16(u, 2));
        assertEquals(u.length, Frames.u16(u, 4));
        byte[] zeroed = u.clone();
        zeroed[6] = 0;
        zeroed[7] = 0;
        assertEquals(checksum(from, GUEST, 17, zeroed), Frames.u16(u, 6));
        IpV6Packet ip = pcap(f).get(IpV6Packet.class);
        UdpPacket p = pcap(f).get(UdpPacket.class);
        assertTrue(p.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        return Arrays.copyOfRange(u, 8, u.length);
    }

    @Test
    void globalDestinationThroughAnIpv6SocketAndTheReplyBack() {
        guestSends(REMOTE6, 7, "ping".getBytes());
        nothing();
        FakeHostDatagrams.Sock s = datagrams.last();
        assertArrayEquals(new byte[16], s.bindAddrBytes, "an AF_INET6 socket bound to ::");
        FakeHostDatagrams.Sent sent = s.lastSent();
        assertArrayEquals(addr(REMOTE6), sent.dstAddr6);
        assertEquals(7, sent.dstPort);
        assertArrayEquals("ping".getBytes(), sent.data);
        datagrams.deliver6(s, addr(REMOTE6), 7, "pong".getBytes());
        assertArrayEquals("pong".getBytes(), udpPayload(one(), REMOTE6, 7));
        assertEquals(1, stack.activeUdpFlows());
    }

    @Test
    void routerAddressIsTheHostsLoopbackBothWays() {
        guestSends("fd00::2", 5000, hex("01"));
        FakeHostDatagrams.Sock s = datagrams.last();
        assertArrayEquals(addr("::1"), s.lastSent().dstAddr6);
        datagrams.deliver6(s, addr("::1"), 5000, hex("02"));
        assertArrayEquals(hex("02"), udpPayload(one(), "fd00::2", 5000));
    }

    @Test
    void outboundAddr6BindsTheSocket() {
        build(RelayOptions.defaults().withOutboundAddr6(hi("2001:db8::99"), lo("2001:db8::99")));
        guestSends(REMOTE6, 7, hex("01"));
        assertArrayEquals(addr("2001:db8::99"), datagrams.last().bindAddrBytes);
    }

    @Test
    void sixtyThousandBytesFromTheHostAreFragmentedToTheMtu() {
        guestSends(REMOTE6, 9000, hex("00"));
        FakeHostDatagrams.Sock s = datagrams.last();
        byte[] big = new byte[60_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        datagrams.deliver6(s, addr(REMOTE6), 9000, big);
        List<byte[]> out = frames();
        // (1500 - 40 - 8) & ~7 = 1448 octets per fragment: 60,008 octets of UDP in 42 fragments.
        assertEquals(42, out.size());
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        int id = -1;
        for (int i = 0; i < out.size(); i++) {
            byte[] f = out.get(i);
            assertTrue(f.length <= 14 + 1500);
            assertEquals(44, f[20], "a fragment header");
            assertEquals(17, f[54], "of UDP");
            int offsetWord = Frames.u16(f, 56);
            assertEquals(whole.size(), offsetWord & ~7);
            assertEquals(i < out.size() - 1 ? 1 : 0, offsetWord & 1, "M flag");
            int thisId = ByteBuffer.wrap(f, 58, 4).getInt();
            if (id == -1) {
                id = thisId;
            }
            assertEquals(id, thisId);
            assertEquals(f.length - 54, Frames.u16(f, 18));
            whole.write(f, 62, f.length - 62);
        }
        byte[] u = whole.toByteArray();
        assertEquals(60_008, u.length);
        assertEquals(60_008, Frames.u16(u, 4));
        byte[] zeroed = u.clone();
        zeroed[6] = 0;
        zeroed[7] = 0;
        assertEquals(checksum(REMOTE6, GUEST, 17, zeroed), Frames.u16(u, 6));
        assertArrayEquals(big, Arrays.copyOfRange(u, 8, u.length));
    }

    @Test
    void sixtyThousandBytesFromTheGuestGoOutWhole() {
        byte[] big = new byte[60_000];
        Arrays.fill(big, (byte) 0x5a);
        byte[] datagram = udp(GUEST, REMOTE6, GPORT, 9000, big);
        // The guest fragments it as Linux does: 1448-octet pieces behind a fragment header.
        int id = 0x1234;
        for (int off = 0; off < datagram.length; off += 1448) {
            int n = Math.min(1448, datagram.length - off);
            boolean more = off + n < datagram.length;
            byte[] fh = ByteBuffer.allocate(8).put((byte) 17).put((byte) 0)
                    .putShort((short) (off | (more ? 1 : 0))).putInt(id).array();
            byte[] piece = new byte[8 + n];
            System.arraycopy(fh, 0, piece, 0, 8);
            System.arraycopy(datagram, off, piece, 8, n);
            send(frame(GUEST, REMOTE6, piece, 44));
        }
        nothing();
        assertArrayEquals(big, datagrams.last().lastSent().data);
    }

    @Test
    void portUnreachableFromTheHostReachesTheGuestAsIcmpv6() {
        guestSends(REMOTE6, 7, hex("0102030405"));
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmp6Error(s, 111, 1, 4, 0, addr(REMOTE6), addr(REMOTE6), 7);
        byte[] f = one();
        assertEquals(58, f[20]);
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(f, 22, 38));
        byte[] icmp = Arrays.copyOfRange(f, 54, f.length);
        assertArrayEquals(hex("01 04"), Arrays.copyOfRange(icmp, 0, 2));
        // Quote: IPv6 header guest -> remote, UDP of 13 octets, then its ports and length.
        assertEquals(13, Frames.u16(icmp, 8 + 4));
        assertEquals(17, icmp[8 + 6]);
        assertArrayEquals(addr(GUEST), Arrays.copyOfRange(icmp, 16, 32));
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(icmp, 32, 48));
        assertArrayEquals(hex("9c40 0007 000d 0000"), Arrays.copyOfRange(icmp, 48, 56));
        IpV6Packet ip = pcap(f).get(IpV6Packet.class);
        IcmpV6CommonPacket p = pcap(f).get(IcmpV6CommonPacket.class);
        assertTrue(p.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
    }

    @Test
    void packetTooBigAndTimeExceededComeFromTheRouterThatSentThem() {
        guestSends(REMOTE6, 7, hex("01"));
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmp6Error(s, 90, 2, 0, 1400, addr("2001:db8::1"), addr(REMOTE6), 7);
        byte[] f = one();
        assertArrayEquals(addr("2001:db8::1"), Arrays.copyOfRange(f, 22, 38));
        assertArrayEquals(hex("02 00"), Arrays.copyOfRange(f, 54, 56));
        assertEquals(1400, ByteBuffer.wrap(f, 58, 4).getInt(), "the next-hop MTU");
        datagrams.icmp6Error(s, 113, 3, 0, 0, addr("2001:db8::1"), addr(REMOTE6), 7);
        f = one();
        assertArrayEquals(hex("03 00"), Arrays.copyOfRange(f, 54, 56));
        // A parameter problem is about the host's packet, and an ICMPv4 error cannot be about this flow.
        datagrams.icmp6Error(s, 71, 4, 0, 0, addr("2001:db8::1"), addr(REMOTE6), 7);
        datagrams.icmpError(s, 111, 3, 3, 0, 0, 0);
        nothing();
        assertEquals(2, stack.counters().icmpErrorsDropped);
    }

    @Test
    void disableHostLoopbackIsAdministrativelyProhibited() {
        build(RelayOptions.defaults().withDisableHostLoopback(true));
        guestSends("fd00::2", 5000, hex("01"));
        byte[] f = one();
        assertEquals(0, datagrams.sockets().size());
        assertArrayEquals(addr("fd00::2"), Arrays.copyOfRange(f, 22, 38));
        assertArrayEquals(hex("01 01"), Arrays.copyOfRange(f, 54, 56));
    }

    @Test
    void nobodyElseInThePrefixNorOtherNamesOfTheHost() {
        for (String dst : new String[] {"fd00::9", "::ffff:127.0.0.1", "fe80::9"}) {
            guestSends(dst, 5000, hex("01"));
            byte[] f = one();
            assertArrayEquals(hex("01 03"), Arrays.copyOfRange(f, 54, 56), dst);
        }
        assertEquals(0, datagrams.sockets().size());
    }

    @Test
    void dnsAtPrefix3GoesToAResolverOfEitherFamily() {
        stack.setDnsServerAddresses(new long[] {hi("2001:db8::53"), lo("2001:db8::53"),
                0, io.jslirp.stack.wire.IpAddress.v4Lo(Frames.NET.gateway() + 100)});
        guestSends("fd00::3", 53, hex("abcd 0100"));
        FakeHostDatagrams.Sock s = datagrams.last();
        assertArrayEquals(addr("2001:db8::53"), s.lastSent().dstAddr6);
        assertEquals(53, s.lastSent().dstPort);
        datagrams.deliver6(s, addr("2001:db8::53"), 53, hex("abcd 8180"));
        assertArrayEquals(hex("abcd 8180"), udpPayload(one(), "fd00::3", 53));
        // A reply from anyone else is a stray.
        datagrams.deliver6(s, addr("2001:db8::54"), 53, hex("abcd 8180"));
        nothing();
        assertEquals(1, stack.counters().dnsBadReplySource);
        // Another port at prefix::3 is closed.
        guestSends("fd00::3", 54, hex("01"));
        assertArrayEquals(hex("01 04"), Arrays.copyOfRange(one(), 54, 56));
    }

    @Test
    void anIpv4GuestReachesAnIpv6Resolver() {
        stack.setDnsServerAddresses(new long[] {hi("2001:db8::53"), lo("2001:db8::53")});
        send(Frames.udpFrame(Frames.DNS_IP, 5353, 53, hex("abcd 0100")));
        FakeHostDatagrams.Sock s = datagrams.last();
        assertNotNull(s.bindAddrBytes, "an AF_INET6 socket");
        assertArrayEquals(addr("2001:db8::53"), s.lastSent().dstAddr6);
        datagrams.deliver6(s, addr("2001:db8::53"), 53, hex("abcd 8180"));
        byte[] f = one();
        assertEquals(0x0800, Frames.u16(f, 12));
        assertEquals(Frames.DNS_IP, Frames.u32(f, 26));
    }

    @Test
    void dhcpv6InformationRequestIsAnsweredFromFe80_2() {
        String client = "fe80::5054:ff:fe12:3456";
        // INFORMATION-REQUEST (11), xid 0x123456, Elapsed Time 0, Option Request: DNS (23).
        byte[] msg = hex("0b 123456 0008 0002 0000 0006 0002 0017");
        byte[] f = ethernet(0x3333_0001_0002L, Frames.GUEST_MAC,
                ipv6(17, 1, client, "ff02::1:2", udp(client, "ff02::1:2", 546, 547, msg)));
        send(f);
        byte[] r = one();
        assertEquals(Frames.GUEST_MAC, Frames.mac(r, 0));
        assertArrayEquals(addr("fe80::2"), Arrays.copyOfRange(r, 22, 38));
        assertArrayEquals(addr(client), Arrays.copyOfRange(r, 38, 54));
        assertEquals(547, Frames.u16(r, 54));
        assertEquals(546, Frames.u16(r, 56));
        byte[] reply = Arrays.copyOfRange(r, 62, r.length);
        assertArrayEquals(hex("07 123456"), Arrays.copyOfRange(reply, 0, 4), "REPLY, same transaction");
        // The DNS option names fd00::3.
        String h = Frames.hex(reply);
        assertTrue(h.replace(" ", "").contains("00170010fd000000000000000000000000000003"), h);
        IpV6Packet ip = pcap(r).get(IpV6Packet.class);
        UdpPacket p = pcap(r).get(UdpPacket.class);
        assertTrue(p.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
    }
}
