package io.jslirp.tap.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.sandbox.SeccompPolicy.Action;
import io.jslirp.tap.sandbox.SeccompPolicy.Rule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SeccompFilterTest {
    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int AUDIT_ARCH_ARM = 0x40000028;
    private static final int CLONE_THREAD_FLAGS = 0x3d0f00; // glibc's pthread_create: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

    private static BpfInterpreter interpreter(SyscallArch arch) {
        return new BpfInterpreter(Bpf.encode(SeccompFilter.build(arch).program()));
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void everyDeniedCallGetsItsAction(SyscallArch arch) {
        BpfInterpreter bpf = interpreter(arch);
        int checked = 0;
        for (Rule rule : SeccompPolicy.RULES) {
            int nr = arch.number(rule.syscall());
            if (nr < 0) {
                assertTrue(arch == SyscallArch.AARCH64 && rule.syscall().matches("iopl|ioperm|uselib"), rule.syscall());
                continue;
            }
            assertEquals(rule.action().value(), bpf.run(arch.auditArch(), nr), rule.syscall());
            checked++;
        }
        assertTrue(checked >= 55, "rules checked: " + checked);
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void slirp4netnsListAndTheIssuesAdditionsAreKilled(SyscallArch arch) {
        BpfInterpreter bpf = interpreter(arch);
        for (String name : new String[] {"execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
                "pidfd_getfd", "lookup_dcookie", "init_module", "finit_module", "delete_module", "mount", "umount2",
                "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
                "open_by_handle_at", "name_to_handle_at", "pidfd_open", "pidfd_send_signal", "setns", "unshare",
                "kexec_load", "kexec_file_load", "reboot", "bpf", "keyctl", "userfaultfd", "perf_event_open",
                "personality"}) {
            assertEquals(Action.KILL.value(), bpf.run(arch.auditArch(), arch.number(name)), name);
        }
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void clone3FailsWithEnosysSoGlibcFallsBackToClone(SyscallArch arch) {
        assertEquals(0x00050000 | 38, interpreter(arch).run(arch.auditArch(), arch.number("clone3")));
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void ordinaryCallsPass(SyscallArch arch) {
        BpfInterpreter bpf = interpreter(arch);
        for (String name : new String[] {"read", "write", "mmap", "socket", "sendmsg", "recvmsg", "futex", "openat",
                "epoll_pwait", "getdents64", "tgkill", "capset", "seccomp"}) {
            assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), arch.number(name)), name);
        }
        // A number no rule names, past every table.
        assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), 1000));
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void hotCallsAreDecidedWithoutLookingAtArguments(SyscallArch arch) {
        // The kernel caches a number's verdict only when no path for it loads an argument (see SeccompFilter).
        BpfInterpreter bpf = interpreter(arch);
        bpf.run(arch.auditArch(), arch.number("read"));
        int plain = bpf.executed;
        bpf.run(arch.auditArch(), arch.number("read"), 0x12345678);
        assertEquals(plain, bpf.executed);
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void aForeignArchitectureIsKilled(SyscallArch arch) {
        BpfInterpreter bpf = interpreter(arch);
        SyscallArch other = arch == SyscallArch.X86_64 ? SyscallArch.AARCH64 : SyscallArch.X86_64;
        for (int foreign : new int[] {AUDIT_ARCH_I386, AUDIT_ARCH_ARM, other.auditArch(), 0}) {
            // read, which is allowed natively, is killed under any other audit arch.
            assertEquals(Action.KILL.value(), bpf.run(foreign, arch.number("read")), Integer.toHexString(foreign));
            assertEquals(Action.KILL.value(), bpf.run(foreign, 0));
        }
    }

    @org.junit.jupiter.api.Test
    void x32CallsAreKilledOnX8664() {
        BpfInterpreter bpf = interpreter(SyscallArch.X86_64);
        int x32 = SyscallArch.X32_SYSCALL_BIT;
        assertEquals(Action.KILL.value(), bpf.run(SyscallArch.X86_64.auditArch(), x32)); // x32 read
        assertEquals(Action.KILL.value(), bpf.run(SyscallArch.X86_64.auditArch(), x32 | 520)); // x32 execve
        assertEquals(Action.KILL.value(), bpf.run(SyscallArch.X86_64.auditArch(), -1));
        assertEquals(Action.ALLOW.value(), bpf.run(SyscallArch.X86_64.auditArch(), x32 - 1));
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void prctlPassesForThreadNamesOnlyAndOtherwiseFailsWithEperm(SyscallArch arch) {
        BpfInterpreter bpf = interpreter(arch);
        int prctl = arch.number("prctl");
        assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), prctl, SeccompPolicy.PR_SET_NAME));
        assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), prctl, SeccompPolicy.PR_GET_NAME));
        for (int option : new int[] {0, 4 /* SET_DUMPABLE */, 22 /* SET_SECCOMP */, 24 /* CAPBSET_DROP */,
                35 /* SET_MM */, 38 /* SET_NO_NEW_PRIVS */, 47 /* CAP_AMBIENT */, 0x53564d41 /* SET_VMA */}) {
            assertEquals(Action.EPERM.value(), bpf.run(arch.auditArch(), prctl, option), "option " + option);
        }
    }

    @ParameterizedTest
    @EnumSource(SyscallArch.class)
    void cloneMakesThreadsAndProcessesButNoNamespaces(SyscallArch arch) {
        BpfInterpreter bpf = interpreter(arch);
        int clone = arch.number("clone");
        assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), clone, CLONE_THREAD_FLAGS));
        assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), clone, 17 /* fork: SIGCHLD */));
        assertEquals(Action.ALLOW.value(), bpf.run(arch.auditArch(), clone, 0x4111 /* vfork */));
        for (int ns : new int[] {0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000}) {
            assertEquals(Action.EPERM.value(), bpf.run(arch.auditArch(), clone, 17 | ns), Integer.toHexString(ns));
        }
    }
}
