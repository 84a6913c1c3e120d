package io.jslirp.stack.tcp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * A TCP segment as a test states it: ports, seq, ack, flags, window, options by meaning, payload. Built with
 * fluent setters; compared field by field so a failure names exactly what differs.
 */
final class Seg {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    int srcPort;
    int dstPort;
    int seq;
    int ack;
    int flags;
    int window;
    int mss = -1;
    int ws = -1;
    boolean sackOk;
    boolean ts;
    int tsVal;
    int tsEcr;
    int[] sack = new int[0];
    byte[] payload = new byte[0];

    static Seg of(int flags) {
        Seg s = new Seg();
        s.flags = flags;
        return s;
    }

    Seg ports(int src, int dst) {
        srcPort = src;
        dstPort = dst;
        return this;
    }

    Seg seq(int v) {
        seq = v;
        return this;
    }

    Seg ack(int v) {
        ack = v;
        return this;
    }

    Seg win(int v) {
        window = v;
        return this;
    }

    Seg mss(int v) {
        mss = v;
        return this;
    }

    Seg ws(int v) {
        ws = v;
        return this;
    }

    Seg sackOk() {
        sackOk = true;
        return this;
    }

    Seg ts(int val, int ecr) {
        ts = true;
        tsVal = val;
        tsEcr = ecr;
        return this;
    }

    Seg sack(int... edges) {
        sack = edges;
        return this;
    }

    Seg flags(int f) {
        flags = f;
        return this;
    }

    Seg data(byte[] d) {
        payload = d;
        return this;
    }

    /** Options in Linux's SYN order: MSS, SACK-permitted, timestamps, NOP, window scale; SACK blocks. */
    byte[] optionBytes() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (mss >= 0) {
            o.write(2);
            o.write(4);
            o.write(mss >>> 8);
            o.write(mss);
        }
        if (sackOk) {
            o.write(4);
            o.write(2);
        }
        if (ts) {
            if (!sackOk) {
                o.write(1);
                o.write(1);
            }
            o.write(8);
            o.write(10);
            writeInt(o, tsVal);
            writeInt(o, tsEcr);
        }
        if (ws >= 0) {
            o.write(1);
            o.write(3);
            o.write(3);
            o.write(ws);
        }
        if (sack.length > 0) {
            o.write(1);
            o.write(1);
            o.write(5);
            o.write(2 + 4 * sack.length);
            for (int e : sack) {
                writeInt(o, e);
            }
        }
        return o.toByteArray();
    }

    private static void writeInt(ByteArrayOutputStream o, int v) {
        o.write(v >>> 24);
        o.write(v >>> 16);
        o.write(v >>> 8);
        o.write(v);
    }

    /** Parses a TCP segment (no checksum check: the harness verifies that separately). */
    static Seg parse(byte[] b, int at, int len) {
        Seg s = new Seg();
        s.srcPort = u16(b, at);
        s.dstPort = u16(b, at + 2);
        s.seq = u32(b, at + 4);
        s.ack = u32(b, at + 8);
        int hl = ((b[at + 12] & 0xff) >>> 4) * 4;
        s.flags = b[at + 13] & 0xff;
        s.window = u16(b, at + 14);
        int i = at + 20;
        int end = at + hl;
        while (i < end) {
            int kind = b[i] & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            int l = b[i + 1] & 0xff;
            switch (kind) {
                case 2:
                    s.mss = u16(b, i + 2);
                    break;
                case 3:
                    s.ws = b[i + 2] & 0xff;
                    break;
                case 4:
                    s.sackOk = true;
                    break;
                case 5:
                    s.sack = new int[(l - 2) / 4];
                    for (int k = 0; k < s.sack.length; k++) {
                        s.sack[k] = u32(b, i + 2 + 4 * k);
                    }
                    break;
                case 8:
                    s.ts = true;
                    s.tsVal = u32(b, i + 2);
                    s.tsEcr = u32(b, i + 6);
                    break;
                default:
                    throw new AssertionError("unexpected option " + kind);
            }
            i += l;
        }
        s.payload = Arrays.copyOfRange(b, at + hl, at + len);
        return s;
    }

    static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    static int u32(byte[] b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Seg)) {
            return false;
        }
        Seg s = (Seg) o;
        return srcPort == s.srcPort && dstPort == s.dstPort && seq == s.seq && ack == s.ack && flags == s.flags
                && window == s.window && mss == s.mss && ws == s.ws && sackOk == s.sackOk && ts == s.ts
                && tsVal == s.tsVal && tsEcr == s.tsEcr && Arrays.equals(sack, s.sack)
                && Arrays.equals(payload, s.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, ack, flags);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(srcPort).append("->").append(dstPort).append(' ');
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK"};
        for (int k = 0; k < names.length; k++) {
            if ((flags & (1 << k)) != 0) {
                sb.append(names[k]).append(' ');
            }
        }
        sb.append("seq=").append(Integer.toUnsignedString(seq)).append(" ack=").append(Integer.toUnsignedString(ack))
                .append(" win=").append(window);
        if (mss >= 0) {
            sb.append(" mss=").append(mss);
        }
        if (ws >= 0) {
            sb.append(" ws=").append(ws);
        }
        if (sackOk) {
            sb.append(" sackOk");
        }
        if (ts) {
            sb.append(" ts=").append(Integer.toUnsignedString(tsVal)).append('/').append(Integer.toUnsignedString(tsEcr));
        }
        if (sack.length > 0) {
            sb.append(" sack=");
            for (int e : sack) {
                sb.append(Integer.toUnsignedString(e)).append(',');
            }
        }
        sb.append(" len=").append(payload.length);
        return sb.toString();
    }
}
