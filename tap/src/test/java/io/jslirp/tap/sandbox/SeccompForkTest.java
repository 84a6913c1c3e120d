package io.jslirp.tap.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real filter in a real JVM ({@link SeccompProbe}): what it must stop dies, what jslirp needs works. */
class SeccompForkTest {
    /** A process killed by signal N exits, as Java reports it, with 128 + N; SIGSYS is 31. */
    private static final int KILLED_BY_SIGSYS = 128 + 31;

    private record Result(int status, String out) {
    }

    private static Result probe(String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), SeccompProbe.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("probe did not end");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void socketsEpollMmapAndThreadsKeepWorkingOnEveryThread() throws Exception {
        Result r = probe("works");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().contains("socket ping"), r.out());
        assertTrue(r.out().contains("epoll 1"), r.out());
        assertTrue(r.out().contains("mmap 8"), r.out());
        assertTrue(r.out().contains("threads 8"), r.out());
        assertTrue(r.out().contains("clone3 -1 errno 38"), r.out());
        assertTrue(r.out().contains("prctl PR_SET_NAME 0"), r.out());
        assertTrue(r.out().contains("prctl PR_SET_DUMPABLE -1 errno 1"), r.out());
        // The JVM's own threads (GC, compiler, signal dispatcher) plus ours: every one filtered.
        Matcher m = Pattern.compile("filtered tasks before (\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Integer.parseInt(m.group(1)) >= 8, r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"execve", "mount", "ptrace", "unshare", "bpf"})
    void aDeniedCallKillsTheProcess(String call) throws Exception {
        Result control = probe("control", call);
        assertEquals(0, control.status(), control.out());
        assertTrue(control.out().contains("survived " + call), control.out());

        Result r = probe("call", call);
        assertEquals(KILLED_BY_SIGSYS, r.status(), r.out());
        assertFalse(r.out().contains("survived"), r.out());
    }
}
