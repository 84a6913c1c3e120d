package io.jslirp.tap.e2e;

import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Run inside the guest's namespace ({@code ip netns exec NS java -cp ... FrameInjector tap0 ROUNDS}):
 * writes malformed Ethernet frames out of the TAP through an AF_PACKET socket, so they arrive at the
 * program serving it. Prints "sent N of M".
 *
 * <p>Traffic never leaves the machine, even if the program under test relayed what it could parse:
 * every frame that carries a parseable IPv4 header is addressed to the gateway (10.0.2.2, which maps
 * to host loopback) and carries no TCP SYN, and the random garbage uses a local experimental
 * EtherType (0x88b5) or a broken IPv4 header aimed at 10.0.2.2.
 */
public final class FrameInjector {
    private FrameInjector() {}

    static final byte[] GW_MAC = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    static final byte[] BCAST = {-1, -1, -1, -1, -1, -1};
    static final byte[] GW_IP = {10, 0, 2, 2};
    static final byte[] GUEST_IP = {10, 0, 2, 100};

    public static void main(String[] args) throws Exception {
        String ifname = args.length > 0 ? args[0] : "tap0";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        byte[] mac = NetworkInterface.getByName(ifname).getHardwareAddress();
        List<byte[]> frames = new ArrayList<>();
        Random rnd = new Random(0x5eed); // deterministic: a failure can be replayed
        for (int r = 0; r < rounds; r++) {
            frames.addAll(frames(mac, rnd));
        }
        int[] s = Native.packetSocket(ifname);
        int sent = 0;
        try {
            for (byte[] f : frames) {
                if (Native.sendFrame(s[0], s[1], f) == f.length) {
                    sent++;
                }
            }
        } finally {
            Native.C.close(s[0]);
        }
        System.out.println("sent " + sent + " of " + frames.size());
    }

    static List<byte[]> frames(byte[] mac, Random rnd) {
        List<byte[]> out = new ArrayList<>();
        // Ethernet header alone, and shorter than one (the kernel may refuse the shortest)
        out.add(eth(GW_MAC, mac, 0x0800, new byte[0]));
        out.add(java.util.Arrays.copyOf(eth(GW_MAC, mac, 0x0800, new byte[0]), 13));
        out.add(java.util.Arrays.copyOf(eth(GW_MAC, mac, 0x0806, new byte[0]), 12));
        // IPv4: truncated header, IHL too small, IHL past the end, total length past the end / too small,
        // wrong version, bad checksum, zero-length options
        byte[] ip = ipv4(1, new byte[] {8, 0, 0, 0, 0, 1, 0, 1});
        out.add(eth(GW_MAC, mac, 0x0800, java.util.Arrays.copyOf(ip, 10)));
        out.add(eth(GW_MAC, mac, 0x0800, with(ip, 0, 0x42)));
        out.add(eth(GW_MAC, mac, 0x0800, with(ip, 0, 0x4f)));
        out.add(eth(GW_MAC, mac, 0x0800, with(with(ip, 2, 0xff), 3, 0xff)));
        out.add(eth(GW_MAC, mac, 0x0800, with(with(ip, 2, 0), 3, 4)));
        out.add(eth(GW_MAC, mac, 0x0800, with(ip, 0, 0x65)));
        out.add(eth(GW_MAC, mac, 0x0800, with(ip, 10, 0xde)));
        // ICMP: header cut short; echo request with a bad checksum
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(1, new byte[] {8, 0})));
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(1, new byte[] {8, 0, 0x12, 0x34, 0, 1, 0, 1, 'x'})));
        // UDP to the gateway's discard port: length field larger than the datagram, and smaller than 8
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(17, new byte[] {0, 9, 0, 9, (byte) 0xff, (byte) 0xff, 0, 0, 1, 2})));
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(17, new byte[] {0, 9, 0, 9, 0, 3, 0, 0})));
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(17, new byte[] {0, 9, 0})));
        // TCP (ACK only, never SYN) to the gateway's port 9: data offset past the end, and cut short
        byte[] tcp = new byte[20];
        tcp[1] = 9;
        tcp[3] = 9;
        tcp[12] = (byte) 0xf0;
        tcp[13] = 0x10;
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(6, tcp)));
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(6, java.util.Arrays.copyOf(tcp, 7))));
        tcp[12] = 0x10; // data offset 1 (< 5)
        out.add(eth(GW_MAC, mac, 0x0800, ipv4(6, tcp)));
        // fragments: a lone middle fragment, and one whose offset + length passes 65535
        byte[] frag = ipv4(1, new byte[16]);
        frag[6] = 0x20 | 0x01; // MF, offset 0x100 * 8
        out.add(eth(GW_MAC, mac, 0x0800, frag));
        byte[] frag2 = ipv4(1, new byte[64]);
        frag2[6] = 0x1f;
        frag2[7] = (byte) 0xff;
        out.add(eth(GW_MAC, mac, 0x0800, frag2));
        // ARP: truncated, absurd hardware/protocol lengths, unknown opcode (never claims the guest's IP)
        out.add(eth(BCAST, mac, 0x0806, new byte[] {0, 1, 8, 0, 6}));
        byte[] arp = arpRequest(mac);
        out.add(eth(BCAST, mac, 0x0806, with(with(arp, 4, 0xff), 5, 0xff)));
        out.add(eth(BCAST, mac, 0x0806, with(arp, 7, 9)));
        out.add(eth(BCAST, mac, 0x0806, with(with(arp, 2, 0x86), 3, 0xdd)));
        // IPv6: truncated header; payload length past the end
        out.add(eth(GW_MAC, mac, 0x86dd, new byte[] {0x60, 0, 0, 0, 0}));
        byte[] v6 = new byte[48];
        v6[0] = 0x60;
        v6[4] = (byte) 0xff;
        v6[5] = (byte) 0xff;
        v6[6] = 58;
        v6[7] = (byte) 255;
        out.add(eth(GW_MAC, mac, 0x86dd, v6));
        // VLAN tag with nothing behind it
        out.add(eth(GW_MAC, mac, 0x8100, new byte[] {0, 1}));
        // garbage: random payloads under an experimental EtherType, and random bytes after a broken IPv4
        // header aimed at the gateway (protocol 253, reserved for experiments)
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(1400)];
            rnd.nextBytes(junk);
            out.add(eth(rnd.nextBoolean() ? GW_MAC : BCAST, mac, 0x88b5, junk));
            byte[] body = new byte[rnd.nextInt(200)];
            rnd.nextBytes(body);
            byte[] bad = ipv4(253, body);
            bad[0] = (byte) (0x40 | rnd.nextInt(16));
            bad[2] = (byte) rnd.nextInt(256);
            bad[3] = (byte) rnd.nextInt(256);
            out.add(eth(GW_MAC, mac, 0x0800, bad));
        }
        return out;
    }

    static byte[] eth(byte[] dst, byte[] src, int type, byte[] payload) {
        byte[] f = new byte[14 + payload.length];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) (type >> 8);
        f[13] = (byte) type;
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    /** A 20-byte IPv4 header from the guest to the gateway, with a correct checksum, then payload. */
    static byte[] ipv4(int proto, byte[] payload) {
        byte[] p = new byte[20 + payload.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = (byte) proto;
        System.arraycopy(GUEST_IP, 0, p, 12, 4);
        System.arraycopy(GW_IP, 0, p, 16, 4);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum = ~sum & 0xffff;
        p[10] = (byte) (sum >> 8);
        p[11] = (byte) sum;
        System.arraycopy(payload, 0, p, 20, payload.length);
        return p;
    }

    /** A who-has 10.0.2.2 from the guest's real MAC and IP (so it cannot poison anyone's ARP cache). */
    static byte[] arpRequest(byte[] mac) {
        byte[] a = new byte[28];
        a[1] = 1;
        a[2] = 8;
        a[4] = 6;
        a[5] = 4;
        a[7] = 1;
        System.arraycopy(mac, 0, a, 8, 6);
        System.arraycopy(GUEST_IP, 0, a, 14, 4);
        System.arraycopy(GW_IP, 0, a, 24, 4);
        return a;
    }

    static byte[] with(byte[] b, int i, int v) {
        byte[] c = b.clone();
        c[i] = (byte) v;
        return c;
    }
}
