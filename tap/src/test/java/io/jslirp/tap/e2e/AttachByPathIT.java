package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Attach to a named namespace by its path, as podman and detached RootlessKit do. */
@Tag("e2e")
@Timeout(60)
class AttachByPathIT {

    @Test
    void netnsTypePath() throws Exception {
        try (Netns ns = Netns.create();
             Jslirp j = Jslirp.builder().ready3()
                     .args("-c", "--netns-type=path", ns.path().toString(), "tap0").start().awaitReady()) {
            Guest g = Guest.of(ns, j);
            assertTrue(g.addr("tap0").contains("inet 10.0.2.100/24"), g.addr("tap0"));
            g.ping("10.0.2.2");
        }
    }

    @Test
    void netnsTypeSeparateArgument() throws Exception {
        try (Netns ns = Netns.create();
             Jslirp j = Jslirp.builder().ready3()
                     .args("-c", "--netns-type", "path", ns.path().toString(), "tap0").start().awaitReady()) {
            Guest.of(ns, j).ping("10.0.2.2");
        }
    }

    /** jslirp's extension: {@code --netns PATH} is short for {@code --netns-type=path PATH}. */
    @Test
    void netnsShortForm() throws Exception {
        assumeTrue(E2e.isJslirp(), "--netns is a jslirp extension");
        try (Netns ns = Netns.create();
             Jslirp j = Jslirp.builder().ready3()
                     .args("-c", "--netns", ns.path().toString(), "tap0").start().awaitReady()) {
            Guest.of(ns, j).ping("10.0.2.2");
        }
    }
}
