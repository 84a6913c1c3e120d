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
 * the methods its directives file names and C1 for the rest; from JDK 25, and for a JDK whose version it
 * cannot read, C1 alone; and C1 alone, said on stderr, when the directives file is not beside the launcher (a
 * JVM told to read a missing one does not start). No JVM starts: the launcher runs a JDK whose
 * {@code bin/java} only prints its arguments. FootprintIT shows that a real JDK takes them and C2 obeys.
 */
@Tag("e2e")
class LauncherJitChoiceIT {
    private static final Duration T = Duration.ofSeconds(20);
    private static final String UNLOCK = "-XX:+UnlockDiagnosticVMOptions";
    private static final String DIRECTIVES_FLAG = "-XX:CompilerDirectivesFile=";

    @TempDir
    Path dir;

    @Test
    void jdk17GetsC2ForTheDirectivesMethodsAndJdk25OrAnUnknownJdkC1Alone() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        String directives = Path.of(E2e.launcher()).toRealPath().resolveSibling(E2e.DIRECTIVES).toString();
        Path jdk17 = E2e.fakeJdk(dir, "17.0.15", "17.0.15+6");

        List<String> args17 = launch(E2e.launcher(), jdk17, "");
        int at = args17.indexOf(DIRECTIVES_FLAG + directives);
        assertTrue(at > 0, args17.toString());
        // A diagnostic option needs the unlock before it.
        assertTrue(args17.indexOf(UNLOCK) >= 0 && args17.indexOf(UNLOCK) < at, args17.toString());
        assertTrue(args17.contains("-XX:FreqInlineSize=100"), args17.toString());
        assertFalse(args17.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel")), args17.toString());
        assertTrue(args17.contains("-Djslirp.warmup=false"), args17.toString());

        // JSLIRP_JAVA_OPTS comes after, so C1 alone asked for there wins.
        List<String> asked = launch(E2e.launcher(), jdk17, "-XX:TieredStopAtLevel=1");
        assertTrue(asked.indexOf("-XX:TieredStopAtLevel=1") > asked.indexOf(DIRECTIVES_FLAG + directives), asked.toString());

        for (Path jdk : List.of(E2e.fakeJdk(dir, "25.0.3", "25.0.3+9-LTS"), unknownJdk())) {
            List<String> args = launch(E2e.launcher(), jdk, "");
            assertTrue(args.contains("-XX:TieredStopAtLevel=1"), jdk + ": " + args);
            assertFalse(args.stream().anyMatch(a -> a.startsWith(DIRECTIVES_FLAG) || a.startsWith("-XX:FreqInlineSize")),
                    jdk + ": " + args);
            assertTrue(args.contains("-Djslirp.warmup=false"), jdk + ": " + args);
        }
    }

    @Test
    void withoutItsDirectivesFileTheLauncherSaysSoAndRunsC1Alone() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        // The launcher alone, in a directory whose name has a space, beside a jar (an empty stand-in: the fake
        // JDK never opens it) and no sources, so it builds nothing.
        Path tree = Files.createDirectories(dir.resolve("a tree")).toRealPath();
        Path launcher = tree.resolve("jslirp");
        Files.copy(Path.of(E2e.launcher()), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(tree.resolve("tap/target"));
        Files.writeString(tree.resolve("tap/target/jslirp.jar"), "");
        Path jdk17 = E2e.fakeJdk(dir, "17.0.15", "17.0.15+6");
        Path directives = tree.resolve(E2e.DIRECTIVES);

        Cmd.Result r = run(launcher.toString(), jdk17, "");
        List<String> args = r.out().lines().toList();
        assertTrue(args.contains("-XX:TieredStopAtLevel=1"), r.toString());
        assertFalse(args.stream().anyMatch(a -> a.startsWith(DIRECTIVES_FLAG)), r.toString());
        assertTrue(r.err().contains("jslirp: " + directives + " is missing"), r.toString());

        // With the file there, its path (a space in it) is one argument.
        Files.createDirectories(directives.getParent());
        Files.copy(Path.of(E2e.launcher()).toRealPath().resolveSibling(E2e.DIRECTIVES), directives);
        Cmd.Result with = run(launcher.toString(), jdk17, "");
        assertTrue(with.out().lines().toList().contains(DIRECTIVES_FLAG + directives), with.toString());
        assertFalse(with.err().contains("is missing"), with.toString());
    }

    /** A JDK without a release file: the launcher cannot tell its version. */
    private Path unknownJdk() throws Exception {
        Path home = E2e.fakeJdk(dir.resolve("unknown"), "0", "0");
        Files.delete(home.resolve("release"));
        return home;
    }

    private static List<String> launch(String launcher, Path jdkHome, String javaOpts) {
        return run(launcher, jdkHome, javaOpts).out().lines().toList();
    }

    /** The launcher's {@code --version} with this JDK: no archive, so the arguments do not depend on the build. */
    private static Cmd.Result run(String launcher, Path jdkHome, String javaOpts) {
        Cmd.Result r = Cmd.run(T, List.of(launcher, "--version"),
                Map.of("JAVA_HOME", jdkHome.toString(), "JSLIRP_JAVA_OPTS", javaOpts, "JSLIRP_NO_ARCHIVE", "1"));
        assertEquals(0, r.exit(), r.toString());
        return r;
    }
}
