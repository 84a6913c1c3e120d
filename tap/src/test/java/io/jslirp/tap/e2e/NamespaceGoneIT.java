package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the namespace it serves goes away, jslirp exits by itself (slirp4netns does not notice: its TAP
 * fd keeps the namespace alive, so it serves a namespace nobody can reach, forever).
 */
@Tag("e2e")
@Timeout(60)
class NamespaceGoneIT {
    private static final Duration NOTICE = Duration.ofSeconds(5);

    @Test
    void exitsWhenNamedNetnsIsDeleted() throws Exception {
        assumeTrue(E2e.isJslirp(), "slirp4netns does not notice");
        try (Netns ns = Netns.create();
             Jslirp j = Jslirp.builder().ready3().args("-c", "--netns-type=path", ns.path().toString(), "tap0")
                     .start().awaitReady()) {
            Guest.of(ns, j).ping("10.0.2.2");
            ns.delete();
            Integer status = j.waitFor(NOTICE);
            assertNotNull(status, "still running " + NOTICE + " after ip netns del" + j.diagnostics());
            assertEquals(0, status, j.diagnostics());
        }
    }

    @Test
    void exitsWhenTargetProcessDies() throws Exception {
        assumeTrue(E2e.isJslirp(), "slirp4netns does not notice");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest.of(h, j).ping("10.0.2.2");
            h.close(); // the only process in that namespace
            Integer status = j.waitFor(NOTICE);
            assertNotNull(status, "still running " + NOTICE + " after the target PID died" + j.diagnostics());
            assertEquals(0, status, j.diagnostics());
        }
    }
}
