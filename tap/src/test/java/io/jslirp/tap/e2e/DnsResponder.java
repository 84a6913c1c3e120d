package io.jslirp.tap.e2e;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test's own DNS server on a loopback address, port 53, UDP and TCP (2-byte length prefix), so DNS
 * tests never reach the machine's resolver. It answers an A query for {@link #OK_NAME} with its own
 * {@link #answer}, {@link #REFUSED_NAME} with REFUSED, anything else with NXDOMAIN; it counts queries per
 * transport. Only the first question of a query is looked at.
 *
 * <p>Also runnable on its own in another namespace ({@link #main}: {@code java -cp TEST-CLASSES
 * io.jslirp.tap.e2e.DnsResponder ADDR ANSWER SECONDS}); it prints {@code listening}, then one line
 * {@code query udp|tcp} per query answered, and exits after SECONDS.
 */
final class DnsResponder implements AutoCloseable {
    static final String OK_NAME = "ok.jslirp.test";
    static final String REFUSED_NAME = "refused.jslirp.test";
    static final int NOERROR = 0;
    static final int NXDOMAIN = 3;
    static final int REFUSED = 5;

    final String bindAddr;
    final String answer;
    final AtomicInteger udpQueries = new AtomicInteger();
    final AtomicInteger tcpQueries = new AtomicInteger();
    private volatile java.io.PrintStream log;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Thread udpThread;
    private final Thread tcpThread;

    /** Listens on {@code bindAddr}:53 (a 127.x address; needs root) and answers {@code answer} for OK_NAME. */
    DnsResponder(String bindAddr, String answer) throws IOException {
        this.bindAddr = bindAddr;
        this.answer = answer;
        InetAddress a = InetAddress.getByName(bindAddr);
        udp = new DatagramSocket(new InetSocketAddress(a, 53));
        tcp = new ServerSocket();
        tcp.setReuseAddress(true);
        try {
            tcp.bind(new InetSocketAddress(a, 53));
        } catch (IOException e) {
            udp.close();
            throw e;
        }
        udpThread = new Thread(this::udpLoop, "dns-udp-" + bindAddr);
        tcpThread = new Thread(this::tcpLoop, "dns-tcp-" + bindAddr);
        udpThread.setDaemon(true);
        tcpThread.setDaemon(true);
        udpThread.start();
        tcpThread.start();
    }

    private void udpLoop() {
        byte[] buf = new byte[4096];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] r = reply(Arrays.copyOf(p.getData(), p.getLength()));
                if (r != null) {
                    udpQueries.incrementAndGet();
                    note("udp");
                    udp.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
                }
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // one bad exchange; keep serving
            }
        }
    }

    private void tcpLoop() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                s.setSoTimeout(5000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                // several queries may share one connection (RFC 7766); serve until EOF or a bad one
                while (true) {
                    int len;
                    try {
                        len = in.readUnsignedShort();
                    } catch (IOException eof) {
                        break;
                    }
                    byte[] q = new byte[len];
                    in.readFully(q);
                    byte[] r = reply(q);
                    if (r == null) {
                        break;
                    }
                    tcpQueries.incrementAndGet();
                    note("tcp");
                    out.writeShort(r.length);
                    out.write(r);
                    out.flush();
                }
            } catch (SocketException e) {
                if (tcp.isClosed()) {
                    return;
                }
            } catch (IOException e) {
                // one bad connection; keep serving
            }
        }
    }

    private void note(String transport) {
        java.io.PrintStream l = log;
        if (l != null) {
            l.println("query " + transport);
            l.flush();
        }
    }

    public static void main(String[] a) throws Exception {
        try (DnsResponder r = new DnsResponder(a[0], a[1])) {
            r.log = System.out;
            System.out.println("listening");
            System.out.flush();
            Thread.sleep(Long.parseLong(a[2]) * 1000);
        }
    }

    /** The reply to one query, or null if it is not a parseable query. */
    byte[] reply(byte[] q) {
        if (q.length < 12 || (q[2] & 0x80) != 0) {
            return null;
        }
        int qd = ((q[4] & 0xff) << 8) | (q[5] & 0xff);
        if (qd < 1) {
            return null;
        }
        StringBuilder name = new StringBuilder();
        int pos = 12;
        while (pos < q.length && q[pos] != 0) {
            int l = q[pos] & 0xff;
            if (l > 63 || pos + 1 + l > q.length) {
                return null;
            }
            if (name.length() > 0) {
                name.append('.');
            }
            name.append(new String(q, pos + 1, l, StandardCharsets.US_ASCII));
            pos += l + 1;
        }
        int qEnd = pos + 5; // the zero label, QTYPE, QCLASS
        if (qEnd > q.length) {
            return null;
        }
        int qtype = ((q[pos + 1] & 0xff) << 8) | (q[pos + 2] & 0xff);
        String n = name.toString().toLowerCase();
        int rcode = n.equals(OK_NAME) ? NOERROR : n.equals(REFUSED_NAME) ? REFUSED : NXDOMAIN;
        boolean withAnswer = rcode == NOERROR && qtype == 1;
        ByteBuffer r = ByteBuffer.allocate(qEnd + (withAnswer ? 16 : 0));
        r.put(q, 0, 2); // id
        r.put((byte) (0x80 | (q[2] & 0x79))); // QR, opcode and RD copied
        r.put((byte) (0x80 | rcode)); // RA
        r.putShort((short) 1).putShort((short) (withAnswer ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        r.put(q, 12, qEnd - 12);
        if (withAnswer) {
            r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4);
            r.put(InetAddressBytes.of(answer));
        }
        return r.array();
    }

    private static final class InetAddressBytes {
        static byte[] of(String dotted) {
            String[] p = dotted.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) Integer.parseInt(p[i]);
            }
            return b;
        }
    }

    @Override
    public void close() throws InterruptedException {
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
        udpThread.join(2000);
        tcpThread.join(2000);
    }
}
