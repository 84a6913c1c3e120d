package io.jslirp.tap.e2e;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo server on host loopback in the test JVM: 127.0.0.1 on an ephemeral port (the guest reaches it
 * as 10.0.2.2:{@link #port}). One thread receives and sends each datagram back, unchanged, to where it came
 * from; it remembers the peer addresses it saw and counts datagrams. A large receive buffer keeps a paced
 * burst from being dropped here.
 */
final class UdpEchoServer implements AutoCloseable {
    final int port;
    final Set<String> peerAddrs = Collections.synchronizedSet(new LinkedHashSet<>());
    final AtomicLong datagrams = new AtomicLong();
    private final DatagramSocket socket;
    private final Thread thread;

    UdpEchoServer() throws IOException {
        this("127.0.0.1");
    }

    /** Bound to {@code bindAddr} (a literal: "::1" for the IPv6 guest's prefix::2). */
    UdpEchoServer(String bindAddr) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(bindAddr, 0));
        socket.setReceiveBufferSize(8 << 20);
        socket.setSendBufferSize(8 << 20);
        port = socket.getLocalPort();
        thread = new Thread(this::loop, "udp-echo-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                datagrams.incrementAndGet();
                peerAddrs.add(p.getAddress().getHostAddress());
                socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                // an ICMP error for an earlier reply (the guest's socket is gone): keep serving
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2000);
    }
}
