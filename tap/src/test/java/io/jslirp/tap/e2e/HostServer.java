package io.jslirp.tap.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on host loopback, in the test JVM: {@code 127.0.0.1} on an ephemeral port the kernel
 * picks (so it is free), which the guest reaches as 10.0.2.2:{@link #port}. One thread accepts; each
 * connection gets its own thread running the handler. It counts connections accepted and the most open
 * at once, and remembers the peer addresses. Closing it closes the listener and every connection.
 */
final class HostServer implements AutoCloseable {
    /** What to do with one accepted connection; the socket is closed after it returns. */
    interface Handler {
        void handle(Socket s) throws IOException;
    }

    final int port;
    private final ServerSocket listener;
    private final ExecutorService pool;
    private final Handler handler;
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    final List<String> peers = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();

    private HostServer(Handler handler, int backlog) throws IOException {
        this(handler, backlog, "127.0.0.1");
    }

    private HostServer(Handler handler, int backlog, String bindAddr) throws IOException {
        this.handler = handler;
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getByName(bindAddr), 0), backlog);
        port = listener.getLocalPort();
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "host-server-" + port);
            t.setDaemon(true);
            return t;
        });
        pool.execute(this::acceptLoop);
    }

    static HostServer start(Handler handler) throws IOException {
        return new HostServer(handler, 1024);
    }

    /** The same on the host's IPv6 loopback, [::1] (prefix::2 to an IPv6 guest). */
    static HostServer start6(Handler handler) throws IOException {
        return new HostServer(handler, 1024, "::1");
    }

    /** Echoes every connection until its EOF, then closes it. */
    static HostServer echo() throws IOException {
        return start(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] b = new byte[16384];
            int n;
            while ((n = in.read(b)) > 0) {
                out.write(b, 0, n);
            }
        });
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            peers.add(s.getInetAddress().getHostAddress());
            open.add(s);
            pool.execute(() -> {
                try (s) {
                    s.setSoTimeout(120_000);
                    handler.handle(s);
                } catch (SocketException e) {
                    if (!listener.isClosed()) {
                        errors.add(e);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    open.remove(s);
                    concurrent.decrementAndGet();
                }
            });
        }
    }

    int accepted() {
        return accepted.get();
    }

    int maxConcurrent() {
        return maxConcurrent.get();
    }

    /** Reads to EOF and returns the count and sha256 of what arrived. */
    static Digest readAllHashed(InputStream in) throws IOException {
        MessageDigest md = DetStream.sha256();
        byte[] b = new byte[1 << 16];
        long count = 0;
        int n;
        while ((n = in.read(b)) > 0) {
            md.update(b, 0, n);
            count += n;
        }
        return new Digest(count, DetStream.hex(md));
    }

    /** Writes the whole {@link DetStream} and returns the count and sha256 of what was sent. */
    static Digest writeHashed(OutputStream out, long seed, long size) throws IOException {
        MessageDigest md = DetStream.sha256();
        DetStream s = new DetStream(seed, size);
        byte[] b = new byte[1 << 16];
        long count = 0;
        int n;
        while ((n = s.next(b)) > 0) {
            out.write(b, 0, n);
            md.update(b, 0, n);
            count += n;
        }
        out.flush();
        return new Digest(count, DetStream.hex(md));
    }

    record Digest(long bytes, String sha256) {}

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        synchronized (open) {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
        pool.shutdownNow();
    }
}
