package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Gives the unprivileged test user a subordinate uid/gid range in /etc/subuid and /etc/subgid for the life
 * of this object (RootlessKit refuses to start without one) and puts both files back byte for byte on close.
 */
final class SubIds implements AutoCloseable {
    private static final List<Path> FILES = List.of(Path.of("/etc/subuid"), Path.of("/etc/subgid"));
    private final byte[][] original = new byte[FILES.size()][];
    private final boolean[] existed = new boolean[FILES.size()];

    SubIds(String user, long start, long count) throws IOException {
        String line = user + ":" + start + ":" + count + "\n";
        try {
            for (int i = 0; i < FILES.size(); i++) {
                Path f = FILES.get(i);
                existed[i] = Files.exists(f);
                original[i] = existed[i] ? Files.readAllBytes(f) : new byte[0];
                String text = new String(original[i], StandardCharsets.UTF_8);
                if (!text.isEmpty() && !text.endsWith("\n")) {
                    text += "\n";
                }
                // A range already there (another run on this machine holds it) is not added twice: newuidmap
                // refuses overlapping ranges.
                if (!text.contains("\n" + line) && !text.startsWith(line)) {
                    Files.writeString(f, text + line);
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
            if (original[i] == null) {
                continue;
            }
            if (existed[i]) {
                Files.write(FILES.get(i), original[i]);
            } else {
                Files.deleteIfExists(FILES.get(i));
            }
        }
    }
}
