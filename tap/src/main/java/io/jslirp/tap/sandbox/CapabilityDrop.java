package io.jslirp.tap.sandbox;

import com.kenai.jffi.MemoryIO;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Drops the capabilities of every thread of the JVM to at most CAP_NET_BIND_SERVICE (effective, permitted
 * and bounding), clears the ambient set and sets no_new_privs, on each thread.
 *
 * <p>All of these are per thread in Linux ({@code capset} changes the calling thread only, and so do
 * PR_CAPBSET_DROP, PR_CAP_AMBIENT and PR_SET_NO_NEW_PRIVS), and a JVM has threads no Java code runs on
 * (GC, JIT, VM thread). The one way into all of them without native code of our own is a signal: glibc
 * applies setuid() to all threads the same way. So a tiny signal handler, x86-64 machine code written into
 * an executable page (source below), makes the raw system calls on whatever thread receives it, and this
 * class sends the signal to each thread with {@code tgkill}, one at a time, waiting for its
 * acknowledgement. A thread started meanwhile by a thread not yet done would inherit the full sets, so the
 * thread list is read again until a pass finds none new; then {@code capget} on every thread checks the
 * effective and permitted sets from outside, and the handler's error word says whether any call failed.
 *
 * <pre>
 *   handler:                          ; r12 = the shared block (patched in), rbx = capability number
 *     push rbx; push r12
 *     movabs r12, BLOCK
 *     xor ebx, ebx
 *   1: cmp ebx, [r12+36]; ja 3f       ; for cap in 0..cap_last_cap
 *     cmp ebx, [r12+32]; je 2f        ;   except the one kept
 *     prctl(PR_CAPBSET_DROP, cap)     ;   (eax=157 edi=24 esi=ebx, edx=r10=r8=0; syscall)
 *     on error: lock or [r12+40], 1
 *   2: inc ebx; jmp 1b
 *   3: prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)   on error: lock or [r12+40], 2
 *   4: prctl(PR_SET_NO_NEW_PRIVS, 1)                    on error: lock or [r12+40], 4
 *   5: capset(r12, r12+8)                               on error: lock or [r12+40], 8
 *   6: lock inc [r12+44]              ; acknowledged
 *     pop r12; pop rbx; ret           ; back through glibc's restorer (rt_sigreturn)
 * </pre>
 * The bounding set goes first because dropping from it needs CAP_SETPCAP, which capset then removes.
 */
final class CapabilityDrop {
    /** A real-time signal nothing else in the JVM uses (glibc reserves 32 and 33, HotSpot none of these). */
    static final int SIGNAL = 64;
    static final int CAP_NET_BIND_SERVICE = 10;
    private static final int PR_CAPBSET_READ = 23;
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final int SA_RESTART = 0x10000000;
    private static final long SIG_IGN = 1;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int PROT_EXEC = 4;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final long ACK_TIMEOUT_NANOS = 5_000_000_000L;

    /** The handler's machine code; bytes 5..12 are the block address (the movabs immediate). */
    private static final byte[] HANDLER_X86_64 = hex(
            "53415449bc8877665544332211" + "31db413b5c242477" + "2c413b5c24207421b89d000000bf1800000089de31d2"
            + "4531d24531c00f0585c07407f041834c242801ffc3ebcdb89d000000bf2f000000be0400000031d24531d2"
            + "4531c00f0585c07407f041834c242802b89d000000bf26000000be0100000031d24531d24531c00f0585c0"
            + "7407f041834c242804b87e0000004c89e7498d7424080f0585c07407f041834c242808f041ff44242c415c5bc3");
    private static final int HANDLER_ADDRESS_OFFSET = 5;

    // Block layout: the capset header and data the handler passes, its parameters, its results.
    private static final int OFF_DATA = 8;
    private static final int OFF_KEEP = 32;
    private static final int OFF_LAST_CAP = 36;
    private static final int OFF_ERRORS = 40;
    private static final int OFF_ACKS = 44;

    /** Kept for the life of the process: a stray signal later still finds the handler's memory. */
    private static NativeBlock block;

    private final int lastCap;
    private final int taskDirFd;
    private final boolean keepBindService;

    private CapabilityDrop(int lastCap, int taskDirFd, boolean keepBindService) {
        this.lastCap = lastCap;
        this.taskDirFd = taskDirFd;
        this.keepBindService = keepBindService;
    }

    /**
     * What must be read while /proc is still there (before pivot_root): the highest capability number and a
     * handle on this process's thread list. The handle is closed by {@link #run()}.
     */
    static CapabilityDrop prepare() throws IOException {
        requireSupportedArch();
        int lastCap = lastCap();
        // Keep CAP_NET_BIND_SERVICE only where it is held: capset cannot add to the permitted set.
        boolean keep = (capabilities(0)[1] & (1L << CAP_NET_BIND_SERVICE)) != 0;
        int fd = Native.libc().open("/proc/self/task", O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.last("sandbox: open /proc/self/task");
        }
        return new CapabilityDrop(lastCap, fd, keep);
    }

    static void requireSupportedArch() throws NativeException {
        if (SyscallArch.current() != SyscallArch.X86_64) {
            throw NativeException.withMessage("sandbox: dropping capabilities on every thread is implemented for "
                    + "x86-64 only (its signal handler is x86-64 machine code)", Errno.ENOSYS);
        }
    }

    /**
     * The highest capability this kernel knows: PR_CAPBSET_READ answers for each one and fails (EINVAL) past
     * the last. (Files.readString of /proc/sys/kernel/cap_last_cap returned "4" for "40" here: it reads a
     * sysctl file of size 0 in too small a first chunk.)
     */
    private static int lastCap() throws NativeException {
        for (int cap = 0; cap < 64; cap++) {
            if (Native.libc().prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
                if (cap == 0) {
                    throw NativeException.last("sandbox: prctl(PR_CAPBSET_READ)");
                }
                return cap - 1;
            }
        }
        return 63;
    }

    /** The sets every thread ends with: CAP_NET_BIND_SERVICE where it was held, else nothing. */
    long target() {
        return keepBindService ? 1L << CAP_NET_BIND_SERVICE : 0;
    }

    /** Drops on every thread, checks, and closes the thread-list handle. */
    void run() throws IOException {
        try {
            installHandler();
            Set<Integer> done = new HashSet<>();
            for (int pass = 0; pass < 20; pass++) {
                Set<Integer> fresh = new LinkedHashSet<>(threads());
                fresh.removeAll(done);
                if (fresh.isEmpty()) {
                    verify(done);
                    return;
                }
                for (int tid : fresh) {
                    signal(tid);
                    done.add(tid);
                }
            }
            throw NativeException.withMessage("sandbox: threads kept appearing while capabilities were dropped", Errno.EAGAIN);
        } finally {
            Fds.close(taskDirFd);
        }
    }

    private void installHandler() throws NativeException {
        LibC c = Native.libc();
        block = Native.allocate(64);
        block.putInt(0, LINUX_CAPABILITY_VERSION_3);
        block.putInt(4, 0); // pid 0: the calling thread
        int caps = (int) target();
        for (int i = 0; i < 2; i++) {
            block.putInt(OFF_DATA + 12 * i, i == 0 ? caps : 0); // effective
            block.putInt(OFF_DATA + 12 * i + 4, i == 0 ? caps : 0); // permitted
            block.putInt(OFF_DATA + 12 * i + 8, 0); // inheritable
        }
        block.putInt(OFF_KEEP, keepBindService ? CAP_NET_BIND_SERVICE : -1);
        block.putInt(OFF_LAST_CAP, lastCap);
        block.putInt(OFF_ERRORS, 0);
        block.putInt(OFF_ACKS, 0);

        byte[] code = HANDLER_X86_64.clone();
        long address = block.address();
        for (int i = 0; i < 8; i++) {
            code[HANDLER_ADDRESS_OFFSET + i] = (byte) (address >>> (8 * i));
        }
        long page = c.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == -1) {
            throw NativeException.last("sandbox: mmap for the capability-drop handler");
        }
        MemoryIO.getInstance().putByteArray(page, code, 0, code.length);
        if (c.mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) {
            throw NativeException.last("sandbox: mprotect the capability-drop handler executable");
        }
        setHandler(page);
    }

    /** struct sigaction (glibc, x86-64): handler @0, sa_mask[128] @8, sa_flags @136, sa_restorer @144. */
    private static void setHandler(long handler) throws NativeException {
        try (NativeBlock act = Native.allocate(152)) {
            act.putLong(0, handler);
            act.putInt(136, SA_RESTART);
            if (Native.libc().sigaction(SIGNAL, act.address(), 0) != 0) {
                throw NativeException.last("sandbox: sigaction for signal " + SIGNAL);
            }
        }
    }

    private void signal(int tid) throws IOException {
        int acksBefore = block.getInt(OFF_ACKS);
        LibC c = Native.libc();
        long r = c.syscall(SyscallArch.current().number("tgkill"), c.getpid(), tid, SIGNAL);
        if (r != 0) {
            if (Native.errno() == Errno.ESRCH) {
                return; // the thread ended: nothing to drop
            }
            throw NativeException.last("sandbox: tgkill thread " + tid);
        }
        long deadline = System.nanoTime() + ACK_TIMEOUT_NANOS;
        while (block.getInt(OFF_ACKS) == acksBefore) {
            if (System.nanoTime() - deadline > 0) {
                throw NativeException.withMessage("sandbox: thread " + tid + " did not run the capability drop "
                        + "(signal " + SIGNAL + " blocked?)", Errno.EAGAIN);
            }
            Thread.onSpinWait();
        }
    }

    private void verify(Set<Integer> tids) throws IOException {
        // Stray signals from now on are ignored rather than fatal.
        setHandler(SIG_IGN);
        int errors = block.getInt(OFF_ERRORS);
        String[] steps = {"prctl(PR_CAPBSET_DROP)", "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", "prctl(PR_SET_NO_NEW_PRIVS)",
                "capset"};
        for (int bit = 0; bit < steps.length; bit++) {
            if ((errors & (1 << bit)) != 0) {
                throw NativeException.withMessage("sandbox: dropping capabilities: " + steps[bit]
                        + " failed on at least one thread", Errno.EPERM);
            }
        }
        for (int tid : tids) {
            long[] caps;
            try {
                caps = capabilities(tid);
            } catch (NativeException e) {
                if (e.errno() == Errno.ESRCH) {
                    continue;
                }
                throw e;
            }
            if (caps[0] != target() || caps[1] != target()) {
                throw NativeException.withMessage(String.format("sandbox: thread %d still has capabilities "
                        + "(effective %x, permitted %x)", tid, caps[0], caps[1]), Errno.EPERM);
            }
        }
    }

    /** {effective, permitted} of thread {@code tid} (0: the calling thread), from capget. */
    static long[] capabilities(int tid) throws NativeException {
        try (NativeBlock hdr = Native.allocate(8); NativeBlock data = Native.allocate(24)) {
            hdr.putInt(0, LINUX_CAPABILITY_VERSION_3);
            hdr.putInt(4, tid);
            long r = Native.libc().syscall(SyscallArch.current().number("capget"), hdr.address(), data.address(), 0);
            if (r != 0) {
                throw NativeException.last("sandbox: capget thread " + tid);
            }
            long eff = (data.getInt(0) & 0xffffffffL) | ((data.getInt(12) & 0xffffffffL) << 32);
            long prm = (data.getInt(4) & 0xffffffffL) | ((data.getInt(16) & 0xffffffffL) << 32);
            return new long[] {eff, prm};
        }
    }

    /** The thread ids in /proc/self/task, read with getdents64 from the handle opened before pivot_root. */
    private Set<Integer> threads() throws NativeException {
        LibC c = Native.libc();
        if (c.lseek(taskDirFd, 0, 0) < 0) {
            throw NativeException.last("sandbox: rewinding /proc/self/task");
        }
        Set<Integer> tids = new LinkedHashSet<>();
        try (NativeBlock buf = Native.allocate(8192)) {
            while (true) {
                long n = c.syscall(SyscallArch.current().number("getdents64"), taskDirFd, buf.address(), 8192);
                if (n < 0) {
                    throw NativeException.last("sandbox: listing /proc/self/task");
                }
                if (n == 0) {
                    return tids;
                }
                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                for (int at = 0; at < n; ) {
                    int reclen = buf.getShort(at + 16) & 0xffff;
                    String name = buf.getString(at + 19, reclen - 19, StandardCharsets.US_ASCII);
                    if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                        tids.add(Integer.parseInt(name));
                    }
                    at += reclen;
                }
            }
        }
    }

    private static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
