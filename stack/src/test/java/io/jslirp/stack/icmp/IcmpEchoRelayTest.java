package io.jslirp.stack.icmp;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4EchoReplyPacket;

import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpEchoRelayTest extends StackHarness {
    byte[] ping(int dst, int id, int seq, byte[] data) {
        return ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, dst, 1, 0x1234, 0, 64, icmpEcho(8, id, seq, data)));
    }

    @Test
    void echoIsRelayedAndTheReplyCarriesTheGuestsIdentifier() throws Exception {
        byte[] data = pattern(56);
        send(ping(REMOTE, 0x4242, 1, data));
        assertTrue(sink.take().isEmpty());
        FakeHostDatagrams.Sock s = datagrams.last();
        assertTrue(s.ping);
        assertEquals(REMOTE, s.lastSent().dstAddr);
        assertArrayEquals(icmpEcho(8, 0x4242, 1, data), s.lastSent().data);

        // The host socket's identifier is its own (0x9999); the guest must see 0x4242 with a valid checksum.
        datagrams.deliver(s, REMOTE, 0, icmpEcho(0, 0x9999, 1, data));
        List<byte[]> out = sink.take();
        assertEquals(1, out.size());
        byte[] f = out.get(0);
        byte[] expected = ethernet(GUEST_MAC, GATEWAY_MAC, 0x0800, ipv4(REMOTE, GUEST_IP, 1, u16(f, 18), 0, 64,
                icmpEcho(0, 0x4242, 1, data)));
        assertArrayEquals(expected, f);
        IcmpV4EchoReplyPacket reply = EthernetPacket.newPacket(f, 0, f.length).get(IcmpV4EchoReplyPacket.class);
        assertEquals((short) 0x4242, reply.getHeader().getIdentifier());
        assertTrue(EthernetPacket.newPacket(f, 0, f.length).get(IcmpV4CommonPacket.class).hasValidChecksum(false));
        assertEquals(1, stack.counters().icmpEchoRelayed);
        assertEquals(1, stack.counters().icmpEchoRepliesRelayed);
    }

    @Test
    void oneSocketPerIdentifierAndDestinationExpiringWhenIdle() {
        send(ping(REMOTE, 1, 1, new byte[8]));
        send(ping(REMOTE, 1, 2, new byte[8]));
        send(ping(REMOTE, 2, 1, new byte[8]));
        send(ping(ROUTER, 1, 1, new byte[8]));
        assertEquals(3, datagrams.sockets().size());
        assertEquals(3, stack.activePingFlows());
        clock.advanceSeconds(29);
        send(ping(REMOTE, 1, 3, new byte[8]));
        clock.advanceSeconds(1);
        stack.runTimers();
        assertEquals(1, stack.activePingFlows());
        assertFalse(datagrams.sockets().get(0).closed);
        clock.advanceSeconds(30);
        stack.runTimers();
        assertEquals(0, stack.activePingFlows());
        assertEquals(3, stack.counters().icmpEchoFlowsExpired);
    }

    @Test
    void ourOwnAddressesAreStillAnsweredLocally() {
        send(ping(GATEWAY_IP, 7, 1, new byte[8]));
        send(ethernet(DNS_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, DNS_IP, 1, 1, 0, 64, icmpEcho(8, 7, 1, new byte[8]))));
        assertEquals(2, sink.take().size());
        assertTrue(datagrams.sockets().isEmpty());
    }

    @Test
    void noPingSocketIsReportedAndDropped() {
        datagrams.failOpenPing = HostSockets.EACCES;
        assertFalse(stack.pingUnavailable());
        send(ping(REMOTE, 1, 1, new byte[8]));
        send(ping(REMOTE, 1, 2, new byte[8]));
        assertTrue(sink.take().isEmpty());
        assertTrue(stack.pingUnavailable());
        assertEquals(2, stack.counters().icmpEchoNoSocket);
    }

    @Test
    void errorsForEchoArePassedOnQuotingTheRequest() {
        send(ping(REMOTE, 0x4242, 9, new byte[8]));
        FakeHostDatagrams.Sock s = datagrams.last();
        datagrams.icmpError(s, HostSockets.EHOSTUNREACH, 3, 1, ROUTER, REMOTE, 0);
        List<byte[]> out = sink.take();
        assertEquals(1, out.size());
        byte[] f = out.get(0);
        assertEquals(ROUTER, u32(f, 26));
        assertEquals(0, checksum(f, 34, f.length - 34));
        assertEquals(3, f[34] & 0xff);
        assertEquals(1, f[35] & 0xff);
        // Quoted: guest -> REMOTE, ICMP, then type 8, id, seq.
        assertEquals(GUEST_IP, u32(f, 42 + 12));
        assertEquals(REMOTE, u32(f, 42 + 16));
        assertEquals(1, f[42 + 9] & 0xff);
        assertEquals(8, f[62] & 0xff);
        assertEquals(0x4242, u16(f, 66));
        assertEquals(9, u16(f, 68));
    }

    @Test
    void errorsFromAnAddressTheGuestMustNotSeeComeFromTheGateway() {
        // RFC 1812 4.3.2.4, RFC 1122 3.2.2: an ICMP error never has a broadcast or multicast source; the host's
        // loopback and addresses inside the virtual network would mislead the guest. All appear as network+2.
        send(ping(REMOTE, 0x4242, 9, new byte[8]));
        FakeHostDatagrams.Sock s = datagrams.last();
        String[] offenders = {"224.0.0.5", "239.1.2.3", "240.0.0.1", "255.255.255.255", "127.0.0.1", "127.0.0.2",
                "10.0.2.9"};
        for (String offender : offenders) {
            datagrams.icmpError(s, HostSockets.EHOSTUNREACH, 3, 1, NetConfig.parseIpv4(offender), REMOTE, 0);
            List<byte[]> out = sink.take();
            assertEquals(1, out.size(), offender);
            byte[] f = out.get(0);
            assertEquals(GATEWAY_IP, u32(f, 26), offender);
            assertEquals(GATEWAY_MAC, mac(f, 6), offender);
            assertEquals(0, checksum(f, 34, f.length - 34), offender);
            assertEquals(REMOTE, u32(f, 42 + 16), offender);
        }
        // No offender (the host's own socket-level error): from the pinged address.
        datagrams.icmpError(s, HostSockets.EHOSTUNREACH, 3, 1, 0, REMOTE, 0);
        assertEquals(REMOTE, u32(sink.take().get(0), 26));
        assertEquals(offenders.length + 1, stack.counters().icmpErrorsToGuest);
    }

    @Test
    void broadcastAndLocalNetworkPingsAreDropped() {
        send(ping(NET.broadcast(), 1, 1, new byte[8]));
        send(ping(NetConfig.parseIpv4("10.0.2.9"), 1, 1, new byte[8]));
        send(ping(NetConfig.parseIpv4("224.0.0.1"), 1, 1, new byte[8]));
        assertTrue(sink.take().isEmpty());
        assertEquals(3, stack.counters().icmpBadDestination);
        assertTrue(datagrams.sockets().isEmpty());
    }

    @Test
    void theTableIsBounded() {
        build(RelayOptions.defaults().withMaxFlows(2));
        for (int id = 0; id < 5; id++) {
            send(ping(REMOTE, id, 1, new byte[8]));
        }
        assertEquals(2, stack.activePingFlows());
        assertEquals(2, datagrams.open());
        assertEquals(3, stack.counters().icmpEchoFlowsEvicted);
    }
}
