package io.jslirp.tap.sys;

/**
 * glibc functions used by jslirp, bound through jffi ({@link Glibc}). Obtain the instance from {@link Native#libc()}.
 *
 * <p>Every argument is a primitive: a pointer is a {@code long} address of memory the caller owns and keeps
 * alive across the call (a pooled direct {@code ByteBuf}, a preallocated region or a {@link NativeBlock}), so a
 * call allocates nothing. The few setup calls that take a {@code String}, {@code String[]} or {@code int[]} copy
 * it into native memory of their own and free it before they return. Every call saves errno; read it with
 * {@link Native#errno()} right after a call returned -1. A {@code size_t} or {@code ssize_t} is a {@code long}
 * here, 64 bits like C's on the two ABIs {@link Native} accepts.
 *
 * <p>An interface, not the class itself, so that tests can stand a recording or pausing proxy in its place.
 */
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

    /** ioctl(2) whose argument is the address of a struct ({@code struct ifreq}) or a value passed as one. */
    int ioctl(int fd, long request, long arg);

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

    // --- the sandbox's setup, netlink's replies, and what only tests call ----------------------------
    /** poll(2) of the {@code struct pollfd} array at {@code fdsAddress}. */
    int poll(long fdsAddress, long nfds, int timeoutMillis);

    /** pipe2(2); the two fds land in {@code fds}. */
    int pipe2(int[] fds, int flags);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int unshare(int flags);

    int chdir(String path);

    int mkdir(String path, int mode);

    int rmdir(String path);

    /** execve(2), each String[] passed as a NULL-terminated char* array. Returns only on failure. */
    int execve(String path, String[] argv, String[] envp);

    long lseek(int fd, long offset, int whence);

    /** mmap(2); MAP_FAILED is -1. */
    long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    int mprotect(long addr, long length, int prot);

    /** glibc's sigaction(2) on the {@code struct sigaction} at {@code actAddress}; glibc adds the restorer. */
    int sigaction(int signum, long actAddress, long oldActAddress);

    /** syscall(2) with five arguments, for calls that take more than three (mount_setattr). */
    long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5);

    /** prctl(2); options that take fewer arguments need the rest 0 (PR_SET_NO_NEW_PRIVS checks). */
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int getpid();

    int getuid();
}
