package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Malformed frames from the guest are dropped; the program keeps running and keeps answering. */
@Tag("e2e")
@Timeout(90)
class HostileFramesIT {

    @Test
    void survivesTruncatedAndGarbageFrames() throws Exception {
        try (Netns ns = Netns.create();
             Jslirp j = Jslirp.builder().ready3().args("-c", "--netns-type=path", ns.path().toString(), "tap0")
                     .start().awaitReady()) {
            Guest g = Guest.of(ns, j);
            g.ping("10.0.2.2");
            Cmd.Result inj = Cmd.run(Duration.ofSeconds(60), ns.exec(E2e.javaBin(), "-cp",
                    System.getProperty("java.class.path"), FrameInjector.class.getName(), "tap0", "5"));
            assertTrue(inj.ok(), "the injector failed: " + inj.describe());
            Matcher m = Pattern.compile("sent (\\d+) of (\\d+)").matcher(inj.out());
            assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 200,
                    "too few malformed frames went out: " + inj.describe());
            Procs.sleep(300);
            assertTrue(j.process.isAlive(), "died from malformed frames" + j.diagnostics());
            g.ping("10.0.2.2");
            g.ping("10.0.2.3");
            g.ping("10.0.2.2", "-s", "2000");
            assertTrue(j.process.isAlive(), j.diagnostics());
            String err = j.stderr();
            assertTrue(!err.contains("Exception") && !err.contains("\tat "),
                    "malformed frames are counted and dropped, never thrown: " + err);
        }
    }
}
