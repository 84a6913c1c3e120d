package io.jslirp.bench.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The small-transaction load of bench/peer/peer-bench.sh. Not a JMH benchmark: a server that runs on
 * host loopback and a client that runs in the guest namespace, through the stack under test.
 *
 * <pre>
 * java -cp benchmarks.jar io.jslirp.bench.peer.PeerLoad server PORTFILE [BIND]
 *     listens on BIND (127.0.0.1 unless given; ::1 for the IPv6 rows), an ephemeral port (written to PORTFILE); per connection, for each byte read:
 *     'r' -> answer one byte and keep the connection; 'c' -> answer one byte and close (the server
 *     closes first, so TIME_WAIT stays on the host side and the guest never runs out of ports).
 * ... PeerLoad rr HOST PORT SECONDS [WARMUP]
 *     one connection, 1-byte ping-pong; prints "rr TPS COUNT"
 * ... PeerLoad crr HOST PORT SECONDS [MAX|- [WARMUP]]
 *     a new connection per 1-byte transaction; prints "crr CPS COUNT ERRORS"; stops at MAX connections
 * </pre>
 * Every run is bounded by SECONDS; a read waits at most 5 s. WARMUP seconds (default 0) of the same load
 * run first and are not counted, as iperf3 -O leaves out the start of a transfer: the first seconds measure
 * the JIT compiling this client, and jslirp's packet path, rather than the stack's steady rate.
 */
public final class PeerLoad {
    private PeerLoad() {}

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "server" -> server(a[1], a.length > 2 ? a[2] : "127.0.0.1");
            case "rr" -> rr(a[1], Integer.parseInt(a[2]), Double.parseDouble(a[3]),
                    a.length > 4 ? Double.parseDouble(a[4]) : 0);
            case "crr" -> {
                long max = a.length > 4 && !a[4].equals("-") ? Long.parseLong(a[4]) : Long.MAX_VALUE;
                double warmup = a.length > 5 ? Double.parseDouble(a[5]) : 0;
                if (warmup > 0) {
                    crr(a[1], Integer.parseInt(a[2]), warmup, Long.MAX_VALUE, false);
                }
                crr(a[1], Integer.parseInt(a[2]), Double.parseDouble(a[3]), max, true);
            }
            default -> throw new IllegalArgumentException(
                    "usage: server PORTFILE [BIND] | rr HOST PORT S [WARMUP] | crr HOST PORT S [MAX|- [WARMUP]]");
        }
    }

    private static void server(String portFile, String bindAddress) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0), 4096);
        java.nio.file.Files.writeString(java.nio.file.Path.of(portFile), Integer.toString(ss.getLocalPort()));
        ExecutorService pool = Executors.newCachedThreadPool();
        while (true) {
            Socket s = ss.accept();
            pool.execute(() -> serve(s));
        }
    }

    private static void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                if (b == 'c') {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away; nothing to report from here
        }
    }

    private static Socket open(String host, int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(5_000);
        s.connect(new InetSocketAddress(host, port), 5_000);
        return s;
    }

    private static void rr(String host, int port, double seconds, double warmup) throws IOException {
        try (Socket s = open(host, port)) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            pingPong(in, out, System.nanoTime() + (long) (warmup * 1e9));
            long t0 = System.nanoTime();
            long n = pingPong(in, out, t0 + (long) (seconds * 1e9));
            System.out.printf("rr %.0f %d%n", n / ((System.nanoTime() - t0) / 1e9), n);
        }
    }

    /** 1-byte exchanges until {@code end} (at least one); returns how many. */
    private static long pingPong(InputStream in, OutputStream out, long end) throws IOException {
        long n = 0;
        do {
            out.write('r');
            if (in.read() != 'r') {
                throw new IOException("bad or no reply after " + n + " transactions");
            }
            n++;
        } while (System.nanoTime() < end);
        return n;
    }

    private static void crr(String host, int port, double seconds, long max, boolean report) {
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long n = 0;
        long errors = 0;
        long now = t0;
        while (n < max && (now = System.nanoTime()) < end) {
            try (Socket s = open(host, port)) {
                s.getOutputStream().write('c');
                InputStream in = s.getInputStream();
                if (in.read() != 'c' || in.read() != -1) {
                    errors++;
                } else {
                    n++;
                }
            } catch (IOException e) {
                errors++;
                // nothing gets through at all (each failure may have cost a 5 s timeout): stop early
                if ((n == 0 && errors >= 3) || (errors > 100 && errors > n / 100)) {
                    System.err.println("crr: too many errors, last: " + e);
                    break;
                }
            }
        }
        now = System.nanoTime();
        if (report) {
            System.out.printf("crr %.0f %d %d%n", n / ((now - t0) / 1e9), n, errors);
        }
    }
}
