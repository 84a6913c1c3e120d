package io.jslirp.tap.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Test helper: what this JVM has open, to check that the code under test closed what it opened. A bare
 * count of {@code /proc/self/fd} is not enough in a shared test JVM: another thread closing a file it was
 * done with (a cleaner, a finished process's pipes) changes it too. {@link #openedSince} asks only about fds
 * that are open now and were not open, to the same file, before.
 */
public final class OpenFds {
    private OpenFds() {
    }

    /** Each open fd and what it refers to ({@code readlink /proc/self/fd/N}: a path, socket:[inode], ...). */
    public static Map<Integer, String> snapshot() throws IOException {
        Map<Integer, String> open = new TreeMap<>();
        // The listing's own directory fd reads back as /proc/PID/fd. Its number depends on which fds other
        // threads hold at that instant, so it can differ between two snapshots: it is never the code's.
        String listing = "/proc/" + ProcessHandle.current().pid() + "/fd";
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (!target.equals(listing)) {
                        open.put(Integer.parseInt(p.getFileName().toString()), target);
                    }
                } catch (IOException closedMeanwhile) {
                    // one closed while we listed
                }
            }
        }
        return open;
    }

    /** The fds open now that were not open to the same file in {@code before}: opened since, not yet closed. */
    public static Map<Integer, String> openedSince(Map<Integer, String> before) throws IOException {
        Map<Integer, String> opened = snapshot();
        opened.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return opened;
    }
}
