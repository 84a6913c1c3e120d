package io.jslirp.stack.iface;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.Ipv6Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4DestinationUnreachablePacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IcmpV6PacketTooBigPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.TcpPacket;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Frames.GATEWAY_IP;
import static io.jslirp.stack.testing.Frames.GATEWAY_MAC;
import static io.jslirp.stack.testing.Frames.GUEST_IP;
import static io.jslirp.stack.testing.Frames.GUEST_MAC;
import static io.jslirp.stack.testing.Ipv6Frames.concat;
import static io.jslirp.stack.testing.Ipv6Frames.hex;
import static io.jslirp.stack.testing.Ipv6Frames.icmpv6;
import static io.jslirp.stack.testing.Ipv6Frames.inet6;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest packet longer than jslirp's MTU is answered as a router answers it: Packet Too Big (RFC 8200 5,
 * RFC 4443 3.2) for IPv6, fragmentation needed (RFC 1191) for IPv4 with DF, each carrying the MTU, and the
 * packet dropped; never about an error or a group, never beyond the rate limit, never for a GSO super-packet
 * of an offloading TAP. Frames in, exactly the frames out, byte for byte and through pcap4j.
 */
@ExtendWith(LeakCheckExtension.class)
class PacketTooBigTest {
    static final int MTU = 1500;
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(MTU));
    static final String GUEST = "fd00::42:acff:fe11:2";
    static final String GUEST_LL = "fe80::42:acff:fe11:2";
    static final long ROUTER_MAC = 0x5256_0000_0002L;
    static final long DNS_MAC = 0x5256_0000_0003L;

    private final FakeClock clock = new FakeClock();
    private final CapturingSink sink = new CapturingSink();
    private final List<Stack> stacks = new ArrayList<>();
    private Stack stack = stack(NET6, Stack.DeviceFormat.ETHERNET);

    private Stack stack(NetConfig net, Stack.DeviceFormat format) {
        Stack s = new Stack(net, clock, sink, PooledByteBufAllocator.DEFAULT, null, RelayOptions.defaults(), format);
        stacks.add(s);
        return s;
    }

    @AfterEach
    void close() {
        for (Stack s : stacks) {
            s.close();
            assertEquals(0, s.counters().internalErrors);
        }
    }

    private List<byte[]> send(byte[] frame) {
        stack.receiveFrame(Frames.buf(frame));
        stack.flush();
        return sink.take();
    }

    private Counters counters() {
        return stack.counters();
    }

    // ---------------------------------------------------------------- IPv6

    /** An echo request from {@code src} to {@code dst} whose IPv6 packet is {@code total} octets. */
    static byte[] echo6(String src, String dst, int total) {
        byte[] body = concat(hex("1234 0001"), Frames.pattern(total - 40 - 8));
        return ipv6(58, 64, src, dst, icmpv6(src, dst, 128, 0, body));
    }

    /** The Packet Too Big we expect, built independently: from {@code from}, MTU, the first 1232 octets quoted. */
    static byte[] expectedPtb(String from, String to, byte[] invoking) {
        byte[] quote = Arrays.copyOf(invoking, Math.min(invoking.length, 1280 - 40 - 8));
        byte[] body = concat(ByteBuffer.allocate(4).putInt(MTU).array(), quote);
        return Ipv6Frames.ethernet(GUEST_MAC, ROUTER_MAC, ipv6(58, 255, from, to, icmpv6(from, to, 2, 0, body)));
    }

    static void assertPtb(byte[] out, String from, String to) {
        try {
            EthernetPacket eth = EthernetPacket.newPacket(out, 0, out.length);
            IpV6Packet ip = eth.get(IpV6Packet.class);
            assertEquals(inet6(from), ip.getHeader().getSrcAddr());
            assertEquals(inet6(to), ip.getHeader().getDstAddr());
            assertEquals(MTU, eth.get(IcmpV6PacketTooBigPacket.class).getHeader().getMtu());
            assertEquals(0, eth.get(IcmpV6CommonPacket.class).getHeader().getCode().value() & 0xff);
            assertTrue(out.length - 14 <= 1280, "the error fits the IPv6 minimum MTU");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ipv6OneOctetOverTheMtuGetsPacketTooBigFromTheRouter() {
        byte[] in = echo6(GUEST, "fd00::2", MTU + 1);
        List<byte[]> out = send(Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, in));
        assertEquals(1, out.size());
        assertArrayEquals(expectedPtb("fd00::2", GUEST, in), out.get(0));
        assertPtb(out.get(0), "fd00::2", GUEST);
        assertEquals(1, counters().ipv6TooBig);
        assertEquals(1, counters().icmpv6ErrorsOut);
        assertEquals(0, counters().icmpv6EchoRequestsIn, "the packet itself is dropped");
    }

    @Test
    void ipv6AtTheMtuPassesAndIsAnswered() {
        List<byte[]> out = send(Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, echo6(GUEST, "fd00::2", MTU)));
        assertEquals(1, out.size());
        assertEquals(129, out.get(0)[14 + 40] & 0xff, "an echo reply");
        assertEquals(0, counters().ipv6TooBig);
    }

    @Test
    void ipv6PacketTooBigComesFromTheRouterWhateverTheDestination() {
        // To the DNS forwarder (ours, but Packet Too Big is the router's word) and to a remote address.
        byte[] toDns = echo6(GUEST, "fd00::3", 4000);
        List<byte[]> out = send(Ipv6Frames.ethernet(DNS_MAC, GUEST_MAC, toDns));
        assertEquals(1, out.size());
        assertArrayEquals(expectedPtb("fd00::2", GUEST, toDns), out.get(0));
        byte[] toRemote = echo6(GUEST, "2001:db8::1", 9000);
        out = send(Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, toRemote));
        assertEquals(1, out.size());
        assertArrayEquals(expectedPtb("fd00::2", GUEST, toRemote), out.get(0));
        assertPtb(out.get(0), "fd00::2", GUEST);
        assertEquals(2, counters().ipv6TooBig);
    }

    @Test
    void ipv6LinkLocalSourceHearsFromTheLinkLocalRouter() {
        byte[] in = echo6(GUEST_LL, "fe80::2", MTU + 8);
        List<byte[]> out = send(Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, in));
        assertEquals(1, out.size());
        assertArrayEquals(expectedPtb("fe80::2", GUEST_LL, in), out.get(0));
        assertPtb(out.get(0), "fe80::2", GUEST_LL);
    }

    @Test
    void ipv6NoPacketTooBigToAGroupAboutAnErrorOrFromTheUnspecifiedAddress() {
        // To all-nodes (a group we are in): dropped, not answered (RFC 4443 2.4 (e.3)).
        assertEquals(0, send(Ipv6Frames.ethernet(0x3333_0000_0001L, GUEST_MAC,
                echo6(GUEST, "ff02::1", MTU + 1))).size());
        // An ICMPv6 error (Destination Unreachable) itself too big (2.4 (e.1)).
        byte[] error = ipv6(58, 64, GUEST, "fd00::2",
                icmpv6(GUEST, "fd00::2", 1, 0, concat(new byte[4], Frames.pattern(MTU))));
        assertEquals(0, send(Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, error)).size());
        // From :: (2.4 (e.6): the source does not name a single node).
        assertEquals(0, send(Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, echo6("::", "fd00::2", MTU + 1))).size());
        assertEquals(3, counters().ipv6TooBig);
        assertEquals(3, counters().icmpv6ErrorsSuppressed);
        assertEquals(0, counters().icmpv6ErrorsOut);
    }

    @Test
    void ipv6PacketTooBigSharesTheErrorRateLimit() {
        byte[] frame = Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, echo6(GUEST, "fd00::2", MTU + 1));
        int sent = 0;
        for (int i = 0; i < 50; i++) {
            sent += send(frame).size();
        }
        assertEquals(Ipv6Input.ERROR_BURST, sent);
        assertEquals(50, counters().ipv6TooBig);
        assertEquals(50 - Ipv6Input.ERROR_BURST, counters().icmpv6ErrorsSuppressed);
        clock.advanceNanos(Ipv6Input.ERROR_INTERVAL_NANOS);
        assertEquals(1, send(frame).size());
    }

    /** A TCP ACK with {@code payload} octets from the guest to 2001:db8::1:80, checksum left to the device. */
    static byte[] tcp6(int payload) {
        ByteBuffer t = ByteBuffer.allocate(20 + payload);
        t.putShort((short) 40000).putShort((short) 80).putInt(1000).putInt(2000).putShort((short) 0x5010)
                .putShort((short) 65535).putInt(0).put(Frames.pattern(payload));
        return Ipv6Frames.ethernet(ROUTER_MAC, GUEST_MAC, ipv6(6, 64, GUEST, "2001:db8::1", t.array()));
    }

    private List<byte[]> sendVnet(byte[] vnet, byte[] frame) {
        stack.receiveFrame(Frames.buf(concat(vnet, frame)));
        stack.flush();
        return sink.take();
    }

    @Test
    void ipv6GsoSuperPacketIsNotTooBigButTheSameWithoutGsoIs() {
        stack = stack(NET6, Stack.DeviceFormat.VNET_HDR);
        byte[] frame = tcp6(20_000);
        byte[] tso = {VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV6, 74, 0, (byte) 1440, 1440 >>> 8, 54, 0,
                16, 0};
        List<byte[]> out = sendVnet(tso, frame);
        assertEquals(0, counters().ipv6TooBig);
        assertEquals(1, counters().gsoFramesIn);
        assertEquals(1, counters().tcpNoFlow, "it went on to TCP");
        for (byte[] f : out) {
            assertTrue((f[14 + 6] & 0xff) != 58, "no ICMPv6 about a GSO super-packet");
        }
        byte[] plain = {VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 0, 0, 54, 0, 16, 0};
        out = sendVnet(plain, frame);
        assertEquals(1, out.size());
        byte[] ip = Arrays.copyOfRange(frame, 14, frame.length);
        assertArrayEquals(expectedPtb("fd00::2", GUEST, ip), out.get(0));
        assertEquals(1, counters().ipv6TooBig);
    }

    // ---------------------------------------------------------------- IPv4

    /** An echo request from the guest to {@code dst}, {@code total} octets of IPv4, with {@code flags}. */
    static byte[] echo4(int dst, int flags, int total) {
        return Frames.ipv4(GUEST_IP, dst, 1, 0x1234, flags, 64, Frames.icmpEcho(8, 7, 1, Frames.pattern(total - 28)));
    }

    /** Fragmentation needed as we expect it: from the gateway, next-hop MTU, 548 octets quoted (576 in all). */
    static byte[] expectedFragNeeded(byte[] invoking, int mtu, int ident) {
        byte[] quote = Arrays.copyOf(invoking, Math.min(invoking.length, Math.min(548, mtu - 28)));
        byte[] icmp = ByteBuffer.allocate(8 + quote.length).put((byte) 3).put((byte) 4).putShort((short) 0)
                .putShort((short) 0).putShort((short) mtu).put(quote).array();
        int c = Frames.checksum(icmp, 0, icmp.length);
        icmp[2] = (byte) (c >>> 8);
        icmp[3] = (byte) c;
        return Frames.ethernet(GUEST_MAC, GATEWAY_MAC, 0x0800, Frames.ipv4(GATEWAY_IP, GUEST_IP, 1, ident, 0, 64, icmp));
    }

    @Test
    void ipv4WithDfOverTheMtuGetsFragmentationNeeded() throws Exception {
        byte[] in = echo4(GATEWAY_IP, 0x4000, MTU + 1);
        List<byte[]> out = send(Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, in));
        assertEquals(1, out.size());
        assertArrayEquals(expectedFragNeeded(in, MTU, 1), out.get(0));
        EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
        IpV4Packet ip = eth.get(IpV4Packet.class);
        assertEquals(InetAddress.getByName("10.0.2.2"), ip.getHeader().getSrcAddr());
        assertEquals(InetAddress.getByName("10.0.2.100"), ip.getHeader().getDstAddr());
        assertEquals(576, ip.getHeader().getTotalLengthAsInt());
        assertEquals(4, eth.get(IcmpV4CommonPacket.class).getHeader().getCode().value() & 0xff);
        assertEquals(MTU, eth.get(IcmpV4DestinationUnreachablePacket.class).getHeader().getUnused());
        assertEquals(1, counters().ipv4TooBig);
        assertEquals(1, counters().icmpErrorsToGuest);
        assertEquals(0, counters().icmpEchoRequestsIn, "the datagram itself is dropped");
    }

    @Test
    void ipv4WithoutDfOverTheMtuIsRelayedAsBefore() {
        // A router would fragment it on; we answer it, and our reply leaves in fragments that fit the MTU.
        List<byte[]> out = send(Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, echo4(GATEWAY_IP, 0, 3000)));
        assertEquals(3, out.size());
        for (byte[] f : out) {
            assertTrue(f.length - 14 <= MTU);
        }
        assertEquals(0, out.get(0)[14 + 20] & 0xff, "an echo reply, first fragment");
        assertEquals(0, counters().ipv4TooBig);
        assertEquals(1, counters().icmpEchoRepliesOut);
    }

    @Test
    void ipv4AtTheMtuWithDfPasses() {
        List<byte[]> out = send(Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, echo4(GATEWAY_IP, 0x4000, MTU)));
        assertEquals(1, out.size());
        assertEquals(0, out.get(0)[14 + 20] & 0xff);
        assertEquals(0, counters().ipv4TooBig);
    }

    @Test
    void ipv4NoFragmentationNeededAboutAnErrorAGroupOrALaterFragment() {
        // An ICMP error (port unreachable) with DF, too big.
        byte[] icmpError = new byte[MTU];
        icmpError[0] = 3;
        icmpError[1] = 3;
        int c = Frames.checksum(icmpError, 0, icmpError.length);
        icmpError[2] = (byte) (c >>> 8);
        icmpError[3] = (byte) c;
        int remote = NetConfig.parseIpv4("192.0.2.10");
        assertEquals(0, send(Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800,
                Frames.ipv4(GUEST_IP, remote, 1, 1, 0x4000, 64, icmpError))).size());
        // UDP to the network's broadcast address, DF, too big.
        int broadcast = NetConfig.parseIpv4("10.0.2.255");
        assertEquals(0, send(Frames.ethernet(Frames.BROADCAST, GUEST_MAC, 0x0800, Frames.ipv4(GUEST_IP, broadcast, 17,
                2, 0x4000, 64, Frames.udp(GUEST_IP, broadcast, 5000, 5001, new byte[MTU])))).size());
        // A later fragment (offset 1480) with DF: nothing to quote that names a flow.
        assertEquals(0, send(Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800,
                Frames.ipv4(GUEST_IP, GATEWAY_IP, 1, 3, 0x4000 | (1480 / 8), 64, new byte[MTU]))).size());
        assertEquals(3, counters().ipv4TooBig);
        assertEquals(3, counters().icmpErrorsSuppressed);
        assertEquals(0, counters().icmpErrorsToGuest);
    }

    @Test
    void ipv4FragmentationNeededIsRateLimited() {
        byte[] frame = Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, echo4(GATEWAY_IP, 0x4000, MTU + 1));
        int sent = 0;
        for (int i = 0; i < 50; i++) {
            sent += send(frame).size();
        }
        assertEquals(IcmpErrorLimiter.BURST, sent);
        assertEquals(50 - IcmpErrorLimiter.BURST, counters().icmpErrorsSuppressed);
        clock.advanceNanos(IcmpErrorLimiter.INTERVAL_NANOS);
        assertEquals(1, send(frame).size());
    }

    @Test
    void ipv4ErrorQuotesNoMoreThanASmallMtuCarries() {
        stack = stack(NetConfig.of("10.0.2.0/24", 100), Stack.DeviceFormat.ETHERNET);
        byte[] in = echo4(GATEWAY_IP, 0x4000, 101);
        List<byte[]> out = send(Frames.ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, in));
        assertEquals(1, out.size());
        assertArrayEquals(expectedFragNeeded(in, 100, 1), out.get(0));
        assertEquals(100, out.get(0).length - 14);
    }

    @Test
    void ipv4GsoSuperSegmentWithDfIsNotTooBig() throws Exception {
        stack = stack(NET6, Stack.DeviceFormat.VNET_HDR);
        int remote = NetConfig.parseIpv4("192.0.2.10");
        byte[] frame = Frames.tcpFrame(remote, 40000, 80, 1000, 2000, 0x10, 65535, new byte[0],
                Frames.pattern(20_000));
        byte[] tso = {VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 54, 0, (byte) 1460, 1460 >>> 8, 34, 0,
                16, 0};
        List<byte[]> out = sendVnet(tso, frame);
        assertEquals(0, counters().ipv4TooBig);
        assertEquals(1, counters().tcpNoFlow, "it went on to TCP");
        assertEquals(1, out.size());
        EthernetPacket eth = EthernetPacket.newPacket(out.get(0), 0, out.get(0).length);
        assertTrue(eth.get(TcpPacket.class).getHeader().getRst(), "TCP's answer, not an ICMP error");
    }
}
