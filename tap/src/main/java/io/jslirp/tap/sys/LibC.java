package io.jslirp.tap.sys;

import jnr.ffi.Pointer;
import jnr.ffi.provider.jffi.NoX86;

/**
 * glibc functions used by jslirp, bound by jnr-ffi. Obtain the instance from {@link Native#libc()}.
 *
 * <p>Methods whose names carry C's signature take primitive addresses ({@code long}) where they are on the
 * per-frame path, so that calling them allocates nothing. Every call saves errno; read it with
 * {@link Native#errno()} right after a call returned -1.
 *
 * <p>Bound the way that costs start-up least (measured: the process's CPU from the start of the binding to
 * 300 ms after it, compilers included, median of 12 fresh JVMs each, busy machine: 218 ms as before, 197 with
 * {@link NoX86}, 185 with neither stubs nor annotations):
 * <ul>
 *   <li>{@link NoX86}: each method calls through jffi's JNI invokers rather than through a native stub jnr-ffi
 *       assembles for it at load with its own assembler (x86 or a64), interpreted and compiled this early. Per call
 *       the two are the same within the noise of the syscall (thread CPU per call, interleaved in one JVM: getpid
 *       about 190 ns, a 1-byte write to /dev/null 300-380, epoll_wait that does not wait 265-296, either way).</li>
 *   <li>No jnr-ffi type annotations ({@code @size_t}, {@code @ssize_t}, {@code @Out}): reading them made the JDK
 *       generate a proxy class per annotation type and per meta-annotation at load. A {@code size_t} or
 *       {@code ssize_t} is a {@code long} here, 64 bits like C's on the two ABIs {@link Native} accepts, and an
 *       {@code int[]} is copied both ways, which costs pipe2's two ints nothing.</li>
 * </ul>
 */
@NoX86
public interface LibC {
    // --- file descriptors -------------------------------------------------------------------------
    int open(String path, int flags, int mode);

    int close(int fd);

    /** read(2) into native memory at {@code bufAddress}; hot path, so the address is a primitive. */
    long read(int fd, long bufAddress, long count);

    /** write(2) from native memory at {@code bufAddress}; hot path, so the address is a primitive. */
    long write(int fd, long bufAddress, long count);

    /** writev(2) of the {@code struct iovec} array at {@code iovAddress}; hot path. */
    long writev(int fd, long iovAddress, int iovcnt);

    int fcntl(int fd, int cmd, int arg);

    int ioctl(int fd, long request, Pointer arg);

    // --- sockets and namespaces -------------------------------------------------------------------
    int socket(int domain, int type, int protocol);

    int setns(int fd, int nstype);

    /** connect(2) to the {@code struct sockaddr} at {@code addrAddress} (a reused scratch buffer). */
    int connect(int fd, long addrAddress, int addrLen);

    int bind(int fd, long addrAddress, int addrLen);

    int listen(int fd, int backlog);

    /**
     * accept4(2): the client's address lands in the {@code struct sockaddr_storage} at {@code addrAddress},
     * whose size the socklen_t at {@code addrLenAddress} holds on entry; both reused scratch memory.
     */
    int accept4(int fd, long addrAddress, long addrLenAddress, int flags);

    /** getsockname(2); {@code addrLenAddress} points at a socklen_t holding the buffer's size. */
    int getsockname(int fd, long addrAddress, long addrLenAddress);

    /** getsockopt(2); {@code optLenAddress} points at a socklen_t holding the buffer's size. */
    int getsockopt(int fd, int level, int optname, long optvalAddress, long optLenAddress);

    int setsockopt(int fd, int level, int optname, long optvalAddress, int optLen);

    int shutdown(int fd, int how);

    /** send(2) from native memory; hot path. Used with MSG_NOSIGNAL so a reset peer is EPIPE, not SIGPIPE. */
    long send(int fd, long bufAddress, long count, int flags);

    /** recv(2) into native memory; setup only (rtnetlink acknowledgements), so MSG_DONTWAIT keeps it from blocking. */
    long recv(int fd, long bufAddress, long count, int flags);

    /** sendmsg(2) of the {@code struct msghdr} at {@code msgAddress}; hot path (gathering writes). */
    long sendmsg(int fd, long msgAddress, int flags);

    /**
     * sendmmsg(2) of {@code vlen} {@code struct mmsghdr}s at {@code msgvecAddress}: the datagrams sent, each one's
     * length in its msg_len, or -1 with errno when the first could not be sent; hot path (UDP batches).
     */
    int sendmmsg(int fd, long msgvecAddress, int vlen, int flags);

    /** recvmsg(2) into the {@code struct msghdr} at {@code msgAddress}; hot path (UDP, error queue). */
    long recvmsg(int fd, long msgAddress, int flags);

    // --- readiness --------------------------------------------------------------------------------
    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, long eventAddress);

    /** epoll_wait(2) into a preallocated epoll_event array at {@code eventsAddress}. */
    int epoll_wait(int epfd, long eventsAddress, int maxEvents, int timeoutMillis);

    int eventfd(int initialValue, int flags);

    /** glibc's 8-byte write to an eventfd; takes the value directly, so waking a loop allocates nothing. */
    int eventfd_write(int fd, long value);

    /** glibc's 8-byte read from an eventfd into the 8 bytes at {@code valueAddress}. */
    int eventfd_read(int fd, long valueAddress);

    // --- resource limits --------------------------------------------------------------------------
    /** getrlimit(2) into the {@code struct rlimit} (two 64-bit values) at {@code rlimAddress}. */
    int getrlimit(int resource, long rlimAddress);

    int setrlimit(int resource, long rlimAddress);

    /** syscall(2), for calls glibc 2.36 does not wrap (pidfd_getfd). Unused arguments are ignored. */
    long syscall(long number, long arg1, long arg2, long arg3);

    String strerror(int errnum);

    // --- bound on first use ({@link LaterCalls}): the sandbox's setup, and what only tests call -------
    default int poll(Pointer fds, long nfds, int timeoutMillis) {
        return Native.later().poll(fds, nfds, timeoutMillis);
    }

    default int pipe2(int[] fds, int flags) {
        return Native.later().pipe2(fds, flags);
    }

    default int mount(String source, String target, String fstype, long flags, String data) {
        return Native.later().mount(source, target, fstype, flags, data);
    }

    default int umount2(String target, int flags) {
        return Native.later().umount2(target, flags);
    }

    default int unshare(int flags) {
        return Native.later().unshare(flags);
    }

    default int chdir(String path) {
        return Native.later().chdir(path);
    }

    default int mkdir(String path, int mode) {
        return Native.later().mkdir(path, mode);
    }

    default int rmdir(String path) {
        return Native.later().rmdir(path);
    }

    /** execve(2); jnr-ffi passes each String[] as a NULL-terminated char* array. Returns only on failure. */
    default int execve(String path, String[] argv, String[] envp) {
        return Native.later().execve(path, argv, envp);
    }

    default long lseek(int fd, long offset, int whence) {
        return Native.later().lseek(fd, offset, whence);
    }

    default int mprotect(long addr, long length, int prot) {
        return Native.later().mprotect(addr, length, prot);
    }

    /** glibc's sigaction(2) on the {@code struct sigaction} at {@code actAddress}; glibc adds the restorer. */
    default int sigaction(int signum, long actAddress, long oldActAddress) {
        return Native.later().sigaction(signum, actAddress, oldActAddress);
    }

    /** syscall(2) with six arguments, for calls that take more than three (mount_setattr). */
    default long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5, long arg6) {
        return Native.later().syscall(number, arg1, arg2, arg3, arg4, arg5, arg6);
    }

    /** prctl(2); options that take fewer arguments need the rest 0 (PR_SET_NO_NEW_PRIVS checks). */
    default int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return Native.later().prctl(option, arg2, arg3, arg4, arg5);
    }

    default int getpid() {
        return Native.later().getpid();
    }

    default int getuid() {
        return Native.later().getuid();
    }
}
