package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runnable examples keep working: {@code examples/scripts/launcher.sh} drives jslirp the way podman
 * drives slirp4netns (ready fd, exit fd, API socket, a published port) and checks every step itself.
 */
@Tag("e2e")
@Timeout(120)
class ExamplesIT {
    @Test
    void launcherExampleRunsEndToEnd() {
        assumeTrue(E2e.isJslirp(), "the example uses jslirp's host_port 0");
        Path script = Path.of(E2e.launcher()).getParent().resolve("examples/scripts/launcher.sh");
        Cmd.Result r = Cmd.run(Duration.ofSeconds(90), script.toString());
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.out().contains("-> hello from the container: you are 10.0.2.2"), r.describe());
        assertTrue(r.out().contains("jslirp exited with 0; API socket left behind: no"), r.describe());
    }
}
