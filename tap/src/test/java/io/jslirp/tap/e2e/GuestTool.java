package io.jslirp.tap.e2e;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A client run INSIDE the guest namespace ({@code nsenter --net=... java -cp TEST-CLASSES
 * io.jslirp.tap.e2e.GuestTool CMD ...}) where a shell tool cannot give exact control. JDK only (it
 * loads nothing else from the test classpath); every wait is bounded; the exit status is 0 only on
 * success, and the one line on stdout says what happened.
 *
 * <ul>
 *   <li>{@code gen SIZE SEED}: writes {@link DetStream}(SEED, SIZE) to stdout (pipe it into socat).</li>
 *   <li>{@code halfclose HOST PORT REQUEST}: connects, writes REQUEST, shuts down its write side, reads
 *       to EOF and prints exactly what came back.</li>
 *   <li>{@code many HOST PORT N SIZE}: opens N connections (all open at once), sends a distinct SIZE
 *       payload on each, shuts down writing, and checks that each echoes its own payload back.</li>
 *   <li>{@code connect HOST PORT}: one connect attempt; prints {@code refused MS}, {@code unreachable
 *       MS}, {@code connected MS} or {@code error MS MESSAGE}.</li>
 *   <li>{@code udpone HOST PORT TEXT}: sends TEXT in one datagram, waits (3 s, 3 tries) for one reply;
 *       prints {@code reply=TEXT from=ADDR:PORT}, or {@code timeout}, {@code refused}, {@code unreachable},
 *       {@code error MESSAGE} (exit 1 unless a reply came).</li>
 *   <li>{@code udprefused HOST PORT}: a CONNECTED DatagramSocket sends up to 3 datagrams, receiving 1 s
 *       after each; prints {@code refused MS} (PortUnreachableException on receive or send, i.e.
 *       ECONNREFUSED from an ICMP port unreachable), {@code reply}, {@code timeout}, {@code unreachable MS
 *       MESSAGE} or {@code error MS MESSAGE}. Always exits 0: the caller judges.</li>
 *   <li>{@code udpbig HOST PORT SIZE}: one datagram of SIZE distinct bytes (IP-fragmented at the MTU),
 *       expects the same bytes back from HOST:PORT (3 tries, 5 s each); prints {@code ok SIZE tries=N}.</li>
 *   <li>{@code udpecho HOST PORT N WINDOW SECONDS}: N datagrams, each with its own payload (sequence number
 *       plus 60..1260 seeded bytes), at most WINDOW outstanding; every reply must come from HOST:PORT and
 *       carry exactly what was sent. A datagram unanswered for 300 ms is resent, at most 5 times. Prints
 *       {@code ok N retries=R duplicates=D ms=T} or {@code failed ...}.</li>
 *   <li>{@code udpserve ADDR PORT SECONDS}: a UDP server (run in a "remote" namespace) that prints
 *       {@code listening} once bound, then answers each datagram TEXT with {@code TEXT peer=IP} for SECONDS,
 *       then exits.</li>
 *   <li>{@code dns SERVER NAME udp|tcp}: one A query for NAME to SERVER:53 (5 s); prints
 *       {@code rcode=N answers=A,B id-ok=true} or {@code timeout} / {@code refused} / {@code error ...}.</li>
 * </ul>
 */
public final class GuestTool {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 30_000;

    private GuestTool() {}

    /** The command line that runs this tool (wrap it with the guest's enter prefix). */
    static String[] argv(String... args) {
        List<String> r = new ArrayList<>(List.of(E2e.javaBin(), "-XX:+UseSerialGC", "-Xmx256m", "-cp", classes(),
                GuestTool.class.getName()));
        r.addAll(List.of(args));
        return r.toArray(String[]::new);
    }

    /** The test-classes directory, for running another JDK-only main of this package in a namespace. */
    static String classes() {
        String classes;
        try {
            classes = java.nio.file.Path.of(GuestTool.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return classes;
    }

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "gen" -> gen(Long.parseLong(a[1]), Long.parseLong(a[2]));
            case "halfclose" -> halfClose(a[1], Integer.parseInt(a[2]), a[3]);
            case "many" -> many(a[1], Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]));
            case "connect" -> connect(a[1], Integer.parseInt(a[2]));
            case "udpone" -> GuestUdp.one(a[1], Integer.parseInt(a[2]), a[3]);
            case "udprefused" -> GuestUdp.refused(a[1], Integer.parseInt(a[2]));
            case "udpbig" -> GuestUdp.big(a[1], Integer.parseInt(a[2]), Integer.parseInt(a[3]));
            case "udpecho" -> GuestUdp.echo(a[1], Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                    Integer.parseInt(a[5]));
            case "udpserve" -> GuestUdp.serve(a[1], Integer.parseInt(a[2]), Integer.parseInt(a[3]));
            case "dns" -> GuestUdp.dns(a[1], a[2], a[3]);
            default -> {
                System.err.println("GuestTool: unknown command " + Arrays.toString(a));
                System.exit(2);
            }
        }
    }

    private static void gen(long size, long seed) throws IOException {
        DetStream s = new DetStream(seed, size);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = new FileOutputStream(FileDescriptor.out)) {
            int n;
            while ((n = s.next(buf)) > 0) {
                out.write(buf, 0, n);
            }
        }
    }

    private static Socket open(String host, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
        return s;
    }

    private static void halfClose(String host, int port, String request) throws IOException {
        try (Socket s = open(host, port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            byte[] reply = s.getInputStream().readAllBytes();
            PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            out.print(new String(reply, StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static byte[] payload(int i, int size) {
        byte[] p = new byte[size];
        long x = 0x5DEECE66DL * (i + 1);
        for (int k = 0; k < size; k++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            p[k] = (byte) (x >>> 56);
        }
        // the connection's number in clear at the front, so a mix-up shows in a failure message
        byte[] tag = String.format("conn-%05d:", i).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, p, 0, Math.min(tag.length, size));
        return p;
    }

    private static void many(String host, int port, int n, int size) throws IOException {
        long t0 = System.nanoTime();
        List<Socket> socks = new ArrayList<>(n);
        try {
            // all N open at once: connect every one before any data moves
            for (int i = 0; i < n; i++) {
                socks.add(open(host, port));
            }
            long tOpen = System.nanoTime();
            // 10 KiB each fits in the socket buffers both ways, so one thread can write all, then read all
            for (int i = 0; i < n; i++) {
                Socket s = socks.get(i);
                s.getOutputStream().write(payload(i, size));
                s.shutdownOutput();
            }
            int bad = 0;
            String firstBad = null;
            for (int i = 0; i < n; i++) {
                byte[] got = readAll(socks.get(i).getInputStream(), size + 1);
                if (!Arrays.equals(got, payload(i, size))) {
                    bad++;
                    if (firstBad == null) {
                        firstBad = "connection " + i + " got " + got.length + " bytes starting "
                                + new String(got, 0, Math.min(11, got.length), StandardCharsets.US_ASCII);
                    }
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (bad > 0) {
                System.out.println("mismatch " + bad + " of " + n + "; first: " + firstBad);
                System.exit(1);
            }
            System.out.println("ok " + n + " connected-in-ms=" + (tOpen - t0) / 1_000_000 + " total-ms=" + ms);
        } catch (IOException e) {
            System.out.println("failed after " + socks.size() + " connections: " + e);
            System.exit(1);
        } finally {
            for (Socket s : socks) {
                s.close();
            }
        }
    }

    private static byte[] readAll(InputStream in, int max) throws IOException {
        byte[] b = new byte[max];
        int n = 0;
        int r;
        while (n < max && (r = in.read(b, n, max - n)) > 0) {
            n += r;
        }
        return Arrays.copyOf(b, n);
    }

    private static void connect(String host, int port) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            System.out.println("connected " + (System.nanoTime() - t0) / 1_000_000);
        } catch (SocketTimeoutException e) {
            System.out.println("timeout " + (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            // ECONNREFUSED is a ConnectException, EHOSTUNREACH a NoRouteToHostException, ENETUNREACH a
            // plain SocketException: classify by the kernel's words, which all three carry
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String m = String.valueOf(e.getMessage());
            String kind = m.contains("refused") ? "refused" : m.contains("unreachable") ? "unreachable" : "error";
            System.out.println(kind + " " + ms + " " + e);
        }
    }
}
