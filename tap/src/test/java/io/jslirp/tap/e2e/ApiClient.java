package io.jslirp.tap.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A client of the API socket as runtimes use it: connect, write the request (here with the trailing
 * newline RootlessKit and podman send), shut down the write side, read the reply to EOF.
 */
final class ApiClient {
    private ApiClient() {}

    static String call(Path socket, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                got.write(in.array(), 0, n);
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    static String addTcp(Path socket, String hostAddr, int hostPort, int guestPort) throws IOException {
        return call(socket, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"" + hostAddr
                + "\",\"host_port\":" + hostPort + ",\"guest_port\":" + guestPort + "}}");
    }

    static String remove(Path socket, int id) throws IOException {
        return call(socket, "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":" + id + "}}");
    }
}
