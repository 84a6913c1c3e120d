package io.jslirp.tap.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The per-thread drop for real, in a JVM of its own ({@link CapabilityDropProbe}), as root: afterwards no
 * thread (the JVM's own, ours in any state, one started later) holds anything but CAP_NET_BIND_SERVICE in
 * its effective, permitted or bounding set, none has ambient or inheritable ones, all have no_new_privs, and
 * a thread the signal interrupted in accept() carries on.
 */
class CapabilityDropForkTest {
    @Test
    void everyThreadEndsWithAtMostNetBindService() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                CapabilityDropProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> tasks = out.lines().filter(l -> l.startsWith("task ")).toList();
        assertTrue(tasks.size() >= 12, out);
        for (String t : tasks) {
            assertTrue(t.contains("CapEff:0000000000000400"), t);
            assertTrue(t.contains("CapPrm:0000000000000400"), t);
            assertTrue(t.contains("CapBnd:0000000000000400"), t);
            assertTrue(t.contains("CapInh:0000000000000000"), t);
            assertTrue(t.contains("CapAmb:0000000000000000"), t);
            assertTrue(t.contains("NoNewPrivs:1"), t);
        }
        assertTrue(out.contains("acceptor alive true"), out);
    }
}
