package io.jslirp.stack.testing;

import io.jslirp.stack.NetConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.ByteBuffer;

/**
 * Builds test frames as byte arrays with its own checksum code (independent of the stack's), and turns
 * them into leak-tracked buffers.
 */
public final class Frames {
    public static final NetConfig NET = NetConfig.defaults();
    public static final long GUEST_MAC = NetConfig.parseMac("02:42:ac:11:00:02");
    public static final int GUEST_IP = NetConfig.parseIpv4("10.0.2.100");
    public static final int GATEWAY_IP = NET.gateway();
    public static final int DNS_IP = NET.dns();
    public static final long GATEWAY_MAC = NET.gatewayMac();
    public static final long DNS_MAC = NET.dnsMac();
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private Frames() {
    }

    /**
     * A leak-tracked pooled buffer (so a missing release fails the test) holding {@code bytes}; pooled
     * direct like production, and because Netty does not track unpooled heap buffers at all.
     */
    public static ByteBuf buf(byte[] bytes) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        b.writeBytes(bytes);
        return b;
    }

    /** Same, from any allocator (e.g. pooled direct, as production uses). */
    public static ByteBuf buf(ByteBufAllocator alloc, byte[] bytes) {
        ByteBuf b = alloc.buffer(bytes.length);
        b.writeBytes(bytes);
        return b;
    }

    public static byte[] ethernet(long dst, long src, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) etherType);
        b.put(payload);
        return b.array();
    }

    public static byte[] pad(byte[] frame, int minLength) {
        if (frame.length >= minLength) {
            return frame;
        }
        byte[] padded = new byte[minLength];
        System.arraycopy(frame, 0, padded, 0, frame.length);
        return padded;
    }

    public static byte[] arp(int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        return b.array();
    }

    /** A guest ARP request, broadcast, for {@code targetIp}. */
    public static byte[] arpRequestFrame(int targetIp) {
        return ethernet(BROADCAST, GUEST_MAC, 0x0806, arp(1, GUEST_MAC, GUEST_IP, 0, targetIp));
    }

    /** An IPv4 header (no options) with a correct checksum, followed by {@code payload}. */
    public static byte[] ipv4(int src, int dst, int protocol, int ident, int flagsAndOffset, int ttl,
                              byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) ident)
                .putShort((short) flagsAndOffset).put((byte) ttl).put((byte) protocol).putShort((short) 0)
                .putInt(src).putInt(dst);
        byte[] out = b.put(payload).array();
        int c = checksum(out, 0, 20);
        out[10] = (byte) (c >>> 8);
        out[11] = (byte) c;
        return out;
    }

    /** ICMP echo request/reply message with a correct checksum. */
    public static byte[] icmpEcho(int type, int id, int seq, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        byte[] out = b.array();
        int c = checksum(out, 0, out.length);
        out[2] = (byte) (c >>> 8);
        out[3] = (byte) c;
        return out;
    }

    /** Deterministic echo data, like ping's pattern but position-dependent so misplacement shows. */
    public static byte[] pattern(int length) {
        byte[] d = new byte[length];
        for (int i = 0; i < length; i++) {
            d[i] = (byte) (i * 7 + (i >>> 8));
        }
        return d;
    }

    /** A complete guest-to-{@code dst} echo request frame. */
    public static byte[] pingFrame(int dst, int id, int seq, byte[] data) {
        long dstMac = NetConfig.slirpMacFor(dst);
        return ethernet(dstMac, GUEST_MAC, 0x0800, ipv4(GUEST_IP, dst, 1, 0x1234, 0, 64, icmpEcho(8, id, seq, data)));
    }

    /**
     * Splits an IPv4 datagram (header without options + payload) into fragment frames carrying at most
     * {@code chunk} payload bytes each (chunk a multiple of 8).
     */
    public static byte[][] fragmentFrames(long dstMac, int src, int dst, int protocol, int ident, byte[] payload,
                                          int chunk) {
        int n = (payload.length + chunk - 1) / chunk;
        byte[][] frames = new byte[n][];
        for (int i = 0; i < n; i++) {
            int off = i * chunk;
            int len = Math.min(chunk, payload.length - off);
            byte[] part = new byte[len];
            System.arraycopy(payload, off, part, 0, len);
            int flags = (i < n - 1 ? 0x2000 : 0) | (off / 8);
            frames[i] = ethernet(dstMac, GUEST_MAC, 0x0800, ipv4(src, dst, protocol, ident, flags, 64, part));
        }
        return frames;
    }

    /** One fragment frame with an explicit byte offset and MF flag. */
    public static byte[] fragmentFrame(int ident, int offsetBytes, boolean more, byte[] data) {
        int flags = (more ? 0x2000 : 0) | (offsetBytes / 8);
        return ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, GATEWAY_IP, 1, ident, flags, 64, data));
    }

    /**
     * A TCP segment (header, options padded to a multiple of four, payload) with its checksum over the
     * IPv4 pseudo-header, computed here independently of the stack.
     */
    public static byte[] tcp(int src, int dst, int srcPort, int dstPort, int seq, int ack, int flags, int window,
                             byte[] options, byte[] payload) {
        int optLen = (options.length + 3) & ~3;
        int hl = 20 + optLen;
        ByteBuffer b = ByteBuffer.allocate(hl + payload.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack)
                .putShort((short) (((hl / 4) << 12) | flags)).putShort((short) window).putInt(0);
        b.put(options);
        for (int i = options.length; i < optLen; i++) {
            b.put((byte) 0);
        }
        b.put(payload);
        byte[] seg = b.array();
        ByteBuffer pseudo = ByteBuffer.allocate(12 + seg.length);
        pseudo.putInt(src).putInt(dst).put((byte) 0).put((byte) 6).putShort((short) seg.length).put(seg);
        int c = checksum(pseudo.array(), 0, pseudo.capacity());
        seg[16] = (byte) (c >>> 8);
        seg[17] = (byte) c;
        return seg;
    }

    /** A guest-to-{@code dst} TCP frame, sent to the gateway's MAC as the guest's router. */
    public static byte[] tcpFrame(int dst, int srcPort, int dstPort, int seq, int ack, int flags, int window,
                                  byte[] options, byte[] payload) {
        return ethernet(GATEWAY_MAC, GUEST_MAC, 0x0800, ipv4(GUEST_IP, dst, 6, 0x4321, 0x4000, 64,
                tcp(GUEST_IP, dst, srcPort, dstPort, seq, ack, flags, window, options, payload)));
    }

    /** A UDP datagram (header + payload) with its checksum over the IPv4 pseudo-header, computed here. */
    public static byte[] udp(int src, int dst, int srcPort, int dstPort, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        byte[] d = b.array();
        int c = udpChecksum(src, dst, d);
        c = c == 0 ? 0xffff : c;
        d[6] = (byte) (c >>> 8);
        d[7] = (byte) c;
        return d;
    }

    /** The UDP checksum of {@code datagram} (its checksum field taken as zero). */
    public static int udpChecksum(int src, int dst, byte[] datagram) {
        byte[] copy = datagram.clone();
        copy[6] = 0;
        copy[7] = 0;
        ByteBuffer pseudo = ByteBuffer.allocate(12 + copy.length);
        pseudo.putInt(src).putInt(dst).put((byte) 0).put((byte) 17).putShort((short) copy.length).put(copy);
        return checksum(pseudo.array(), 0, pseudo.capacity());
    }

    /** A guest UDP frame to {@code dst}, sent to the MAC the guest would use (DNS's own, else the gateway's). */
    public static byte[] udpFrame(int dst, int srcPort, int dstPort, byte[] payload) {
        long dstMac = dst == DNS_IP ? DNS_MAC : GATEWAY_MAC;
        return ethernet(dstMac, GUEST_MAC, 0x0800, ipv4(GUEST_IP, dst, 17, 0x5555, 0, 64,
                udp(GUEST_IP, dst, srcPort, dstPort, payload)));
    }

    /** RFC 1071 checksum, the textbook way (16-bit words, int accumulator, fold at the end). */
    public static int checksum(byte[] data, int off, int len) {
        int sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((data[off + i] & 0xff) << 8) | (data[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (data[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    public static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32));
        b.putInt((int) mac);
    }

    public static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    public static int u32(byte[] b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }

    public static long mac(byte[] b, int at) {
        return ((long) u16(b, at) << 32) | (u32(b, at + 2) & 0xffff_ffffL);
    }

    public static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }
}
