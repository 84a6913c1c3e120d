package io.jslirp.stack.tcp;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets.Sock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.TcpPacket;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.checksum;
import static io.jslirp.stack.testing.Ipv6Frames.ethernet;
import static io.jslirp.stack.testing.Ipv6Frames.icmpv6;
import static io.jslirp.stack.testing.Ipv6Frames.inet6;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP port forwards into an IPv6 guest: which family each client reaches the guest in, the source address the
 * guest sees for each kind of client, and the move to IPv4 when the guest refuses IPv6. Every SYN is checked
 * byte for byte (addresses, checksum over the IPv6 pseudo-header) and decoded by pcap4j.
 */
class TcpForward6Test extends StackHarness {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));
    static final String GUEST6 = "fd00::100";
    static final String SLAAC6 = "fd00::5054:ff:fe12:3456";
    static final String ROUTER6 = "fd00::2";
    static final int HOST_PORT = 18080;
    static final int FWD_PORT = 8080;
    static final int CPORT = 51000;
    static final int OUR_ISN = 70_000_000;
    static final int GUEST_ISN = 9000;
    static final int LO4 = NetConfig.parseIpv4("127.0.0.1");
    static final int CLIENT4 = NetConfig.parseIpv4("192.0.2.33");

    @Override
    protected NetConfig net() {
        return NET6;
    }

    @Override
    protected void build(RelayOptions options, Stack.DeviceFormat format) {
        super.build(options, format);
        stack.tcp().setIsnGenerator((gh, gl, gp, rh, rl, rp) -> OUR_ISN);
        // The first router advertisement is due at once; out of the way of the timer tests.
        stack.runTimers();
        sink.take();
    }

    // ---- helpers

    PortForwards.Forward forward(String hostAddr, InetAddress guest) throws Exception {
        return stack.forwards().add(PortForwards.Protocol.TCP, InetAddress.getByName(hostAddr), HOST_PORT, guest,
                FWD_PORT);
    }

    Sock listener() {
        List<Sock> l = host.listeners();
        return l.get(l.size() - 1);
    }

    /** The guest solicits our router from {@code guestAddr}, naming its MAC: we learn both, and answer. */
    void guestSolicitsFrom(String guestAddr) {
        send(neighborSolicitation(guestAddr, ROUTER6));
        assertEquals(1, frames().size(), "our Neighbor Advertisement");
    }

    static byte[] neighborSolicitation(String src, String target) {
        return Ipv6Frames.neighborSolicitation(NET6.ipv6().routerMac(), Frames.GUEST_MAC, src, target);
    }

    /** The guest ARPs for the gateway, so its IPv4 MAC is known too. */
    void guestArps() {
        send(Frames.arpRequestFrame(Frames.GATEWAY_IP));
        assertEquals(1, frames().size(), "our ARP reply");
    }

    /** A guest TCP segment over IPv6 from {@code GUEST6:FWD_PORT} to {@code dst:dstPort}. */
    static byte[] fromGuest6(String guest, String dst, int dstPort, Seg s) {
        byte[] opt = s.optionBytes();
        int hl = 20 + ((opt.length + 3) & ~3);
        ByteBuffer b = ByteBuffer.allocate(hl + s.payload.length);
        b.putShort((short) FWD_PORT).putShort((short) dstPort).putInt(s.seq).putInt(s.ack)
                .putShort((short) ((hl / 4) << 12 | s.flags)).putShort((short) s.window).putInt(0).put(opt);
        b.position(hl);
        b.put(s.payload);
        byte[] t = b.array();
        int c = checksum(guest, dst, 6, t);
        t[16] = (byte) (c >>> 8);
        t[17] = (byte) c;
        return ethernet(NET6.ipv6().routerMac(), Frames.GUEST_MAC, ipv6(6, 64, guest, dst, t));
    }

    /**
     * Checks an IPv6 TCP frame from {@code from} to {@code to} (the guest): MACs, header, addresses, the
     * checksum both by hand and by pcap4j; returns the segment.
     */
    static Seg tcp6(byte[] f, String from, String to) {
        assertEquals(Frames.GUEST_MAC, Frames.mac(f, 0));
        assertEquals(NET6.ipv6().routerMac(), Frames.mac(f, 6), "from the router's MAC, whoever the client is");
        assertEquals(0x86dd, Frames.u16(f, 12));
        assertEquals(0x6000_0000, ByteBuffer.wrap(f, 14, 4).getInt());
        assertEquals(f.length - 54, Frames.u16(f, 18), "payload length");
        assertEquals(6, f[20], "next header TCP");
        assertArrayEquals(addr(from), Arrays.copyOfRange(f, 22, 38), "source");
        assertArrayEquals(addr(to), Arrays.copyOfRange(f, 38, 54), "destination");
        byte[] t = Arrays.copyOfRange(f, 54, f.length);
        byte[] zeroed = t.clone();
        zeroed[16] = 0;
        zeroed[17] = 0;
        assertEquals(checksum(from, to, 6, zeroed), Frames.u16(t, 16), "TCP checksum");
        EthernetPacket eth;
        try {
            eth = EthernetPacket.newPacket(f, 0, f.length);
        } catch (org.pcap4j.packet.IllegalRawDataException e) {
            throw new AssertionError(e);
        }
        IpV6Packet ip = eth.get(IpV6Packet.class);
        TcpPacket tcp = eth.get(TcpPacket.class);
        assertEquals(inet6(from), ip.getHeader().getSrcAddr());
        assertEquals(inet6(to), ip.getHeader().getDstAddr());
        assertTrue(tcp.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        return Seg.parse(t, 0, t.length);
    }

    int tsNow() {
        return (int) (clock.nanoTime() / 1_000_000L);
    }

    /** Our SYN over IPv6: MSS for the 1500 MTU less IPv6's 40 and TCP's 20 bytes. */
    Seg ourSyn6(int clientPort) {
        return Seg.of(Seg.SYN).ports(clientPort, FWD_PORT).seq(OUR_ISN).win(65535).mss(1440).sackOk()
                .ts(tsNow(), 0).ws(7);
    }

    Seg ourSyn4(int clientPort) {
        return Seg.of(Seg.SYN).ports(clientPort, FWD_PORT).seq(OUR_ISN).win(65535).mss(1460).sackOk()
                .ts(tsNow(), 0).ws(7);
    }

    /** The one SYN the client's accept produced, over IPv6 from {@code seen} to {@code guest}. */
    void expectSyn6(String seen, String guest, int clientPort) {
        List<byte[]> out = frames();
        assertEquals(1, out.size(), "one SYN");
        assertEquals(ourSyn6(clientPort), tcp6(out.get(0), seen, guest));
    }

    static byte[] v6(String literal) {
        return addr(literal);
    }

    // ---- which family, and who the guest sees

    @Test
    void ipv6LoopbackClientReachesTheGuestOverIpv6FromTheRouterAndCarriesData() throws Exception {
        forward("::1", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        Sock client = host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
        assertEquals(1, stack.counters().tcpForward6Accepted);

        send(fromGuest6(GUEST6, ROUTER6, CPORT, Seg.of(Seg.SYN | Seg.ACK).seq(GUEST_ISN).ack(OUR_ISN + 1)
                .win(64800).mss(1440)));
        Seg ack = tcp6(one(), ROUTER6, GUEST6);
        assertEquals(Seg.ACK, ack.flags);
        assertEquals(GUEST_ISN + 1, ack.ack);
        host.hostSends(client, "GET /".getBytes(StandardCharsets.US_ASCII));
        Seg data = tcp6(one(), ROUTER6, GUEST6);
        assertEquals("GET /", new String(data.payload, StandardCharsets.US_ASCII));
        send(fromGuest6(GUEST6, ROUTER6, CPORT, Seg.of(Seg.ACK | Seg.PSH).seq(GUEST_ISN + 1).ack(OUR_ISN + 6)
                .win(64800).data("200".getBytes(StandardCharsets.US_ASCII))));
        frames();
        assertEquals("200", new String(client.written(), StandardCharsets.US_ASCII));
        assertEquals(0, stack.counters().tcpForward6Fallbacks);
    }

    @Test
    void globalIpv6ClientAppearsWithItsOwnAddressAndPort() throws Exception {
        forward("::", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        host.connectClient6(listener(), v6("2001:db8:2::20"), 40404);
        expectSyn6("2001:db8:2::20", GUEST6, 40404);
    }

    @Test
    void ipv4ClientOfAnIpv6NamedForwardAppearsInTheNat64Prefix() throws Exception {
        PortForwards.Forward f = forward("0.0.0.0", InetAddress.getByName(GUEST6));
        assertEquals(0, f.guestAddr());
        guestSolicitsFrom(GUEST6);
        host.connectClient(listener(), CLIENT4, CPORT);
        // 64:ff9b::192.0.2.33 (RFC 6052): Linux would drop a SYN from ::ffff:192.0.2.33 unanswered.
        expectSyn6("64:ff9b::c000:221", GUEST6, CPORT);
    }

    @Test
    void ipv4LoopbackClientOfAnIpv6NamedForwardIsTheRouter() throws Exception {
        forward("127.0.0.1", InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        host.connectClient(listener(), LO4, CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
    }

    @Test
    void ipv4ClientOfAnUnnamedForwardStaysIpv4WithItsOwnAddress() throws Exception {
        forward("0.0.0.0", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        guestArps();
        host.connectClient(listener(), CLIENT4, CPORT);
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertEquals(ourSyn4(CPORT), TcpHarness.decode(out.get(0), CLIENT4));
        assertEquals(0, stack.counters().tcpForward6Accepted);
    }

    @Test
    void withoutAKnownGuestIpv6AddressAnIpv6ClientGoesOverIpv4AsTheGateway() throws Exception {
        forward("::1", null);
        guestArps();
        assertNull(stack.guestAddress6());
        host.connectClient6(listener(), v6("::1"), CPORT);
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertEquals(ourSyn4(CPORT), TcpHarness.decode(out.get(0), Frames.GATEWAY_IP));
    }

    @Test
    void theGuestAddressIsLearnedFromNdpPreferringPrefixHundred() throws Exception {
        assertNull(stack.guestAddress6());
        send(neighborSolicitation("::", SLAAC6)); // duplicate address detection for its SLAAC address
        nothing();
        assertEquals(InetAddress.getByName(SLAAC6), stack.guestAddress6());
        send(neighborSolicitation("fe80::5054:ff:fe12:3456", ROUTER6)); // link-local: not a forward's target
        frames();
        assertEquals(InetAddress.getByName(SLAAC6), stack.guestAddress6());
        guestSolicitsFrom(GUEST6);
        assertEquals(InetAddress.getByName(GUEST6), stack.guestAddress6());
        guestSolicitsFrom("fd00::abcd");
        assertEquals(InetAddress.getByName(GUEST6), stack.guestAddress6(), "prefix::100 stays");

        forward("::1", null);
        host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
    }

    @Test
    void twoClientsTheGuestCannotTellApartOnIpv6TheSecondIsRefused() throws Exception {
        forward("::", InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        Sock first = host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
        Sock second = host.connectClient(listener(), LO4, CPORT); // 127.0.0.1:CPORT also shows as fd00::2:CPORT
        nothing();
        assertTrue(second.aborted);
        assertFalse(first.released());
        assertEquals(1, stack.counters().tcpForward6Refused);
        assertEquals(1, stack.counters().tcpForwardDuplicate);
    }

    // ---- falling back to IPv4

    @Test
    void aRstToTheIpv6SynSendsTheSameClientOverIpv4() throws Exception {
        forward("::1", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        guestArps();
        Sock client = host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
        // The guest's server listens on IPv4 only: its kernel refuses the IPv6 SYN.
        send(fromGuest6(GUEST6, ROUTER6, CPORT, Seg.of(Seg.RST | Seg.ACK).seq(0).ack(OUR_ISN + 1)));
        List<byte[]> out = frames();
        assertEquals(1, out.size(), "the IPv4 SYN, nothing to the client");
        assertEquals(ourSyn4(CPORT), TcpHarness.decode(out.get(0), Frames.GATEWAY_IP));
        assertFalse(client.released(), "the client waits on");
        assertEquals(1, stack.counters().tcpForward6Fallbacks);
        assertEquals(0, stack.counters().tcpForwardRefused);

        send(Frames.tcpFrame(Frames.GATEWAY_IP, FWD_PORT, CPORT, GUEST_ISN, OUR_ISN + 1, Seg.SYN | Seg.ACK, 64240,
                new byte[] {2, 4, 0x05, (byte) 0xb4}, new byte[0]));
        Seg ack = TcpHarness.decode(one(), Frames.GATEWAY_IP);
        assertEquals(Seg.ACK, ack.flags);
        assertEquals(TcpState.ESTABLISHED, stack.tcp().connection(Frames.GUEST_IP, FWD_PORT, Frames.GATEWAY_IP,
                CPORT).state());
        host.hostSends(client, new byte[] {'x'});
        assertArrayEquals(new byte[] {'x'}, TcpHarness.decode(one(), Frames.GATEWAY_IP).payload);
    }

    @Test
    void aRstOnAnIpv6NamedForwardResetsTheClient() throws Exception {
        forward("::1", InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        guestArps();
        Sock client = host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
        send(fromGuest6(GUEST6, ROUTER6, CPORT, Seg.of(Seg.RST | Seg.ACK).seq(0).ack(OUR_ISN + 1)));
        nothing();
        assertTrue(client.aborted);
        assertEquals(1, stack.counters().tcpForwardRefused);
        assertEquals(0, stack.counters().tcpForward6Fallbacks);
    }

    @Test
    void noNeighborAnswerWithinOneRtoFallsBackToIpv4() throws Exception {
        forward("::1", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6)); // stated, but the guest never answers for it
        guestArps();
        Sock client = host.connectClient6(listener(), v6("::1"), CPORT);
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertEquals(0x86dd, Frames.u16(out.get(0), 12));
        assertEquals(135, out.get(0)[54] & 0xff, "a Neighbor Solicitation, no SYN yet");
        clock.advanceSeconds(1);
        stack.runTimers();
        out = frames();
        assertEquals(1, out.size());
        assertEquals(ourSyn4(CPORT), TcpHarness.decode(out.get(0), Frames.GATEWAY_IP));
        assertFalse(client.released());
        assertEquals(1, stack.counters().tcpForward6Fallbacks);
    }

    @Test
    void anUnansweredIpv6SynFallsBackToIpv4AfterItsRetries() throws Exception {
        forward("::1", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        guestArps();
        Sock client = host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
        for (int i = 0; i < TcpConnection.MAX_SYN_RETRANSMITS; i++) {
            clock.advanceSeconds(1L << i);
            stack.runTimers();
            assertEquals(Seg.SYN, tcp6(one(), ROUTER6, GUEST6).flags, "retransmission " + (i + 1));
        }
        clock.advanceSeconds(1L << TcpConnection.MAX_SYN_RETRANSMITS);
        stack.runTimers();
        Seg syn4 = TcpHarness.decode(one(), Frames.GATEWAY_IP);
        assertEquals(Seg.SYN, syn4.flags);
        assertFalse(client.released());
        assertEquals(1, stack.counters().tcpForward6Fallbacks);
        assertEquals(0, stack.counters().tcpForwardTimeout);
    }

    /** The guest's Destination Unreachable (code {@code code}) quoting {@code refused}, one of our frames. */
    static byte[] unreachableFromGuest(int code, byte[] refused, String to) {
        byte[] quote = Arrays.copyOfRange(refused, 14, refused.length);
        byte[] body = new byte[4 + quote.length];
        System.arraycopy(quote, 0, body, 4, quote.length);
        return ethernet(NET6.ipv6().routerMac(), Frames.GUEST_MAC,
                ipv6(58, 64, GUEST6, to, icmpv6(GUEST6, to, 1, code, body)));
    }

    /** Our IPv6 SYN to the guest for a ::1 client on {@code guest} (null: unnamed, stated as GUEST6). */
    byte[] synFromLoopbackClient(InetAddress guest) throws Exception {
        forward("::1", guest);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        guestArps();
        host.connectClient6(listener(), v6("::1"), CPORT);
        byte[] syn = one();
        assertEquals(ourSyn6(CPORT), tcp6(syn, ROUTER6, GUEST6));
        return syn;
    }

    @Test
    void aPortUnreachableFromTheGuestsFirewallAlsoFallsBack() throws Exception {
        byte[] syn = synFromLoopbackClient(null);
        send(unreachableFromGuest(4, syn, ROUTER6)); // ip6tables -j REJECT's default
        assertEquals(ourSyn4(CPORT), TcpHarness.decode(one(), Frames.GATEWAY_IP));
        assertEquals(1, stack.counters().tcpForward6Fallbacks);
    }

    @Test
    void anAdministrativelyProhibitedOnANamedForwardResetsTheClient() throws Exception {
        byte[] syn = synFromLoopbackClient(InetAddress.getByName(GUEST6));
        Sock client = host.sockets().get(host.sockets().size() - 1);
        send(unreachableFromGuest(1, syn, ROUTER6));
        nothing();
        assertTrue(client.aborted);
        assertEquals(1, stack.counters().tcpForwardRefused);
    }

    @Test
    void unreachablesThatRefuseNoSynOfOursAreIgnored() throws Exception {
        byte[] syn = synFromLoopbackClient(null);
        byte[] otherSeq = syn.clone();
        otherSeq[54 + 4] ^= 1; // not our ISS
        send(unreachableFromGuest(4, otherSeq, ROUTER6));
        send(unreachableFromGuest(3, syn, ROUTER6)); // address unreachable: soft, as for Linux
        nothing();
        assertEquals(2, stack.counters().icmpv6UnreachableIgnored);
        assertEquals(1, stack.activeFlows(), "the IPv6 attempt goes on");
        assertEquals(0, stack.counters().tcpForward6Fallbacks);
    }

    @Test
    void theClientLeavingDuringTheIpv6AttemptEndsIt() throws Exception {
        forward("::1", null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        Sock client = host.connectClient6(listener(), v6("::1"), CPORT);
        expectSyn6(ROUTER6, GUEST6, CPORT);
        host.hostReset(client);
        nothing();
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpForwardAbandoned);
        send(fromGuest6(GUEST6, ROUTER6, CPORT, Seg.of(Seg.RST | Seg.ACK).seq(0).ack(OUR_ISN + 1)));
        nothing();
        assertEquals(0, stack.counters().tcpForward6Fallbacks);
    }
}
