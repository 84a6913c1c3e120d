package io.jslirp.tap.e2e;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The UDP and DNS commands of {@link GuestTool}, run inside the guest (JDK only, every wait bounded);
 * GuestTool's {@code main} dispatches here. What each prints is listed in GuestTool's class comment.
 */
final class GuestUdp {
    private GuestUdp() {}

    private static String classify(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (e instanceof PortUnreachableException || m.contains("refused")) {
            return "refused";
        }
        // EHOSTUNREACH reads "No route to host": an ICMP unreachable all the same.
        return m.contains("unreachable") || m.contains("No route to host") ? "unreachable" : "error";
    }

    static void one(String host, int port, String text) throws IOException {
        InetSocketAddress to = new InetSocketAddress(host, port);
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(3000);
            byte[] buf = new byte[65536];
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    s.send(new DatagramPacket(msg, msg.length, to));
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    System.out.println("reply=" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)
                            + " from=" + p.getAddress().getHostAddress() + ":" + p.getPort());
                    return;
                } catch (SocketTimeoutException e) {
                    // lost, or nothing answers: try again
                } catch (IOException e) {
                    System.out.println(classify(e) + " " + e);
                    System.exit(1);
                }
            }
            System.out.println("timeout");
            System.exit(1);
        }
    }

    static void refused(String host, int port) {
        long t0 = System.nanoTime();
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(host, port));
            s.setSoTimeout(1000);
            byte[] buf = new byte[2048];
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    s.send(new DatagramPacket(new byte[] {'p', 'i', 'n', 'g'}, 4));
                    s.receive(new DatagramPacket(buf, buf.length));
                    System.out.println("reply " + ms(t0));
                    return;
                } catch (SocketTimeoutException e) {
                    // nothing yet: send again
                } catch (IOException e) {
                    System.out.println(classify(e) + " " + ms(t0) + " " + e);
                    return;
                }
            }
            System.out.println("timeout " + ms(t0));
        } catch (IOException e) {
            System.out.println(classify(e) + " " + ms(t0) + " " + e);
        }
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Seeded bytes: datagram {@code seq}'s payload, its sequence number in the first 4 bytes. */
    static byte[] payload(int seq, int size) {
        byte[] p = new byte[size];
        long x = 0x9E3779B97F4A7C15L * (seq + 1);
        for (int k = 0; k < size; k++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            p[k] = (byte) (x >>> 56);
        }
        if (size >= 4) {
            ByteBuffer.wrap(p).putInt(seq);
        }
        return p;
    }

    static int sizeOf(int seq) {
        return 60 + (int) ((seq * 2654435761L) % 1201);
    }

    static void big(String host, int port, int size) throws IOException {
        InetSocketAddress to = new InetSocketAddress(host, port);
        byte[] msg = payload(0x5EED, size);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            s.setReceiveBufferSize(1 << 20);
            s.setSendBufferSize(1 << 20);
            byte[] buf = new byte[65536];
            for (int attempt = 1; attempt <= 3; attempt++) {
                s.send(new DatagramPacket(msg, msg.length, to));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                byte[] got = Arrays.copyOf(p.getData(), p.getLength());
                if (!p.getSocketAddress().equals(to)) {
                    System.out.println("failed reply from " + p.getSocketAddress());
                    System.exit(1);
                }
                if (!Arrays.equals(got, msg)) {
                    System.out.println("failed mismatch: sent " + size + " got " + got.length + " bytes, first difference at "
                            + Arrays.mismatch(got, msg));
                    System.exit(1);
                }
                System.out.println("ok " + size + " tries=" + attempt);
                return;
            }
            System.out.println("failed timeout after 3 tries");
            System.exit(1);
        }
    }

    static void echo(String host, int port, int n, int window, int seconds) throws IOException {
        InetSocketAddress to = new InetSocketAddress(host, port);
        long t0 = System.nanoTime();
        long deadline = t0 + seconds * 1_000_000_000L;
        long[] sentAt = new long[n];
        int[] tries = new int[n];
        boolean[] done = new boolean[n];
        int next = 0;
        int completed = 0;
        int outstanding = 0;
        int retries = 0;
        int duplicates = 0;
        int oldest = 0; // every seq below this is done
        byte[] buf = new byte[65536];
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(50);
            s.setReceiveBufferSize(4 << 20);
            s.setSendBufferSize(4 << 20);
            while (completed < n) {
                long now = System.nanoTime();
                if (now > deadline) {
                    System.out.println("failed timeout: " + completed + " of " + n + " answered, retries=" + retries);
                    System.exit(1);
                }
                while (outstanding < window && next < n) {
                    byte[] m = payload(next, sizeOf(next));
                    s.send(new DatagramPacket(m, m.length, to));
                    sentAt[next] = System.nanoTime();
                    tries[next] = 1;
                    next++;
                    outstanding++;
                }
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                    if (!p.getSocketAddress().equals(to)) {
                        System.out.println("failed reply from " + p.getSocketAddress() + ", expected " + to);
                        System.exit(1);
                    }
                    if (p.getLength() < 4) {
                        System.out.println("failed runt reply of " + p.getLength() + " bytes");
                        System.exit(1);
                    }
                    int seq = ByteBuffer.wrap(p.getData(), 0, 4).getInt();
                    if (seq < 0 || seq >= next) {
                        System.out.println("failed reply for unsent seq " + seq);
                        System.exit(1);
                    }
                    byte[] got = Arrays.copyOf(p.getData(), p.getLength());
                    if (!Arrays.equals(got, payload(seq, sizeOf(seq)))) {
                        System.out.println("failed corrupt reply for seq " + seq + " (" + got.length + " bytes, expected "
                                + sizeOf(seq) + ")");
                        System.exit(1);
                    }
                    if (done[seq]) {
                        duplicates++;
                    } else {
                        done[seq] = true;
                        completed++;
                        outstanding--;
                    }
                } catch (SocketTimeoutException e) {
                    // fall through to the resend scan
                } catch (IOException e) {
                    System.out.println("failed " + classify(e) + " " + e + " after " + completed);
                    System.exit(1);
                }
                while (oldest < next && done[oldest]) {
                    oldest++;
                }
                long stale = System.nanoTime() - 300_000_000L;
                for (int i = oldest; i < next; i++) {
                    if (!done[i] && sentAt[i] < stale) {
                        if (tries[i] >= 6) {
                            System.out.println("failed seq " + i + " unanswered after " + tries[i] + " sends");
                            System.exit(1);
                        }
                        byte[] m = payload(i, sizeOf(i));
                        s.send(new DatagramPacket(m, m.length, to));
                        sentAt[i] = System.nanoTime();
                        tries[i]++;
                        retries++;
                    }
                }
            }
        }
        System.out.println("ok " + n + " retries=" + retries + " duplicates=" + duplicates + " ms=" + ms(t0));
    }

    static void serve(String addr, int port, int seconds) throws IOException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(addr, port))) {
            s.setSoTimeout(200);
            System.out.println("listening");
            System.out.flush();
            byte[] buf = new byte[65536];
            while (System.nanoTime() < deadline) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                byte[] r = (new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8) + " peer="
                        + p.getAddress().getHostAddress()).getBytes(StandardCharsets.UTF_8);
                s.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
            }
        }
    }

    // ---- DNS -----------------------------------------------------------------------------------------

    static byte[] query(int id, String name) {
        List<Byte> b = new ArrayList<>();
        int[] head = {id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
        for (int h : head) {
            b.add((byte) h);
        }
        for (String label : name.split("\\.")) {
            b.add((byte) label.length());
            for (byte c : label.getBytes(StandardCharsets.US_ASCII)) {
                b.add(c);
            }
        }
        for (int t : new int[] {0, 0, 1, 0, 1}) {
            b.add((byte) t);
        }
        byte[] r = new byte[b.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = b.get(i);
        }
        return r;
    }

    /** "rcode=N answers=A,B id-ok=BOOL" for a reply to a query with {@code id}. */
    static String describe(byte[] m, int len, int id) {
        if (len < 12) {
            return "error short reply " + len;
        }
        ByteBuffer bb = ByteBuffer.wrap(m, 0, len);
        int rid = bb.getShort(0) & 0xffff;
        int flags = bb.getShort(2) & 0xffff;
        int qd = bb.getShort(4) & 0xffff;
        int an = bb.getShort(6) & 0xffff;
        int pos = 12;
        for (int q = 0; q < qd; q++) {
            pos = skipName(m, pos, len) + 4;
        }
        List<String> answers = new ArrayList<>();
        for (int a = 0; a < an && pos < len; a++) {
            pos = skipName(m, pos, len);
            int type = bb.getShort(pos) & 0xffff;
            int rdlen = bb.getShort(pos + 8) & 0xffff;
            pos += 10;
            if (type == 1 && rdlen == 4) {
                answers.add((m[pos] & 0xff) + "." + (m[pos + 1] & 0xff) + "." + (m[pos + 2] & 0xff) + "." + (m[pos + 3] & 0xff));
            }
            pos += rdlen;
        }
        return "rcode=" + (flags & 0xf) + " answers=" + String.join(",", answers) + " id-ok=" + (rid == id);
    }

    private static int skipName(byte[] m, int pos, int len) {
        while (pos < len) {
            int l = m[pos] & 0xff;
            if (l == 0) {
                return pos + 1;
            }
            if ((l & 0xc0) == 0xc0) {
                return pos + 2;
            }
            pos += l + 1;
        }
        return pos;
    }

    static void dns(String server, String name, String transport) {
        int id = ThreadLocalRandom.current().nextInt(1, 0xffff);
        byte[] q = query(id, name);
        try {
            if (transport.equals("tcp")) {
                try (Socket s = new Socket()) {
                    s.setSoTimeout(5000);
                    s.connect(new InetSocketAddress(server, 53), 5000);
                    OutputStream o = s.getOutputStream();
                    byte[] framed = new byte[q.length + 2];
                    framed[0] = (byte) (q.length >> 8);
                    framed[1] = (byte) q.length;
                    System.arraycopy(q, 0, framed, 2, q.length);
                    o.write(framed);
                    o.flush();
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    int len = in.readUnsignedShort();
                    byte[] r = new byte[len];
                    in.readFully(r);
                    System.out.println(describe(r, len, id));
                }
            } else {
                try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(5000);
                    SocketAddress to = new InetSocketAddress(InetAddress.getByName(server), 53);
                    s.send(new DatagramPacket(q, q.length, to));
                    byte[] buf = new byte[4096];
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    System.out.println(describe(buf, p.getLength(), id) + " from=" + p.getAddress().getHostAddress()
                            + ":" + p.getPort());
                }
            }
        } catch (SocketTimeoutException e) {
            System.out.println("timeout");
        } catch (IOException e) {
            System.out.println(classify(e) + " " + e);
        }
    }
}
