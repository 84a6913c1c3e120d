package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/** Running things as an unprivileged user (uid/gid 65534), and the /dev/net/tun mode that needs. */
final class Unprivileged {
    private Unprivileged() {}

    static final int UID = 65534;

    /** Prefix that drops to uid/gid 65534 with no supplementary groups. */
    static final List<String> AS_USER = List.of(
            "setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "--");

    /**
     * Makes /dev/net/tun 0666 (what distributions ship) for the life of this object and puts the
     * original mode back on close. Use in try-with-resources so it is restored on every path.
     */
    static final class TunOpen implements AutoCloseable {
        private static final Path TUN = Path.of("/dev/net/tun");
        private final Set<PosixFilePermission> original;

        TunOpen() throws IOException {
            original = Files.getPosixFilePermissions(TUN);
            Files.setPosixFilePermissions(TUN, PosixFilePermissions.fromString("rw-rw-rw-"));
        }

        @Override
        public void close() throws IOException {
            Files.setPosixFilePermissions(TUN, original);
        }
    }
}
