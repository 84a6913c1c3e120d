package io.jslirp.tap.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The first JVM's calls through jffi ({@link RestartCalls}): arguments reach the C functions as given, and
 * each failure leaves its own errno. The exec that succeeds runs in a JVM of its own ({@link Exec}).
 */
class RestartCallsTest {
    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    private static final int O_RDONLY = 0;

    private final RestartCalls calls = new RestartCalls();

    @Test
    void fcntlSetsTheFlagItIsGiven() {
        int fd = Native.libc().open("/dev/null", O_RDONLY, 0);
        try {
            assertEquals(0, calls.fcntl(fd, F_GETFD, 0));
            assertEquals(0, calls.fcntl(fd, F_SETFD, FD_CLOEXEC));
            assertEquals(FD_CLOEXEC, calls.fcntl(fd, F_GETFD, 0));
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void eachFailureLeavesItsErrno() {
        assertEquals(-1, calls.fcntl(-1, F_SETFD, FD_CLOEXEC));
        assertEquals(Errno.EBADF, calls.errno());
        // Bit 0 is no CLONE_* flag: refused before anything changes.
        assertEquals(-1, calls.unshare(1));
        assertEquals(Errno.EINVAL, calls.errno());
        assertEquals(-1, calls.mountPropagation("/no-such-dir-jslirp-test", 1 << 19));
        assertEquals(Errno.ENOENT, calls.errno());
        assertEquals(-1, calls.execve("/no-such-file-jslirp-test", List.of("x"), List.of()));
        assertEquals(Errno.ENOENT, calls.errno());
    }

    @Test
    void execveReplacesTheProcessWithTheGivenArgvAndEnvironment() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Exec.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the exec'd process did not end");
        }
        assertEquals("argv0=first arg=second one t=v=w u=x home=\n", out);
        assertEquals(0, p.exitValue(), out);
    }

    /** Execs a shell that shows what it was given: its $0, its one argument and its environment. */
    public static final class Exec {
        private Exec() {
        }

        public static void main(String[] args) {
            RestartCalls c = new RestartCalls();
            // HOME is in this JVM's environment and must not reach the shell: envp is all it gets.
            c.execve("/bin/sh", List.of("sh", "-c",
                    "printf 'argv0=%s arg=%s t=%s u=%s home=%s\\n' \"$0\" \"$1\" \"$JSLIRP_T\" \"$JSLIRP_U\" \"$HOME\"",
                    "first", "second one"), List.of("JSLIRP_T=v=w", "JSLIRP_U=x"));
            System.out.println("execve failed: errno " + c.errno());
            System.exit(1);
        }
    }
}
