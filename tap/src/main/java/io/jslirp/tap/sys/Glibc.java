package io.jslirp.tap.sys;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;
import java.nio.charset.StandardCharsets;

/**
 * {@link LibC} on jffi, the JNI layer jnr-ffi itself calls through: each function is its address in the C library
 * and a call context (libffi's description of its C signature, errno saved after every call), both looked up once
 * when this class initialises; a call passes primitives to one of jffi's {@code invokeN} methods, which on x86-64
 * call the function directly and elsewhere through libffi. Nothing is generated at run time, unlike jnr-ffi, whose
 * binding of these functions built a class with ASM and loaded some 300 classes of its own at every start.
 *
 * <p>The addresses and contexts are static finals, which the JIT folds into the call. A C {@code int} result
 * comes back in a 64-bit register whose upper half the callee may leave undefined, so it is cast to {@code int}.
 */
final class Glibc implements LibC {
    private static final Invoker INVOKER = Invoker.getInstance();
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final Library LIBC = open();

    private static final Type I = Type.SINT;
    private static final Type U = Type.UINT;
    private static final Type L = Type.SLONG;
    private static final Type UL = Type.ULONG;
    private static final Type P = Type.POINTER;

    // Call contexts, one per C signature (jffi caches them by signature too).
    private static final CallContext I_I = context(I, I);
    private static final CallContext I_II = context(I, I, I);
    private static final CallContext I_III = context(I, I, I, I);
    private static final CallContext I_IPI = context(I, I, P, I);
    private static final CallContext I_IP = context(I, I, P);
    private static final CallContext I_IPP = context(I, I, P, P);
    private static final CallContext I_IPPI = context(I, I, P, P, I);
    private static final CallContext I_IIIPP = context(I, I, I, I, P, P);
    private static final CallContext I_IIIPI = context(I, I, I, I, P, I);
    private static final CallContext I_IIIP = context(I, I, I, I, P);
    private static final CallContext I_IPII = context(I, I, P, I, I);
    private static final CallContext I_IPUI = context(I, I, P, U, I);
    private static final CallContext I_UI = context(I, U, I);
    private static final CallContext I_IUL = context(I, I, UL);
    private static final CallContext I_IULP = context(I, I, UL, P);
    private static final CallContext I_PIII = context(I, P, I, I);
    private static final CallContext I_PULI = context(I, P, UL, I);
    private static final CallContext I_P = context(I, P);
    private static final CallContext I_PI = context(I, P, I);
    private static final CallContext I_PU = context(I, P, U);
    private static final CallContext I_PPP = context(I, P, P, P);
    private static final CallContext I_PPPULP = context(I, P, P, P, UL, P);
    private static final CallContext I_IULULULUL = context(I, I, UL, UL, UL, UL);
    private static final CallContext I_V = context(I);
    private static final CallContext L_IPUL = context(L, I, P, UL);
    private static final CallContext L_IPI = context(L, I, P, I);
    private static final CallContext L_IPULI = context(L, I, P, UL, I);
    private static final CallContext L_ILI = context(L, I, L, I);
    private static final CallContext L_LLLL = context(L, L, L, L, L);
    private static final CallContext L_LLLLLL = context(L, L, L, L, L, L, L);
    private static final CallContext P_I = context(P, I);
    private static final CallContext P_PULIIIL = context(P, P, UL, I, I, I, L);

    // Hot path.
    private static final long READ = function("read");
    private static final long WRITE = function("write");
    private static final long WRITEV = function("writev");
    private static final long SEND = function("send");
    private static final long RECV = function("recv");
    private static final long SENDMSG = function("sendmsg");
    private static final long SENDMMSG = function("sendmmsg");
    private static final long RECVMSG = function("recvmsg");
    private static final long EPOLL_WAIT = function("epoll_wait");
    private static final long EVENTFD_WRITE = function("eventfd_write");
    private static final long EVENTFD_READ = function("eventfd_read");
    // Per connection and set-up.
    private static final long OPEN = function("open");
    private static final long CLOSE = function("close");
    private static final long FCNTL = function("fcntl");
    private static final long IOCTL = function("ioctl");
    private static final long SOCKET = function("socket");
    private static final long SETNS = function("setns");
    private static final long CONNECT = function("connect");
    private static final long BIND = function("bind");
    private static final long LISTEN = function("listen");
    private static final long ACCEPT4 = function("accept4");
    private static final long GETSOCKNAME = function("getsockname");
    private static final long GETSOCKOPT = function("getsockopt");
    private static final long SETSOCKOPT = function("setsockopt");
    private static final long SHUTDOWN = function("shutdown");
    private static final long EPOLL_CREATE1 = function("epoll_create1");
    private static final long EPOLL_CTL = function("epoll_ctl");
    private static final long EVENTFD = function("eventfd");
    private static final long GETRLIMIT = function("getrlimit");
    private static final long SETRLIMIT = function("setrlimit");
    private static final long SYSCALL = function("syscall");
    private static final long STRERROR = function("strerror");
    private static final long POLL = function("poll");
    private static final long PIPE2 = function("pipe2");
    private static final long MOUNT = function("mount");
    private static final long UMOUNT2 = function("umount2");
    private static final long UNSHARE = function("unshare");
    private static final long CHDIR = function("chdir");
    private static final long MKDIR = function("mkdir");
    private static final long RMDIR = function("rmdir");
    private static final long EXECVE = function("execve");
    private static final long LSEEK = function("lseek");
    private static final long MMAP = function("mmap");
    private static final long MPROTECT = function("mprotect");
    private static final long SIGACTION = function("sigaction");
    private static final long PRCTL = function("prctl");
    private static final long GETPID = function("getpid");
    private static final long GETUID = function("getuid");

    /**
     * glibc by its soname: it is already in the process, so dlopen finds it at once. The process's global
     * symbols (which hold the C library the JVM itself was linked with) are the fallback for a libc of another name.
     */
    private static Library open() {
        Library lib = Library.getCachedInstance("libc.so.6", Library.LAZY | Library.LOCAL);
        return lib != null ? lib : Library.getDefault();
    }

    private static CallContext context(Type result, Type... parameters) {
        return CallContext.getCallContext(result, parameters, CallingConvention.DEFAULT, true);
    }

    /** The function's address; a C library without it fails the binding's load, naming the function. */
    private static long function(String name) {
        long address = symbol(name);
        if (address == 0) {
            throw new UnsatisfiedLinkError("the C library has no " + name + ": " + Library.getLastError());
        }
        return address;
    }

    /** The address of {@code name} in the C library, or 0 when it has none (for functions only glibc has). */
    static long symbol(String name) {
        return LIBC.getSymbolAddress(name);
    }

    // --- hot path -----------------------------------------------------------------------------------

    @Override
    public long read(int fd, long bufAddress, long count) {
        return INVOKER.invokeN3(L_IPUL, READ, fd, bufAddress, count);
    }

    @Override
    public long write(int fd, long bufAddress, long count) {
        return INVOKER.invokeN3(L_IPUL, WRITE, fd, bufAddress, count);
    }

    @Override
    public long writev(int fd, long iovAddress, int iovcnt) {
        return INVOKER.invokeN3(L_IPI, WRITEV, fd, iovAddress, iovcnt);
    }

    @Override
    public long send(int fd, long bufAddress, long count, int flags) {
        return INVOKER.invokeN4(L_IPULI, SEND, fd, bufAddress, count, flags);
    }

    @Override
    public long recv(int fd, long bufAddress, long count, int flags) {
        return INVOKER.invokeN4(L_IPULI, RECV, fd, bufAddress, count, flags);
    }

    @Override
    public long sendmsg(int fd, long msgAddress, int flags) {
        return INVOKER.invokeN3(L_IPI, SENDMSG, fd, msgAddress, flags);
    }

    @Override
    public int sendmmsg(int fd, long msgvecAddress, int vlen, int flags) {
        return (int) INVOKER.invokeN4(I_IPUI, SENDMMSG, fd, msgvecAddress, vlen, flags);
    }

    @Override
    public long recvmsg(int fd, long msgAddress, int flags) {
        return INVOKER.invokeN3(L_IPI, RECVMSG, fd, msgAddress, flags);
    }

    @Override
    public int epoll_wait(int epfd, long eventsAddress, int maxEvents, int timeoutMillis) {
        return (int) INVOKER.invokeN4(I_IPII, EPOLL_WAIT, epfd, eventsAddress, maxEvents, timeoutMillis);
    }

    @Override
    public int eventfd_write(int fd, long value) {
        return (int) INVOKER.invokeN2(I_IUL, EVENTFD_WRITE, fd, value);
    }

    @Override
    public int eventfd_read(int fd, long valueAddress) {
        return (int) INVOKER.invokeN2(I_IP, EVENTFD_READ, fd, valueAddress);
    }

    // --- file descriptors, sockets, readiness --------------------------------------------------------

    @Override
    public int open(String path, int flags, int mode) {
        long p = CStrings.copy(path);
        try {
            return (int) INVOKER.invokeN3(I_PIII, OPEN, p, flags, mode);
        } finally {
            CStrings.free(p);
        }
    }

    @Override
    public int close(int fd) {
        return (int) INVOKER.invokeN1(I_I, CLOSE, fd);
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return (int) INVOKER.invokeN3(I_III, FCNTL, fd, cmd, arg);
    }

    @Override
    public int ioctl(int fd, long request, long arg) {
        return (int) INVOKER.invokeN3(I_IULP, IOCTL, fd, request, arg);
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return (int) INVOKER.invokeN3(I_III, SOCKET, domain, type, protocol);
    }

    @Override
    public int setns(int fd, int nstype) {
        return (int) INVOKER.invokeN2(I_II, SETNS, fd, nstype);
    }

    @Override
    public int connect(int fd, long addrAddress, int addrLen) {
        return (int) INVOKER.invokeN3(I_IPI, CONNECT, fd, addrAddress, addrLen);
    }

    @Override
    public int bind(int fd, long addrAddress, int addrLen) {
        return (int) INVOKER.invokeN3(I_IPI, BIND, fd, addrAddress, addrLen);
    }

    @Override
    public int listen(int fd, int backlog) {
        return (int) INVOKER.invokeN2(I_II, LISTEN, fd, backlog);
    }

    @Override
    public int accept4(int fd, long addrAddress, long addrLenAddress, int flags) {
        return (int) INVOKER.invokeN4(I_IPPI, ACCEPT4, fd, addrAddress, addrLenAddress, flags);
    }

    @Override
    public int getsockname(int fd, long addrAddress, long addrLenAddress) {
        return (int) INVOKER.invokeN3(I_IPP, GETSOCKNAME, fd, addrAddress, addrLenAddress);
    }

    @Override
    public int getsockopt(int fd, int level, int optname, long optvalAddress, long optLenAddress) {
        return (int) INVOKER.invokeN5(I_IIIPP, GETSOCKOPT, fd, level, optname, optvalAddress, optLenAddress);
    }

    @Override
    public int setsockopt(int fd, int level, int optname, long optvalAddress, int optLen) {
        return (int) INVOKER.invokeN5(I_IIIPI, SETSOCKOPT, fd, level, optname, optvalAddress, optLen);
    }

    @Override
    public int shutdown(int fd, int how) {
        return (int) INVOKER.invokeN2(I_II, SHUTDOWN, fd, how);
    }

    @Override
    public int epoll_create1(int flags) {
        return (int) INVOKER.invokeN1(I_I, EPOLL_CREATE1, flags);
    }

    @Override
    public int epoll_ctl(int epfd, int op, int fd, long eventAddress) {
        return (int) INVOKER.invokeN4(I_IIIP, EPOLL_CTL, epfd, op, fd, eventAddress);
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        return (int) INVOKER.invokeN2(I_UI, EVENTFD, initialValue, flags);
    }

    @Override
    public int getrlimit(int resource, long rlimAddress) {
        return (int) INVOKER.invokeN2(I_IP, GETRLIMIT, resource, rlimAddress);
    }

    @Override
    public int setrlimit(int resource, long rlimAddress) {
        return (int) INVOKER.invokeN2(I_IP, SETRLIMIT, resource, rlimAddress);
    }

    @Override
    public long syscall(long number, long arg1, long arg2, long arg3) {
        return INVOKER.invokeN4(L_LLLL, SYSCALL, number, arg1, arg2, arg3);
    }

    @Override
    public String strerror(int errnum) {
        long s = INVOKER.invokeN1(P_I, STRERROR, errnum);
        return s == 0 ? null : new String(MEMORY.getZeroTerminatedByteArray(s), StandardCharsets.UTF_8);
    }

    // --- the sandbox's setup, netlink's replies, tests -----------------------------------------------

    @Override
    public int poll(long fdsAddress, long nfds, int timeoutMillis) {
        return (int) INVOKER.invokeN3(I_PULI, POLL, fdsAddress, nfds, timeoutMillis);
    }

    @Override
    public int pipe2(int[] fds, int flags) {
        long p = MEMORY.allocateMemory(8, true);
        if (p == 0) {
            throw new OutOfMemoryError("malloc(8)");
        }
        try {
            int r = (int) INVOKER.invokeN2(I_PI, PIPE2, p, flags);
            fds[0] = MEMORY.getInt(p);
            fds[1] = MEMORY.getInt(p + 4);
            return r;
        } finally {
            MEMORY.freeMemory(p);
        }
    }

    @Override
    public int mount(String source, String target, String fstype, long flags, String data) {
        long s = 0;
        long t = 0;
        long f = 0;
        long d = 0;
        try {
            // Inside the try: a string that cannot be copied frees the ones before it.
            s = CStrings.copy(source);
            t = CStrings.copy(target);
            f = CStrings.copy(fstype);
            d = CStrings.copy(data);
            return (int) INVOKER.invokeN5(I_PPPULP, MOUNT, s, t, f, flags, d);
        } finally {
            CStrings.free(s);
            CStrings.free(t);
            CStrings.free(f);
            CStrings.free(d);
        }
    }

    @Override
    public int umount2(String target, int flags) {
        long t = CStrings.copy(target);
        try {
            return (int) INVOKER.invokeN2(I_PI, UMOUNT2, t, flags);
        } finally {
            CStrings.free(t);
        }
    }

    @Override
    public int unshare(int flags) {
        return (int) INVOKER.invokeN1(I_I, UNSHARE, flags);
    }

    @Override
    public int chdir(String path) {
        long p = CStrings.copy(path);
        try {
            return (int) INVOKER.invokeN1(I_P, CHDIR, p);
        } finally {
            CStrings.free(p);
        }
    }

    @Override
    public int mkdir(String path, int mode) {
        long p = CStrings.copy(path);
        try {
            return (int) INVOKER.invokeN2(I_PU, MKDIR, p, mode);
        } finally {
            CStrings.free(p);
        }
    }

    @Override
    public int rmdir(String path) {
        long p = CStrings.copy(path);
        try {
            return (int) INVOKER.invokeN1(I_P, RMDIR, p);
        } finally {
            CStrings.free(p);
        }
    }

    @Override
    public int execve(String path, String[] argv, String[] envp) {
        long p = 0;
        long a = 0;
        long e = 0;
        try {
            // Inside the try: a null in envp, or memory running out, frees what was copied before.
            p = CStrings.copy(path);
            a = CStrings.copyArray(argv);
            e = CStrings.copyArray(envp);
            return (int) INVOKER.invokeN3(I_PPP, EXECVE, p, a, e);
        } finally {
            CStrings.freeArray(e);
            CStrings.freeArray(a);
            CStrings.free(p);
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return INVOKER.invokeN3(L_ILI, LSEEK, fd, offset, whence);
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        return INVOKER.invokeN6(P_PULIIIL, MMAP, addr, length, prot, flags, fd, offset);
    }

    @Override
    public int mprotect(long addr, long length, int prot) {
        return (int) INVOKER.invokeN3(I_PULI, MPROTECT, addr, length, prot);
    }

    @Override
    public int sigaction(int signum, long actAddress, long oldActAddress) {
        return (int) INVOKER.invokeN3(I_IPP, SIGACTION, signum, actAddress, oldActAddress);
    }

    @Override
    public long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5) {
        return INVOKER.invokeN6(L_LLLLLL, SYSCALL, number, arg1, arg2, arg3, arg4, arg5);
    }

    @Override
    public int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return (int) INVOKER.invokeN5(I_IULULULUL, PRCTL, option, arg2, arg3, arg4, arg5);
    }

    @Override
    public int getpid() {
        return (int) INVOKER.invokeN0(I_V, GETPID);
    }

    @Override
    public int getuid() {
        return (int) INVOKER.invokeN0(I_V, GETUID);
    }
}
