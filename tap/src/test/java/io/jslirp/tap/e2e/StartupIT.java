package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a runtime's start does and leaves out (README.md, "Footprint"): jffi's JNI library comes from the
 * build's {@code tap/target/jni/} and not from a fresh temporary file, a jar without that directory still starts
 * (jffi unpacks its own), picocli's converters for types jslirp has no option of stay unloaded and so do the
 * sandbox's C calls (LaterCalls), and the
 * start-up trace names every step up to the ready byte.
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
    void aRuntimesStartLoadsNoConverterForTypesJslirpHasNoOptionOfAndBindsNoSandboxCall() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's own jar");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            String classes = Cmd.ok(T, jcmd(), Long.toString(j.pid), "VM.class_hierarchy").out();
            assertTrue(classes.contains("picocli.CommandLine"), "not the class list of jslirp: " + classes.length());
            assertFalse(classes.contains("java.sql."), "picocli's java.sql converters were loaded");
            assertFalse(classes.contains("java.time.ZonedDateTime"), "picocli's java.time converters were loaded");
            assertFalse(classes.contains("LaterCalls$jnr$ffi"), "the sandbox's calls were bound");
            // Families a runtime's start used to load for nothing (README.md, "Footprint"): Netty's logging and
            // jnr-ffi's small blocks started java.util.logging, ProcessHandle its reaper pool, CompletableFuture
            // ForkJoinPool's common pool.
            for (String absent : List.of("java.util.logging.LogManager", "io.netty.util.internal.logging.JdkLogger",
                    "jnr.ffi.util.ref.FinalizableReferenceQueue", "java.lang.ProcessHandleImpl",
                    "java.util.concurrent.CompletableFuture", "java.util.concurrent.ForkJoinPool")) {
                assertFalse(classes.contains("--" + absent + "/"), absent + " was loaded");
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

    private static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }
}
