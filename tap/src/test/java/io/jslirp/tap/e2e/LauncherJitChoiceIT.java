package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which compilers the launcher asks each JDK for (README, "Footprint": the compilers): below JDK 25, C2 for
 * the methods its directives file names and C1 for the rest; from JDK 25, C1 alone; and C1 alone, said on
 * stderr, when the directives file is not beside the launcher (a JVM told to read a missing one does not
 * start). No JVM starts: the launcher runs a JDK whose {@code bin/java} only prints its arguments.
 * FootprintIT shows that a real JDK 17 takes the directives and obeys them.
 */
@Tag("e2e")
class LauncherJitChoiceIT {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void jdk17GetsC2ForTheDirectivesMethodsAndJdk25C1Alone() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        String directives = Path.of(E2e.launcher()).toRealPath().resolveSibling(E2e.DIRECTIVES).toString();

        Cmd.Result jdk17 = launch(E2e.launcher(), E2e.fakeJdk(dir, "17.0.15", "17.0.15+6"));
        List<String> args17 = jdk17.out().lines().toList();
        assertTrue(args17.contains("-XX:CompilerDirectivesFile=" + directives), jdk17.toString());
        assertTrue(args17.contains("-XX:+UnlockDiagnosticVMOptions"), jdk17.toString());
        assertFalse(args17.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel")), jdk17.toString());
        assertTrue(args17.contains("-Djslirp.warmup=false"), jdk17.toString());

        Cmd.Result jdk25 = launch(E2e.launcher(), E2e.fakeJdk(dir, "25.0.3", "25.0.3+9-LTS"));
        List<String> args25 = jdk25.out().lines().toList();
        assertTrue(args25.contains("-XX:TieredStopAtLevel=1"), jdk25.toString());
        assertFalse(args25.stream().anyMatch(a -> a.startsWith("-XX:CompilerDirectivesFile")), jdk25.toString());
        assertTrue(args25.contains("-Djslirp.warmup=false"), jdk25.toString());
    }

    @Test
    void withoutItsDirectivesFileTheLauncherSaysSoAndRunsC1Alone() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        // The launcher alone, beside a jar (an empty stand-in: the fake JDK never opens it) and no sources, so
        // it builds nothing.
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path launcher = tree.resolve("jslirp");
        Files.copy(Path.of(E2e.launcher()), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(tree.resolve("tap/target"));
        Files.writeString(tree.resolve("tap/target/jslirp.jar"), "");

        Cmd.Result r = launch(launcher.toString(), E2e.fakeJdk(dir, "17.0.15", "17.0.15+6"));
        List<String> args = r.out().lines().toList();
        assertTrue(args.contains("-XX:TieredStopAtLevel=1"), r.toString());
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-XX:CompilerDirectivesFile")), r.toString());
        assertTrue(r.err().contains("jslirp: " + tree.toRealPath().resolve(E2e.DIRECTIVES) + " is missing"), r.toString());
    }

    private static Cmd.Result launch(String launcher, Path jdkHome) {
        Cmd.Result r = Cmd.run(T, List.of(launcher, "--version"), Map.of("JAVA_HOME", jdkHome.toString()));
        assertEquals(0, r.exit(), r.toString());
        return r;
    }
}
