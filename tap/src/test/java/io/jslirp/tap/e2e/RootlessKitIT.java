package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RootlessKit with jslirp in place of slirp4netns, as an unprivileged user, the way rootless Docker and
 * nerdctl run it: {@code rootlesskit --net=slirp4netns --slirp4netns-binary=./jslirp
 * --port-driver=slirp4netns}. RootlessKit creates tap0 itself and configures it; its port driver talks to
 * jslirp's API socket when {@code rootlessctl add-ports} / {@code remove-ports} run.
 */
@Tag("e2e")
@Timeout(120)
class RootlessKitIT {
    @Test
    void rootlessKitStartsWithJslirpAndPublishesAndWithdrawsAPort() throws Exception {
        Path state = Files.createTempDirectory("jsl-rk");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path stateDir = state.resolve("state");
        Path childOut = state.resolve("child.txt");
        int hostPort = ForwardIT.freePort();
        String binary = E2e.isJslirp() ? E2e.launcher() : "slirp4netns";
        // the child: report its network, serve one line per connection on port 80, live at most 60 s
        String child = "ip -4 -o addr show tap0 > " + childOut + "; ping -c 1 -W 5 10.0.2.2 >> " + childOut
                + " 2>&1 && echo PING-OK >> " + childOut
                + "; exec timeout 60 socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hello-from-child'";
        List<String> argv = new ArrayList<>(Unprivileged.AS_USER);
        argv.addAll(List.of("env", "HOME=" + state, "XDG_RUNTIME_DIR=" + state, "rootlesskit",
                "--state-dir=" + stateDir, "--net=slirp4netns", "--slirp4netns-binary=" + binary,
                "--port-driver=slirp4netns", "sh", "-c", child));
        try (SubIds ids = new SubIds("nobody", 300_000, 65_536); Unprivileged.TunOpen tun = new Unprivileged.TunOpen()) {
            Path log = state.resolve("rootlesskit.log");
            Process rk = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                String report = awaitFile(childOut, "PING-OK", rk, log);
                assertTrue(report.contains("inet 10.0.2.100/24"), report);
                Path api = stateDir.resolve("api.sock");
                Cmd.Result add = ctl(api, "add-ports", "127.0.0.1:" + hostPort + ":80/tcp");
                assertEquals(0, add.exit(), add.describe() + "\n" + Files.readString(log));
                assertEquals("hello-from-child\n", readLine(hostPort), "through the published port\n" + Files.readString(log));
                Cmd.Result list = ctl(api, "list-ports");
                // "ID PROTO PARENTIP PARENTPORT CHILDIP CHILDPORT", one row per port
                Matcher m = Pattern.compile("(?m)^(\\d+)\\s+tcp\\s+127\\.0\\.0\\.1\\s+" + hostPort + "\\s").matcher(list.out());
                assertTrue(list.ok() && m.find(), list.describe());
                Cmd.Result remove = ctl(api, "remove-ports", m.group(1));
                assertEquals(0, remove.exit(), remove.describe());
                assertRefused(hostPort);
            } finally {
                Procs.kill(rk);
            }
        }
    }

    static Cmd.Result ctl(Path api, String... args) {
        List<String> argv = new ArrayList<>(Unprivileged.AS_USER);
        argv.addAll(List.of("rootlessctl", "--socket=" + api));
        argv.addAll(List.of(args));
        return Cmd.run(Duration.ofSeconds(20), argv);
    }

    static String awaitFile(Path f, String marker, Process rk, Path log) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(f)) {
                String s = Files.readString(f);
                if (s.contains(marker)) {
                    return s;
                }
            }
            if (!rk.isAlive()) {
                break;
            }
            Procs.sleep(100);
        }
        fail("the child did not report " + marker + "; rootlesskit alive=" + rk.isAlive() + "\n"
                + (Files.exists(f) ? Files.readString(f) : "(no report)") + "\n--- log ---\n" + Files.readString(log));
        return null;
    }

    static String readLine(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertRefused(int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            } catch (ConnectException refused) {
                return;
            } catch (IOException e) {
                fail("expected refusal, got " + e);
            }
            Procs.sleep(100);
        }
        fail("port " + port + " still accepts connections after remove-ports");
    }
}
