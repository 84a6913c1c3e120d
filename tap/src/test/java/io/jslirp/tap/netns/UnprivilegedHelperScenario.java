package io.jslirp.tap.netns;

import io.jslirp.tap.dev.TapDevice;
import io.jslirp.tap.sys.Fds;
import java.nio.file.Path;

/**
 * Runs as an unprivileged user (uid 65534) in a separate JVM, started by {@link NamespaceEntryTest}: does what
 * jslirp does for RootlessKit's detached mode — openViaHelper into a user+net namespace it owns, then
 * TUNSETIFF from outside — and reports {@code attached NAME LATENCY_MS CHILDREN}. It keeps the device until
 * its stdin closes so the test can look at it from root.
 */
public final class UnprivilegedHelperScenario {
    private UnprivilegedHelperScenario() {
    }

    public static void main(String[] args) throws Exception {
        try {
            long t0 = System.nanoTime();
            NamespaceHandles h = NamespaceEntry.openViaHelper(Path.of(args[0]), Path.of(args[1]));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
            try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0")) {
                System.out.println("attached " + tap.name() + " " + ms + " " + children);
                System.out.flush();
                while (System.in.read() >= 0) {
                    // hold the device until the test is done looking
                }
            } finally {
                Fds.close(h.controlSocketFd());
            }
            System.exit(0);
        } catch (Exception e) {
            System.out.println("error " + e.getMessage());
            System.out.flush();
            System.exit(1);
        }
    }
}
