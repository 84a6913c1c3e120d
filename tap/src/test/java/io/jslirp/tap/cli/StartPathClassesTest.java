package io.jslirp.tap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netty's logging through {@link StderrLog} keeps java.util.logging out of jslirp's start, while Netty's
 * warnings still reach stderr. Each way runs in a fresh JVM ({@link StartPathProbe}) whose class-load log is read back; the
 * libraries' defaults, run the same way, must load what the jslirp way avoids, or the check proves nothing.
 */
class StartPathClassesTest {
    @TempDir
    Path dir;

    private record Run(String stderr, String classes) {
    }

    private Run probe(String mode) throws IOException, InterruptedException {
        Path log = dir.resolve(mode + ".classes");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xshare:auto", "-Xlog:class+load=info:file=" + log,
                "-Dio.netty.leakDetection.level=disabled", "-cp", System.getProperty("java.class.path"),
                StartPathProbe.class.getName(), mode).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not end");
        String stderr = new String(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), stderr);
        return new Run(stderr, Files.readString(log));
    }

    @Test
    void nettysWarningsReachStderrWithoutJavaUtilLogging() throws Exception {
        Run ours = probe("jslirp");
        assertTrue(ours.stderr().contains("jslirp: warning: netty ResourceLeakDetector: LEAK: a buffer was not released\n"),
                ours.stderr());
        assertFalse(ours.stderr().contains("nobody reads"), ours.stderr());
        assertFalse(ours.classes().contains(" java.util.logging."), "java.util.logging loaded");
        assertFalse(ours.classes().contains(" jdk.internal.logger."), "the System.Logger bridge loaded");

        Run defaults = probe("defaults");
        assertTrue(defaults.classes().contains(" java.util.logging.LogManager "), "the control loaded no java.util.logging");
    }

    @Test
    void oneLinePerMessageDebugOff() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StderrLog factory = new StderrLog(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        var log = factory.newInstance("io.netty.buffer.PoolArena");
        log.debug("dropped {}", 1);
        log.trace("dropped");
        log.info("an info {} of {}", 1, 2);
        log.warn("a warning {}", "x", new IOException("boom"));
        log.error("an error", new IllegalStateException("bad"));
        log.error("{} {} {}", "three", "arguments", "here");
        assertFalse(log.isDebugEnabled());
        assertTrue(log.isWarnEnabled());
        assertEquals("jslirp: netty PoolArena: an info 1 of 2\n"
                + "jslirp: warning: netty PoolArena: a warning x: java.io.IOException: boom\n"
                + "jslirp: error: netty PoolArena: an error: java.lang.IllegalStateException: bad\n"
                + "jslirp: error: netty PoolArena: three arguments here\n", bytes.toString(StandardCharsets.UTF_8));
    }
}
