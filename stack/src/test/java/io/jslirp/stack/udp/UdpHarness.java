package io.jslirp.stack.udp;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.FakeHostDatagrams;
import io.jslirp.stack.testing.FakeHostSockets;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A stack with in-memory host sockets and datagrams, a capturing sink and a hand-stepped clock. */
@ExtendWith(LeakCheckExtension.class)
abstract class UdpHarness {
    static final int REMOTE = NetConfig.parseIpv4("192.0.2.10");
    static final int ROUTER = NetConfig.parseIpv4("198.51.100.1");
    static final int LOOPBACK = RelayOptions.LOOPBACK;
    static final int GPORT = 40000;

    final FakeClock clock = new FakeClock();
    final CapturingSink sink = new CapturingSink();
    final FakeHostSockets host = new FakeHostSockets();
    final FakeHostDatagrams datagrams = new FakeHostDatagrams();
    Stack stack;
    byte[] vnetIn;

    UdpHarness() {
        build(RelayOptions.defaults());
    }

    void build(RelayOptions options) {
        build(options, Stack.DeviceFormat.ETHERNET);
    }

    void build(RelayOptions options, Stack.DeviceFormat format) {
        if (stack != null) {
            stack.close();
        }
        vnetIn = format == Stack.DeviceFormat.VNET_HDR ? new byte[10] : null;
        stack = new Stack(NET, clock, sink, PooledByteBufAllocator.DEFAULT, host, options, format);
        stack.setHostDatagrams(datagrams);
    }

    @AfterEach
    void closeStack() {
        stack.close();
        for (FakeHostDatagrams.Sock s : datagrams.sockets()) {
            assertTrue(s.closed, "stack.close() must close datagram handle " + s.handle);
        }
        for (FakeHostSockets.Sock s : host.sockets()) {
            assertTrue(s.released(), "stack.close() must release handle " + s.handle);
        }
        assertEquals(0, stack.counters().internalErrors);
    }

    void send(byte[] frame) {
        if (vnetIn != null) {
            byte[] withHeader = new byte[vnetIn.length + frame.length];
            System.arraycopy(vnetIn, 0, withHeader, 0, vnetIn.length);
            System.arraycopy(frame, 0, withHeader, vnetIn.length, frame.length);
            frame = withHeader;
        }
        stack.receiveFrame(Frames.buf(frame));
    }

    void sendUdp(int dst, int srcPort, int dstPort, byte[] payload) {
        send(udpFrame(dst, srcPort, dstPort, payload));
    }

    List<byte[]> frames() {
        stack.flush();
        return sink.take();
    }

    byte[] one() {
        List<byte[]> out = frames();
        if (out.size() != 1) {
            fail("expected one frame, got " + out.size());
        }
        return out.get(0);
    }

    void nothing() {
        List<byte[]> out = frames();
        if (!out.isEmpty()) {
            fail("expected nothing, got " + out.size() + " frame(s), first " + hex(out.get(0)));
        }
    }

    /** The frame the stack must send for a UDP datagram toward the guest (IPv4 identification taken from it). */
    static byte[] expectedUdp(byte[] actual, int from, int fromPort, int toPort, byte[] payload) {
        long ourMac = NetConfig.slirpMacFor(from == DNS_IP ? DNS_IP : GATEWAY_IP);
        return ethernet(GUEST_MAC, ourMac, 0x0800, ipv4(from, GUEST_IP, 17, u16(actual, 14 + 4), 0, 64,
                udp(from, GUEST_IP, fromPort, toPort, payload)));
    }

    /** The ICMP error the stack must send, quoting an option-less header and the UDP header. */
    static byte[] expectedIcmpError(byte[] actual, int from, int type, int code, int quotedDst, int srcPort,
                                    int dstPort, int udpLength) {
        java.nio.ByteBuffer q = java.nio.ByteBuffer.allocate(8 + 28);
        q.put((byte) type).put((byte) code).putShort((short) 0).putInt(0);
        byte[] inner = ipv4(GUEST_IP, quotedDst, 17, 0, 0, 64, new byte[0]);
        // ipv4() sets total length to 20; the quote carries the original datagram's.
        inner[2] = (byte) ((20 + udpLength) >>> 8);
        inner[3] = (byte) (20 + udpLength);
        inner[10] = 0;
        inner[11] = 0;
        int c = checksum(inner, 0, 20);
        inner[10] = (byte) (c >>> 8);
        inner[11] = (byte) c;
        q.put(inner).putShort((short) srcPort).putShort((short) dstPort).putShort((short) udpLength).putShort((short) 0);
        byte[] icmp = q.array();
        int ic = checksum(icmp, 0, icmp.length);
        icmp[2] = (byte) (ic >>> 8);
        icmp[3] = (byte) ic;
        long ourMac = NetConfig.slirpMacFor(from == DNS_IP ? DNS_IP : GATEWAY_IP);
        return ethernet(GUEST_MAC, ourMac, 0x0800, ipv4(from, GUEST_IP, 1, u16(actual, 14 + 4), 0, 64, icmp));
    }
}
