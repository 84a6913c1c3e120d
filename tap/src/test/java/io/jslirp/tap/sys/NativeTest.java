package io.jslirp.tap.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeTest {
    @Test
    void openOfMissingFileReportsPathAndErrnoText() {
        NativeException e = assertThrows(NativeException.class, () -> {
            int fd = Native.libc().open("/nonexistent/jslirp", Flags.O_RDONLY, 0);
            if (fd < 0) {
                throw NativeException.last("open /nonexistent/jslirp");
            }
        });
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("open /nonexistent/jslirp: No such file or directory", e.getMessage());
    }

    @Test
    void fdsHelpersOnAPipe() throws Exception {
        int[] p = new int[2];
        assertEquals(0, Native.libc().pipe2(p, Flags.O_CLOEXEC));
        try {
            assertTrue(Fds.isOpen(p[0]));
            Fds.setNonBlocking(p[0]);
            assertTrue((Native.libc().fcntl(p[0], Flags.F_GETFL, 0) & Flags.O_NONBLOCK) != 0);
        } finally {
            Fds.close(p[0]);
            Fds.close(p[1]);
        }
        assertFalse(Fds.isOpen(p[0]));
        Fds.close(-1); // quiet on cleanup paths
    }

    @Test
    void pidfdGetfdDuplicatesOwnFd() throws Exception {
        int[] p = new int[2];
        assertEquals(0, Native.libc().pipe2(p, Flags.O_CLOEXEC));
        int pidfd = Syscalls.pidfdOpen(Native.libc().getpid());
        try {
            int dup = Syscalls.pidfdGetfd(pidfd, p[1]);
            assertTrue(dup != p[1] && Fds.isOpen(dup));
            Fds.close(dup);
            NativeException e = assertThrows(NativeException.class, () -> Syscalls.pidfdGetfd(pidfd, 99999));
            assertEquals(Errno.EBADF, e.errno());
        } finally {
            Fds.close(pidfd);
            Fds.close(p[0]);
            Fds.close(p[1]);
        }
    }
}
