package io.jslirp.stack.udp;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.jslirp.stack.testing.FakeHostSockets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DnsAndServicesTest extends UdpHarness {
    static final int STUB = NetConfig.parseIpv4("127.0.0.53");
    static final int SECOND = NetConfig.parseIpv4("192.0.2.53");
    static final byte[] QUERY = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};
    /** The same id, QR set and RCODE 5 (REFUSED): passed through unchanged. */
    static final byte[] REFUSED = {0x12, 0x34, (byte) 0x81, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};

    @Test
    void queriesGoToTheFirstResolverAndRepliesComeFromNetworkPlus3() {
        stack.setDnsServers(new int[] {STUB, SECOND});
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        nothing();
        FakeHostDatagrams.Sock s = datagrams.last();
        assertEquals(STUB, s.lastSent().dstAddr);
        assertEquals(53, s.lastSent().dstPort);
        assertArrayEquals(QUERY, s.lastSent().data);
        datagrams.deliver(s, STUB, 53, REFUSED);
        byte[] f = one();
        assertArrayEquals(expectedUdp(f, DNS_IP, 53, GPORT, REFUSED), f);
        assertEquals(1, stack.counters().dnsQueries);
        assertEquals(1, stack.counters().dnsReplies);
    }

    @Test
    void dnsHasItsOwnSocketBesideTheRelayedFlowOfTheSamePort() {
        stack.setDnsServers(new int[] {STUB});
        sendUdp(REMOTE, GPORT, 7000, new byte[] {1});
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        assertEquals(2, datagrams.sockets().size());
        // A reply from the resolver on the relayed flow's socket is an ordinary datagram from 127.0.0.53: dropped.
        datagrams.deliver(datagrams.sockets().get(0), STUB, 53, REFUSED);
        nothing();
        // Something other than a resolver on the DNS socket: dropped.
        datagrams.deliver(datagrams.sockets().get(1), REMOTE, 53, REFUSED);
        nothing();
        assertEquals(1, stack.counters().dnsBadReplySource);
    }

    @Test
    void unansweredQueryMovesTheRetryToTheNextServer() {
        stack.setDnsServers(new int[] {STUB, SECOND});
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        FakeHostDatagrams.Sock s = datagrams.last();
        clock.advanceSeconds(1);
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        assertEquals(STUB, s.lastSent().dstAddr, "within 2 s the same server");
        clock.advanceSeconds(1);
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        assertEquals(SECOND, s.lastSent().dstAddr);
        assertEquals(1, stack.counters().dnsServerSwitches);
        datagrams.deliver(s, SECOND, 53, REFUSED);
        assertEquals(1, frames().size());
        // The second server answers, so it stays; even a query from a new port goes there.
        clock.advanceSeconds(5);
        sendUdp(DNS_IP, GPORT + 1, 53, QUERY);
        assertEquals(SECOND, datagrams.last().lastSent().dstAddr);
        // An ICMP error from the resolver moves on too (without telling the guest).
        datagrams.icmpError(datagrams.last(), HostSockets.ECONNREFUSED, 3, 3, SECOND, SECOND, 53);
        nothing();
        sendUdp(DNS_IP, GPORT + 1, 53, QUERY);
        assertEquals(STUB, datagrams.last().lastSent().dstAddr);
        // New servers: back to the first of them.
        stack.setDnsServers(new int[] {SECOND});
        sendUdp(DNS_IP, GPORT + 1, 53, QUERY);
        assertEquals(SECOND, datagrams.last().lastSent().dstAddr);
    }

    @Test
    void disableDnsDropsSilentlyAndTcpGetsRst() {
        build(RelayOptions.defaults().withDisableDns(true));
        stack.setDnsServers(new int[] {STUB});
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        nothing();
        assertTrue(datagrams.sockets().isEmpty());
        assertEquals(1, stack.counters().dnsDisabled);
        send(tcpFrame(DNS_IP, GPORT, 53, 1000, 0, 0x02, 65535, new byte[0], new byte[0]));
        byte[] rst = one();
        assertEquals(0x14, rst[14 + 20 + 13] & 0xff, "RST|ACK");
        assertTrue(host.sockets().isEmpty());
    }

    @Test
    void noServersDropsTheQuery() {
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        nothing();
        assertEquals(1, stack.counters().dnsNoServer);
        assertTrue(datagrams.sockets().isEmpty());
        stack.setDnsServers(new int[0]);
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        assertEquals(2, stack.counters().dnsNoServer);
    }

    @Test
    void otherPortsOnNetworkPlus3ArePortUnreachable() {
        stack.setDnsServers(new int[] {STUB});
        sendUdp(DNS_IP, GPORT, 54, new byte[] {1, 2});
        byte[] f = one();
        assertArrayEquals(expectedIcmpError(f, DNS_IP, 3, 3, DNS_IP, GPORT, 54, 10), f);
    }

    @Test
    void dnsFlowsExpireSooner() {
        stack.setDnsServers(new int[] {STUB});
        sendUdp(DNS_IP, GPORT, 53, QUERY);
        assertEquals(clock.nanoTime() + UdpLayer.DNS_IDLE_NANOS, stack.nextDeadlineNanos());
        clock.advanceSeconds(10);
        stack.runTimers();
        assertTrue(datagrams.last().closed);
        assertEquals(0, stack.activeUdpFlows());
    }

    @Test
    void dnsOverTcpGoesToTheCurrentResolver() {
        stack.setDnsServers(new int[] {STUB, SECOND});
        send(tcpFrame(DNS_IP, GPORT, 53, 1000, 0, 0x02, 65535, new byte[0], new byte[0]));
        nothing();
        FakeHostSockets.Sock s = host.last();
        assertEquals(STUB, s.dstAddr);
        assertEquals(53, s.dstPort);
        host.settleConnect(s, 0);
        byte[] synAck = one();
        assertEquals(DNS_IP, u32(synAck, 14 + 12), "the SYN-ACK comes from network+3");
        assertEquals(DNS_MAC, mac(synAck, 6));
        // Other ports on network+3, and port 53 before any resolver is known: RST.
        send(tcpFrame(DNS_IP, GPORT + 1, 80, 1000, 0, 0x02, 65535, new byte[0], new byte[0]));
        assertEquals(0x14, one()[14 + 20 + 13] & 0xff);
        stack.setDnsServers(null);
        send(tcpFrame(DNS_IP, GPORT + 2, 53, 1000, 0, 0x02, 65535, new byte[0], new byte[0]));
        assertEquals(0x14, one()[14 + 20 + 13] & 0xff);
        assertEquals(1, host.sockets().size());
    }

    // ---- local services

    /** A test-only service: records what it hears and answers "ack:" + payload to the sender's MAC. */
    static final class EchoService implements UdpService {
        final List<String> heard = new ArrayList<>();
        long lastMac;

        @Override
        public void onDatagram(long srcMac, int srcAddr, int srcPort, int dstAddr, int dstPort, ByteBuf payload,
                               UdpReplier reply) {
            lastMac = srcMac;
            heard.add(NetConfig.formatIpv4(srcAddr) + ":" + srcPort + ">" + NetConfig.formatIpv4(dstAddr) + ":" + dstPort
                    + " " + new String(ByteBufUtil.getBytes(payload)));
            ByteBuf answer = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            try {
                answer.writeBytes("ack:".getBytes()).writeBytes(payload, payload.readerIndex(), payload.readableBytes());
                reply.send(GATEWAY_IP, dstPort, -1, srcPort, BROADCAST, answer, answer.readerIndex(),
                        answer.readableBytes());
            } finally {
                answer.release();
            }
        }
    }

    @Test
    void serviceHearsAClientWithoutAnAddressAndAnswersByMac() {
        EchoService service = new EchoService();
        stack.udp().registerService(67, service);
        send(ethernet(BROADCAST, GUEST_MAC, 0x0800, ipv4(0, -1, 17, 1, 0, 64, udp(0, -1, 68, 67, "disc".getBytes()))));
        byte[] f = one();
        assertEquals(List.of("0.0.0.0:68>255.255.255.255:67 disc"), service.heard);
        assertEquals(GUEST_MAC, service.lastMac);
        byte[] expected = ethernet(BROADCAST, GATEWAY_MAC, 0x0800, ipv4(GATEWAY_IP, -1, 17, u16(f, 18), 0, 64,
                udp(GATEWAY_IP, -1, 67, 68, "ack:disc".getBytes())));
        assertArrayEquals(expected, f);
        assertTrue(datagrams.sockets().isEmpty());
        assertEquals(1, stack.counters().udpToService);
        assertEquals(1, stack.counters().udpFromService);
    }

    @Test
    void serviceAnswersOnTheGatewayAndNetworkBroadcastOnlyOnItsPort() {
        EchoService service = new EchoService();
        stack.registerUdpService(67, service);
        sendUdp(GATEWAY_IP, 68, 67, "req".getBytes());
        sendUdp(NET.broadcast(), 68, 67, "b".getBytes());
        assertEquals(2, frames().size());
        assertEquals(List.of("10.0.2.100:68>10.0.2.2:67 req", "10.0.2.100:68>10.0.2.255:67 b"), service.heard);
        // Another port on the gateway is relayed to the host as usual; the service's port elsewhere too.
        sendUdp(GATEWAY_IP, 68, 68, "x".getBytes());
        sendUdp(REMOTE, 68, 67, "y".getBytes());
        assertEquals(2, service.heard.size());
        assertEquals(2, datagrams.last().sent.size());
        // Unregistered: relayed again.
        stack.udp().registerService(67, null);
        sendUdp(GATEWAY_IP, 68, 67, "z".getBytes());
        assertEquals(2, service.heard.size());
    }

    @Test
    void serviceRepliesAreCompleteFramesOnAnOffloadingDevice() {
        build(RelayOptions.defaults(), Stack.DeviceFormat.VNET_HDR);
        stack.udp().registerService(67, new EchoService());
        sendUdp(GATEWAY_IP, 68, 67, "req".getBytes());
        stack.flush();
        assertEquals(List.of(-1), sink.gsoSizes(), "sent with sendFrame: the sink adds an all-zero vnet header");
        byte[] f = sink.take().get(0);
        byte[] udp = java.util.Arrays.copyOfRange(f, 34, f.length);
        assertEquals(udpChecksum(GATEWAY_IP, -1, udp), u16(udp, 6));
    }

    @Test
    void offloadTrustsPartialChecksums() {
        build(RelayOptions.defaults(), Stack.DeviceFormat.VNET_HDR);
        // A NEEDS_CSUM datagram: the field holds only the pseudo-header sum, which does not verify.
        byte[] partial = udpFrame(REMOTE, GPORT, 7000, pattern(100));
        int pseudo = ~checksum(java.nio.ByteBuffer.allocate(12).putInt(GUEST_IP).putInt(REMOTE).put((byte) 0)
                .put((byte) 17).putShort((short) 108).array(), 0, 12) & 0xffff;
        partial[40] = (byte) (pseudo >>> 8);
        partial[41] = (byte) pseudo;
        vnetIn = new byte[] {1, 0, 42, 0, 0, 0, 34, 0, 6, 0};
        send(partial);
        assertEquals(1, stack.counters().udpToHost);
        // The same frame without the flag is checked, and fails.
        vnetIn = new byte[10];
        send(partial);
        assertEquals(1, stack.counters().udpBadChecksum);
        assertEquals(1, datagrams.last().sent.size());
    }
}
