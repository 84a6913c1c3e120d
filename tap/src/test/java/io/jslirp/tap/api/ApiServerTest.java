package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on a real event loop and a real socket file, with JDK AF_UNIX clients. */
class ApiServerTest {
    private static final String LIST = "{\"execute\":\"list_hostfwd\"}";
    private static final Duration TIMEOUT = Duration.ofMillis(600);

    @TempDir
    Path dir;

    private final InMemoryForwardTable table = new InMemoryForwardTable();
    private final EventLoop loop = new EventLoop();
    private LoopThread running;
    private ApiServer server;
    private Path path;

    private void start() throws IOException {
        path = dir.resolve("api.sock");
        server = ApiServer.open(path, loop, new ApiProtocol(table, NetConfig.defaults()), TIMEOUT);
        running = LoopThread.start(loop);
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
        if (server != null) {
            server.close();
            assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "the socket file outlives close");
        }
        if (running != null) {
            running.close();
        } else {
            loop.close();
        }
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(path));
    }

    private static void send(SocketChannel ch, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Everything until the server closes; fails the test if that takes more than five seconds. */
    private static String readToEof(SocketChannel ch) {
        return assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(8192);
            while (ch.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        });
    }

    /** The way podman and rootlesskit talk to slirp4netns: request, newline, shut the write side, read all. */
    private String ask(String request) throws IOException {
        try (SocketChannel ch = connect()) {
            send(ch, request + "\n");
            ch.shutdownOutput();
            return readToEof(ch);
        }
    }

    @Test
    void replyBytesExactlyWithoutNewlineThenClose() throws Exception {
        start();
        assertEquals("{\"return\":{\"entries\":[]}}", ask(LIST));
        assertEquals("{\"return\":{\"id\":1}}", ask("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
                + "\"host_addr\":\"127.0.0.1\",\"host_port\":8080,\"guest_port\":80}}"));
        assertEquals("{\"return\":{\"entries\":[{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":8080,"
                + "\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}]}}", ask(LIST));
        assertEquals("{\"return\":{}}", ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}"));
        assertEquals("{\"error\":{\"desc\":\"bad request: unknown execute\"}}", ask("{\"execute\":\"x\"}"));
    }

    @Test
    void emptyRequestAtEofCannotBeParsed() throws Exception {
        start();
        try (SocketChannel ch = connect()) {
            ch.shutdownOutput();
            assertEquals("{\"error\":{\"desc\":\"bad request: cannot parse JSON\"}}", readToEof(ch));
        }
    }

    @Test
    void requestInPiecesWithPauses() throws Exception {
        start();
        try (SocketChannel ch = connect()) {
            for (String piece : new String[] {"{\"exec", "ute\":\"add_hos", "tfwd\",\"arguments\":{\"proto\":\"udp\",",
                "\"host_port\":5353,\"guest_port\":53}", "}\n"}) {
                send(ch, piece);
                Thread.sleep(50);
            }
            ch.shutdownOutput();
            assertEquals("{\"return\":{\"id\":1}}", readToEof(ch));
        }
        assertTrue(ask(LIST).contains("\"proto\":\"udp\",\"host_addr\":\"0.0.0.0\",\"host_port\":5353,"));
    }

    @Test
    void requestWithoutShutdownIsAnsweredOnceWhole() throws Exception {
        start();
        try (SocketChannel ch = connect()) {
            send(ch, "{\"execute\":");
            Thread.sleep(50);
            send(ch, "\"list_hostfwd\"}");
            assertEquals("{\"return\":{\"entries\":[]}}", readToEof(ch)); // the write side stays open
        }
    }

    @Test
    void tooLargeMessage() throws Exception {
        start();
        String big = "{\"execute\":\"list_hostfwd\",\"pad\":\"" + "x".repeat(5000) + "\"}";
        assertEquals("{\"error\":{\"desc\":\"bad request: too large message\"}}", ask(big));
        assertEquals("{\"return\":{\"entries\":[]}}", ask(LIST));
    }

    @Test
    void clientThatNeverFinishesIsClosedWhileOthersAreServed() throws Exception {
        start();
        try (SocketChannel stuck = connect()) {
            send(stuck, "{\"execute\":\"list_");
            assertEquals("{\"return\":{\"entries\":[]}}", ask(LIST));
            // The other client was answered while the stuck one was still open: no reply, no EOF on it yet.
            stuck.configureBlocking(false);
            assertEquals(0, stuck.read(java.nio.ByteBuffer.allocate(16)), "the stuck client must still be open");
            stuck.configureBlocking(true);
            assertEquals("", readToEof(stuck)); // closed unanswered at its deadline
        }
        assertEquals("{\"return\":{\"entries\":[]}}", ask(LIST)); // and the server goes on
    }

    @Test
    void clientThatNeverReadsItsReplyDoesNotBlockOthers() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        for (int port = 1; port <= 5000; port++) {
            table.add(Protocol.TCP, any, port, InetAddress.getByName("10.0.2.100"), 80); // a reply far past the socket buffer
        }
        start();
        int full;
        try (SocketChannel lazy = connect()) {
            send(lazy, LIST);
            lazy.shutdownOutput();
            Thread.sleep(100); // the server writes what fits and waits
            String other = ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":5000}}");
            assertEquals("{\"return\":{}}", other);
            Thread.sleep(TIMEOUT.toMillis() + 200);
            String partial = readToEof(lazy);
            full = ask(LIST).length();
            assertTrue(partial.length() > 0 && partial.length() < full, partial.length() + " of " + full);
        }
        assertTrue(full > 300_000, "the reply should be larger than a socket buffer: " + full);
    }

    @Test
    void twentyConcurrentClients() throws Exception {
        start();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int port = 9000 + i;
                Callable<String> call = () -> {
                    try (SocketChannel ch = connect()) {
                        send(ch, "{\"execute\":\"add_hostfwd\",");
                        Thread.sleep(20);
                        send(ch, "\"arguments\":{\"proto\":\"tcp\",\"host_port\":" + port + ",\"guest_port\":80}}\n");
                        ch.shutdownOutput();
                        return readToEof(ch);
                    }
                };
                replies.add(pool.submit(call));
            }
            Set<Integer> ids = new HashSet<>();
            Pattern idReply = Pattern.compile("\\{\"return\":\\{\"id\":(\\d+)}}");
            for (Future<String> f : replies) {
                Matcher m = idReply.matcher(f.get());
                assertTrue(m.matches(), f.get());
                ids.add(Integer.parseInt(m.group(1)));
            }
            Set<Integer> expected = new HashSet<>();
            for (int id = 1; id <= 20; id++) {
                expected.add(id);
            }
            assertEquals(expected, ids);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(20, ask(LIST).split("\"id\"").length - 1);
    }

    @Test
    void socketFileIsTheOwnersOnly() throws Exception {
        start();
        assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
        assertEquals(0140000, (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
    }

    @Test
    void staleSocketFileIsReplaced() throws Exception {
        path = dir.resolve("api.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS)); // the JDK leaves the file behind
        start();
        assertEquals("{\"return\":{\"entries\":[]}}", ask(LIST));
    }

    @Test
    void liveSocketIsNotStolen() throws Exception {
        Path live = dir.resolve("live.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(live));
            IOException e = assertThrows(IOException.class,
                    () -> ApiServer.open(live, loop, new ApiProtocol(table, NetConfig.defaults())));
            assertEquals("API socket " + live + " is in use by a running process", e.getMessage());
            assertTrue(Files.exists(live, LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aFileThatIsNotASocketIsLeftAlone() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me");
        IOException e = assertThrows(IOException.class,
                () -> ApiServer.open(file, loop, new ApiProtocol(table, NetConfig.defaults())));
        assertEquals("API socket path " + file + " exists and is not a socket", e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void pathTooLongForSockaddrUn() throws Exception {
        Path longPath = dir.resolve("x".repeat(120));
        IOException e = assertThrows(IOException.class,
                () -> ApiServer.open(longPath, loop, new ApiProtocol(table, NetConfig.defaults())));
        assertTrue(e.getMessage().startsWith("API socket path must be 1..107 bytes, not "), e.getMessage());
    }

    @Test
    void bindRefusedInAMissingDirectory() throws Exception {
        Path missing = dir.resolve("no/such/dir/api.sock");
        IOException e = assertThrows(IOException.class,
                () -> ApiServer.open(missing, loop, new ApiProtocol(table, NetConfig.defaults())));
        assertEquals("bind API socket " + missing + ": No such file or directory", e.getMessage());
    }

    @Test
    void closeEndsOpenClientsAndRemovesTheFile() throws Exception {
        start();
        try (SocketChannel pending = connect()) {
            Thread.sleep(50); // accepted by the running loop
            running.stop();
            // Unread when the server closes: without the drain, the client's end of file would be a reset.
            send(pending, "{");
            server.close();
            assertEquals("", readToEof(pending));
            assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
            server.close(); // idempotent
        }
    }

    @Test
    void repliesAreTheProtocolsBytes() throws Exception {
        start();
        ApiProtocol reference = new ApiProtocol(new InMemoryForwardTable(), NetConfig.defaults());
        byte[] request = "[1,2]".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(reference.handle(request, request.length), ask("[1,2]").getBytes(StandardCharsets.UTF_8));
    }
}
