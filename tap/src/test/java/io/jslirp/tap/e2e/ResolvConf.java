package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A resolv.conf of the test's own that points the program under test at the test's {@link DnsResponder}.
 * jslirp reads it through {@code --resolv-conf=FILE}; slirp4netns (which always reads /etc/resolv.conf) is
 * started in a private mount namespace where the file is bind-mounted over /etc/resolv.conf
 * ({@link #prefix}), which leaves the machine's own resolv.conf untouched. Deleted on close.
 */
final class ResolvConf implements AutoCloseable {
    final Path dir;
    final Path file;

    ResolvConf(String nameserver) throws IOException {
        dir = Files.createTempDirectory("jsl-resolv");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        file = dir.resolve("resolv.conf");
        Files.writeString(file, content(nameserver), StandardCharsets.US_ASCII);
    }

    private static String content(String nameserver) {
        return "# written by a jslirp end-to-end test\nnameserver " + nameserver + "\noptions timeout:1 attempts:1\n";
    }

    /**
     * Points it at another nameserver the way resolvconf and systemd-resolved do: a new file renamed over
     * the old one (so the path's inode, mtime and size all change).
     */
    void replace(String nameserver) throws IOException {
        Path tmp = dir.resolve("resolv.conf.new");
        Files.writeString(tmp, content(nameserver), StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** What runs the program so that it reads this file: a mount-namespace prefix for slirp4netns. */
    List<String> prefix() {
        if (E2e.isJslirp()) {
            return List.of();
        }
        return List.of("unshare", "-m", "--propagation", "private", "bash", "-c",
                "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", file.toString());
    }

    /** The options that make the program read this file: {@code --resolv-conf=FILE} for jslirp. */
    List<String> args() {
        return E2e.isJslirp() ? List.of("--resolv-conf=" + file) : List.of();
    }

    @Override
    public void close() {
        Cmd.deleteQuietly(dir.resolve("resolv.conf.new"));
        Cmd.deleteQuietly(file);
        Cmd.deleteQuietly(dir);
    }
}
