package io.jslirp.tap.api;

import io.jslirp.tap.sys.Native;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;

/**
 * The glibc calls the API socket needs beyond {@link io.jslirp.tap.sys.LibC}: a listening AF_UNIX socket and
 * a timerfd for the clients that never finish. Public only because jnr-ffi implements it from another class
 * loader; obtain it with {@link #load()}. Every call saves errno, which {@link Native#errno()} reads (jnr-ffi
 * keeps the last error per thread, whichever library set it).
 */
public interface UnixSocketCalls {
    int AF_UNIX = 1;
    /** {@code sizeof(struct sockaddr_un)}: a two-byte family and 108 bytes of path, NUL included. */
    int SOCKADDR_UN_SIZE = 110;
    int SUN_PATH_MAX = 107;
    int CLOCK_MONOTONIC = 1;
    /** {@code TFD_NONBLOCK} and {@code TFD_CLOEXEC} are O_NONBLOCK and O_CLOEXEC. */
    int TFD_NONBLOCK = 0x800;
    int TFD_CLOEXEC = 0x80000;

    int socket(int domain, int type, int protocol);

    int bind(int fd, Pointer addr, int addrLen);

    int listen(int fd, int backlog);

    /** accept4(2) without the peer's address: an AF_UNIX client has none worth reading. */
    int accept4(int fd, Pointer addr, Pointer addrLen, int flags);

    int timerfd_create(int clockId, int flags);

    /** timerfd_settime(2) from the {@code struct itimerspec} (four 64-bit values) at {@code newValue}. */
    int timerfd_settime(int fd, int flags, Pointer newValue, Pointer oldValue);

    /** The bound calls; loaded once, after {@link Native} has refused a platform whose constants differ. */
    static UnixSocketCalls load() {
        Native.libc();
        return LibraryLoader.create(UnixSocketCalls.class).option(LibraryOption.SaveError, Boolean.TRUE).load("c");
    }
}
