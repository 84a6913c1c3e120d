package io.jslirp.tap.sandbox;

import java.util.Map;

/**
 * The system-call numbers a filter needs, per architecture. A seccomp filter sees raw numbers, and the same
 * call has a different number on x86-64 (its own table) and on aarch64 (the asm-generic table), so a rule is
 * written by name and looked up here. A test checks every number against the kernel's UAPI headers.
 */
public enum SyscallArch {
    /** AUDIT_ARCH_X86_64; x32 calls share it but carry bit 30 in the number, which the filter refuses. */
    X86_64(0xC000003E, true, Map.ofEntries(
            Map.entry("clone", 56), Map.entry("execve", 59), Map.entry("ptrace", 101), Map.entry("syslog", 103),
            Map.entry("capget", 125), Map.entry("capset", 126), Map.entry("uselib", 134), Map.entry("personality", 135),
            Map.entry("vhangup", 153), Map.entry("pivot_root", 155), Map.entry("prctl", 157),
            Map.entry("adjtimex", 159), Map.entry("chroot", 161), Map.entry("acct", 163),
            Map.entry("settimeofday", 164), Map.entry("mount", 165), Map.entry("umount2", 166),
            Map.entry("swapon", 167), Map.entry("swapoff", 168), Map.entry("reboot", 169),
            Map.entry("sethostname", 170), Map.entry("setdomainname", 171), Map.entry("iopl", 172),
            Map.entry("ioperm", 173), Map.entry("init_module", 175), Map.entry("delete_module", 176),
            Map.entry("quotactl", 179), Map.entry("lookup_dcookie", 212), Map.entry("getdents64", 217),
            Map.entry("clock_settime", 227), Map.entry("tgkill", 234), Map.entry("kexec_load", 246),
            Map.entry("add_key", 248), Map.entry("request_key", 249), Map.entry("keyctl", 250),
            Map.entry("unshare", 272), Map.entry("perf_event_open", 298), Map.entry("fanotify_init", 300),
            Map.entry("name_to_handle_at", 303), Map.entry("open_by_handle_at", 304),
            Map.entry("clock_adjtime", 305), Map.entry("setns", 308), Map.entry("process_vm_readv", 310),
            Map.entry("process_vm_writev", 311), Map.entry("kcmp", 312), Map.entry("finit_module", 313),
            Map.entry("seccomp", 317), Map.entry("kexec_file_load", 320), Map.entry("bpf", 321),
            Map.entry("execveat", 322), Map.entry("userfaultfd", 323), Map.entry("pidfd_send_signal", 424),
            Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426), Map.entry("io_uring_register", 427),
            Map.entry("open_tree", 428), Map.entry("move_mount", 429), Map.entry("fsopen", 430),
            Map.entry("fsconfig", 431), Map.entry("fsmount", 432), Map.entry("fspick", 433),
            Map.entry("pidfd_open", 434), Map.entry("clone3", 435), Map.entry("pidfd_getfd", 438),
            Map.entry("mount_setattr", 442), Map.entry("quotactl_fd", 443),
            // Calls the filter lets through, named so that tests can feed them to it.
            Map.entry("read", 0), Map.entry("write", 1), Map.entry("mmap", 9), Map.entry("socket", 41),
            Map.entry("sendmsg", 46), Map.entry("recvmsg", 47), Map.entry("futex", 202),
            Map.entry("epoll_wait", 232), Map.entry("openat", 257), Map.entry("epoll_pwait", 281))),

    /** AUDIT_ARCH_AARCH64 (64-bit, little-endian); it has no iopl, ioperm or uselib. */
    AARCH64(0xC00000B7, false, Map.ofEntries(
            Map.entry("clone", 220), Map.entry("execve", 221), Map.entry("ptrace", 117), Map.entry("syslog", 116),
            Map.entry("capget", 90), Map.entry("capset", 91), Map.entry("personality", 92), Map.entry("vhangup", 58),
            Map.entry("pivot_root", 41), Map.entry("prctl", 167), Map.entry("adjtimex", 171),
            Map.entry("chroot", 51), Map.entry("acct", 89), Map.entry("settimeofday", 170),
            Map.entry("mount", 40), Map.entry("umount2", 39), Map.entry("swapon", 224), Map.entry("swapoff", 225),
            Map.entry("reboot", 142), Map.entry("sethostname", 161), Map.entry("setdomainname", 162),
            Map.entry("init_module", 105), Map.entry("delete_module", 106), Map.entry("quotactl", 60),
            Map.entry("lookup_dcookie", 18), Map.entry("getdents64", 61), Map.entry("clock_settime", 112),
            Map.entry("tgkill", 131), Map.entry("kexec_load", 104), Map.entry("add_key", 217),
            Map.entry("request_key", 218), Map.entry("keyctl", 219), Map.entry("unshare", 97),
            Map.entry("perf_event_open", 241), Map.entry("fanotify_init", 262),
            Map.entry("name_to_handle_at", 264), Map.entry("open_by_handle_at", 265),
            Map.entry("clock_adjtime", 266), Map.entry("setns", 268), Map.entry("process_vm_readv", 270),
            Map.entry("process_vm_writev", 271), Map.entry("kcmp", 272), Map.entry("finit_module", 273),
            Map.entry("seccomp", 277), Map.entry("kexec_file_load", 294), Map.entry("bpf", 280),
            Map.entry("execveat", 281), Map.entry("userfaultfd", 282), Map.entry("pidfd_send_signal", 424),
            Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426), Map.entry("io_uring_register", 427),
            Map.entry("open_tree", 428), Map.entry("move_mount", 429), Map.entry("fsopen", 430),
            Map.entry("fsconfig", 431), Map.entry("fsmount", 432), Map.entry("fspick", 433),
            Map.entry("pidfd_open", 434), Map.entry("clone3", 435), Map.entry("pidfd_getfd", 438),
            Map.entry("mount_setattr", 442), Map.entry("quotactl_fd", 443),
            Map.entry("read", 63), Map.entry("write", 64), Map.entry("mmap", 222), Map.entry("socket", 198),
            Map.entry("sendmsg", 211), Map.entry("recvmsg", 212), Map.entry("futex", 98),
            Map.entry("openat", 56), Map.entry("epoll_pwait", 22)));

    /** Bit 30 of the number marks an x32 call on x86-64 (__X32_SYSCALL_BIT). */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    private final int auditArch;
    private final boolean hasX32;
    private final Map<String, Integer> numbers;

    SyscallArch(int auditArch, boolean hasX32, Map<String, Integer> numbers) {
        this.auditArch = auditArch;
        this.hasX32 = hasX32;
        this.numbers = numbers;
    }

    /** The AUDIT_ARCH_* value the kernel puts in {@code seccomp_data.arch} for this architecture's calls. */
    public int auditArch() {
        return auditArch;
    }

    /** Whether a second ABI (x32) shares this audit arch and must be told apart by the number. */
    public boolean hasX32() {
        return hasX32;
    }

    /** The call's number, or -1 where this architecture has no such call. */
    public int number(String syscall) {
        Integer n = numbers.get(syscall);
        return n == null ? -1 : n;
    }

    /** Every name this table knows, for the header cross-check. */
    Map<String, Integer> numbers() {
        return numbers;
    }

    /** The architecture this JVM runs on. */
    public static SyscallArch current() {
        String arch = System.getProperty("os.arch", "");
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64" -> AARCH64;
            default -> throw new UnsupportedOperationException("no seccomp table for " + arch);
        };
    }
}
