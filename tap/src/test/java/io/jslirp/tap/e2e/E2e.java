package io.jslirp.tap.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Configuration of the end-to-end tests, from system properties that failsafe sets.
 *
 * <ul>
 *   <li>{@code jslirp.jar}: the packaged jar.</li>
 *   <li>{@code jslirp.launcher}: the repo's {@code ./jslirp} launcher script. jslirp runs through it, so with
 *       the JVM options (memory bounds, class-data archive) it runs with in production.</li>
 *   <li>{@code jslirp.direct}: {@code true} runs {@code java -jar JAR} with the JVM's defaults instead.</li>
 *   <li>{@code jslirp.command}: a space-separated command prefix that replaces {@code java -jar JAR}.
 *       Set it to {@code slirp4netns} to check that the harness passes against the real program
 *       wherever the behaviour is shared; tests of jslirp-only features then skip themselves.</li>
 * </ul>
 */
final class E2e {
    private E2e() {}

    static final Duration SHORT = Duration.ofSeconds(10);
    static final Duration READY = Duration.ofSeconds(20);
    private static final SecureRandom RANDOM = new SecureRandom();

    static Path jar() {
        String jar = System.getProperty("jslirp.jar", "tap/target/jslirp.jar");
        return Path.of(jar).toAbsolutePath();
    }

    /** A value of a JDK's {@code release} file ({@code JAVA_RUNTIME_VERSION}, say), unquoted; null if absent. */
    static String releaseValue(Path jdkHome, String key) throws IOException {
        for (String line : Files.readAllLines(jdkHome.resolve("release"), StandardCharsets.UTF_8)) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).replace("\"", "").strip();
            }
        }
        return null;
    }

    /**
     * The build's class-data archive for a JDK runtime version, as archive.sh and the launcher name it:
     * {@code jslirp-<version, sanitized><suffix>} beside the jar ({@code .jsa}, {@code .aot}, {@code -api.aot}).
     */
    static Path archive(String runtimeVersion, String suffix) {
        return jar().resolveSibling("jslirp-" + runtimeVersion.replaceAll("[^A-Za-z0-9._-]", "_") + suffix);
    }

    /** The first of these archives that exists and is newer than the jar (what the launcher would take), or null. */
    static Path freshArchive(String runtimeVersion, List<String> suffixes) throws IOException {
        for (String suffix : suffixes) {
            Path archive = archive(runtimeVersion, suffix);
            if (Files.exists(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar())) > 0) {
                return archive.toRealPath();
            }
        }
        return null;
    }

    /**
     * A JDK home in {@code dir} whose {@code release} file names this version and whose {@code bin/java} only
     * prints the arguments it was given, one per line: what the launcher would run, without a JVM.
     */
    static Path fakeJdk(Path dir, String version, String runtimeVersion) throws IOException {
        Path home = dir.resolve("jdk-" + version);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version
                + "\"\nJAVA_RUNTIME_VERSION=\"" + runtimeVersion + "\"\n");
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** The launcher's compiler directives, relative to the directory it is in. */
    static final Path DIRECTIVES = Path.of("tap", "src", "jvm", "compiler-directives.json");

    static String launcher() {
        return Path.of(System.getProperty("jslirp.launcher", "jslirp")).toAbsolutePath().toString();
    }

    /** True unless {@code jslirp.command} points at something that is not jslirp (slirp4netns). */
    static boolean isJslirp() {
        String c = System.getProperty("jslirp.command", "").trim();
        return c.isEmpty() || !c.contains("slirp4netns");
    }

    static String programName() {
        return isJslirp() ? "jslirp" : "slirp4netns";
    }

    /** The command prefix that starts the program under test. */
    static List<String> command() {
        String c = System.getProperty("jslirp.command", "").trim();
        if (!c.isEmpty()) {
            return new ArrayList<>(Arrays.asList(c.split("\\s+")));
        }
        if (Boolean.getBoolean("jslirp.direct")) {
            return new ArrayList<>(List.of(javaBin(), "-jar", jar().toString()));
        }
        return new ArrayList<>(List.of(launcher()));
    }

    /**
     * The command prefix for an unprivileged user: the jar may sit under a directory that user cannot
     * read, so a world-readable copy in a temporary directory is used, beside a copy of the launcher laid
     * out as in the repo ({@code DIR/jslirp}, {@code DIR/tap/target/jslirp.jar}). The class-data archive is
     * not copied: it names the jar's path, and a JDK refuses it for a jar elsewhere.
     */
    static List<String> commandForUnprivileged() throws IOException {
        if (!System.getProperty("jslirp.command", "").isBlank()) {
            return command();
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jsl-jar-" + ProcessHandle.current().pid());
        Path target = dir.resolve("tap").resolve("target");
        Path copy = target.resolve("jslirp.jar");
        Path launcherCopy = dir.resolve("jslirp");
        Path jvm = dir.resolve("tap").resolve("src").resolve("jvm");
        Path directives = jvm.resolve(DIRECTIVES.getFileName());
        if (!Files.exists(copy) || Files.size(copy) != Files.size(jar()) || !Files.exists(directives)) {
            Files.createDirectories(target);
            for (Path d : List.of(dir, dir.resolve("tap"), target)) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Files.copy(jar(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
            Files.copy(Path.of(launcher()), launcherCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(launcherCopy, PosixFilePermissions.fromString("rwxr-xr-x"));
            // The launcher's compiler directives, where it looks for them beside itself.
            Files.createDirectories(jvm);
            for (Path d : List.of(jvm.getParent(), jvm)) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Files.copy(Path.of(launcher()).toRealPath().resolveSibling(DIRECTIVES), directives,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(directives, PosixFilePermissions.fromString("rw-r--r--"));
            // deleteOnExit runs in reverse order of registration: the files first, then their directories
            dir.toFile().deleteOnExit();
            dir.resolve("tap").toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            jvm.getParent().toFile().deleteOnExit();
            jvm.toFile().deleteOnExit();
            launcherCopy.toFile().deleteOnExit();
            copy.toFile().deleteOnExit();
            directives.toFile().deleteOnExit();
        }
        if (Boolean.getBoolean("jslirp.direct")) {
            return new ArrayList<>(List.of(javaBin(), "-jar", copy.toString()));
        }
        return new ArrayList<>(List.of(launcherCopy.toString()));
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The jcmd of the JDK running the tests, which attaches to the JVMs the launcher starts with it. */
    static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }

    /** A name no other run on this machine uses: {@code prefix-<8 hex>}. */
    static String unique(String prefix) {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return prefix + "-" + HexFormat.of().formatHex(b);
    }

    static List<String> concat(List<String> a, String... b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(Arrays.asList(b));
        return r;
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }
}
