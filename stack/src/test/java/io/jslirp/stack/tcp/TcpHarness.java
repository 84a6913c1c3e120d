package io.jslirp.stack.tcp;

import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.FakeHostSockets;
import io.jslirp.stack.testing.StackHarness;

import java.util.ArrayList;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * smoltcp-style harness: {@link #send} one guest segment, {@link #recv} exactly the one segment the stack
 * emits (checked at the Ethernet, IPv4 and TCP checksum level), or {@link #recvNothing}. Host sockets are
 * {@link FakeHostSockets}, time is a {@link FakeClock}, and our ISN is fixed so segments can be stated exactly.
 */
abstract class TcpHarness extends StackHarness {
    static final int RPORT = 80;
    static final int GPORT = 40000;
    static final int GUEST_ISN = 1000;
    static final int OUR_ISN = 50_000_000;
    /** 4 MiB >> 7: our window field once scaling is agreed. */
    static final int WIN = TcpConnection.RCV_BUFFER >>> TcpConnection.RCV_SHIFT;
    static final int MSS = 1460;

    static int NET_parse(String s) {
        return io.jslirp.stack.NetConfig.parseIpv4(s);
    }

    /** Our ISN, fixed so that segments can be stated exactly; a test may change it before a handshake. */
    int ourIsn = OUR_ISN;

    @Override
    protected void build(RelayOptions options, Stack.DeviceFormat format) {
        super.build(options, format);
        // Read when a connection starts, so the field's initializer (after this first call) still counts.
        stack.tcp().setIsnGenerator((gh, gl, gp, rh, rl, rp) -> ourIsn);
    }

    // ---- sending

    void send(Seg s) {
        sendTo(REMOTE, s);
    }

    void sendTo(int dst, Seg s) {
        if (s.srcPort == 0 && s.dstPort == 0) {
            s.ports(GPORT, RPORT);
        }
        send(tcpFrame(dst, s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.window, s.optionBytes(), s.payload));
    }

    // ---- receiving

    /** Exactly one TCP segment from {@code from}, validated down to both checksums. */
    Seg recvFrom(int from) {
        List<byte[]> out = frames();
        if (out.size() != 1) {
            fail("expected one segment, got " + describe(out));
        }
        return decode(out.get(0), from);
    }

    Seg recv() {
        return recvFrom(REMOTE);
    }

    void recv(Seg expected) {
        if (expected.srcPort == 0 && expected.dstPort == 0) {
            expected.ports(RPORT, GPORT);
        }
        assertEquals(expected, recv());
    }

    /** Several segments in order. */
    List<Seg> recvAll() {
        List<Seg> segs = new ArrayList<>();
        for (byte[] f : frames()) {
            segs.add(decode(f, REMOTE));
        }
        return segs;
    }

    void recvNothing() {
        List<byte[]> out = frames();
        if (!out.isEmpty()) {
            fail("expected nothing, got " + describe(out));
        }
    }

    static Seg decode(byte[] f, int from) {
        assertEquals(GUEST_MAC, mac(f, 0), "to the guest's MAC");
        long ourMac = io.jslirp.stack.NetConfig.slirpMacFor(from == DNS_IP ? DNS_IP : GATEWAY_IP);
        assertEquals(ourMac, mac(f, 6), "from our MAC");
        assertEquals(0x0800, u16(f, 12));
        assertEquals(0, checksum(f, 14, 20), "IPv4 header checksum");
        assertEquals(6, f[14 + 9] & 0xff, "protocol TCP");
        assertEquals(from, u32(f, 14 + 12));
        assertEquals(GUEST_IP, u32(f, 14 + 16));
        int total = u16(f, 14 + 2);
        assertEquals(f.length - 14, total, "IPv4 total length");
        int tcpLen = total - 20;
        byte[] pseudo = new byte[12 + tcpLen];
        System.arraycopy(f, 14 + 12, pseudo, 0, 8);
        pseudo[9] = 6;
        pseudo[10] = (byte) (tcpLen >>> 8);
        pseudo[11] = (byte) tcpLen;
        System.arraycopy(f, 34, pseudo, 12, tcpLen);
        assertEquals(0, checksum(pseudo, 0, pseudo.length), "TCP checksum");
        return Seg.parse(f, 34, tcpLen);
    }

    static String describe(List<byte[]> frames) {
        StringBuilder sb = new StringBuilder("[");
        for (byte[] f : frames) {
            if (f.length > 34 && (f[23] & 0xff) == 6) {
                sb.append(Seg.parse(f, 34, u16(f, 16) - 20)).append("; ");
            } else {
                sb.append(hex(f)).append("; ");
            }
        }
        return sb.append(']').toString();
    }

    // ---- scripted setups

    int tsNow() {
        return (int) (clock.nanoTime() / 1_000_000L);
    }

    /** Guest SYN with Linux's options (MSS 1460, SACK, timestamps, WS 7), host accepts, handshake done. */
    FakeHostSockets.Sock establish() {
        return establish(Seg.of(Seg.SYN).seq(GUEST_ISN).win(64240).mss(MSS).ws(7).sackOk().ts(100, 0));
    }

    FakeHostSockets.Sock establish(Seg syn) {
        send(syn);
        recvNothing();
        FakeHostSockets.Sock s = host.last();
        host.settleConnect(s, 0);
        Seg synAck = recv();
        assertEquals(Seg.SYN | Seg.ACK, synAck.flags);
        Seg ack = Seg.of(Seg.ACK).seq(GUEST_ISN + 1).ack(ourIsn + 1).win(syn.ws >= 0 ? 502 : 64240);
        if (syn.ts) {
            ack.ts(syn.tsVal + 1, synAck.tsVal);
        }
        send(ack);
        recvNothing();
        return s;
    }

    /** A guest ACK in an established connection with Linux options (timestamps). */
    Seg gack(int seq, int ack, int win) {
        return Seg.of(Seg.ACK).seq(seq).ack(ack).win(win).ts(200, tsNow());
    }

    /** What our ACK looks like in an established connection with timestamps. */
    Seg ourAck(int seq, int ack) {
        return Seg.of(Seg.ACK).seq(seq).ack(ack).win(WIN).ts(tsNow(), 200);
    }
}
