package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher's footprint options are what the running JVM has (read back from the process, not from the
 * script), and a memory bound too small for the traffic ends jslirp with a message and a status instead of
 * a hang.
 */
@Tag("e2e")
@Timeout(120)
class FootprintIT {
    private static final Duration T = Duration.ofSeconds(30);
    /** The launcher's options that tune C2: it passes them only where it runs C2 (below JDK 25). */
    private static final String C2_FLAG_NAMES = "Tier4\\w*Threshold|MaxNodeLimit|FreqInlineSize|InlineSmallCode|MaxInlineSize";
    private static final Pattern C2_FLAGS = Pattern.compile(C2_FLAG_NAMES);
    /** The launcher's options that choose the JIT's work (README, "Footprint": the compilers). */
    private static final String COMPILER_FLAGS = "CICompilerCount|Tier3\\w*Threshold|" + C2_FLAG_NAMES;

    @Test
    void theLaunchersMemoryBoundsAndArchiveReachTheJvm() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        String script = Files.readString(Path.of(E2e.launcher()), StandardCharsets.UTF_8);
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().ready3().args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Map<String, String> flags = vmFlags(j.pid);
            assertEquals(mib(script, "-Xmx(\\d+)m"), flags.get("MaxHeapSize"), "max heap " + flags);
            assertEquals(mib(script, "-Xms(\\d+)m"), flags.get("InitialHeapSize"), "initial heap " + flags);
            assertEquals(mib(script, "-XX:MaxDirectMemorySize=(\\d+)m"), flags.get("MaxDirectMemorySize"), flags.toString());
            assertEquals(mib(script, "-XX:MaxMetaspaceSize=(\\d+)m"), flags.get("MaxMetaspaceSize"), flags.toString());
            assertEquals(mib(script, "-XX:ReservedCodeCacheSize=(\\d+)m"), flags.get("ReservedCodeCacheSize"), flags.toString());
            // -Xss256k is ThreadStackSize in KiB
            assertEquals(group(script, "-Xss(\\d+)k"), flags.get("ThreadStackSize"), flags.toString());
            assertEquals("true", flags.get("UseSerialGC"), flags.toString());
            assertEquals("true", flags.get("ExitOnOutOfMemoryError"), flags.toString());
            assertEquals("false", flags.get("ShrinkHeapInSteps"), flags.toString());
            // The start-up-only code the launcher keeps from the compilers: every exclusion reaches the JVM.
            String jvmArgs = Cmd.ok(T, E2e.jcmd(), Long.toString(j.pid), "VM.command_line").out();
            Matcher excluded = Pattern.compile("-XX:CompileCommand=exclude,\\S+").matcher(script);
            int exclusions = 0;
            while (excluded.find()) {
                exclusions++;
                assertTrue(jvmArgs.contains(excluded.group()), excluded.group() + " not in " + jvmArgs);
            }
            assertTrue(exclusions > 0, "the launcher excludes no start-up code from compilation");
            // `quiet`: not a word about them, on stdout (jslirp's) or on stderr (where the JVM's own output goes).
            assertFalse(j.stdout().contains("CompileCommand"), "the JVM said so on stdout: " + j.stdout());
            assertFalse(j.stderr().contains("CompileCommand"), "the JVM said so on stderr: " + j.diagnostics());
            // Below JDK 25, C2 is on and told by the directives file beside the launcher what it may compile (the
            // next test shows it obeys), and the launcher's fallback to C1 alone, for a missing file, did not
            // happen; from JDK 25, C1 alone. The JDK is the one the launcher found, not necessarily the tests'.
            boolean c2 = jdkMajor(j.pid) < 25;
            assertEquals(c2 ? null : "1", flags.get("TieredStopAtLevel"), "C2 on below JDK 25 only: " + flags);
            assertEquals(c2 ? Path.of(E2e.launcher()).toRealPath().resolveSibling(E2e.DIRECTIVES).toString() : null,
                    flags.get("CompilerDirectivesFile"), flags.toString());
            assertFalse(j.stderr().contains("is missing"), j.diagnostics());
            assertFalse(j.stdout().contains("directives"), "the JVM's words on stdout, which is jslirp's: " + j.stdout());
            // The compiler policy (how many compiler threads, how much C2 inlines): every such option in the
            // launcher has its value in the running JVM (C2's only where C2 runs); read from the options
            // themselves, not from the comments that give the numbers (and name the options tried and left).
            String code = script.lines().filter(l -> !l.strip().startsWith("#")).collect(Collectors.joining("\n"));
            Matcher compiler = Pattern.compile("-XX:(" + COMPILER_FLAGS + ")=(\\d+)(?!\\w)").matcher(code);
            int policies = 0;
            while (compiler.find()) {
                if (!c2 && C2_FLAGS.matcher(compiler.group(1)).matches()) {
                    continue;
                }
                policies++;
                assertEquals(compiler.group(2), flags.get(compiler.group(1)), compiler.group(1) + " in " + flags);
            }
            assertTrue(policies > 0, "the launcher sets no compiler option");

            String props = Cmd.ok(T, E2e.jcmd(), Long.toString(j.pid), "VM.system_properties").out();
            assertTrue(props.contains("jslirp.warmup=false"), "the launcher turns the UDP warm-up off: " + props);
            assertTrue(props.contains("io.netty.allocator.numDirectArenas=1"), props);
            assertTrue(props.contains("io.netty.allocator.maxOrder=" + group(script, "-Dio.netty.allocator.maxOrder=(\\d+)")), props);
            assertTrue(props.contains("io.netty.leakDetection.level=disabled"), props);
            // The packet pool's chunks from malloc, unzeroed: Netty is asked to, and the jar opens java.nio to it.
            assertTrue(props.contains("io.netty.tryReflectionSetAccessible=true"), props);
            try (JarFile jar = new JarFile(E2e.jar().toFile())) {
                assertEquals("java.base/java.nio", jar.getManifest().getMainAttributes().getValue("Add-Opens"));
            }
            // ... and it took: jslirp says at start-up when Netty still zeroes its chunks.
            assertFalse(j.stderr().contains("zeroed whole"), j.diagnostics());
            // en_US whatever the host's locale: jffi's String.format then loads no locale data. On the command
            // line, since the JDK derives en/US from some hosts' locales (C, POSIX) by itself.
            assertTrue(jvmArgs.contains("-Duser.language=en") && jvmArgs.contains("-Duser.country=US"), jvmArgs);

            String environ = Files.readString(Path.of("/proc", Long.toString(j.pid), "environ"), StandardCharsets.ISO_8859_1);
            assertTrue(List.of(environ.split("\0")).contains("MALLOC_ARENA_MAX=2"), "glibc's arenas are capped");

            // The build's archive for this JDK, when there is one, is mapped: the JVM took it, it did not
            // refuse it and start without (which it does quietly, on stderr).
            Path archive = archiveForThisJdk();
            if (archive != null) {
                String maps = Files.readString(Path.of("/proc", Long.toString(j.pid), "maps"), StandardCharsets.ISO_8859_1);
                assertTrue(maps.contains(archive.toString()), archive + " is not mapped" + j.diagnostics());
                // ... where it was dumped, not relocated (which writes most of it into private memory).
                assertEquals("0", flags.get("ArchiveRelocationMode"), flags.toString());
                assertFalse(j.stderr().contains("[error]"), j.diagnostics());
            }
        }
    }

    /**
     * The launcher's compiler directives leave C2 to jslirp's own methods and Netty's buffers: after the UDP
     * warm-up (switched on here; it takes the datagram path past C2's thresholds within a second), every
     * method compiled at tier 4 is one of theirs, and the rest of the JVM's hot code is C1's.
     */
    @Test
    void c2CompilesOnlyJslirpsOwnMethodsAndNettysBuffers() throws Exception {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().env("JSLIRP_JAVA_OPTS", "-Djslirp.warmup=true").ready3()
                     .args("-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            assumeTrue(jdkMajor(j.pid) < 25, "the launcher runs C1 alone from JDK 25");
            List<String[]> compiled = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                compiled = codeList(j.pid);
                if (compiled.stream().anyMatch(m -> m[0].equals("4") && m[1].startsWith("io.jslirp."))) {
                    // C2's queue may still hold what the warm-up made hot: give it time, then look again.
                    Thread.sleep(2000);
                    compiled = codeList(j.pid);
                    break;
                }
                Thread.sleep(250);
            }
            List<String> c2 = compiled.stream().filter(m -> m[0].equals("4")).map(m -> m[1]).toList();
            assertTrue(c2.stream().anyMatch(m -> m.startsWith("io.jslirp.")), "no jslirp method at tier 4: " + c2);
            for (String method : c2) {
                assertTrue(method.startsWith("io.jslirp.") || method.startsWith("io.netty.buffer."),
                        method + " compiled by C2; all: " + c2);
            }
            // Tiers 1 to 3 are C1's (0 is a native method's wrapper).
            assertTrue(compiled.stream().anyMatch(m -> m[0].matches("[123]") && m[1].startsWith("java.")),
                    "C1 compiles the JDK's hot methods: " + compiled.size() + " compiled");
        }
    }

    /** The feature release of the JVM running as {@code pid} ({@code jcmd PID VM.version}: "JDK 17.0.15"). */
    private static int jdkMajor(long pid) {
        String out = Cmd.ok(T, E2e.jcmd(), Long.toString(pid), "VM.version").out();
        Matcher m = Pattern.compile("^JDK (\\d+)", Pattern.MULTILINE).matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    /** {@code jcmd PID Compiler.codelist}: each compiled method as {tier, class.method(signature)}. */
    private static List<String[]> codeList(long pid) {
        return Cmd.ok(T, E2e.jcmd(), Long.toString(pid), "Compiler.codelist").out().lines()
                .map(l -> l.trim().split("\\s+"))
                // "ID TIER STATE class.method(signature) [addresses]"
                .filter(f -> f.length >= 4 && f[1].matches("[0-4]"))
                .map(f -> new String[] {f[1], f[3]})
                .toList();
    }

    @Test
    void aDirectMemoryBoundTooSmallForTheTrafficEndsJslirpWithAMessageAndStatus3() throws Exception {
        assumeTrue(E2e.isJslirp(), "jslirp's launcher and bounds");
        // 3 MiB holds start-up (one 1 MiB chunk of the packet pool) but not a bulk transfer at MTU 65520, whose
        // 64 KiB frames stay in the retransmission queue until the guest acknowledges them.
        try (HostServer server = HostServer.start(s -> {
                 byte[] zeros = new byte[1 << 16];
                 long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                 while (System.nanoTime() < deadline) {
                     s.getOutputStream().write(zeros);
                 }
             });
             NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().launcher().env("JSLIRP_JAVA_OPTS", "-XX:MaxDirectMemorySize=3m").ready3()
                     .args("-c", "-m", "65520", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest g = Guest.of(h, j);
            g.run(Duration.ofSeconds(25), "socat", "-u", "TCP:10.0.2.2:" + server.port, "/dev/null");
            Integer status = j.waitFor(Duration.ofSeconds(20));
            assertNotNull(status, "still running after the transfer: it must end, not hang" + j.diagnostics());
            assertEquals(3, status, j.diagnostics());
            String err = j.stderr();
            assertTrue(err.contains("jslirp: exiting: out of memory: "), j.diagnostics());
            assertTrue(err.contains("MaxDirectMemorySize"), "the message names the bound to raise" + j.diagnostics());
            assertFalse(err.contains("Exception in thread"), "a message, not a stack trace" + j.diagnostics());
        }
    }

    /** {@code jcmd PID VM.flags}: every flag set on the command line or by ergonomics, name to value. */
    private static Map<String, String> vmFlags(long pid) {
        String out = Cmd.ok(T, E2e.jcmd(), Long.toString(pid), "VM.flags").out();
        Map<String, String> flags = new HashMap<>();
        for (String token : out.split("\\s+")) {
            if (token.startsWith("-XX:+") || token.startsWith("-XX:-")) {
                flags.put(token.substring(5), Boolean.toString(token.charAt(4) == '+'));
            } else if (token.startsWith("-XX:") && token.contains("=")) {
                flags.put(token.substring(4, token.indexOf('=')), token.substring(token.indexOf('=') + 1));
            }
        }
        return flags;
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "the launcher sets " + regex);
        return m.group(1);
    }

    private static String mib(String text, String regex) {
        return Long.toString(Long.parseLong(group(text, regex)) << 20);
    }

    /**
     * The archive the launcher uses with the JDK that runs these tests (the launcher finds the same one): its AOT
     * cache (JDK 25+), else its static archive.
     */
    private static Path archiveForThisJdk() throws IOException {
        return E2e.freshArchive(System.getProperty("java.runtime.version"), List.of(".aot", ".jsa"));
    }
}
