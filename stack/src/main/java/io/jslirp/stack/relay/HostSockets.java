package io.jslirp.stack.relay;

import io.netty.buffer.ByteBuf;

/**
 * The host's sockets as the relay uses them. The stack stays pure Java: the Linux side implements this with
 * real non-blocking sockets watched by its event loop, tests implement it in memory.
 *
 * <p>Handles are small non-negative ints (file descriptors on Linux). Every call happens on the event-loop
 * thread and none blocks. Negative results are {@code -errno} in Linux numbering ({@link #ECONNREFUSED}...).
 * Readiness is reported to the {@link HostSocketHandler} given at creation with epoll's bit values, and is
 * level-triggered: a readable socket keeps being reported until it is drained or read interest is dropped.
 */
public interface HostSockets {
    int READABLE = 0x001;
    int WRITABLE = 0x004;
    int ERROR = 0x008;
    int HANGUP = 0x010;
    int READ_HANGUP = 0x2000;

    /** {@link #read} result: the peer closed its write side. Distinct from every {@code -errno}. */
    int EOF = Integer.MIN_VALUE;

    int EPERM = 1;
    int ENOENT = 2;
    int EINTR = 4;
    int EAGAIN = 11;
    int ENOMEM = 12;
    int EACCES = 13;
    int EMFILE = 24;
    int ENFILE = 23;
    int EPIPE = 32;
    int EADDRINUSE = 98;
    int EADDRNOTAVAIL = 99;
    int ENETDOWN = 100;
    int ENETUNREACH = 101;
    int ECONNABORTED = 103;
    int ECONNRESET = 104;
    int ETIMEDOUT = 110;
    int ECONNREFUSED = 111;
    int EHOSTDOWN = 112;
    int EHOSTUNREACH = 113;
    int EINPROGRESS = 115;

    /**
     * Starts a non-blocking TCP connect to {@code dstHi:dstLo} port {@code dstPort}, a family-neutral address
     * ({@code IpAddress}: AF_INET for an IPv4-mapped one, AF_INET6 otherwise), bound first to
     * {@code bindHi:bindLo} unless that is unspecified ({@code --outbound-addr}; the caller passes an address of
     * the destination's family). Returns the handle, or {@code -errno} when it fails at once (ENETUNREACH,
     * EMFILE, EADDRNOTAVAIL...). The outcome arrives later as an event: WRITABLE (or ERROR/HANGUP) on the handle,
     * after which {@link #connectResult} tells success (0) from the errno the kernel reports (ECONNREFUSED,
     * ETIMEDOUT, EHOSTUNREACH...). Until the caller changes it, the new handle's interest is write only.
     */
    int connectTcp(long dstHi, long dstLo, int dstPort, long bindHi, long bindLo, HostSocketHandler handler);

    /**
     * Opens a non-blocking listening TCP socket for a port forward on {@code addrHi:addrLo} port {@code port}:
     * AF_INET for an IPv4-mapped address, otherwise AF_INET6, dual-stack so that {@code ::} also takes IPv4
     * clients; port 0 lets the kernel choose ({@link #localPort} tells which). SO_REUSEADDR is set, as every
     * server sets it, so a forward can be re-added while old connections linger in TIME_WAIT. Interest starts
     * as read only: READABLE means a connection waits for {@link #accept}. Returns the handle, or {@code -errno}
     * (EADDRINUSE, EACCES for a privileged port, EADDRNOTAVAIL for an address the host does not have...).
     */
    int listenTcp(long addrHi, long addrLo, int port, HostSocketHandler handler);

    /**
     * Accepts one waiting connection on a listening handle, non-blocking, and describes the client in
     * {@code peer} ({@link DatagramInfo#addrHi}/{@link DatagramInfo#addrLo}, IPv4 clients of a dual-stack
     * listener IPv4-mapped like any IPv4 client, and {@link DatagramInfo#port}). The new handle reports to
     * {@code handler} and starts with no interest at all: nothing is read from the client before the guest has
     * accepted the connection. Returns the new handle, {@code -EAGAIN} when none waits, or another
     * {@code -errno} (EMFILE, ECONNABORTED...).
     */
    int accept(int listenHandle, HostSocketHandler handler, DatagramInfo peer);

    /** The local port a socket is bound to, or {@code -errno}. */
    int localPort(int handle);

    /** For a connecting socket after its first event: 0 when connected, otherwise the errno (SO_ERROR). */
    int connectResult(int handle);

    /**
     * Reads up to {@code maxBytes} into {@code dst} at its writerIndex and advances it; {@code dst} is a
     * direct buffer with at least that many writable bytes. Returns bytes read (&gt; 0), 0 when nothing is
     * waiting, {@link #EOF}, or {@code -errno} (ECONNRESET...).
     */
    int read(int handle, ByteBuf dst, int maxBytes);

    /**
     * Writes up to {@code length} bytes of {@code src} from absolute {@code index} (indices are not moved).
     * Returns bytes the kernel took (0 when its buffer is full), or {@code -errno} (EPIPE, ECONNRESET...).
     */
    int write(int handle, ByteBuf src, int index, int length);

    /**
     * Gathering write: the readable bytes of {@code count} buffers, {@code ring[(head + k) & mask]} for k = 0..,
     * in order, in as few system calls as the implementation can (Linux: one sendmsg for up to 64 of them).
     * Indices are not moved. Returns bytes the kernel took (0 when its buffer is full), or {@code -errno}.
     * The default writes them one by one until one is taken only in part.
     */
    default long writeGather(int handle, ByteBuf[] ring, int head, int count, int mask) {
        long total = 0;
        for (int k = 0; k < count; k++) {
            ByteBuf b = ring[(head + k) & mask];
            int len = b.readableBytes();
            int n = write(handle, b, b.readerIndex(), len);
            if (n < 0) {
                return total > 0 ? total : n;
            }
            total += n;
            if (n < len) {
                break;
            }
        }
        return total;
    }

    /** {@code shutdown(SHUT_WR)}: the guest's FIN, passed on while the other direction keeps flowing. */
    void shutdownWrite(int handle);

    /** Which readiness to report. Dropping read interest is how the relay stops reading while the guest's window is full. */
    void setInterest(int handle, boolean read, boolean write);

    /** Orderly close; the handle is invalid afterwards and no more events arrive for it. */
    void close(int handle);

    /** Close with a reset to the host peer (SO_LINGER 0): the guest's RST, passed on. */
    void abort(int handle);
}
