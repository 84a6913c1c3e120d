package io.jslirp.stack.tcp;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.StackHarness;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.TcpPacket;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static io.jslirp.stack.testing.Ipv6Frames.addr;
import static io.jslirp.stack.testing.Ipv6Frames.checksum;
import static io.jslirp.stack.testing.Ipv6Frames.ethernet;
import static io.jslirp.stack.testing.Ipv6Frames.hi;
import static io.jslirp.stack.testing.Ipv6Frames.inet6;
import static io.jslirp.stack.testing.Ipv6Frames.ipv6;
import static io.jslirp.stack.testing.Ipv6Frames.lo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TCP over IPv6: the same endpoint as IPv4's, routed by the IPv6 decision table (prefix::2 is the host's ::1,
 * global addresses go as they are, nothing else in the prefix, no other name of the host) and framed by
 * Ipv6Output. Frames are checked byte for byte here and decoded by pcap4j too.
 */
class Tcp6Test extends StackHarness {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));
    static final String GUEST = "fd00::5054:ff:fe12:3456";
    static final String REMOTE6 = "2001:db8::10";
    static final String ROUTER6 = "fd00::2";
    static final int GPORT = 40000;
    static final int RPORT = 80;
    static final int GUEST_ISN = 1000;
    static final int OUR_ISN = 50_000_000;

    @Override
    protected NetConfig net() {
        return NET6;
    }

    @Override
    protected void build(RelayOptions options, Stack.DeviceFormat format) {
        super.build(options, format);
        stack.tcp().setIsnGenerator((gh, gl, gp, rh, rl, rp) -> OUR_ISN);
    }

    /** A guest TCP segment to {@code dst}: flags, window 64800, options as given, then data. */
    static byte[] seg6(String dst, int seq, int ack, int flags, byte[] options, byte[] data) {
        int hl = 20 + options.length;
        ByteBuffer b = ByteBuffer.allocate(hl + data.length);
        b.putShort((short) GPORT).putShort((short) RPORT).putInt(seq).putInt(ack)
                .putShort((short) ((hl / 4) << 12 | flags)).putShort((short) 64800).putInt(0).put(options).put(data);
        byte[] t = b.array();
        int c = checksum(GUEST, dst, 6, t);
        t[16] = (byte) (c >>> 8);
        t[17] = (byte) c;
        return ethernet(NET6.ipv6().routerMac(), Frames.GUEST_MAC, ipv6(6, 64, GUEST, dst, t));
    }

    /** MSS 1440 and nothing else: a SYN without scaling, SACK or timestamps keeps the segments short. */
    static final byte[] MSS_OPTION = {2, 4, 0x05, (byte) 0xa0};

    /** Checks an IPv6 TCP frame from {@code from} to the guest down to the checksum; returns the TCP part. */
    static byte[] tcpOf(byte[] f, String from) {
        assertEquals(Frames.GUEST_MAC, Frames.mac(f, 0));
        assertEquals(NET6.ipv6().ourMacFor(hi(from), lo(from)), Frames.mac(f, 6));
        assertEquals(0x86dd, Frames.u16(f, 12));
        assertEquals(0x6000_0000, ByteBuffer.wrap(f, 14, 4).getInt());
        int len = Frames.u16(f, 18);
        assertEquals(f.length - 54, len, "payload length");
        assertEquals(6, f[20]);
        assertArrayEquals(addr(from), Arrays.copyOfRange(f, 22, 38));
        assertArrayEquals(addr(GUEST), Arrays.copyOfRange(f, 38, 54));
        byte[] t = Arrays.copyOfRange(f, 54, f.length);
        byte[] zeroed = t.clone();
        zeroed[16] = 0;
        zeroed[17] = 0;
        assertEquals(checksum(from, GUEST, 6, zeroed), Frames.u16(t, 16), "TCP checksum");
        TcpPacket tcp = pcap(f).get(TcpPacket.class);
        IpV6Packet ip = pcap(f).get(IpV6Packet.class);
        assertEquals(inet6(from), ip.getHeader().getSrcAddr());
        assertTrue(tcp.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        return t;
    }

    static EthernetPacket pcap(byte[] f) {
        try {
            return EthernetPacket.newPacket(f, 0, f.length);
        } catch (org.pcap4j.packet.IllegalRawDataException e) {
            throw new AssertionError(e);
        }
    }

    FakeHostSockets.Sock handshake(String dst) {
        send(seg6(dst, GUEST_ISN, 0, Seg.SYN, MSS_OPTION, new byte[0]));
        nothing();
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        byte[] synAck = tcpOf(one(), dst);
        Seg sa = Seg.parse(synAck, 0, synAck.length);
        assertEquals(Seg.SYN | Seg.ACK, sa.flags);
        assertEquals(OUR_ISN, sa.seq);
        assertEquals(GUEST_ISN + 1, sa.ack);
        // MTU 1500 less 40 (IPv6) and 20 (TCP).
        assertEquals(1440, sa.mss);
        send(seg6(dst, GUEST_ISN + 1, OUR_ISN + 1, Seg.ACK, new byte[0], new byte[0]));
        nothing();
        return s;
    }

    @Test
    void globalDestinationGoesAsItIsAndDataFlowsBothWays() {
        FakeHostSockets.Sock s = handshake(REMOTE6);
        assertEquals(hi(REMOTE6), s.dstHi);
        assertEquals(lo(REMOTE6), s.dstLo);
        assertEquals(RPORT, s.dstPort);
        assertEquals(0, s.bindHi);
        assertEquals(0, s.bindLo);
        byte[] hello = "hello over IPv6".getBytes();
        send(seg6(REMOTE6, GUEST_ISN + 1, OUR_ISN + 1, Seg.ACK | Seg.PSH, new byte[0], hello));
        assertArrayEquals(hello, s.written());
        byte[] ack = tcpOf(one(), REMOTE6);
        assertEquals(GUEST_ISN + 1 + hello.length, Seg.parse(ack, 0, ack.length).ack);
        byte[] reply = new byte[3000];
        Arrays.fill(reply, (byte) 'r');
        host.hostSends(s, reply);
        List<byte[]> out = frames();
        assertEquals(3, out.size(), "1440 + 1440 + 120");
        int seq = OUR_ISN + 1;
        int total = 0;
        for (byte[] f : out) {
            assertTrue(f.length <= 14 + 1500);
            byte[] t = tcpOf(f, REMOTE6);
            Seg d = Seg.parse(t, 0, t.length);
            assertEquals(seq + total, d.seq);
            total += d.payload.length;
        }
        assertEquals(3000, total);
        assertEquals(1, stack.activeFlows());
    }

    @Test
    void timeWaitIsARecordThatReacknowledgesTheFinOverIpv6() {
        FakeHostSockets.Sock s = handshake(REMOTE6);
        host.hostEof(s);
        byte[] fin = tcpOf(one(), REMOTE6);
        assertEquals(Seg.ACK | Seg.FIN, Seg.parse(fin, 0, fin.length).flags);
        send(seg6(REMOTE6, GUEST_ISN + 1, OUR_ISN + 2, Seg.ACK, new byte[0], new byte[0]));
        nothing();
        for (int round = 0; round < 2; round++) {
            // The guest's FIN, then the same FIN again: our last ACK was lost. The record answers it alike.
            send(seg6(REMOTE6, GUEST_ISN + 1, OUR_ISN + 2, Seg.ACK | Seg.FIN, new byte[0], new byte[0]));
            byte[] ack = tcpOf(one(), REMOTE6);
            Seg a = Seg.parse(ack, 0, ack.length);
            assertEquals(Seg.ACK, a.flags);
            assertEquals(OUR_ISN + 2, a.seq);
            assertEquals(GUEST_ISN + 2, a.ack);
            assertEquals(0xffff, a.window, "no window scaling was agreed");
            assertEquals(TcpState.TIME_WAIT, stack.tcp().state(hi(GUEST), lo(GUEST), GPORT, hi(REMOTE6), lo(REMOTE6),
                    RPORT));
            assertEquals(1, stack.tcp().timeWaitRecords());
        }
        assertTrue(s.closed);
        clock.advanceNanos(TcpConnection.TIME_WAIT_TIME);
        stack.runTimers();
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void routerAddressIsTheHostsLoopback() {
        FakeHostSockets.Sock s = handshake(ROUTER6);
        assertEquals(0, s.dstHi);
        assertEquals(1, s.dstLo);
    }

    @Test
    void outboundAddr6BindsIpv6Sockets() {
        build(RelayOptions.defaults().withOutboundAddr6(hi("2001:db8::99"), lo("2001:db8::99"))
                .withOutboundAddr(Frames.NET.gateway()));
        FakeHostSockets.Sock s = handshake(REMOTE6);
        assertEquals(hi("2001:db8::99"), s.bindHi);
        assertEquals(lo("2001:db8::99"), s.bindLo);
    }

    @Test
    void disableHostLoopbackAnswersNoRouteAtOnce() {
        build(RelayOptions.defaults().withDisableHostLoopback(true));
        send(seg6(ROUTER6, GUEST_ISN, 0, Seg.SYN, MSS_OPTION, new byte[0]));
        byte[] f = one();
        assertEquals(0, host.sockets().size());
        assertEquals(0x86dd, Frames.u16(f, 12));
        assertEquals(58, f[20]);
        assertArrayEquals(addr(ROUTER6), Arrays.copyOfRange(f, 22, 38));
        byte[] icmp = Arrays.copyOfRange(f, 54, f.length);
        assertEquals(1, icmp[0], "destination unreachable");
        assertEquals(0, icmp[1], "no route");
        // The quote: IPv6 header guest -> fd00::2, TCP, 20 octets; then ports and the SYN's sequence number.
        assertEquals(8 + 40 + 8, icmp.length);
        assertEquals(20, Frames.u16(icmp, 8 + 4));
        assertEquals(6, icmp[8 + 6]);
        assertArrayEquals(addr(GUEST), Arrays.copyOfRange(icmp, 16, 32));
        assertArrayEquals(addr(ROUTER6), Arrays.copyOfRange(icmp, 32, 48));
        assertEquals(GPORT, Frames.u16(icmp, 48));
        assertEquals(RPORT, Frames.u16(icmp, 50));
        assertEquals(GUEST_ISN, ByteBuffer.wrap(icmp, 52, 4).getInt());
        byte[] zeroed = icmp.clone();
        zeroed[2] = 0;
        zeroed[3] = 0;
        assertEquals(checksum(ROUTER6, GUEST, 58, zeroed), Frames.u16(icmp, 2));
        IcmpV6CommonPacket p = pcap(f).get(IcmpV6CommonPacket.class);
        IpV6Packet ip = pcap(f).get(IpV6Packet.class);
        assertTrue(p.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        assertEquals(1, stack.counters().tcpConnectUnreachable);
    }

    @Test
    void nothingElseInThePrefixAndNoOtherNameOfTheHost() {
        for (String dst : new String[] {"fd00::7", "fd00::3", "::ffff:127.0.0.1", "::1", "fe80::9", "::7f00:1"}) {
            send(seg6(dst, GUEST_ISN, 0, Seg.SYN, MSS_OPTION, new byte[0]));
            List<byte[]> out = frames();
            assertEquals(1, out.size(), dst);
            byte[] t = tcpOf(out.get(0), dst);
            Seg r = Seg.parse(t, 0, t.length);
            assertEquals(Seg.RST | Seg.ACK, r.flags, dst);
            assertEquals(GUEST_ISN + 1, r.ack);
        }
        assertEquals(0, host.sockets().size());
    }

    @Test
    void connectFailureUnreachableBecomesIcmpv6AddressUnreachable() {
        send(seg6(REMOTE6, GUEST_ISN, 0, Seg.SYN, MSS_OPTION, new byte[0]));
        nothing();
        host.settleConnect(host.last(), io.jslirp.stack.relay.HostSockets.EHOSTUNREACH);
        byte[] f = one();
        assertEquals(58, f[20]);
        assertEquals(1, f[54]);
        assertEquals(3, f[55], "address unreachable");
        assertArrayEquals(addr(REMOTE6), Arrays.copyOfRange(f, 54 + 32, 54 + 48));
    }

    @Test
    void offloadSendsTso6SuperSegments() {
        build(RelayOptions.defaults(), Stack.DeviceFormat.VNET_HDR);
        FakeHostSockets.Sock s = handshake(REMOTE6);
        byte[] big = new byte[10_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        host.hostSends(s, big);
        stack.flush();
        List<Integer> gso = new java.util.ArrayList<>(sink.gsoSizes());
        List<byte[]> out = sink.take();
        assertEquals(1, out.size());
        assertEquals(1440, (int) gso.get(0));
        byte[] f = out.get(0);
        assertEquals(54 + 20 + 10_000, f.length);
        assertArrayEquals(big, Arrays.copyOfRange(f, 74, f.length));
        ByteBuf frame = Unpooled.wrappedBuffer(f);
        ByteBuf h = Unpooled.buffer(10);
        VirtioNetHeader.writeForTcp(h, 0, frame, 1440);
        // NEEDS_CSUM, GSO_TCPV6, hdr_len 74, gso_size 1440, csum_start 54, csum_offset 16.
        assertArrayEquals(new byte[] {1, 4, 74, 0, (byte) 0xa0, 5, 54, 0, 16, 0}, ByteBufUtil.getBytes(h, 0, 10));
        frame.release();
        h.release();
        // The checksum field holds the pseudo-header sum only; the device completes it.
        long sum = 0;
        for (int i = 22; i < 54; i += 2) {
            sum += Frames.u16(f, i);
        }
        sum += 6 + 20 + 10_000;
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        assertEquals(sum, Frames.u16(f, 54 + 16));
        send(seg6(REMOTE6, GUEST_ISN + 1, OUR_ISN + 1 + 10_000, Seg.ACK, new byte[0], new byte[0]));
        nothing();
    }
}
