package io.jslirp.tap.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.tap.netns.ScratchNamespace;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeException;
import io.jslirp.tap.sys.Sh;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheckExtension.class)
@Tag("root")
class TapDeviceTest {
    private ScratchNamespace h;
    private String ns;

    @BeforeEach
    void makeNamespace() throws Exception {
        h = ScratchNamespace.open("jslirp-tap");
        ns = h.name();
    }

    @AfterEach
    void removeNamespace() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void attachCreatesTapInsideTheTargetNamespaceOnly() throws Exception {
        try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0")) {
            h.tunFdTaken(); // the device owns the tun fd now
            assertEquals("tap0", tap.name());
            String link = Sh.inNetns(ns, "ip", "-d", "link", "show", "tap0");
            assertTrue(link.contains("tun type tap"), link);
            assertTrue((Native.libc().fcntl(tap.fd(), Flags.F_GETFL, 0) & Flags.O_NONBLOCK) != 0, "non-blocking");
            // The test host has no tap0 of its own, so one here would mean the open happened in the wrong namespace.
            assertTrue(Sh.exec(10_000, "ip", "link", "show", "tap0").status() != 0, "tap0 leaked into the host namespace");
        }
        // Not persistent: closing the only fd removes the device.
        assertEquals(1, Sh.exec(10_000, "ip", "netns", "exec", ns, "ip", "link", "show", "tap0").status());
    }

    @Test
    void attachJoinsATapMadeByIpTuntap() throws Exception {
        Sh.inNetns(ns, "ip", "tuntap", "add", "name", "tap0", "mode", "tap");
        try (InterfaceConfigurator cfg = new InterfaceConfigurator(dupFd(h.controlSocketFd()))) {
            int before = cfg.ifIndex("tap0");
            try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0")) {
                h.tunFdTaken();
                assertEquals(before, cfg.ifIndex("tap0"), "same device, not a new one");
                assertTrue(Sh.inNetns(ns, "ip", "link", "show", "tap0").contains("tap0"));
            }
            // Persistent (made by ip tuntap): it stays after we close.
            assertEquals(before, cfg.ifIndex("tap0"));
        }
    }

    @Test
    void attachRefusesATunDeviceOfThatName() throws Exception {
        Sh.inNetns(ns, "ip", "tuntap", "add", "name", "tun9", "mode", "tun");
        NativeException e = assertThrows(NativeException.class, () -> TapDevice.attach(h.tunFd(), "tun9"));
        assertTrue(e.getMessage().startsWith("TUNSETIFF tun9: Invalid argument"), e.getMessage());
    }

    @Test
    void fromFdRejectsWhatIsNotAnAttachedTap() throws Exception {
        int[] p = new int[2];
        assertEquals(0, Native.libc().pipe2(p, Flags.O_CLOEXEC));
        try {
            NativeException e = assertThrows(NativeException.class, () -> TapDevice.fromFd(p[0], "tap0"));
            assertEquals("fd " + p[0] + " is not a TAP device fd", e.getMessage());
        } finally {
            Fds.close(p[0]);
            Fds.close(p[1]);
        }
        NativeException e = assertThrows(NativeException.class, () -> TapDevice.fromFd(h.tunFd(), "tap0"));
        assertEquals(Errno.EBADFD, e.errno());
        e = assertThrows(NativeException.class, () -> TapDevice.fromFd(h.controlSocketFd(), null));
        assertTrue(e.getMessage().contains("is not a TAP device fd"), e.getMessage());
        e = assertThrows(NativeException.class, () -> TapDevice.fromFd(9999, null));
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void fromFdAdoptsAnAttachedTap() throws Exception {
        try (TapDevice attached = TapDevice.attach(h.tunFd(), "tap7")) {
            h.tunFdTaken();
            int dup = dupFd(attached.fd());
            NativeException e = assertThrows(NativeException.class, () -> TapDevice.fromFd(dup, "tap0"));
            assertEquals("fd " + dup + " is attached to tap7, not tap0", e.getMessage());
            try (TapDevice adopted = TapDevice.fromFd(dup, null)) {
                assertEquals("tap7", adopted.name());
            }
        }
    }

    @Test
    void offloadAttachIsSeenByFromFdAndWritesGoOutWithTheirHeader() throws Exception {
        try (TapDevice attached = TapDevice.attach(h.tunFd(), "tap0", true)) {
            h.tunFdTaken();
            assertTrue(attached.vnetHeader());
            assertEquals(TapDevice.MAX_VNET_READ, attached.readCapacity());
            int dup = dupFd(attached.fd());
            try (TapDevice adopted = TapDevice.fromFd(dup, null)) {
                assertTrue(adopted.vnetHeader(), "IFF_VNET_HDR already set: tapfd uses offload too");
            }
            Sh.inNetns(ns, "ip", "link", "set", "tap0", "up");
            long rxBefore = rxPackets(ns);
            ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(60);
            try {
                frame.writeLong(0xFFFFFFFFFFFF0200L).writeInt(0x00000002).writeShort(0x88B5);
                frame.writeZero(60 - frame.writerIndex());
                attached.vnetHeaderOut().setZero(0, TapDevice.VNET_HDR_LEN);
                assertEquals(0, attached.write(frame));
            } finally {
                frame.release();
            }
            assertEquals(rxBefore + 1, rxPackets(ns), "one frame behind its virtio-net header (writev)");
        }
    }

    @Test
    void plainAttachHasNoHeaderAndFromFdKeepsItThatWay() throws Exception {
        try (TapDevice attached = TapDevice.attach(h.tunFd(), "tap0")) {
            h.tunFdTaken();
            assertTrue(!attached.vnetHeader());
            int dup = dupFd(attached.fd());
            try (TapDevice adopted = TapDevice.fromFd(dup, null)) {
                assertTrue(!adopted.vnetHeader());
                assertEquals(TapDevice.MAX_FRAME, adopted.readCapacity());
            }
        }
    }

    /**
     * The guest (the namespace's kernel) pings an address on the TAP's subnet; this test plays the peer:
     * it reads the echo request with readInto and writes the echo reply with write. ping exiting 0 proves
     * both directions carry whole frames.
     */
    @Test
    void readIntoAndWriteCarryAPingRoundTrip() throws Exception {
        TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
        h.tunFdTaken();
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(TapDevice.MAX_FRAME);
        Process ping = null;
        try (tap; InterfaceConfigurator cfg = new InterfaceConfigurator(dupFd(h.controlSocketFd()))) {
            cfg.setAddress("tap0", 0xC0000201, 0xFFFFFF00, 0xC00002FF); // 192.0.2.1/24
            cfg.setUp("tap0");
            Sh.inNetns(ns, "ip", "neigh", "replace", "192.0.2.2", "lladdr", "02:00:00:00:00:02", "dev", "tap0");
            assertEquals(0, tap.readInto(in) == 0 ? 0 : drain(tap, in), "drained");
            ping = new ProcessBuilder("ip", "netns", "exec", ns, "ping", "-c1", "-W3", "192.0.2.2")
                    .redirectErrorStream(true).start();
            boolean replied = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!replied && System.nanoTime() < deadline) {
                in.clear();
                int n = tap.readInto(in);
                if (n == 0) {
                    Thread.sleep(5);
                    continue;
                }
                assertEquals(n, in.readableBytes());
                if (isEchoRequestTo(in, 0xC0000202)) {
                    ByteBuf reply = Unpooled.buffer(n); // heap: exercises write's copy path too
                    try {
                        reply.writeBytes(in, 0, n);
                        turnIntoEchoReply(reply);
                        assertEquals(0, tap.write(reply));
                        assertEquals(0, reply.readerIndex(), "write must not move readerIndex");
                    } finally {
                        reply.release();
                    }
                    replied = true;
                }
            }
            assertTrue(replied, "no echo request seen on the TAP");
            assertTrue(ping.waitFor(5, TimeUnit.SECONDS), "ping did not finish");
            assertEquals(0, ping.exitValue(), new String(ping.getInputStream().readAllBytes()));
            // And a frame written from a direct buffer is counted by the kernel as received on tap0.
            long rxBefore = rxPackets(ns);
            ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(60);
            try {
                frame.writeLong(0xFFFFFFFFFFFF0200L).writeInt(0x00000002).writeShort(0x88B5); // local experimental ethertype
                frame.writeZero(60 - frame.writerIndex());
                assertEquals(0, tap.write(frame));
                // The guest takes its interface down: every write is refused with EIO, as a value, not a throw.
                Sh.inNetns(ns, "ip", "link", "set", "tap0", "down");
                assertEquals(5, tap.write(frame), "EIO");
                assertEquals(5, tap.write(frame), "EIO again");
            } finally {
                frame.release();
            }
            assertEquals(rxBefore + 1, rxPackets(ns));
        } finally {
            in.release();
            if (ping != null && ping.isAlive()) {
                ping.destroyForcibly();
                ping.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void readIntoRefusesABufferTooSmallForAFrame() throws Exception {
        try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0")) {
            h.tunFdTaken();
            ByteBuf small = PooledByteBufAllocator.DEFAULT.directBuffer(1500);
            try {
                assertThrows(IllegalArgumentException.class, () -> tap.readInto(small));
            } finally {
                small.release();
            }
        }
    }

    private static int drain(TapDevice tap, ByteBuf in) throws NativeException {
        for (int i = 0; i < 1000; i++) {
            in.clear();
            if (tap.readInto(in) == 0) {
                return 0;
            }
        }
        return -1;
    }

    private static long rxPackets(String ns) throws Exception {
        String[] lines = Sh.inNetns(ns, "ip", "-s", "link", "show", "tap0").split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].trim().startsWith("RX:")) {
                return Long.parseLong(lines[i + 1].trim().split("\\s+")[1]);
            }
        }
        throw new AssertionError("no RX counters in ip -s link");
    }

    private static boolean isEchoRequestTo(ByteBuf f, int dst) {
        return f.readableBytes() >= 14 + 20 + 8
                && f.getUnsignedShort(12) == 0x0800
                && f.getUnsignedByte(14 + 9) == 1
                && f.getInt(14 + 16) == dst
                && f.getUnsignedByte(14 + ((f.getUnsignedByte(14) & 0xf) * 4)) == 8;
    }

    /** Swap MACs and IPs (the IP checksum is unaffected by a swap), type 8 -> 0, adjust the ICMP checksum. */
    private static void turnIntoEchoReply(ByteBuf f) {
        long dstMac = f.getUnsignedInt(0) << 16 | f.getUnsignedShort(4);
        long srcMac = f.getUnsignedInt(6) << 16 | f.getUnsignedShort(10);
        f.setInt(0, (int) (srcMac >>> 16)).setShort(4, (int) srcMac);
        f.setInt(6, (int) (dstMac >>> 16)).setShort(10, (int) dstMac);
        int src = f.getInt(26);
        f.setInt(26, f.getInt(30)).setInt(30, src);
        int icmp = 14 + (f.getUnsignedByte(14) & 0xf) * 4;
        f.setByte(icmp, 0);
        int sum = f.getUnsignedShort(icmp + 2) + 0x0800; // RFC 1624: type went down by 8<<8
        f.setShort(icmp + 2, (sum & 0xffff) + (sum >>> 16));
    }

    static int dupFd(int fd) {
        int d = Native.libc().fcntl(fd, 1030 /* F_DUPFD_CLOEXEC */, 0);
        assertTrue(d >= 0, "dup");
        return d;
    }
}
