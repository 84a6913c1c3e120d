package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.sys.Flags;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The socket-name codec byte for byte against the Linux layouts, and encode/decode round trips; the kernel's
 * side of it is exercised by NativeHostSockets*Test and NativeHostDatagrams*Test.
 */
@ExtendWith(LeakCheckExtension.class)
class SockAddrTest {
    private static final int OFFSET = 8;
    private static final byte[] V6_ADDR = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};

    private final ByteBuf scratch = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(OFFSET + 32));
    private final SockAddr name = new SockAddr(scratch, OFFSET);
    private final DatagramInfo peer = new DatagramInfo();

    private byte[] bytes(int length) {
        byte[] b = new byte[length];
        scratch.getBytes(OFFSET, b);
        return b;
    }

    private static byte[] bytes(DatagramInfo d) {
        byte[] b = new byte[16];
        IpAddress.toBytes(d.addrHi, d.addrLo, b, 0);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        byte[] out = new byte[0];
        for (byte[] p : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + p.length);
            System.arraycopy(p, 0, out, at, p.length);
        }
        return out;
    }

    @Test
    void ipv4LayoutAndRoundTrip() {
        assertEquals(SockAddr.IN_SIZE, name.putIpv4(0x0a00_0202, 8080));
        // family AF_INET little-endian, port 0x1f90 and 10.0.2.2 network order, sin_zero.
        assertArrayEquals(new byte[] {2, 0, 0x1f, (byte) 0x90, 10, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0}, bytes(16));
        assertEquals(Flags.AF_INET, name.family());
        assertEquals(8080, name.port());
        assertEquals(0x0a00_0202, name.ipv4());
        peer.addrHi = 0x2001_0db8_0000_0000L; // left over from an earlier IPv6 peer: must be overwritten
        name.readPeer(peer);
        assertTrue(peer.isIpv4());
        assertEquals(0x0a00_0202, peer.ipv4());
        assertEquals(8080, peer.port);
        assertEquals(address(), name.address);
    }

    @Test
    void ipv6LayoutAndRoundTrip() {
        scratch.setBytes(OFFSET, new byte[28]).setByte(OFFSET + 4, 0x77).setByte(OFFSET + 27, 0x77); // stale bytes
        assertEquals(SockAddr.IN6_SIZE, name.putIpv6(IpAddress.hi(V6_ADDR), IpAddress.lo(V6_ADDR), 443));
        // family AF_INET6 = 10 little-endian, port, flowinfo 0, address, scope 0.
        assertArrayEquals(concat(new byte[] {10, 0, 1, (byte) 0xbb, 0, 0, 0, 0}, V6_ADDR, new byte[4]), bytes(28));
        assertEquals(Flags.AF_INET6, name.family());
        assertFalse(IpAddress.isV4(name.hi(), name.lo()));
        peer.addrLo = IpAddress.v4Lo(5);
        name.readPeer(peer);
        assertFalse(peer.isIpv4());
        assertEquals(443, peer.port);
        assertArrayEquals(V6_ADDR, bytes(peer));
    }

    @Test
    void v4MappedEncodesAsIpv6AndDecodesAsIpv4() {
        assertEquals(SockAddr.IN6_SIZE, name.putIpv6(IpAddress.V4_HI, IpAddress.v4Lo(0xc0a8_0101), 53));
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, (byte) 168, 1, 1};
        assertArrayEquals(concat(new byte[] {10, 0, 0, 53, 0, 0, 0, 0}, mapped, new byte[4]), bytes(28));
        assertTrue(IpAddress.isV4(name.hi(), name.lo()));
        peer.addrHi = 0x2001_0db8_0000_0000L;
        name.readPeer(peer);
        assertTrue(peer.isIpv4());
        assertEquals(0xc0a8_0101, peer.ipv4());
        assertEquals(53, peer.port);
        // The same address given as 16 bytes (as a client connecting to a dual-stack listener) decodes alike.
        name.putIpv6(IpAddress.hi(mapped), IpAddress.lo(mapped), 54);
        name.readPeer(peer);
        assertTrue(peer.isIpv4());
        assertEquals(0xc0a8_0101, peer.ipv4());
        assertEquals(54, peer.port);
    }

    @Test
    void nearlyMappedIsIpv6() {
        // ::fffe:a.b.c.d and ::1:ffff:a.b.c.d are not RFC 4291 2.5.5.2 addresses.
        byte[] a = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xfe, 10, 0, 0, 1};
        byte[] b = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};
        for (byte[] addr : new byte[][] {a, b}) {
            name.putIpv6(IpAddress.hi(addr), IpAddress.lo(addr), 1);
            name.readPeer(peer);
            assertFalse(peer.isIpv4());
            assertArrayEquals(addr, bytes(peer));
        }
    }

    @Test
    void putPicksTheFamilyFromTheAddress() {
        assertEquals(SockAddr.IN_SIZE, name.put(IpAddress.V4_HI, IpAddress.v4Lo(0x7f00_0001), 65535));
        assertEquals(Flags.AF_INET, name.family());
        assertEquals(0x7f00_0001, name.ipv4());
        assertEquals(65535, name.port());
        assertEquals(SockAddr.IN6_SIZE, name.put(IpAddress.hi(V6_ADDR), IpAddress.lo(V6_ADDR), 0));
        assertEquals(Flags.AF_INET6, name.family());
        assertEquals(0, name.port());
        name.readPeer(peer);
        assertArrayEquals(V6_ADDR, bytes(peer));
    }

    @Test
    void portsAtTheEdges() {
        for (int port : new int[] {0, 1, 255, 256, 0x8000, 65535}) {
            name.putIpv4(1, port);
            assertEquals(port, name.port());
            name.putIpv6(IpAddress.V4_HI, IpAddress.v4Lo(1), port);
            assertEquals(port, name.port());
            name.putIpv6(IpAddress.hi(V6_ADDR), IpAddress.lo(V6_ADDR), port);
            assertEquals(port, name.port());
        }
    }

    @Test
    void clearedNameReadsAsUnspecifiedZero() {
        name.putIpv6(IpAddress.hi(V6_ADDR), IpAddress.lo(V6_ADDR), 9);
        name.clear();
        assertEquals(0, name.family());
        assertEquals(0, name.port());
        assertEquals(0, name.ipv4());
        name.readPeer(peer);
        assertTrue(peer.isIpv4());
        assertEquals(0, peer.ipv4());
    }

    @Test
    void refusesMemoryTheKernelCannotUse() {
        assertThrows(IllegalArgumentException.class, () -> new SockAddr(Unpooled.buffer(64), 0));
        assertThrows(IndexOutOfBoundsException.class, () -> new SockAddr(scratch, OFFSET + 5));
    }

    private long address() {
        return scratch.memoryAddress() + OFFSET;
    }
}
