package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a runtime's start does and leaves out (README.md, "Footprint"): jffi's JNI library comes from the
 * build's {@code tap/target/jni/} and not from a fresh temporary file, a jar without that directory still starts
 * (jffi unpacks its own), the command line is parsed by jslirp's own parser (no library's), class families
 * a start used to load for nothing stay unloaded, the start-up trace names every step up to the ready byte, and on every JDK the build made a class-data archive for
 * (the one running the tests and those in {@code jslirp.archive.jdks}) start-up takes the jar's classes from it.
 */
@Tag("e2e")
@Timeout(120)
class StartupIT {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void jffiLoadsItsLibraryFromTheBuildsJniDirectory() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        Path jni = E2e.jar().resolveSibling("jni");
        assertTrue(Files.isDirectory(jni.resolve(platform())), "the build unpacked no " + jni.resolve(platform()));
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            List<String> libs = jffiMappings(j.pid);
            assertFalse(libs.isEmpty(), "no libjffi mapped" + j.diagnostics());
            for (String lib : libs) {
                assertTrue(lib.startsWith(jni.toRealPath().toString() + "/"), lib + " is not under " + jni);
            }
        }
    }

    @Test
    void aJarWithoutTheJniDirectoryUnpacksJffisOwn(@TempDir Path dir) throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        Path jar = Files.copy(E2e.jar(), dir.resolve("jslirp.jar"), StandardCopyOption.REPLACE_EXISTING);
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().command(List.of(E2e.javaBin(), "-jar", jar.toString())).ready3()
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            List<String> libs = jffiMappings(j.pid);
            assertFalse(libs.isEmpty(), "no libjffi mapped" + j.diagnostics());
            for (String lib : libs) {
                // jffi's own unpacking: a temporary file, deleted once loaded.
                assertTrue(lib.matches(".*/jffi[0-9]*\\.so \\(deleted\\)"), lib);
            }
        }
    }

    @Test
    void aRuntimesStartParsesWithJslirpsOwnParserAndLoadsNoUnusedFamily() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            String classes = Cmd.ok(T, E2e.jcmd(), Long.toString(j.pid), "VM.class_hierarchy").out();
            assertTrue(classes.contains("--io.jslirp.tap.cli.Getopt/"), "not the class list of jslirp: " + classes.length());
            // picocli, with the regular expressions, streams and reflection it used, was some 250 classes.
            assertFalse(classes.contains("picocli."), "a picocli class was loaded");
            // Families a runtime's start used to load for nothing (README.md, "Footprint"): Netty's logging
            // started java.util.logging, ProcessHandle its reaper pool, CompletableFuture ForkJoinPool's common pool,
            // TCP's ISN secret the JDK's security providers (SecureRandom).
            for (String absent : List.of("java.util.logging.LogManager", "io.netty.util.internal.logging.JdkLogger",
                    "java.lang.ProcessHandleImpl",
                    "java.util.concurrent.CompletableFuture", "java.util.concurrent.ForkJoinPool",
                    "java.security.SecureRandom", "sun.security.jca.Providers")) {
                assertFalse(classes.contains("--" + absent + "/"), absent + " was loaded");
            }
        }
    }

    /**
     * libc is bound through jffi alone: none of jnr-ffi, the ASM it generated its binding with, or its x86
     * assembler loads (they are not even in the jar any more; this catches one coming back through another
     * dependency), and no class is generated for the binding.
     */
    @Test
    void aRuntimesStartBindsLibcWithoutJnrFfiOrGeneratedClasses() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            String classes = Cmd.ok(T, E2e.jcmd(), Long.toString(j.pid), "VM.class_hierarchy").out();
            assertTrue(classes.contains("--io.jslirp.tap.sys.Glibc/"), "not the class list of jslirp: " + classes.length());
            assertTrue(classes.contains("--com.kenai.jffi.Invoker/"), "jffi not loaded: " + classes.length());
            for (String family : List.of("jnr.ffi.", "org.objectweb.asm.", "jnr.x86asm.", "jnr.a64asm.")) {
                assertFalse(classes.contains("--" + family), family + "* classes were loaded");
            }
        }
    }

    @Test
    void theStartupTraceNamesEveryStepUpToReady() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().env("JSLIRP_JAVA_OPTS", "-Djslirp.startup.trace=true").ready3()
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            // The report is printed right after the ready byte; give it a moment to reach the file.
            long deadline = System.nanoTime() + T.toNanos();
            while (!j.stderr().contains(": ready [main]") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // The main thread's steps, in this order (the binding's thread marks its own beside them).
            List<String> steps = new ArrayList<>();
            Matcher m = Pattern.compile("jslirp: startup: +([0-9.]+) ms uptime, cpu +(-?[0-9]+) ms .*?: (.+) \\[main]")
                    .matcher(j.stderr());
            double last = 0;
            while (m.find()) {
                steps.add(m.group(3));
                double at = Double.parseDouble(m.group(1));
                assertTrue(at >= last, "marks out of order: " + j.stderr());
                last = at;
            }
            assertEquals(List.of("main", "command line parsed", "settings", "stack prepared", "entering namespace",
                    "configuring", "ready"), steps, j.diagnostics());
        }
    }

    @Test
    void theJarHoldsNoClassFileOlderThanJava6() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        // Class-data archives leave out (JDK 25) or keep unverified (JDK 17) a class older than that. picocli,
        // ASM and jnr-ffi's assembler were; while they were in the jar a build step rewrote them (git log:
        // tap/src/build/OldClassFiles.java). A dependency that brings such classes back fails here.
        List<String> old = new ArrayList<>();
        int classes = 0;
        try (JarFile jar = new JarFile(E2e.jar().toFile())) {
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                if (!e.getName().endsWith(".class") || e.getName().startsWith("META-INF/")) {
                    continue;
                }
                classes++;
                try (DataInputStream in = new DataInputStream(jar.getInputStream(e))) {
                    in.readInt();
                    in.readUnsignedShort();
                    if (in.readUnsignedShort() < 50) {
                        old.add(e.getName());
                    }
                }
            }
        }
        assertTrue(classes > 1000, "not jslirp's shaded jar: " + classes + " classes");
        assertEquals(List.of(), old, old.size() + " class files older than Java 6");
    }

    @Test
    void onEveryJdkWithAnArchiveTheJarsClassesComeFromIt(@TempDir Path dir) throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar and launcher");
        Set<String> homes = new LinkedHashSet<>();
        homes.add(Path.of(System.getProperty("java.home")).toRealPath().toString());
        for (String home : System.getProperty("jslirp.archive.jdks", "").split("[,\\s]+")) {
            if (!home.isEmpty() && Files.isExecutable(Path.of(home, "bin", "java"))) {
                homes.add(Path.of(home).toRealPath().toString());
            }
        }
        int checked = 0;
        for (String home : homes) {
            Path archive = archiveOf(Path.of(home), "");
            if (archive == null) {
                continue;
            }
            checked++;
            startsFrom(home, archive, dir.resolve("classes-" + checked + ".log"));
            // JDK 25 loads every class of its AOT cache at every start, so a start with an API socket has a cache
            // of its own (the API server's classes), which the launcher picks by its arguments, and one without
            // takes none of those classes.
            Path api = archiveOf(Path.of(home), "-api");
            if (archive.toString().endsWith(".aot")) {
                assertTrue(api != null, home + ": no API socket cache beside " + archive);
                startsFrom(home, api, dir.resolve("api-classes-" + checked + ".log"),
                        "--api-socket", dir.resolve("api-" + checked + ".sock").toString());
                List<String> plain = Files.readAllLines(dir.resolve("classes-" + checked + ".log"), StandardCharsets.ISO_8859_1);
                assertFalse(plain.stream().anyMatch(l -> l.contains(" io.jslirp.tap.api.") || l.contains(" com.fasterxml.jackson.")),
                        home + ": a start without an API socket loads the API's classes from " + archive);
            }
        }
        // The build makes an archive for the JDK it runs on whenever it can make a namespace (as root always):
        // none at all means start-up silently lost its archive, which is what this test is for.
        assertTrue(checked > 0, "no JDK here has a class-data archive from the build");
    }

    /**
     * One start through the launcher with JAVA_HOME=home and args before the PID: the JVM maps archive and takes
     * every class of the jar from it, and with an AOT cache it starts no thread to replay training profiles the
     * cache does not hold (archive.sh records none).
     */
    private static void startsFrom(String home, Path archive, Path log, String... args) throws Exception {
        try (NsHolder h = NsHolder.netns()) {
            List<String> a = new ArrayList<>(List.of("-c"));
            a.addAll(List.of(args));
            a.addAll(List.of(Long.toString(h.pid), "tap0"));
            try (Jslirp j = Jslirp.builder().launcher().env("JAVA_HOME", home)
                    .env("JSLIRP_JAVA_OPTS", "-Xlog:class+load=info:file=" + log).ready3().args(a).start().awaitReady()) {
                String maps = Files.readString(Path.of("/proc", Long.toString(j.pid), "maps"), StandardCharsets.ISO_8859_1);
                assertTrue(maps.contains(archive.toString()), home + ": " + archive + " is not mapped" + j.diagnostics());
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                long archived = lines.stream().filter(l -> l.contains(" source: shared objects file")).count();
                assertTrue(lines.stream().anyMatch(l -> l.contains(" io.jslirp.tap.cli.Getopt source: shared objects file")),
                        home + ": the parser is not in " + archive);
                List<String> fromJar = lines.stream().filter(l -> l.contains(" source: file:")).toList();
                assertEquals(List.of(), fromJar, home + ": " + fromJar.size() + " classes from the jar, " + archived
                        + " from " + archive);
                if (archive.toString().endsWith(".aot")) {
                    String flags = Cmd.ok(T, home + "/bin/jcmd", Long.toString(j.pid), "VM.flags", "-all").out();
                    assertTrue(Pattern.compile("\\bAOTReplayTraining\\s+=\\s+false\\b").matcher(flags).find(),
                            home + ": training replay is on" + j.diagnostics());
                }
            }
        }
    }

    /**
     * The archive the launcher uses with this JDK (kind "", or "-api" with an API socket): its AOT cache, else its
     * static archive; newer than the jar.
     */
    private static Path archiveOf(Path home, String kind) throws Exception {
        String runtime = E2e.releaseValue(home, "JAVA_RUNTIME_VERSION");
        if (runtime == null) {
            return null;
        }
        return E2e.freshArchive(runtime, kind.isEmpty() ? List.of(".aot", ".jsa") : List.of(kind + ".aot"));
    }

    /** The file names of the libjffi mappings of a process, as /proc/PID/maps shows them. */
    private static List<String> jffiMappings(long pid) throws Exception {
        List<String> libs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"), StandardCharsets.ISO_8859_1)) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.contains("jffi") && !libs.contains(line.substring(slash))) {
                libs.add(line.substring(slash));
            }
        }
        return libs;
    }

    private static String platform() {
        String arch = System.getProperty("os.arch");
        return (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : "aarch64") + "-Linux";
    }
}
