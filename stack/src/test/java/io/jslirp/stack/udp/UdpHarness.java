package io.jslirp.stack.udp;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.StackHarness;

import static io.jslirp.stack.testing.Frames.*;

/** {@link StackHarness} with the UDP tests' datagrams and the frames the stack must send for them. */
abstract class UdpHarness extends StackHarness {
    static final int LOOPBACK = RelayOptions.LOOPBACK;
    static final int GPORT = 40000;

    void sendUdp(int dst, int srcPort, int dstPort, byte[] payload) {
        send(udpFrame(dst, srcPort, dstPort, payload));
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
