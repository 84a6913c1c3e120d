package io.jslirp.tap.sys;

/**
 * System calls glibc 2.36 has no wrapper for. The numbers are from the unified table all architectures
 * share for calls added since Linux 5.1, so they are the same on x86-64 and aarch64.
 */
public final class Syscalls {
    private Syscalls() {
    }

    public static final long SYS_PIDFD_OPEN = 434;
    public static final long SYS_PIDFD_GETFD = 438;

    /** pidfd_open(pid, 0): a handle on a process that, unlike a pid, cannot be recycled under us. */
    public static int pidfdOpen(int pid) throws NativeException {
        long r = Native.libc().syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (r < 0) {
            throw NativeException.last("pidfd_open " + pid);
        }
        return (int) r;
    }

    /**
     * pidfd_getfd(pidfd, targetFd, 0): a duplicate, in this process, of the target's {@code targetFd}, with
     * FD_CLOEXEC set. Needs ptrace-attach rights over the target, which a parent has over its own
     * same-credential child.
     */
    public static int pidfdGetfd(int pidfd, int targetFd) throws NativeException {
        long r = Native.libc().syscall(SYS_PIDFD_GETFD, pidfd, targetFd, 0);
        if (r < 0) {
            throw NativeException.last("pidfd_getfd fd " + targetFd);
        }
        return (int) r;
    }
}
