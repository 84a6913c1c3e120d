package io.jslirp.tap.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Executors;

/**
 * Servers run INSIDE the guest namespace for the port-forward tests ({@code GuestTool} is the clients).
 * JDK only. Each prints {@code listening} on stdout once it is bound, then serves until SECONDS have passed
 * and exits 0; every connection logs {@code peer=IP:PORT} on stdout, so a test can see who the guest thinks
 * connected.
 *
 * <ul>
 *   <li>{@code http PORT SECONDS}: HTTP; every request is answered 200 with {@code hello peer=IP\n}.</li>
 *   <li>{@code tcpecho PORT SECONDS}: per connection writes {@code peer=IP:PORT\n}, then echoes until EOF.</li>
 *   <li>{@code tcpsink PORT SECONDS}: per connection reads to EOF, then writes the sha256 (hex) of what came
 *       and a newline, and closes.</li>
 *   <li>{@code tcpsource PORT SIZE SEED SECONDS}: per connection sends {@link DetStream}(SEED, SIZE), closes.</li>
 *   <li>{@code udpecho PORT SECONDS}: answers every datagram with exactly its bytes.</li>
 * </ul>
 */
public final class GuestServer {
    private GuestServer() {}

    static String[] argv(String... args) {
        String[] tool = GuestTool.argv(args);
        tool[tool.length - args.length - 1] = GuestServer.class.getName();
        return tool;
    }

    private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
            true, StandardCharsets.UTF_8);

    public static void main(String[] a) throws Exception {
        long deadline = System.nanoTime() + Long.parseLong(a[a.length - 1]) * 1_000_000_000L;
        int port = Integer.parseInt(a[1]);
        switch (a[0]) {
            case "http" -> http(port, deadline);
            case "tcpecho", "tcpsink", "tcpsource" -> tcp(a, port, deadline);
            case "udpecho" -> udpEcho(port, deadline);
            default -> {
                System.err.println("GuestServer: unknown command " + a[0]);
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void http(int port, long deadline) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 64);
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.createContext("/", x -> {
            String peer = x.getRemoteAddress().getAddress().getHostAddress();
            OUT.println("peer=" + peer + ":" + x.getRemoteAddress().getPort());
            byte[] b = ("hello peer=" + peer + "\n").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        });
        http.start();
        OUT.println("listening");
        sleepUntil(deadline);
        http.stop(0);
    }

    private static void tcp(String[] a, int port, long deadline) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("0.0.0.0", port), 128);
            server.setSoTimeout(200);
            OUT.println("listening");
            while (System.nanoTime() < deadline) {
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                OUT.println("peer=" + s.getInetAddress().getHostAddress() + ":" + s.getPort());
                Thread t = new Thread(() -> serve(a, s));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void serve(String[] a, Socket s) {
        try (s) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[1 << 16];
            switch (a[0]) {
                case "tcpecho" -> {
                    out.write(("peer=" + s.getInetAddress().getHostAddress() + ":" + s.getPort() + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                }
                case "tcpsink" -> {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                    }
                    out.write((HexFormat.of().formatHex(md.digest()) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                case "tcpsource" -> {
                    DetStream d = new DetStream(Long.parseLong(a[3]), Long.parseLong(a[2]));
                    int n;
                    while ((n = d.next(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                }
                default -> throw new IllegalArgumentException(a[0]);
            }
        } catch (Exception e) {
            OUT.println("error " + e);
        }
    }

    private static void udpEcho(int port, long deadline) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("0.0.0.0", port))) {
            s.setSoTimeout(200);
            s.setReceiveBufferSize(4 << 20);
            OUT.println("listening");
            byte[] buf = new byte[65536];
            String lastPeer = "";
            while (System.nanoTime() < deadline) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                String peer = "peer=" + p.getAddress().getHostAddress() + ":" + p.getPort();
                if (!peer.equals(lastPeer)) {
                    OUT.println(peer);
                    lastPeer = peer;
                }
                s.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            }
        }
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Math.min(200, left / 1_000_000 + 1));
        }
    }
}
