package io.jslirp.tap.sandbox;

import java.util.List;

/**
 * What {@code --enable-seccomp} denies, and how: the decision table the filter is built from.
 *
 * <p>The default is to allow. A JVM needs a wide, shifting set of calls (mmap, mprotect, madvise, futex,
 * clone, rt_sigreturn, sched_*...), so an allow-list like pasta's would break on a JDK update; a deny-list
 * of what a network relay never needs after start-up removes the calls an attacker wants (run a program,
 * inspect or write another process, change the filesystem view, reach new kernel surface) and stays stable.
 *
 * <p>Two actions, chosen by whether anything legitimate in the process could make the call:
 * <ul>
 *   <li>{@link Action#KILL}: neither the JVM nor jslirp ever makes this call once serving (seen with
 *       {@code strace -f} over start-up and a full e2e run). Reaching it means the process is no longer
 *       running our code, so the whole process dies at once (SECCOMP_RET_KILL_PROCESS, visible as SIGSYS
 *       and in the kernel's audit log), as slirp4netns does.</li>
 *   <li>{@link Action#EPERM}/{@link Action#ENOSYS}: the JVM or glibc does make the call, so it must fail in a
 *       way they handle.</li>
 * </ul>
 */
public final class SeccompPolicy {
    private SeccompPolicy() {
    }

    public enum Action {
        /** SECCOMP_RET_KILL_PROCESS. */
        KILL(0x80000000),
        /** SECCOMP_RET_ERRNO | EPERM. */
        EPERM(0x00050000 | 1),
        /** SECCOMP_RET_ERRNO | ENOSYS: "this kernel has no such call", which callers fall back from. */
        ENOSYS(0x00050000 | 38),
        /** SECCOMP_RET_ALLOW. */
        ALLOW(0x7fff0000);

        private final int value;

        Action(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }
    }

    /** One row: a call, what happens to it, and why. */
    public record Rule(String syscall, Action action, String why) {
    }

    /** prctl options the JVM makes after start-up (thread names, via glibc's pthread_setname_np). */
    public static final int PR_SET_NAME = 15;
    public static final int PR_GET_NAME = 16;

    /**
     * Namespace flags of clone(2) (sched.h): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
     * CLONE_NEWTIME (0x80) is left out: in clone(2)'s flags that bit belongs to the exit signal.
     */
    public static final int CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000
            | 0x10000000 | 0x20000000 | 0x40000000;

    /**
     * The calls decided by number alone. slirp4netns's list first (its prctl is handled by argument, below),
     * then what jslirp adds. Calls an architecture lacks (iopl on aarch64) are skipped there.
     */
    public static final List<Rule> RULES = List.of(
            new Rule("execve", Action.KILL, "runs a program: the first step of any exploit that wants a shell"),
            new Rule("execveat", Action.KILL, "execve by fd"),
            new Rule("ptrace", Action.KILL, "controls another process of the same user"),
            new Rule("process_vm_readv", Action.KILL, "reads another process's memory"),
            new Rule("process_vm_writev", Action.KILL, "writes another process's memory"),
            new Rule("pidfd_open", Action.KILL, "a handle for pidfd_getfd/pidfd_send_signal"),
            new Rule("pidfd_getfd", Action.KILL, "steals another process's fds (jslirp uses it only during setup)"),
            new Rule("pidfd_send_signal", Action.KILL, "signals through a pidfd"),
            new Rule("kcmp", Action.KILL, "probes other processes' kernel objects"),
            new Rule("lookup_dcookie", Action.KILL, "profiling interface"),
            new Rule("init_module", Action.KILL, "loads kernel code"),
            new Rule("finit_module", Action.KILL, "loads kernel code"),
            new Rule("delete_module", Action.KILL, "unloads kernel code"),
            new Rule("kexec_load", Action.KILL, "replaces the kernel"),
            new Rule("kexec_file_load", Action.KILL, "replaces the kernel"),
            new Rule("reboot", Action.KILL, "reboots"),
            new Rule("mount", Action.KILL, "changes the filesystem view (the sandbox is built before the filter)"),
            new Rule("umount2", Action.KILL, "could uncover what the sandbox hides (x86-64 and aarch64 have no umount)"),
            new Rule("pivot_root", Action.KILL, "changes the root"),
            new Rule("chroot", Action.KILL, "changes the root"),
            new Rule("open_tree", Action.KILL, "new mount API"),
            new Rule("move_mount", Action.KILL, "new mount API"),
            new Rule("fsopen", Action.KILL, "new mount API"),
            new Rule("fsconfig", Action.KILL, "new mount API"),
            new Rule("fsmount", Action.KILL, "new mount API"),
            new Rule("fspick", Action.KILL, "new mount API"),
            new Rule("mount_setattr", Action.KILL, "new mount API"),
            new Rule("open_by_handle_at", Action.KILL, "opens a file by handle, past the mount namespace (shocker)"),
            new Rule("name_to_handle_at", Action.KILL, "makes the handles open_by_handle_at takes"),
            new Rule("setns", Action.KILL, "joins another namespace (jslirp does it only during setup)"),
            new Rule("unshare", Action.KILL, "new namespaces: user namespaces open kernel surface"),
            new Rule("bpf", Action.KILL, "eBPF programs and maps: large kernel surface"),
            new Rule("keyctl", Action.KILL, "kernel keyrings, shared by the user's processes"),
            new Rule("add_key", Action.KILL, "kernel keyrings"),
            new Rule("request_key", Action.KILL, "kernel keyrings"),
            new Rule("userfaultfd", Action.KILL, "stalls the kernel on a fault: an exploit primitive"),
            new Rule("perf_event_open", Action.KILL, "profiling: large kernel surface and side channels"),
            new Rule("personality", Action.KILL, "READ_IMPLIES_EXEC and other legacy modes"),
            new Rule("io_uring_setup", Action.KILL, "io_uring runs calls the filter never sees"),
            new Rule("io_uring_enter", Action.KILL, "io_uring"),
            new Rule("io_uring_register", Action.KILL, "io_uring"),
            new Rule("swapon", Action.KILL, "system administration"),
            new Rule("swapoff", Action.KILL, "system administration"),
            new Rule("acct", Action.KILL, "system administration"),
            new Rule("quotactl", Action.KILL, "system administration"),
            new Rule("quotactl_fd", Action.KILL, "system administration"),
            new Rule("sethostname", Action.KILL, "system administration"),
            new Rule("setdomainname", Action.KILL, "system administration"),
            new Rule("settimeofday", Action.KILL, "sets the clock"),
            new Rule("clock_settime", Action.KILL, "sets the clock"),
            new Rule("adjtimex", Action.KILL, "adjusts the clock (reading it is clock_gettime)"),
            new Rule("clock_adjtime", Action.KILL, "adjusts the clock"),
            new Rule("syslog", Action.KILL, "kernel log: addresses that defeat KASLR"),
            new Rule("vhangup", Action.KILL, "hangs up the terminal"),
            new Rule("fanotify_init", Action.KILL, "watches the filesystem"),
            new Rule("iopl", Action.KILL, "raw I/O ports (x86)"),
            new Rule("ioperm", Action.KILL, "raw I/O ports (x86)"),
            new Rule("uselib", Action.KILL, "legacy library loading (x86)"),
            new Rule("clone3", Action.ENOSYS, "glibc creates threads with clone3 and falls back to clone on "
                    + "ENOSYS, never on EPERM; clone's flags can be checked, clone3's (in memory) cannot"));

    /** The prctl row: by its first argument. */
    public static final String PRCTL_WHY = "the JVM names its threads with PR_SET_NAME (strace -f java), "
            + "so those two options pass; every other option (PR_SET_DUMPABLE, PR_SET_MM, PR_CAPBSET_*, "
            + "PR_SET_SECCOMP...) fails with EPERM rather than killing a JVM that might probe one";

    /** The clone row: by its flags. */
    public static final String CLONE_WHY = "the JVM creates threads with clone; a namespace flag there would be "
            + "unshare by another name, so it fails with EPERM";
}
