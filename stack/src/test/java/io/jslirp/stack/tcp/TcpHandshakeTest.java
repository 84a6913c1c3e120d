package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.TcpMaximumSegmentSizeOption;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpWindowScaleOption;
import org.pcap4j.packet.IpV4Packet;

import java.net.InetAddress;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/** The guest's SYN waits for the host connect; every way that connect ends, answered as a kernel would. */
class TcpHandshakeTest extends TcpHarness {
    private Seg linuxSyn() {
        return Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(7).sackOk().ts(100, 0);
    }

    @Test
    void synIsNotAnsweredUntilTheHostConnectSettles() {
        send(linuxSyn());
        recvNothing();
        FakeHostSockets.Sock s = host.last();
        assertNotNull(s);
        assertEquals(REMOTE, s.dstAddr);
        assertEquals(RPORT, s.dstPort);
        assertEquals(0, s.bindAddr);
        assertEquals(1, stack.activeFlows());
        assertEquals(TcpState.CONNECTING, stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).state());

        host.settleConnect(s, 0);
        recv(Seg.of(Seg.SYN | Seg.ACK).seq(OUR_ISN).ack(GUEST_ISN + 1).win(65535).mss(1460).sackOk()
                .ts(tsNow(), 100).ws(7));
        assertEquals(1, stack.counters().tcpConnectOk);
        // Level-triggered EPOLLOUT left armed on a connected socket would wake the loop on every turn.
        assertFalse(s.writeInterest, "write interest must be dropped once the connect has settled");
        assertFalse(s.readInterest, "nothing is read before the guest completes the handshake");
    }

    @Test
    void synAckBytesAndPcap4jDecode() throws Exception {
        send(linuxSyn());
        host.settleConnect(host.last(), 0);
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        byte[] f = out.get(0);
        // Linux's SYN-ACK option layout: MSS, SACK-permitted + timestamps, NOP + window scale.
        String options = hex(java.util.Arrays.copyOfRange(f, 54, 74));
        assertEquals("020405b4" + "0402080a" + String.format("%08x", tsNow()) + "00000064" + "01030307", options);
        EthernetPacket eth = EthernetPacket.newPacket(f, 0, f.length);
        IpV4Packet ip = eth.get(IpV4Packet.class);
        assertTrue(ip.getHeader().hasValidChecksum(false));
        assertTrue(ip.getHeader().getDontFragmentFlag());
        assertEquals(InetAddress.getByName("192.0.2.10"), ip.getHeader().getSrcAddr());
        TcpPacket tcp = eth.get(TcpPacket.class);
        assertTrue(tcp.hasValidChecksum(ip.getHeader().getSrcAddr(), ip.getHeader().getDstAddr(), false));
        assertTrue(tcp.getHeader().getSyn());
        assertTrue(tcp.getHeader().getAck());
        assertEquals(OUR_ISN, tcp.getHeader().getSequenceNumber());
        assertEquals(GUEST_ISN + 1, tcp.getHeader().getAcknowledgmentNumber());
        boolean sawMss = false;
        boolean sawWs = false;
        for (TcpPacket.TcpOption o : tcp.getHeader().getOptions()) {
            if (o instanceof TcpMaximumSegmentSizeOption) {
                assertEquals(1460, ((TcpMaximumSegmentSizeOption) o).getMaxSegSizeAsInt());
                sawMss = true;
            }
            if (o instanceof TcpWindowScaleOption) {
                assertEquals(7, ((TcpWindowScaleOption) o).getShiftCountAsInt());
                sawWs = true;
            }
        }
        assertTrue(sawMss && sawWs);
    }

    @Test
    void synWithoutOptionsGetsOnlyMssAndAnUnscaledWindow() {
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(8192));
        host.settleConnect(host.last(), 0);
        recv(Seg.of(Seg.SYN | Seg.ACK).seq(OUR_ISN).ack(GUEST_ISN + 1).win(65535).mss(1460));
        send(Seg.of(Seg.ACK).seq(GUEST_ISN + 1).ack(OUR_ISN + 1).win(8192));
        recvNothing();
        TcpConnection c = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
        assertEquals(TcpState.ESTABLISHED, c.state());
        // No MSS option means 536 (RFC 9293 3.7.1); no window scaling: windows are taken as they are.
        assertEquals(536, c.effectiveMss());
        assertEquals(8192, c.sendWindow());
        // And our window field is capped at 65535 unscaled.
        send(Seg.of(Seg.ACK | Seg.PSH).seq(GUEST_ISN + 1).ack(OUR_ISN + 1).win(8192).data(pattern(10)));
        recv(Seg.of(Seg.ACK).seq(OUR_ISN + 1).ack(GUEST_ISN + 11).win(65535));
    }

    @Test
    void guestMssIsRespectedAndTimestampsShrinkIt() {
        send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(1000).ts(1, 0));
        host.settleConnect(host.last(), 0);
        recv();
        TcpConnection c = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
        assertEquals(1000 - 12, c.effectiveMss());
    }

    @Test
    void handshakeAckEstablishesAndStartsReading() {
        FakeHostSockets.Sock s = establish();
        TcpConnection c = stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertTrue(s.readInterest);
        assertFalse(s.writeInterest);
        assertEquals(502 << 7, c.sendWindow());
    }

    @Test
    void gatewayMapsToHostLoopback() {
        sendTo(GATEWAY_IP, linuxSyn());
        assertEquals(RelayOptions.LOOPBACK, host.last().dstAddr);
        host.settleConnect(host.last(), 0);
        assertEquals(Seg.SYN | Seg.ACK, recvFrom(GATEWAY_IP).flags);
    }

    @Test
    void outboundAddrIsPassedToConnect() {
        build(RelayOptions.defaults().withOutboundAddr(NET_parse("127.0.0.2")));
        send(linuxSyn());
        assertEquals(NET_parse("127.0.0.2"), host.last().bindAddr);
    }

    @Test
    void disableHostLoopbackAnswersNetUnreachableAtOnce() {
        build(RelayOptions.defaults().withDisableHostLoopback(true));
        sendTo(GATEWAY_IP, linuxSyn());
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertIcmpUnreachable(out.get(0), GATEWAY_IP, 0);
        assertEquals(0, host.sockets().size());
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpConnectUnreachable);
    }

    /** ICMP type 3 from the gateway quoting our (guest's) SYN: IPv4 header to dst, ports, the SYN's seq. */
    static void assertIcmpUnreachable(byte[] f, int dst, int code) {
        assertEquals(GUEST_MAC, mac(f, 0));
        assertEquals(GATEWAY_MAC, mac(f, 6));
        assertEquals(0, checksum(f, 14, 20));
        assertEquals(1, f[23] & 0xff, "ICMP");
        assertEquals(GATEWAY_IP, u32(f, 26));
        assertEquals(3, f[34] & 0xff, "destination unreachable");
        assertEquals(code, f[35] & 0xff);
        assertEquals(0, checksum(f, 34, f.length - 34), "ICMP checksum");
        int inner = 42;
        assertEquals(0x45, f[inner] & 0xff);
        assertEquals(6, f[inner + 9] & 0xff);
        assertEquals(GUEST_IP, u32(f, inner + 12));
        assertEquals(dst, u32(f, inner + 16));
        assertEquals(GPORT, u16(f, inner + 20));
        assertEquals(RPORT, u16(f, inner + 22));
        assertEquals(GUEST_ISN, u32(f, inner + 24));
    }

    @Test
    void refusedConnectIsRstAtOnce() {
        send(linuxSyn());
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, HostSockets.ECONNREFUSED);
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0));
        assertTrue(s.closed);
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpConnectRefused);
    }

    @Test
    void immediateRefusalIsRstToo() {
        host.failNextConnect = HostSockets.ECONNREFUSED;
        send(linuxSyn());
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0));
        assertEquals(0, stack.activeFlows());
    }

    @ParameterizedTest
    @CsvSource({"101,0", "100,0", "113,1", "112,1"})
    void unreachableConnectIsIcmp(int errno, int code) {
        send(linuxSyn());
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, errno);
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertIcmpUnreachable(out.get(0), REMOTE, code);
        assertTrue(s.closed);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void immediateNetUnreachableIsIcmp() {
        host.failNextConnect = HostSockets.ENETUNREACH;
        send(linuxSyn());
        List<byte[]> out = frames();
        assertEquals(1, out.size());
        assertIcmpUnreachable(out.get(0), REMOTE, 0);
    }

    @Test
    void timedOutConnectIsRst() {
        send(linuxSyn());
        host.settleConnect(host.last(), HostSockets.ETIMEDOUT);
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0));
        assertEquals(1, stack.counters().tcpConnectTimeout);
    }

    @Test
    void connectThatNeverSettlesIsBounded() {
        send(linuxSyn());
        FakeHostSockets.Sock s = host.last();
        clock.advanceNanos(TcpConnection.CONNECT_TIMEOUT);
        assertTrue(stack.nextDeadlineNanos() <= clock.nanoTime());
        stack.runTimers();
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void retransmittedSynsAreAbsorbedWhileConnecting() {
        send(linuxSyn());
        send(linuxSyn());
        send(linuxSyn());
        recvNothing();
        assertEquals(1, host.sockets().size());
        assertEquals(2, stack.counters().tcpSynAbsorbed);
        host.settleConnect(host.last(), 0);
        assertEquals(Seg.SYN | Seg.ACK, recv().flags);
    }

    @Test
    void guestRstWhileConnectingAbortsTheHostConnect() {
        send(linuxSyn());
        FakeHostSockets.Sock s = host.last();
        send(Seg.of(Seg.RST).seq(GUEST_ISN + 1));
        recvNothing();
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void lostSynAckIsResentForARetransmittedSyn() {
        send(linuxSyn());
        host.settleConnect(host.last(), 0);
        Seg first = recv();
        send(linuxSyn());
        Seg again = recv();
        assertEquals(first.seq, again.seq);
        assertEquals(Seg.SYN | Seg.ACK, again.flags);
    }

    @Test
    void synAckIsRetransmittedWithBackoffThenGivenUp() {
        send(linuxSyn());
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        recv();
        long rto = TcpConnection.INITIAL_RTO;
        for (int i = 0; i < TcpConnection.MAX_SYNACK_RETRANSMITS; i++) {
            clock.advanceNanos(rto - 1);
            stack.runTimers();
            recvNothing();
            clock.advanceNanos(1);
            stack.runTimers();
            assertEquals(Seg.SYN | Seg.ACK, recv().flags);
            rto *= 2;
        }
        clock.advanceNanos(rto);
        stack.runTimers();
        recv(Seg.of(Seg.RST | Seg.ACK).seq(OUR_ISN + 1).ack(GUEST_ISN + 1).win(0));
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void badAckInSynReceivedIsReset() {
        send(linuxSyn());
        host.settleConnect(host.last(), 0);
        recv();
        send(Seg.of(Seg.ACK).seq(GUEST_ISN + 1).ack(OUR_ISN + 77).win(502));
        recv(Seg.of(Seg.RST).seq(OUR_ISN + 77).ack(0).win(0));
        assertEquals(TcpState.SYN_RECEIVED, stack.tcp().connection(GUEST_IP, GPORT, REMOTE, RPORT).state());
    }

    @Test
    void rstInSynReceivedAbortsTheHost() {
        send(linuxSyn());
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        recv();
        send(Seg.of(Seg.RST).seq(GUEST_ISN + 1));
        recvNothing();
        assertTrue(s.aborted);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void localDestinationsOtherThanTheGatewayAreRefused() {
        sendTo(DNS_IP, Seg.of(Seg.SYN).seq(GUEST_ISN).win(1000).ports(GPORT, 53));
        Seg rst = recvFrom(DNS_IP);
        assertEquals(Seg.RST | Seg.ACK, rst.flags);
        sendTo(NET_parse("10.0.2.77"), Seg.of(Seg.SYN).seq(GUEST_ISN).win(1000));
        assertEquals(Seg.RST | Seg.ACK, recvFrom(NET_parse("10.0.2.77")).flags);
        assertEquals(0, host.sockets().size());
        assertEquals(2, stack.counters().tcpNoRelay);
    }

    @Test
    void broadcastAndMulticastSynsAreDropped() {
        sendTo(NET_parse("10.0.2.255"), linuxSyn());
        sendTo(NET_parse("224.0.0.1"), linuxSyn());
        sendTo(NET_parse("255.255.255.255"), linuxSyn());
        recvNothing();
        assertEquals(3, stack.counters().tcpBadDestination);
        assertEquals(0, host.sockets().size());
    }

    @Test
    void withoutHostSocketsSynsGetRst() {
        stack.close();
        stack = new io.jslirp.stack.Stack(NET, clock, sink, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        send(linuxSyn());
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0));
    }

    @Test
    void withoutHostSocketsASynToTheHostGetsRstAndLeavesNoFlow() {
        stack.close();
        stack = new io.jslirp.stack.Stack(NET, clock, sink, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        sendTo(GATEWAY_IP, linuxSyn());
        assertEquals(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(GUEST_ISN + 1).win(0).ports(RPORT, GPORT),
                recvFrom(GATEWAY_IP));
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpNoRelay);
    }

    @Test
    void segmentsForUnknownFlowsGetRstPerRfc() {
        // ACK: <SEQ=SEG.ACK><CTL=RST>
        send(Seg.of(Seg.ACK).seq(7).ack(12345).win(100));
        recv(Seg.of(Seg.RST).seq(12345).ack(0).win(0));
        // No ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        send(Seg.of(Seg.PSH).seq(7).win(100).data(pattern(5)));
        recv(Seg.of(Seg.RST | Seg.ACK).seq(0).ack(12).win(0));
        // RST: never answered.
        send(Seg.of(Seg.RST).seq(7));
        recvNothing();
        assertEquals(3, stack.counters().tcpNoFlow);
    }

    @Test
    void fullTableRefusesWithRst() {
        build(RelayOptions.defaults().withMaxFlows(2));
        for (int p = 1; p <= 3; p++) {
            send(Seg.of(Seg.SYN).seq(GUEST_ISN).win(1000).ports(GPORT + p, RPORT));
        }
        Seg rst = recv();
        assertEquals(Seg.RST | Seg.ACK, rst.flags);
        assertEquals(GPORT + 3, rst.dstPort);
        assertEquals(2, stack.activeFlows());
        assertEquals(1, stack.counters().tcpTableFull);
    }

    @Test
    void malformedSegmentsAreCountedAndDropped() {
        byte[] f = tcpFrame(REMOTE, GPORT, RPORT, 1, 0, Seg.SYN, 100, new byte[0], new byte[0]);
        f[34 + 16] ^= 1; // checksum
        stack.receiveFrame(buf(f));
        byte[] g = tcpFrame(REMOTE, GPORT, RPORT, 1, 0, Seg.SYN, 100, new byte[] {2, 3, 5, (byte) 0xb4}, new byte[0]);
        stack.receiveFrame(buf(g)); // MSS option with length 3: checksum fine, option malformed
        recvNothing();
        assertEquals(1, stack.counters().tcpBadChecksum);
        assertEquals(1, stack.counters().tcpBadOptions);
        assertEquals(0, host.sockets().size());
    }
}
