package io.jslirp.tap.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void jffisLibraryIsTakenFromTheJniDirectoryBesideTheJar(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("jslirp.jar");
        assertNull(Native.unpackedJffiDir(jar), "no jni/ yet");
        Files.createDirectories(dir.resolve("jni"));
        assertNull(Native.unpackedJffiDir(jar), "jni/ without this platform's directory");
        Files.createDirectories(dir.resolve("jni").resolve((Native.isX86_64() ? "x86_64" : "aarch64") + "-Linux"));
        assertEquals(dir.resolve("jni"), Native.unpackedJffiDir(jar));
        assertNull(Native.unpackedJffiDir(null));

        String before = System.getProperty(Native.JFFI_BOOT_PATH);
        try {
            System.clearProperty(Native.JFFI_BOOT_PATH);
            Native.useUnpackedJffi(dir.resolve("elsewhere").resolve("jslirp.jar"));
            assertNull(System.getProperty(Native.JFFI_BOOT_PATH), "nothing to point at: jffi unpacks its own");
            Native.useUnpackedJffi(jar);
            assertEquals(dir.resolve("jni").toString(), System.getProperty(Native.JFFI_BOOT_PATH));
            System.setProperty(Native.JFFI_BOOT_PATH, "/opt/jffi");
            Native.useUnpackedJffi(jar);
            assertEquals("/opt/jffi", System.getProperty(Native.JFFI_BOOT_PATH), "whoever started the JVM decides");
        } finally {
            if (before == null) {
                System.clearProperty(Native.JFFI_BOOT_PATH);
            } else {
                System.setProperty(Native.JFFI_BOOT_PATH, before);
            }
        }
    }

    /**
     * The binding passes 64-bit sizes and returns 64-bit counts intact (a {@code size_t} count of 2^32 is not
     * truncated to 0), and copies pipe2's int[] back.
     */
    @Test
    void sizesAndArraysCrossTheBindingIntact() throws Exception {
        int[] p = new int[2];
        assertEquals(0, Native.libc().pipe2(p, Flags.O_CLOEXEC | Flags.O_NONBLOCK));
        assertTrue(p[0] > 2 && p[1] > 2 && p[0] != p[1], p[0] + " " + p[1]);
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.directBuffer(8).writeLong(0x0102030405060708L);
        try {
            assertEquals(8L, Native.libc().write(p[1], buf.memoryAddress(), 8L));
            buf.setLong(0, 0);
            // A count of 2^32, which a 32-bit size would make 0: the kernel reads what the pipe holds.
            assertEquals(8L, Native.libc().read(p[0], buf.memoryAddress(), 1L << 32));
            assertEquals(0x0102030405060708L, buf.getLong(0));
            assertEquals(-1L, Native.libc().read(p[0], buf.memoryAddress(), 8L), "empty and non-blocking");
            assertEquals(Errno.EAGAIN, Native.errno());
        } finally {
            buf.release();
            Fds.close(p[0]);
            Fds.close(p[1]);
        }
    }

    /** errno comes back from each kind of call: int and long results, string arguments, none at all. */
    @Test
    void errnoComesBackAfterEachKindOfCall() {
        assertEquals(-1, Native.libc().rmdir("/nonexistent/jslirp"));
        assertEquals(Errno.ENOENT, Native.errno());
        assertEquals(-1, Native.libc().close(-1));
        assertEquals(Errno.EBADF, Native.errno());
        assertEquals(-1L, Native.libc().lseek(-1, 0, 0));
        assertEquals(Errno.EBADF, Native.errno());
        assertEquals(-1, Native.libc().mkdir("/proc/jslirp", 0700));
        assertEquals(Errno.ENOENT, Native.errno());
        assertEquals(ProcessHandle.current().pid(), Native.libc().getpid());
        assertEquals("Bad file descriptor", Native.strerror(Errno.EBADF));
    }

    /** A bad fd gives -1 and EBADF from the hot-path calls too, whose results are 64-bit. */
    @Test
    void aBadFdGivesEbadfOnTheHotPath() {
        try (NativeBlock b = Native.allocate(64)) {
            int bad = 1 << 20; // above any RLIMIT_NOFILE a test runs with
            assertEquals(-1L, Native.libc().read(bad, b.address(), 8));
            assertEquals(Errno.EBADF, Native.errno());
            assertEquals(-1L, Native.libc().write(bad, b.address(), 8));
            assertEquals(Errno.EBADF, Native.errno());
            assertEquals(-1L, Native.libc().send(bad, b.address(), 8, Flags.MSG_NOSIGNAL));
            assertEquals(Errno.EBADF, Native.errno());
            assertEquals(-1, Native.libc().epoll_wait(bad, b.address(), 1, 0));
            assertEquals(Errno.EBADF, Native.errno());
            assertEquals(-1, Native.libc().eventfd_write(bad, 1));
            assertEquals(Errno.EBADF, Native.errno());
        }
    }

    /**
     * The per-packet calls and errno allocate nothing once warm: every argument is a primitive. (The first
     * rounds may allocate: class initialisation, the interpreter's profiles.)
     */
    @Test
    void theHotPathCallsAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        LibC c = Native.libc();
        int ep = c.epoll_create1(Flags.EPOLL_CLOEXEC);
        int ev = c.eventfd(0, Flags.EFD_NONBLOCK | Flags.EFD_CLOEXEC);
        try (NativeBlock b = Native.allocate(256)) {
            long a = b.address();
            long sink = 0;
            long allocated = -1;
            for (int round = 0; round < 5 && allocated != 0; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 20_000; i++) {
                    sink += c.epoll_wait(ep, a, 4, 0) + c.eventfd_write(ev, 1) + c.eventfd_read(ev, a)
                            + c.write(-1, a, 1) + c.read(-1, a, 1) + c.writev(-1, a, 1) + c.send(-1, a, 1, 0)
                            + c.recv(-1, a, 1, 0) + c.sendmsg(-1, a, 0) + c.recvmsg(-1, a, 0)
                            + c.sendmmsg(-1, a, 1, 0) + Native.errno();
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, "bytes allocated by 20,000 rounds of the hot-path calls (sink " + sink + ")");
        } finally {
            Fds.close(ev);
            Fds.close(ep);
        }
    }

    /** A String argument reaches C intact (non-ASCII in UTF-8 included): a directory made under it is found. */
    @Test
    void aStringArgumentRoundTrips(@TempDir Path dir) throws Exception {
        Path made = dir.resolve("jslirp-\u00e9t\u00e9-\u6f22");
        assertEquals(0, Native.libc().mkdir(made.toString(), 0700), () -> Native.strerror(Native.errno()));
        assertTrue(Files.isDirectory(made));
        int fd = Native.libc().open(made.toString(), Flags.O_RDONLY | Flags.O_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> Native.strerror(Native.errno()));
        Fds.close(fd);
        assertEquals(0, Native.libc().rmdir(made.toString()));
        assertFalse(Files.exists(made));
    }

    @Test
    void allocateGivesZeroedMemoryOfTheAskedSizeCheckedAndFreedOnce() {
        int before = NativeBlock.live();
        for (int size : new int[] {1, 4, 256, 4096}) {
            NativeBlock p = Native.allocate(size);
            assertEquals(size, p.size());
            assertTrue(p.address() != 0);
            for (int i = 0; i < size; i++) {
                assertEquals(0, p.getByte(i), "byte " + i + " of " + size);
            }
            if (size >= 4) {
                p.putInt(size - 4, 0x01020304);
                assertEquals(0x01020304, p.getInt(size - 4));
                assertThrows(IndexOutOfBoundsException.class, () -> p.getInt(size - 3));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> p.getByte(size));
            assertThrows(IndexOutOfBoundsException.class, () -> p.getByte(-1));
            assertEquals(before + 1, NativeBlock.live());
            p.close();
            assertEquals(before, NativeBlock.live(), "freed");
            assertThrows(IllegalStateException.class, p::address, "used after it was freed");
            p.close(); // a second close does nothing
            assertEquals(before, NativeBlock.live());
        }
    }
}
