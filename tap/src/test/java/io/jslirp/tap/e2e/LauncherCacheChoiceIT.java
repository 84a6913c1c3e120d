package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which of JDK 25's two AOT caches the launcher picks for a command line: the API socket's when jslirp's own
 * parser would find an API socket in it, the other one otherwise. No JVM starts: the launcher runs a JDK 25
 * whose {@code bin/java} only prints the arguments it was given.
 */
@Tag("e2e")
class LauncherCacheChoiceIT {
    private static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @TempDir
    Path dir;

    @Test
    void theApiSocketsCacheExactlyWhenTheCommandLineHasAnApiSocket() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        assumeTrue(Files.isReadable(TEMURIN_25.resolve("release")), "no Temurin 25 here, so no AOT caches");
        String runtime = E2e.releaseValue(TEMURIN_25, "JAVA_RUNTIME_VERSION");
        String version = E2e.releaseValue(TEMURIN_25, "JAVA_VERSION");
        assertNotNull(runtime, "no JAVA_RUNTIME_VERSION in Temurin 25's release file");
        assertNotNull(version, "no JAVA_VERSION in Temurin 25's release file");
        Path plain = E2e.archive(runtime, ".aot");
        Path api = E2e.archive(runtime, "-api.aot");
        assumeTrue(Files.exists(plain) && Files.exists(api), "the build made no JDK 25 caches here");

        Path home = E2e.fakeJdk(dir, version, runtime);

        // The API socket, as getopt_long reads it: -a or a prefix of --api-socket, with its value joined or
        // not, after other flags in one word, after the PID; for run, only before its COMMAND.
        for (String line : List.of("-c --api-socket /s 1 tap0", "-c 1 tap0 --api-socket=/s", "-c --api /s 1 tap0",
                "-ca /s 1 tap0", "-6a/s 1 tap0", "-a /s -c 1 tap0", "run --mtu 1500 -a /s sh",
                "run --publish 8080:80 --api-socket=/s ls")) {
            assertEquals(api.toString(), cacheFor(home, line), line);
        }
        for (String line : List.of("-c -r 3 1 tap0", "-c 1 tap0 -- -a", "run ls -a", "run -m 1500 sh -c -a",
                "run -p 8080:80 ls -a", "-m 9000 -e 4 1 tap0", "--help")) {
            assertEquals(plain.toString(), cacheFor(home, line), line);
        }
    }

    /** The AOT cache the launcher passes for {@code line} (words split at spaces), or null for none. */
    private static String cacheFor(Path home, String line) {
        List<String> argv = new ArrayList<>(List.of(E2e.launcher()));
        argv.addAll(List.of(line.split(" ")));
        Cmd.Result r = Cmd.run(Duration.ofSeconds(20), argv, Map.of("JAVA_HOME", home.toString()));
        assertEquals(0, r.exit(), r.toString());
        String cache = null;
        for (String a : r.out().split("\n")) {
            if (a.startsWith("-XX:AOTCache=")) {
                assertTrue(cache == null, "two caches: " + r.out());
                cache = a.substring("-XX:AOTCache=".length());
            }
        }
        return cache;
    }
}
