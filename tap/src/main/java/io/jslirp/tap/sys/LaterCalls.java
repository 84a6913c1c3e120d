package io.jslirp.tap.sys;

import jnr.ffi.Pointer;
import jnr.ffi.provider.jffi.NoX86;

/**
 * The glibc functions {@link LibC} binds only when one of them is first called ({@link Native#later()}): the
 * sandbox's setup calls (--enable-sandbox, --enable-seccomp), poll for the netlink replies of {@code -c -6}, and
 * what only tests call. jnr-ffi binds every method of an interface at once, at 1-2 ms of CPU each this early;
 * a runtime's start calls none of these, so they are not bound on its critical path. Callers keep calling them
 * through {@link LibC}, whose default methods forward here. Bound as {@link LibC} is (no assembled stubs, no
 * type annotations: its comment says why). Public only because jnr-ffi defines the class that implements it in a
 * class loader of its own; call these through {@link LibC}.
 */
@NoX86
public interface LaterCalls {
    int poll(Pointer fds, long nfds, int timeoutMillis);

    int pipe2(int[] fds, int flags);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int unshare(int flags);

    int chdir(String path);

    int mkdir(String path, int mode);

    int rmdir(String path);

    int execve(String path, String[] argv, String[] envp);

    long lseek(int fd, long offset, int whence);

    int mprotect(long addr, long length, int prot);

    int sigaction(int signum, long actAddress, long oldActAddress);

    long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5, long arg6);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int getpid();

    int getuid();
}
