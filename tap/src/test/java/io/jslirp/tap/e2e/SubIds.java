package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Gives the unprivileged test user a subordinate uid/gid range in /etc/subuid and /etc/subgid for the life
 * of this object (RootlessKit and podman refuse to start without one). The line is added only where it is
 * absent, and on close exactly the lines this object added are taken out again, from the files as they are
 * then: several worktrees run these tests on one machine at once, and restoring a snapshot taken at start
 * would put back, or take away, a line another run added meanwhile (a stale line left that way broke
 * newuidmap for later runs).
 */
final class SubIds implements AutoCloseable {
    private static final List<Path> FILES = List.of(Path.of("/etc/subuid"), Path.of("/etc/subgid"));
    private final String line;
    private final boolean[] added = new boolean[FILES.size()];
    private final boolean[] existed = new boolean[FILES.size()];

    SubIds(String user, long start, long count) throws IOException {
        line = user + ":" + start + ":" + count;
        try {
            for (int i = 0; i < FILES.size(); i++) {
                Path f = FILES.get(i);
                existed[i] = Files.exists(f);
                String text = existed[i] ? Files.readString(f, StandardCharsets.UTF_8) : "";
                // A range already there (another run on this machine holds it) is not added twice: newuidmap
                // refuses overlapping ranges.
                if (!text.lines().toList().contains(line)) {
                    if (!text.isEmpty() && !text.endsWith("\n")) {
                        text += "\n";
                    }
                    Files.writeString(f, text + line + "\n", StandardCharsets.UTF_8);
                    added[i] = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < FILES.size(); i++) {
            if (!added[i]) {
                continue;
            }
            Path f = FILES.get(i);
            StringBuilder kept = new StringBuilder();
            boolean removed = false;
            for (String l : Files.readString(f, StandardCharsets.UTF_8).lines().toList()) {
                if (!removed && l.equals(line)) {
                    removed = true; // only one copy: it is the one this object added
                } else {
                    kept.append(l).append('\n');
                }
            }
            if (!existed[i] && kept.length() == 0) {
                Files.deleteIfExists(f);
            } else {
                Files.writeString(f, kept.toString(), StandardCharsets.UTF_8);
            }
            added[i] = false;
        }
    }
}
