package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TCP's ISN secret comes from the kernel, differs from one session to the next, and a failure to read it is said. */
class KernelRandomTest {
    @TempDir
    Path dir;

    @Test
    void eachSessionGetsItsOwnSecret() throws IOException {
        Settings settings = Settings.builder(new Target.Pid(1)).build();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            seen.add(StartupSteps.sessionRelayOptions(settings).isnSecret());
        }
        // Eight draws of 64 random bits: a repeat (or a constant, such as 0) is a broken source, not chance.
        assertEquals(8, seen.size(), "secrets " + seen);
    }

    @Test
    void readsEightBytesBigEndian() throws IOException {
        Path f = dir.resolve("bytes");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) 0x88, 9});
        assertEquals(0x0102_0304_0506_0788L, KernelRandom.nextLong(f.toString()));
    }

    @Test
    void aShortOrMissingSourceIsAClearError() throws IOException {
        Path f = dir.resolve("short");
        Files.write(f, new byte[] {1, 2, 3});
        IOException shortRead = assertThrows(IOException.class, () -> KernelRandom.nextLong(f.toString()));
        assertEquals("cannot read the kernel's randomness for TCP's sequence numbers: " + f
                + " ended after 3 of 8 bytes", shortRead.getMessage());
        IOException missing = assertThrows(IOException.class,
                () -> KernelRandom.nextLong(dir.resolve("none").toString()));
        assertTrue(missing.getMessage().startsWith("cannot read the kernel's randomness for TCP's sequence numbers: "
                + dir.resolve("none") + ": "), missing.getMessage());
    }
}
