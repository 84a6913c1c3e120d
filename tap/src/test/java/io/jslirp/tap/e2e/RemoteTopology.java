package io.jslirp.tap.e2e;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A "remote host" that is still on this machine: namespace {@code srv} (192.0.2.1/24, TEST-NET-1) joined
 * by a veth pair to namespace {@code jsl} (192.0.2.2/24, default route via 192.0.2.1), where the
 * program under test runs. With {@code secondAddress}, {@code jsl} also has 192.0.2.3/24 (for
 * {@code --outbound-addr}). The guest is a third namespace, held by an {@link NsHolder}. Nothing here
 * has a route off the machine; closing deletes both namespaces (which destroys the veth pair).
 */
final class RemoteTopology implements AutoCloseable {
    static final String SERVER = "192.0.2.1";
    static final String JSL = "192.0.2.2";
    static final String JSL_SECOND = "192.0.2.3";

    final Netns srv;
    final Netns jsl;

    RemoteTopology(boolean secondAddress) {
        Netns s = Netns.create();
        Netns j;
        try {
            j = Netns.create();
        } catch (RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
        srv = s;
        jsl = j;
        try {
            String v = E2e.unique("v");
            String vs = v + "s";
            String vj = v + "j";
            // created directly inside the two namespaces, so nothing is ever left in the host's
            Cmd.ok(E2e.SHORT, "ip", "link", "add", "name", vs, "netns", srv.name, "type", "veth",
                    "peer", "name", vj, "netns", jsl.name);
            srv.ok("ip", "link", "set", "lo", "up");
            srv.ok("ip", "addr", "add", SERVER + "/24", "dev", vs);
            srv.ok("ip", "link", "set", vs, "up");
            jsl.ok("ip", "link", "set", "lo", "up");
            jsl.ok("ip", "addr", "add", JSL + "/24", "dev", vj);
            if (secondAddress) {
                jsl.ok("ip", "addr", "add", JSL_SECOND + "/24", "dev", vj);
            }
            jsl.ok("ip", "link", "set", vj, "up");
            jsl.ok("ip", "route", "add", "default", "via", SERVER);
            // the veth must carry traffic before the test starts: ping across once (bounded)
            jsl.ok("ping", "-c", "1", "-W", "2", SERVER);
        } catch (RuntimeException | AssertionError e) {
            close();
            throw e;
        }
    }

    /**
     * Starts {@code socat TCP-LISTEN:PORT,bind=192.0.2.1,fork SYSTEM:'SCRIPT'} in {@code srv} and waits
     * (at most 5 s) until it listens. SCRIPT sees the client's address as {@code $SOCAT_PEERADDR}.
     */
    Process socatServer(int port, String script) throws IOException {
        Process p = new ProcessBuilder(srv.exec("socat", "TCP-LISTEN:" + port + ",bind=" + SERVER + ",reuseaddr,fork",
                "SYSTEM:" + script))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            Cmd.Result r = srv.run("ss", "-Hltn", "sport = :" + port);
            if (r.ok() && r.out().contains(":" + port)) {
                return p;
            }
            if (!p.isAlive()) {
                break;
            }
            Procs.sleep(50);
        }
        Procs.kill(p);
        throw new AssertionError("socat in " + srv + " did not listen on " + SERVER + ":" + port);
    }

    /** The prefix that runs the program under test inside {@code jsl}. */
    List<String> inJsl() {
        return List.of("ip", "netns", "exec", jsl.name);
    }

    @Override
    public void close() {
        try {
            jsl.close();
        } finally {
            srv.close();
        }
    }
}
