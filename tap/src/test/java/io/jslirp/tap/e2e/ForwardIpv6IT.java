package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Port forwards into the guest over IPv6 (issue 11), end to end with {@code -6 -c} (the guest has fd00::100),
 * for {@code -p}, the API socket and the Java API: curl on the host's [::1] to a guest server that listens on
 * [::] with {@code ipv6only} (socat), which logs the peer it sees; an IPv4 client reaching that IPv6-only
 * listener through a forward that names [fd00::100]; a client in another namespace at 2001:db8:2::20 reaching
 * jslirp's namespace through 2001:db8:2::1, seen by the guest with its own address and port; the family
 * rule's IPv4 fallback for a guest that serves IPv4 only; a UDP exchange over an IPv6 forward; and
 * {@code remove_hostfwd} ending an IPv6 forward. jslirp only: slirp4netns forwards no IPv6.
 */
@Tag("e2e")
@Timeout(240)
class ForwardIpv6IT {
    static final String GUEST6 = "fd00::100";
    /** How socat's SOCAT_PEERADDR spells fd00::2, where the guest sees host-loopback clients. */
    static final String ROUTER6_SEEN = "[fd00:0000:0000:0000:0000:0000:0000:0002]";
    static final String REMOTE_HOST = "2001:db8:2::1";
    static final String REMOTE_CLIENT = "2001:db8:2::20";
    static final String REMOTE_CLIENT_SEEN = "[2001:0db8:0002:0000:0000:0000:0000:0020]";
    static final String REMOTE_HOST4 = "198.51.100.1";
    static final String REMOTE_CLIENT4 = "198.51.100.20";
    /** 198.51.100.20 as the guest sees it over IPv6: 64:ff9b::198.51.100.20 (RFC 6052), spelt by socat. */
    static final String REMOTE_CLIENT4_SEEN = "[0064:ff9b:0000:0000:0000:0000:c633:6414]";
    private static final Pattern ID_PORT = Pattern.compile("\\{\"return\":\\{\"id\":(\\d+),\"host_port\":(\\d+)}}");
    private static final Pattern BODY = Pattern.compile("peer=(\\[[0-9a-f:]+]):(\\d+)\\n");

    @BeforeEach
    void onlyJslirp() {
        Assumptions.assumeTrue(E2e.isJslirp(), "slirp4netns forwards no IPv6");
    }

    static Jslirp start(NsHolder h, List<String> prefix, String... extra) throws IOException {
        return Jslirp.builder().prefix(prefix).ready3().args(extra).args("-6", "-c", Long.toString(h.pid), "tap0")
                .start().awaitReady();
    }

    /** curl in {@code prefix}'s namespace (empty: this one); returns {body, local port}. */
    static String[] curl(List<String> prefix, String url, Jslirp j) {
        List<String> argv = E2e.concat(prefix, "curl", "-g", "-sS", "--max-time", "10", "-w", "\nlocal=%{local_port}", url);
        Cmd.Result r = Cmd.run(Duration.ofSeconds(20), argv);
        assertEquals(0, r.exit(), url + ": " + r.describe() + j.diagnostics());
        int at = r.out().lastIndexOf("\nlocal=");
        return new String[] {r.out().substring(0, at), r.out().substring(at + "\nlocal=".length()).trim()};
    }

    /** The peer the v6-only guest server answered with: {@code [ADDR]} as socat spells it. */
    static String peerIn(String body) {
        Matcher m = BODY.matcher(body);
        assertTrue(m.matches(), "not the guest server's answer: " + body);
        return m.group(1);
    }

    static int[] addAnyPort(Path api, String proto, String hostAddr, String guestAddr, int guestPort) throws IOException {
        String guest = guestAddr == null ? "" : ",\"guest_addr\":\"" + guestAddr + "\"";
        String reply = ApiClient.call(api, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"" + proto
                + "\",\"host_addr\":\"" + hostAddr + "\",\"host_port\":0" + guest + ",\"guest_port\":" + guestPort + "}}");
        Matcher m = ID_PORT.matcher(reply);
        if (!m.matches()) {
            fail("add_hostfwd answered " + reply);
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    static String udpOne(List<String> prefix, String host, int port, String text, Jslirp j) {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(30), E2e.concat(prefix, GuestTool.argv("udpone", host, Integer.toString(port), text)));
        assertEquals(0, r.exit(), r.describe() + j.diagnostics());
        return r.out().trim();
    }

    /** The guest's UDP server on [fd00::100]:5353 (IPv6 only), answering {@code TEXT peer=IP}. */
    static Background udpServer(NsHolder h) throws IOException, InterruptedException {
        return Background.start(h.enter(GuestTool.argv("udpserve", GUEST6, "5353", "120")));
    }

    static void assertRefused(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            fail(host + " port " + port + " still accepts connections");
        } catch (ConnectException expected) {
            // refused, as it must be
        } catch (IOException e) {
            fail("expected refusal, got " + e);
        }
    }

    @Test
    void publishReachesAnIpv6OnlyGuestListenerFromBothFamiliesAndFallsBackToIpv4() throws Exception {
        int p1 = ForwardIT.freePort();
        int p2 = ForwardIT.freePort();
        int p3 = ForwardIT.freePort();
        int p4 = ForwardIT.freePort();
        try (NsHolder h = NsHolder.netns(); V6OnlyHttp v6only = new V6OnlyHttp(h, 80);
             Background v4only = ForwardIT.guestServer(h, "http", "8080", "120");
             Jslirp j = start(h, List.of(), "-p", "[::1]:" + p1 + ":80", "-p", "127.0.0.1:" + p2 + ":[" + GUEST6 + "]:80",
                     "-p", "[::1]:" + p3 + ":8080", "-p", "[::1]:" + p4 + ":[" + GUEST6 + "]:5353/udp");
             Background udp = udpServer(h)) {
            // an IPv6 client and no guest address named: IPv6 to the guest, the client on ::1 seen as fd00::2
            assertEquals(ROUTER6_SEEN, peerIn(curl(List.of(), "http://[::1]:" + p1 + "/", j)[0]), j.diagnostics());
            // an IPv4 client through a forward that names the IPv6 guest address reaches the v6-only listener
            assertEquals(ROUTER6_SEEN, peerIn(curl(List.of(), "http://127.0.0.1:" + p2 + "/", j)[0]), j.diagnostics());
            assertEquals(2, v6only.peers().size(), v6only.peers().toString());
            // a guest port that refuses IPv6 (the server is IPv4 only): the same client is served over IPv4
            assertEquals("hello peer=" + ForwardIT.GW + "\n", curl(List.of(), "http://[::1]:" + p3 + "/", j)[0], j.diagnostics());
            assertNotNull(v4only.awaitLine("peer=" + ForwardIT.GW + ":"), v4only.lines.toString());
            // UDP over IPv6, both ways
            assertEquals("reply=hi-udp6 peer=fd00:0:0:0:0:0:0:2 from=0:0:0:0:0:0:0:1:" + p4,
                    udpOne(List.of(), "::1", p4, "hi-udp6", j), j.diagnostics());
            java.util.Map<String, String> c = StackProbe.counters(j);
            assertEquals("1", c.get("tcpForward6Fallbacks"), "the IPv4-only guest port went over IPv4: " + c);
            assertEquals("1", c.get("udpForward6MappingsOpened"), c.toString());
            assertEquals(null, c.get("internalErrors"), c.toString());
        }
    }

    @Test
    void apiSocketAddsListsAndRemovesIpv6Forwards() throws Exception {
        Path api = ForwardIT.apiPath();
        try (NsHolder h = NsHolder.netns(); V6OnlyHttp v6only = new V6OnlyHttp(h, 80);
             Jslirp j = start(h, List.of(), "--api-socket", api.toString()); Background udp = udpServer(h)) {
            int[] six = addAnyPort(api, "tcp", "::1", GUEST6, 80);
            int[] four = addAnyPort(api, "tcp", "127.0.0.1", GUEST6, 80);
            int[] unnamed = addAnyPort(api, "udp", "::1", null, 5353);
            assertEquals(ROUTER6_SEEN, peerIn(curl(List.of(), "http://[::1]:" + six[1] + "/", j)[0]), j.diagnostics());
            assertEquals(ROUTER6_SEEN, peerIn(curl(List.of(), "http://127.0.0.1:" + four[1] + "/", j)[0]), j.diagnostics());
            // a forward that names no guest address is listed as network+100, as slirp4netns lists it
            assertEquals("{\"return\":{\"entries\":["
                    + "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":" + six[1] + ",\"guest_addr\":\"fd00::100\",\"guest_port\":80},"
                    + "{\"id\":2,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":" + four[1] + ",\"guest_addr\":\"fd00::100\",\"guest_port\":80},"
                    + "{\"id\":3,\"proto\":\"udp\",\"host_addr\":\"::1\",\"host_port\":" + unnamed[1] + ",\"guest_addr\":\"10.0.2.100\",\"guest_port\":5353}"
                    + "]}}", ApiClient.call(api, "{\"execute\":\"list_hostfwd\"}"));
            // outside the guest's prefix: refused as an IPv4 guest outside the network is
            assertEquals("{\"error\":{\"desc\":\"bad request: add_hostfwd: slirp_add_hostfwd failed\"}}",
                    ApiClient.call(api, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"::1\","
                            + "\"host_port\":0,\"guest_addr\":\"fd00::2\",\"guest_port\":80}}"));
            assertEquals("{\"return\":{}}", ApiClient.remove(api, six[0]));
            assertRefused("::1", six[1]);
            assertEquals(ROUTER6_SEEN, peerIn(curl(List.of(), "http://127.0.0.1:" + four[1] + "/", j)[0]), "id 2 still serves");
            // UDP, no guest address named, an IPv6 client: over IPv6 into the guest's IPv6-only server
            assertEquals("reply=over-api peer=fd00:0:0:0:0:0:0:2 from=0:0:0:0:0:0:0:1:" + unnamed[1],
                    udpOne(List.of(), "::1", unnamed[1], "over-api", j), j.diagnostics());
        }
        assertTrue(Files.notExists(api), "the API socket is removed at exit");
    }

    /**
     * Namespace {@code jsl} (where jslirp runs) has 2001:db8:2::1 on a veth whose other end, in namespace
     * {@code cli}, has 2001:db8:2::20: a client on another machine as far as jslirp can tell.
     */
    @Test
    void aRemoteIpv6ClientIsSeenByTheGuestWithItsOwnAddressAndPort() throws Exception {
        Path api = ForwardIT.apiPath();
        try (Remote6 t = new Remote6(); NsHolder h = NsHolder.netns(); V6OnlyHttp v6only = new V6OnlyHttp(h, 80);
             Jslirp j = start(h, t.jsl.exec(), "--api-socket", api.toString(), "-p", "[::]:8080:80");
             Background udp = udpServer(h)) {
            List<String> cli = t.cli.exec();
            String[] viaPublish = curl(cli, "http://[" + REMOTE_HOST + "]:8080/", j);
            assertEquals("peer=" + REMOTE_CLIENT_SEEN + ":" + viaPublish[1] + "\n", viaPublish[0], j.diagnostics());
            int[] api6 = addAnyPort(api, "tcp", "::", GUEST6, 80);
            String[] viaApi = curl(cli, "http://[" + REMOTE_HOST + "]:" + api6[1] + "/", j);
            assertEquals("peer=" + REMOTE_CLIENT_SEEN + ":" + viaApi[1] + "\n", viaApi[0], j.diagnostics());
            // what the guest server logged, exactly
            assertTrue(v6only.peers().contains("peer=" + REMOTE_CLIENT_SEEN + ":" + viaPublish[1]), v6only.peers().toString());
            assertTrue(v6only.peers().contains("peer=" + REMOTE_CLIENT_SEEN + ":" + viaApi[1]), v6only.peers().toString());
            // an IPv4 client of jslirp's own loopback through the same forward: seen as fd00::2
            assertEquals(ROUTER6_SEEN, peerIn(curl(t.jsl.exec(), "http://127.0.0.1:" + api6[1] + "/", j)[0]));
            // a remote IPv4 client through a forward that names the IPv6 guest address: its RFC 6052 address
            int[] any4 = addAnyPort(api, "tcp", "0.0.0.0", GUEST6, 80);
            String[] remote4 = curl(cli, "http://" + REMOTE_HOST4 + ":" + any4[1] + "/", j);
            assertEquals("peer=" + REMOTE_CLIENT4_SEEN + ":" + remote4[1] + "\n", remote4[0], j.diagnostics());
            // UDP from the remote client, no guest address named: IPv6 to the guest, its own address
            int[] udp6 = addAnyPort(api, "udp", "::", null, 5353);
            assertEquals("reply=remote peer=2001:db8:2:0:0:0:0:20 from=2001:db8:2:0:0:0:0:1:" + udp6[1],
                    udpOne(cli, REMOTE_HOST, udp6[1], "remote", j), j.diagnostics());
        }
    }

    @Test
    void javaApiPublishesAndAddsIpv6Forwards() throws Exception {
        int published = ForwardIT.freePort();
        try (NsHolder h = NsHolder.netns(); V6OnlyHttp v6only = new V6OnlyHttp(h, 80)) {
            Process p = new ProcessBuilder(JavaApiForwards.argv(h.pid, published)).redirectErrorStream(true).start();
            try (AutoCloseable killed = () -> Procs.kill(p); Writer toProgram = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                List<String> lines = new ArrayList<>();
                String line;
                while ((line = out.readLine()) != null && !line.equals("ready")) {
                    lines.add(line);
                }
                assertEquals("ready", line, "the program ended: " + lines);
                assertEquals(3, lines.size(), lines.toString());
                assertEquals("forward 1 tcp ::1 " + published + " fd00::100 true", lines.get(0));
                String[] second = lines.get(1).split(" ");
                String[] third = lines.get(2).split(" ");
                assertEquals("forward 2 tcp 127.0.0.1 _ fd00::100 true", lines.get(1).replace(" " + second[4] + " ", " _ "));
                assertEquals("forward 3 udp ::1 _ 10.0.2.100 false", lines.get(2).replace(" " + third[4] + " ", " _ "));
                int v4port = Integer.parseInt(second[4]);
                int udpPort = Integer.parseInt(third[4]);
                try (Background udp = udpServer(h)) {
                    assertEquals(ROUTER6_SEEN, peerIn(curlOk("http://[::1]:" + published + "/")));
                    assertEquals(ROUTER6_SEEN, peerIn(curlOk("http://127.0.0.1:" + v4port + "/")));
                    Cmd.Result r = Cmd.run(Duration.ofSeconds(30), GuestTool.argv("udpone", "::1", Integer.toString(udpPort), "java-api"));
                    assertEquals("reply=java-api peer=fd00:0:0:0:0:0:0:2 from=0:0:0:0:0:0:0:1:" + udpPort, r.out().trim(), r.describe());
                }
                toProgram.write("remove 1\n");
                toProgram.flush();
                assertEquals("removed 1 true", out.readLine());
                assertRefused("::1", published);
                assertEquals(ROUTER6_SEEN, peerIn(curlOk("http://127.0.0.1:" + v4port + "/")), "forward 2 still serves");
                toProgram.close();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the program ends at EOF on stdin");
                assertEquals(0, p.exitValue());
            }
        }
    }

    @Test
    void badIpv6PublishValuesAreRefusedWithStatus1() {
        String[][] cases = {
            {"8080:[fd00::100]:80", "an IPv6 guest address needs -6 (--enable-ipv6)"},
            {"8080:fd00::100:80", "an IPv6 address goes in brackets"},
            {"8080:[10.0.2.100]:80", "not an IPv6 address: \"10.0.2.100\""},
        };
        for (String[] c : cases) {
            Cmd.Result r = Cmd.run(E2e.SHORT, E2e.concat(E2e.command(), List.of("-p", c[0], "1", "tap0")));
            assertEquals(1, r.exit(), c[0] + ": " + r.describe());
            assertTrue(r.err().contains("jslirp: invalid --publish value \"" + c[0] + "\": " + c[1]), c[0] + ": " + r.describe());
        }
        Cmd.Result outside = Cmd.run(E2e.SHORT, E2e.concat(E2e.command(), List.of("-6", "-p", "8080:[fd00::2]:80", "1", "tap0")));
        assertEquals(1, outside.exit(), outside.describe());
        assertTrue(outside.err().contains("the guest address must be in fd00::/64, other than fd00::, fd00::2 and fd00::3"),
                outside.describe());
    }

    private static String curlOk(String url) {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(20), "curl", "-g", "-sS", "--max-time", "10", url);
        assertEquals(0, r.exit(), url + ": " + r.describe());
        return r.out();
    }

    /**
     * {@code socat TCP6-LISTEN:PORT,ipv6only=1,fork} in the guest: reads a request's head, answers HTTP with
     * {@code peer=[ADDR]:PORT} (socat's SOCAT_PEERADDR and SOCAT_PEERPORT), and logs the same line.
     */
    static final class V6OnlyHttp implements AutoCloseable {
        private final Process process;
        private final Path dir;
        private final Path log;
        private final Path script;

        V6OnlyHttp(NsHolder h, int port) throws IOException {
            dir = Files.createTempDirectory("jsl-fwd6");
            log = dir.resolve("peers");
            script = dir.resolve("serve.sh");
            Files.writeString(script, "cr=$(printf '\\r')\n"
                    + "while IFS= read -r l; do [ -z \"$l\" ] && break; [ \"$l\" = \"$cr\" ] && break; done\n"
                    + "echo \"peer=$SOCAT_PEERADDR:$SOCAT_PEERPORT\" >> " + log + "\n"
                    + "printf 'HTTP/1.0 200 OK\\r\\nConnection: close\\r\\n\\r\\npeer=%s:%s\\n' \"$SOCAT_PEERADDR\" \"$SOCAT_PEERPORT\"\n",
                    StandardCharsets.US_ASCII);
            process = new ProcessBuilder(h.enter("socat", "TCP6-LISTEN:" + port + ",ipv6only=1,reuseaddr,fork", "SYSTEM:sh " + script))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                Cmd.Result r = Cmd.run(E2e.SHORT, h.enter("ss", "-Hltn", "sport = :" + port));
                if (r.ok() && r.out().contains(":" + port)) {
                    return;
                }
                Procs.sleep(50);
            }
            close();
            throw new AssertionError("socat did not listen on [::]:" + port + " in the guest");
        }

        List<String> peers() throws IOException {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.US_ASCII) : List.of();
        }

        @Override
        public void close() {
            Procs.kill(process);
            Cmd.deleteQuietly(log);
            Cmd.deleteQuietly(script);
            Cmd.deleteQuietly(dir);
        }
    }

    /**
     * Two namespaces joined by a veth: jsl (2001:db8:2::1, 198.51.100.1) and cli (2001:db8:2::20,
     * 198.51.100.20), without DAD.
     */
    static final class Remote6 implements AutoCloseable {
        final Netns jsl;
        final Netns cli;

        Remote6() {
            jsl = Netns.create();
            Netns c;
            try {
                c = Netns.create();
            } catch (RuntimeException | AssertionError e) {
                jsl.close();
                throw e;
            }
            cli = c;
            try {
                String v = E2e.unique("f");
                Cmd.ok(E2e.SHORT, "ip", "link", "add", "name", v + "j", "netns", jsl.name, "type", "veth",
                        "peer", "name", v + "c", "netns", cli.name);
                jsl.ok("ip", "link", "set", "lo", "up");
                jsl.ok("ip", "-6", "addr", "add", REMOTE_HOST + "/64", "dev", v + "j", "nodad");
                jsl.ok("ip", "addr", "add", REMOTE_HOST4 + "/24", "dev", v + "j");
                jsl.ok("ip", "link", "set", v + "j", "up");
                cli.ok("ip", "link", "set", "lo", "up");
                cli.ok("ip", "-6", "addr", "add", REMOTE_CLIENT + "/64", "dev", v + "c", "nodad");
                cli.ok("ip", "addr", "add", REMOTE_CLIENT4 + "/24", "dev", v + "c");
                cli.ok("ip", "link", "set", v + "c", "up");
                cli.ok("ping", "-6", "-c", "1", "-W", "2", REMOTE_HOST);
            } catch (RuntimeException | AssertionError e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                cli.close();
            } finally {
                jsl.close();
            }
        }
    }
}
