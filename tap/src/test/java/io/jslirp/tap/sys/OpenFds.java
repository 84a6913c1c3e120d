package io.jslirp.tap.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Test helper: counts this JVM's open file descriptors, to check that the code under test closed what it opened. */
public final class OpenFds {
    private OpenFds() {
    }

    /** How many fds this process has open now: the entries of {@code /proc/self/fd}. */
    public static long count() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
