package io.jslirp.tap.sandbox;

import io.jslirp.tap.sandbox.SeccompPolicy.Action;
import io.jslirp.tap.sandbox.SeccompPolicy.Rule;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code --enable-seccomp} filter: built from {@link SeccompPolicy} for one architecture, installed on
 * every thread of the JVM at once.
 *
 * <p>The program, in order:
 * <pre>
 *   A = arch;  if A != native arch                   -> KILL   (i386 int 0x80, or a foreign ABI)
 *   A = nr;    if x86-64 and A &gt;= 0x40000000          -> KILL   (x32 ABI: same arch, other numbers)
 *   for each rule: if A == nr(rule)                   -> rule's action
 *   if A == prctl: A = args[0]; PR_SET_NAME, PR_GET_NAME -> ALLOW, else -> EPERM
 *   if A == clone: A = args[0]; any CLONE_NEW* flag   -> EPERM, else -> ALLOW
 *   -> ALLOW
 * </pre>
 * Every comparison is followed directly by its return, so no jump is longer than a few instructions and
 * the 255-instruction jump limit never binds. The length does not cost time on the hot path: since Linux
 * 5.11 the kernel runs the filter once per call number when it is installed and caches every number whose
 * answer is a constant ALLOW (all but prctl and clone here), so read, write, epoll_wait and the other calls
 * of the relay's loop skip the filter entirely.
 */
public final class SeccompFilter {
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;

    private final SyscallArch arch;
    private final List<Bpf.Insn> program;

    private SeccompFilter(SyscallArch arch, List<Bpf.Insn> program) {
        this.arch = arch;
        this.program = Collections.unmodifiableList(program);
    }

    /** The filter of {@link SeccompPolicy} for {@code arch}. */
    public static SeccompFilter build(SyscallArch arch) {
        int kill = Action.KILL.value();
        int allow = Action.ALLOW.value();
        List<Bpf.Insn> p = new ArrayList<>();
        p.add(Bpf.load(Bpf.OFFSET_ARCH));
        p.add(Bpf.jeq(arch.auditArch(), 1, 0));
        p.add(Bpf.ret(kill));
        p.add(Bpf.load(Bpf.OFFSET_NR));
        if (arch.hasX32()) {
            p.add(Bpf.jge(SyscallArch.X32_SYSCALL_BIT, 0, 1));
            p.add(Bpf.ret(kill));
        }
        for (Rule rule : SeccompPolicy.RULES) {
            int nr = arch.number(rule.syscall());
            if (nr < 0) {
                continue;
            }
            p.add(Bpf.jeq(nr, 0, 1));
            p.add(Bpf.ret(rule.action().value()));
        }
        p.add(Bpf.jeq(arch.number("prctl"), 0, 5));
        p.add(Bpf.load(Bpf.OFFSET_ARG0_LOW));
        p.add(Bpf.jeq(SeccompPolicy.PR_SET_NAME, 2, 0));
        p.add(Bpf.jeq(SeccompPolicy.PR_GET_NAME, 1, 0));
        p.add(Bpf.ret(Action.EPERM.value()));
        p.add(Bpf.ret(allow));
        p.add(Bpf.jeq(arch.number("clone"), 0, 4));
        p.add(Bpf.load(Bpf.OFFSET_ARG0_LOW));
        p.add(Bpf.jset(SeccompPolicy.CLONE_NAMESPACE_FLAGS, 0, 1));
        p.add(Bpf.ret(Action.EPERM.value()));
        p.add(Bpf.ret(allow));
        p.add(Bpf.ret(allow));
        return new SeccompFilter(arch, p);
    }

    public SyscallArch arch() {
        return arch;
    }

    public List<Bpf.Insn> program() {
        return program;
    }

    /**
     * Sets no_new_privs on this thread and installs the filter with SECCOMP_FILTER_FLAG_TSYNC, which puts it
     * (and no_new_privs) on every other thread of the process in the same step; threads started later
     * inherit both. Irreversible.
     *
     * @throws NativeException naming the step the kernel refused
     */
    public void installOnAllThreads() throws NativeException {
        if (arch != SyscallArch.current()) {
            throw NativeException.withMessage("seccomp: the filter is for " + arch + ", not this machine", 22);
        }
        LibC c = Native.libc();
        // Without CAP_SYS_ADMIN the kernel takes a filter only from a thread with no_new_privs; and with it,
        // no set-id program could regain what the filter takes away (execve is killed anyway).
        if (c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            throw NativeException.last("seccomp: prctl(PR_SET_NO_NEW_PRIVS)");
        }
        byte[] code = Bpf.encode(program);
        try (NativeBlock filter = Native.allocate(code.length)) {
            filter.put(0, code, 0, code.length);
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the pointer at offset 8.
            try (NativeBlock fprog = Native.allocate(16)) {
                fprog.putShort(0, (short) program.size());
                fprog.putAddress(8, filter.address());
                long r = c.syscall(arch.number("seccomp"), SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog.address());
                int errno = Native.errno();
                if (r < 0) {
                    throw new NativeException("seccomp: seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)", errno);
                }
                if (r > 0) {
                    // TSYNC names the first thread it could not move (one with a different filter history).
                    throw NativeException.withMessage("seccomp: thread " + r + " could not be given the filter", 22);
                }
            }
        }
    }
}
