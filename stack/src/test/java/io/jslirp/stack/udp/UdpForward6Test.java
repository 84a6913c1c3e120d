package io.jslirp.stack.udp;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.UdpPacket;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.ethernet;
import static io.jslirp.stack.testing.Ipv6Frames.inet6;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static io.jslirp.stack.testing.Ipv6Frames.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP port forwards into an IPv6 guest: each client's datagram arrives over IPv6 from the address the family
 * rule gives it, exactly as framed here and as pcap4j reads it, and the guest's reply to that address goes
 * back to the real client through the forward's socket.
 */
class UdpForward6Test extends StackHarness {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));
    static final String GUEST6 = "fd00::100";
    static final String ROUTER6 = "fd00::2";
    static final int HOST_PORT = 5300;
    static final int GUEST_PORT = 8053;
    static final byte[] ANY6 = new byte[16];
    static final byte[] LOOPBACK6 = addr("::1");
    static final byte[] CLIENT6 = addr("2001:db8:2::20");
    static final int CLIENT4 = NetConfig.parseIpv4("192.0.2.10");
    static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);
    static final byte[] WORLD = "world".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected NetConfig net() {
        return NET6;
    }

    @Override
    protected void build(RelayOptions options, Stack.DeviceFormat format) {
        super.build(options, format);
        stack.runTimers(); // the first router advertisement, out of the way
        sink.take();
    }

    FakeHostDatagrams.Sock forward(byte[] hostAddr, InetAddress guest) throws Exception {
        stack.forwards().add(PortForwards.Protocol.UDP, InetAddress.getByAddress(hostAddr), HOST_PORT, guest,
                GUEST_PORT);
        return datagrams.last();
    }

    void guestSolicitsFrom(String guest) {
        send(Ipv6Frames.neighborSolicitation(NET6.ipv6().routerMac(), Frames.GUEST_MAC, guest, ROUTER6));
        assertEquals(1, frames().size(), "our Neighbor Advertisement");
    }

    /** The frame we must send: from the router's MAC, hop limit 255, {@code from:fromPort} to the guest. */
    static byte[] expected(String from, int fromPort, byte[] payload) {
        return ethernet(Frames.GUEST_MAC, NET6.ipv6().routerMac(),
                ipv6(17, 255, from, GUEST6, udp(from, GUEST6, fromPort, GUEST_PORT, payload)));
    }

    /** pcap4j's reading of it: addresses, ports, a valid checksum over the IPv6 pseudo-header. */
    static void decodes(byte[] f, String from, int fromPort, byte[] payload) throws IllegalRawDataException {
        EthernetPacket eth = EthernetPacket.newPacket(f, 0, f.length);
        IpV6Packet ip = eth.get(IpV6Packet.class);
        UdpPacket u = eth.get(UdpPacket.class);
        assertEquals(inet6(from), ip.getHeader().getSrcAddr());
        assertEquals(inet6(GUEST6), ip.getHeader().getDstAddr());
        assertEquals(fromPort, u.getHeader().getSrcPort().valueAsInt());
        assertEquals(GUEST_PORT, u.getHeader().getDstPort().valueAsInt());
        assertTrue(u.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        assertArrayEquals(payload, u.getPayload().getRawData());
    }

    /** The guest answers {@code to:toPort} from its forwarded port, over IPv6. */
    void guestReplies(String to, int toPort, byte[] payload) {
        send(ethernet(NET6.ipv6().routerMac(), Frames.GUEST_MAC,
                ipv6(17, 64, GUEST6, to, udp(GUEST6, to, GUEST_PORT, toPort, payload))));
    }

    @Test
    void anIpv6LoopbackClientArrivesFromTheRouterAndTheReplyGoesBack() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY6, null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        datagrams.deliver6(s, LOOPBACK6, 6000, HELLO);
        byte[] f = one();
        assertArrayEquals(expected(ROUTER6, 6000, HELLO), f);
        decodes(f, ROUTER6, 6000, HELLO);
        assertEquals(1, stack.counters().udpForward6MappingsOpened);

        guestReplies(ROUTER6, 6000, WORLD);
        nothing();
        assertEquals(1, datagrams.sockets().size(), "no relay socket: the mapping wins over the host's ::1");
        FakeHostDatagrams.Sent out = s.lastSent();
        assertArrayEquals(LOOPBACK6, out.dstAddr6);
        assertEquals(6000, out.dstPort);
        assertArrayEquals(WORLD, out.data);
        assertEquals(1, stack.counters().udpForwardedToClient);
    }

    @Test
    void aGlobalIpv6ClientArrivesWithItsOwnAddress() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY6, InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        datagrams.deliver6(s, CLIENT6, 7000, HELLO);
        byte[] f = one();
        assertArrayEquals(expected("2001:db8:2::20", 7000, HELLO), f);
        decodes(f, "2001:db8:2::20", 7000, HELLO);
        guestReplies("2001:db8:2::20", 7000, WORLD);
        assertArrayEquals(CLIENT6, s.lastSent().dstAddr6);
        assertEquals(7000, s.lastSent().dstPort);
    }

    @Test
    void anIpv4ClientOfAnIpv6NamedForwardArrivesFromTheNat64PrefixAndIsAnswered() throws Exception {
        FakeHostDatagrams.Sock s = forward(new byte[4], InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        datagrams.deliver(s, CLIENT4, 7001, HELLO);
        byte[] f = one();
        assertArrayEquals(expected("64:ff9b::c000:20a", 7001, HELLO), f);
        decodes(f, "64:ff9b::c000:20a", 7001, HELLO);
        guestReplies("64:ff9b::c000:20a", 7001, WORLD);
        nothing();
        FakeHostDatagrams.Sent out = s.lastSent();
        assertNull(out.dstAddr6);
        assertEquals(CLIENT4, out.dstAddr);
        assertEquals(7001, out.dstPort);
        assertArrayEquals(WORLD, out.data);
    }

    @Test
    void anIpv4ClientOfAnUnnamedForwardStaysOnIpv4() throws Exception {
        FakeHostDatagrams.Sock s = forward(new byte[4], null);
        stack.setGuestAddress6(InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        send(Frames.arpRequestFrame(Frames.GATEWAY_IP));
        frames();
        datagrams.deliver(s, CLIENT4, 7002, HELLO);
        byte[] f = one();
        assertEquals(0x0800, Frames.u16(f, 12));
        assertEquals(CLIENT4, Frames.u32(f, 14 + 12));
        assertEquals(Frames.GUEST_IP, Frames.u32(f, 14 + 16));
        assertEquals(0, stack.counters().udpForward6MappingsOpened);
    }

    @Test
    void aDatagramWaitsForTheGuestsNeighborAdvertisement() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY6, InetAddress.getByName(GUEST6));
        datagrams.deliver6(s, CLIENT6, 7003, HELLO);
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertEquals(135, out.get(0)[54] & 0xff, "our Neighbor Solicitation for the guest");
        assertEquals(1, stack.udp().heldDatagrams());
        // Its NS teaches its MAC as an NA would: the held datagram goes at once, then our NA.
        send(Ipv6Frames.neighborSolicitation(NET6.ipv6().routerMac(), Frames.GUEST_MAC, GUEST6, ROUTER6));
        out = frames();
        assertEquals(2, out.size());
        assertArrayEquals(expected("2001:db8:2::20", 7003, HELLO), out.get(0));
        decodes(out.get(0), "2001:db8:2::20", 7003, HELLO);
        assertEquals(136, out.get(1)[54] & 0xff, "our Neighbor Advertisement");
        assertEquals(0, stack.udp().heldDatagrams());
        assertEquals(1, stack.counters().udpForwardedToGuest);
    }

    @Test
    void aClientMappedOverIpv4BeforeTheGuestAddressWasKnownStaysOnIpv4() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY6, null);
        send(Frames.arpRequestFrame(Frames.GATEWAY_IP));
        frames();
        datagrams.deliver6(s, CLIENT6, 7005, HELLO);
        assertEquals(0x0800, Frames.u16(one(), 12), "no IPv6 address known yet: IPv4");
        guestSolicitsFrom(GUEST6);
        datagrams.deliver6(s, CLIENT6, 7005, WORLD);
        byte[] f = one();
        assertEquals(0x0800, Frames.u16(f, 12), "the same client keeps its IPv4 mapping");
        assertEquals(Frames.GATEWAY_IP, Frames.u32(f, 14 + 12));
        datagrams.deliver6(s, CLIENT6, 7006, HELLO);
        assertArrayEquals(expected("2001:db8:2::20", 7006, HELLO), one(), "a new client goes over IPv6");
        assertEquals(2, stack.udp().forwardMappings());
    }

    @Test
    void anIdleMappingExpiresAndItsClientIsForgotten() throws Exception {
        FakeHostDatagrams.Sock s = forward(ANY6, InetAddress.getByName(GUEST6));
        guestSolicitsFrom(GUEST6);
        datagrams.deliver6(s, CLIENT6, 7004, HELLO);
        one();
        assertEquals(1, stack.udp().forwardMappings());
        clock.advanceNanos(UdpLayer.IDLE_NANOS);
        stack.runTimers();
        frames();
        assertEquals(0, stack.udp().forwardMappings());
        assertEquals(1, stack.counters().udpForwardMappingsExpired);
    }
}
