package io.jslirp.tap.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.sys.NativeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which directories the sandbox binds, so that DNS forwarding still follows its resolv.conf. */
class MountSandboxTest {
    private static final Path ETC = Path.of("/etc");
    private static final Path RUN = Path.of("/run");

    @Test
    void withoutDnsForwardingOnlyEtcAndRun() throws Exception {
        assertEquals(List.of(ETC, RUN), MountSandbox.directoriesFor(null));
    }

    @Test
    void aFileElsewhereBringsItsDirectory(@TempDir Path dir) throws Exception {
        Path conf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.1\n");
        assertEquals(List.of(ETC, RUN, dir.toRealPath()), MountSandbox.directoriesFor(conf));
    }

    @Test
    void aSymlinkBringsTheDirectoryOfItsTargetToo(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path links = Files.createDirectories(dir.resolve("links"));
        Files.writeString(real.resolve("stub-resolv.conf"), "nameserver 192.0.2.1\n");
        Path conf = Files.createSymbolicLink(links.resolve("resolv.conf"), Path.of("../real/stub-resolv.conf"));
        assertEquals(List.of(ETC, RUN, links.toRealPath(), real.toRealPath()), MountSandbox.directoriesFor(conf));
    }

    @Test
    void aDirectoryInsideAnotherIsNotBoundTwice(@TempDir Path dir) throws Exception {
        Path inner = Files.createDirectories(dir.resolve("inner"));
        Files.writeString(dir.resolve("target.conf"), "nameserver 192.0.2.1\n");
        Path conf = Files.createSymbolicLink(inner.resolve("resolv.conf"), dir.resolve("target.conf"));
        // inner comes first, then its parent replaces it.
        assertEquals(List.of(ETC, RUN, dir.toRealPath()), MountSandbox.directoriesFor(conf));
    }

    @Test
    void underEtcOrRunNothingIsAdded() throws Exception {
        assertTrue(MountSandbox.directoriesFor(Path.of("/etc/resolv.conf")).subList(0, 2).equals(List.of(ETC, RUN)));
        assertEquals(List.of(ETC, RUN), MountSandbox.directoriesFor(Path.of("/run/no-such-dir-jslirp/resolv.conf").getParent()
                .resolveSibling("resolv.conf")));
    }

    @Test
    void aFileDirectlyUnderRootIsRefusedRatherThanBindingEverything() {
        NativeException e = assertThrows(NativeException.class, () -> MountSandbox.directoriesFor(Path.of("/resolv.conf")));
        assertTrue(e.getMessage().startsWith("sandbox: /resolv.conf lies directly under /"), e.getMessage());
    }
}
