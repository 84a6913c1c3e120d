package io.jslirp.tap.dev;

import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;

/**
 * Adds an IPv6 address and default route over rtnetlink, for what the ioctls cannot say: an address
 * without duplicate address detection ({@link Rtnetlink#IFA_F_NODAD}) and a route with a chosen metric.
 * Like {@link InterfaceConfigurator}'s socket, the NETLINK_ROUTE socket acts on the namespace it was created
 * in, so it must come from inside the target namespace; takes ownership of it.
 *
 * <p>Each request asks for an ack and waits for it: rtnetlink handles a request in the sender's own
 * {@code sendmsg}, so the ack is normally queued before {@code send} returns; the bounded wait only guards
 * against a kernel that is wedged.
 */
public final class NetlinkConfigurator implements AutoCloseable {
    /** How long one request may take to be acknowledged. */
    static final int ACK_TIMEOUT_MS = 5_000;
    /** Room for an ack with the request echoed and the kernel's explanation: a page, as libmnl uses. */
    private static final int RECV_BYTES = 8192;
    private static final short POLLIN = 0x1;

    private final int socketFd;
    private final LibC libc = Native.libc();
    /** Freed by {@link #close}. */
    private final NativeBlock buffer = Native.allocate(RECV_BYTES);
    private int seq;
    private boolean closed;

    /**
     * Wraps {@code netlinkFd}, an AF_NETLINK/NETLINK_ROUTE socket created in the target namespace. Asks for
     * capped acks with the kernel's own error text; kernels without them (before 4.2 and 4.12) still ack.
     */
    public NetlinkConfigurator(int netlinkFd) {
        this.socketFd = netlinkFd;
        try (NativeBlock one = Native.allocate(4)) {
            one.putInt(0, 1);
            libc.setsockopt(socketFd, Flags.SOL_NETLINK, Flags.NETLINK_CAP_ACK, one.address(), 4);
            libc.setsockopt(socketFd, Flags.SOL_NETLINK, Flags.NETLINK_EXT_ACK, one.address(), 4);
            // Sequence numbers only need to tell this socket's requests apart; start where a stale ack cannot match.
            this.seq = (int) (System.nanoTime() & 0x3fff_ffff);
        }
    }

    /** {@code ip -6 addr replace hi:lo/prefixLength dev ifIndex nodad}. */
    public void addIpv6AddressNoDad(int ifIndex, long hi, long lo, int prefixLength, String what)
            throws NativeException {
        int s = ++seq;
        request(Rtnetlink.newAddress(s, ifIndex, hi, lo, prefixLength, Rtnetlink.IFA_F_NODAD), s, what);
    }

    /** {@code ip -6 route replace default via gwHi:gwLo dev ifIndex metric metric}. */
    public void addIpv6DefaultRoute(int ifIndex, long gwHi, long gwLo, int metric, String what) throws NativeException {
        int s = ++seq;
        request(Rtnetlink.newDefaultRoute(s, ifIndex, gwHi, gwLo, metric), s, what);
    }

    private void request(byte[] message, int s, String what) throws NativeException {
        buffer.put(0, message, 0, message.length);
        long sent = libc.send(socketFd, buffer.address(), message.length, 0);
        if (sent != message.length) {
            throw sent < 0 ? NativeException.last(what) : NativeException.withMessage(what + ": short send", Errno.EMSGSIZE);
        }
        Rtnetlink.Ack ack = awaitAck(s, what);
        if (ack.error() != 0) {
            String extra = ack.message().isEmpty() ? "" : " (" + ack.message() + ")";
            throw NativeException.withMessage(what + ": " + Native.strerror(ack.error()) + extra, ack.error());
        }
    }

    private Rtnetlink.Ack awaitAck(int s, String what) throws NativeException {
        Rtnetlink.Ack ack = new Rtnetlink.Ack();
        byte[] datagram = new byte[RECV_BYTES];
        long deadline = System.nanoTime() + ACK_TIMEOUT_MS * 1_000_000L;
        for (;;) {
            long n = libc.recv(socketFd, buffer.address(), RECV_BYTES, Flags.MSG_DONTWAIT);
            if (n > 0) {
                buffer.get(0, datagram, 0, (int) n);
                if (ack.find(datagram, (int) n, s)) {
                    return ack;
                }
                continue; // someone else's message (none is subscribed to, but a stray one is not ours to fail on)
            }
            int errno = n < 0 ? Native.errno() : Errno.EAGAIN;
            if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                throw new NativeException(what + ": reading the kernel's answer", errno);
            }
            long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0) {
                throw NativeException.withMessage(what + ": the kernel did not answer within " + ACK_TIMEOUT_MS + " ms",
                        Errno.EAGAIN);
            }
            try (NativeBlock pfd = Native.allocate(8)) {
                pfd.putInt(0, socketFd);
                pfd.putShort(4, POLLIN);
                libc.poll(pfd.address(), 1, (int) leftMs);
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Fds.close(socketFd);
            buffer.close();
        }
    }
}
