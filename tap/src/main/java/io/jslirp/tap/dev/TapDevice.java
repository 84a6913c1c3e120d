package io.jslirp.tap.dev;

import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * An attached, non-blocking TAP fd: one read is one Ethernet frame from the guest, one write is one frame
 * to it. Owned and used by the event-loop thread; it owns the fd and closes it in {@link #close()}.
 *
 * <p>With offload ({@link #vnetHeader()}), the device was attached with IFF_VNET_HDR, a 10-byte
 * {@code virtio_net_hdr} and TUNSETOFFLOAD(CSUM, TSO4, TSO6): every read starts with the header (and may be a
 * TSO frame far above the MTU), and every write is preceded by the header in {@link #vnetHeaderOut()},
 * gathered with writev so the frame itself needs no headroom.
 */
public final class TapDevice implements AutoCloseable {
    /** Largest frame a read can return: a 64 KiB IP packet plus the Ethernet header. */
    public static final int MAX_FRAME = 65536 + 14;
    /** Size of struct virtio_net_hdr (no mergeable-buffers field), set with TUNSETVNETHDRSZ. */
    public static final int VNET_HDR_LEN = 10;
    /** Largest read with offload: header, a 64 KiB IP packet, Ethernet header, and slack. */
    public static final int MAX_VNET_READ = VNET_HDR_LEN + MAX_FRAME + 64;

    static final long TUNSETIFF = 0x400454caL; // _IOW('T', 202, int)
    static final long TUNGETIFF = 0x800454d2L; // _IOR('T', 210, unsigned int)
    static final short IFF_TUN = 0x0001;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    static final long TUNSETOFFLOAD = 0x400454d0L; // _IOW('T', 208, unsigned int), argument by value
    static final long TUNSETVNETHDRSZ = 0x400454d8L; // _IOW('T', 216, int)
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;

    private static final String TUN_PATH = "/dev/net/tun";

    private final int fd;
    private final String name;
    private final boolean vnet;
    private final LibC libc = Native.libc();
    /** With offload: the header for the next write at 0, and a two-entry struct iovec array at 16. */
    private final ByteBuf vnetOut;
    private final long iovAddress;
    /** Staging area for frames not in contiguous native memory (heap or composite); created on first need. */
    private ByteBuf writeScratch;
    private boolean closed;

    private TapDevice(int fd, String name, boolean vnet) {
        this.fd = fd;
        this.name = name;
        this.vnet = vnet;
        if (vnet) {
            // A JDK direct buffer: freed by the GC with this object, invisible to Netty's leak detector.
            ByteBuf native_ = Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(48)).clear();
            this.vnetOut = native_;
            this.iovAddress = native_.memoryAddress() + 16;
        } else {
            this.vnetOut = null;
            this.iovAddress = 0;
        }
    }

    /**
     * Opens {@code /dev/net/tun} in the calling thread's network namespace, which is where a device attached
     * through the fd will live. Close-on-exec so the fd never leaks into a helper process.
     */
    public static int openTunInCurrentNamespace() throws NativeException {
        int fd = Native.libc().open(TUN_PATH, Flags.O_RDWR | Flags.O_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.last("open " + TUN_PATH);
        }
        return fd;
    }

    /**
     * TUNSETIFF with IFF_TAP|IFF_NO_PI on a fresh tun fd: creates {@code name} in the namespace the fd was
     * opened in, or attaches to an existing TAP of that name (e.g. one made by {@code ip tuntap add}). On
     * success the returned device owns {@code tunFd}; on failure the caller still does.
     */
    public static TapDevice attach(int tunFd, String name) throws NativeException {
        return attach(tunFd, name, false);
    }

    /**
     * As {@link #attach(int, String)}; with {@code offload}, also IFF_VNET_HDR, a 10-byte header and TSO and
     * checksum offload, so the guest hands over (and accepts) TCP super-segments of up to 64 KiB. IFF_VNET_HDR
     * is one of the flags TUNSETIFF replaces even on an existing persistent device.
     */
    public static TapDevice attach(int tunFd, String name, boolean offload) throws NativeException {
        try (NativeBlock ifr = Ifreq.forName(name)) {
            ifr.putShort(Ifreq.UNION, (short) (IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0)));
            if (Native.libc().ioctl(tunFd, TUNSETIFF, ifr.address()) < 0) {
                int e = Native.errno();
                if (e == Errno.EINVAL) {
                    // The kernel says EINVAL both for "fd already attached" and for "name is a TUN, not a TAP";
                    // saying which is more useful than "Invalid argument".
                    throw NativeException.withMessage("TUNSETIFF " + name + ": " + Native.strerror(e)
                            + " (fd already attached, or " + name + " exists and is not a TAP device)", e);
                }
                throw new NativeException("TUNSETIFF " + name, e);
            }
            if (offload) {
                enableOffload(tunFd, name);
            }
            Fds.setNonBlocking(tunFd);
            return new TapDevice(tunFd, Ifreq.name(ifr), offload);
        }
    }

    /**
     * Adopts an fd that is already attached to a TAP device ({@code --netns-type=tapfd}). TUNGETIFF proves
     * it is a tun fd, attached, in TAP mode and without packet-info headers; anything else would make every
     * frame misparse, so it is refused here with a message that says which check failed. {@code name}, if
     * not null, must match the device's name. On success the device owns {@code fd}.
     */
    public static TapDevice fromFd(int fd, String name) throws NativeException {
        try (NativeBlock ifr = Native.allocate(Ifreq.SIZE)) {
            if (Native.libc().ioctl(fd, TUNGETIFF, ifr.address()) < 0) {
                int e = Native.errno();
                switch (e) {
                    case Errno.EBADF:
                        throw NativeException.withMessage("fd " + fd + " is not open", e);
                    case Errno.EBADFD:
                        throw NativeException.withMessage("fd " + fd + " is a tun fd not attached to any device", e);
                    case Errno.ENOTTY:
                    case Errno.EINVAL:
                        throw NativeException.withMessage("fd " + fd + " is not a TAP device fd", e);
                    default:
                        throw new NativeException("TUNGETIFF fd " + fd, e);
                }
            }
            short flags = ifr.getShort(Ifreq.UNION);
            String actual = Ifreq.name(ifr);
            if ((flags & IFF_TAP) == 0) {
                throw NativeException.withMessage("fd " + fd + " is attached to " + actual + ", a TUN device, not TAP", Errno.EINVAL);
            }
            if ((flags & IFF_NO_PI) == 0) {
                throw NativeException.withMessage("fd " + fd + " (" + actual + ") was attached without IFF_NO_PI", Errno.EINVAL);
            }
            if (name != null && !name.equals(actual)) {
                throw NativeException.withMessage("fd " + fd + " is attached to " + actual + ", not " + name, Errno.EINVAL);
            }
            // Offload only when whoever attached the fd asked for virtio-net headers: the header is part of every
            // read and write, and without it there is nothing to carry TSO or checksum state.
            boolean offload = (flags & IFF_VNET_HDR) != 0;
            if (offload) {
                enableOffload(fd, actual);
            }
            Fds.setNonBlocking(fd);
            return new TapDevice(fd, actual, offload);
        }
    }

    private static void enableOffload(int fd, String name) throws NativeException {
        try (NativeBlock size = Native.allocate(4)) {
            size.putInt(0, VNET_HDR_LEN);
            if (Native.libc().ioctl(fd, TUNSETVNETHDRSZ, size.address()) < 0) {
                throw NativeException.last("TUNSETVNETHDRSZ " + name);
            }
            // TUNSETOFFLOAD takes its argument by value: pass it as the "pointer".
            if (Native.libc().ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
                throw NativeException.last("TUNSETOFFLOAD " + name);
            }
        }
    }

    /** True when every read starts with, and every write is preceded by, a 10-byte virtio-net header. */
    public boolean vnetHeader() {
        return vnet;
    }

    /** Bytes a read buffer must have free: a frame that does not fit is truncated. */
    public int readCapacity() {
        return vnet ? MAX_VNET_READ : MAX_FRAME;
    }

    /** With offload: the 10 bytes the next {@link #write} sends before the frame; fill them first. */
    public ByteBuf vnetHeaderOut() {
        return vnetOut;
    }

    public int fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    /**
     * Reads one frame into {@code buf} at its writerIndex and advances it. {@code buf} must be a direct buffer
     * with a memory address and at least {@link #MAX_FRAME} writable bytes, because a TAP read truncates a
     * frame that does not fit and there is no way to get the rest.
     *
     * @return bytes read, or 0 if no frame is waiting (EAGAIN)
     */
    public int readInto(ByteBuf buf) throws NativeException {
        int writable = buf.writableBytes();
        if (!buf.hasMemoryAddress() || writable < readCapacity()) {
            throw new IllegalArgumentException("readInto needs a direct buffer with >= " + readCapacity()
                    + " writable bytes, got " + buf.getClass().getSimpleName() + " with " + writable);
        }
        int wi = buf.writerIndex();
        long n = libc.read(fd, buf.memoryAddress() + wi, writable);
        if (n < 0) {
            int e = Native.errno();
            // EINTR is a retry-later like EAGAIN: level-triggered epoll reports the fd again.
            if (e == Errno.EAGAIN || e == Errno.EINTR) {
                return 0;
            }
            throw new NativeException("read " + name, e);
        }
        buf.writerIndex(wi + (int) n);
        return (int) n;
    }

    /**
     * Writes the readable bytes of {@code frame} as one frame. Neither releases {@code frame} nor moves its
     * readerIndex: the caller decides whether to retry or drop.
     *
     * <p>A refusal is a return value, not an exception: it happens per frame, for every frame, for as long as
     * its cause lasts (EIO while the guest holds the interface down, EAGAIN with a full queue), and an exception
     * per frame would cost a stack trace each on the packet path.
     *
     * @return 0 if written, else the errno (EAGAIN, EIO...)
     * @throws NativeException only for a frame longer than any device takes, which is a caller's bug
     */
    public int write(ByteBuf frame) throws NativeException {
        int len = frame.readableBytes();
        long addr;
        if (frame.hasMemoryAddress()) {
            addr = frame.memoryAddress() + frame.readerIndex();
        } else {
            if (writeScratch == null) {
                writeScratch = Unpooled.directBuffer(MAX_FRAME, MAX_FRAME);
            }
            if (len > MAX_FRAME) {
                throw NativeException.withMessage("write " + name + ": frame of " + len + " bytes exceeds " + MAX_FRAME, Errno.EINVAL);
            }
            writeScratch.clear();
            frame.getBytes(frame.readerIndex(), writeScratch, 0, len);
            addr = writeScratch.memoryAddress();
        }
        long n;
        if (vnet) {
            long iov = iovAddress;
            vnetOut.setLongLE(16, vnetOut.memoryAddress());
            vnetOut.setLongLE(24, VNET_HDR_LEN);
            vnetOut.setLongLE(32, addr);
            vnetOut.setLongLE(40, len);
            n = libc.writev(fd, iov, 2);
        } else {
            n = libc.write(fd, addr, len);
        }
        return n < 0 ? Native.errno() : 0;
    }

    /** Closes the fd; a device jslirp created (not persistent) disappears from the namespace with it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Fds.close(fd);
            if (writeScratch != null) {
                writeScratch.release();
                writeScratch = null;
            }
        }
    }
}
