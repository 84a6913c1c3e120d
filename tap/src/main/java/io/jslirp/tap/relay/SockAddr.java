package io.jslirp.tap.relay;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.PortForwards;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import io.netty.buffer.ByteBuf;

/**
 * The socket name at a fixed offset of a class's reused native scratch: what bind, connect and sendmsg are
 * given, and what accept4, recvmsg and getsockname write back. One codec for both relays, so that TCP and UDP
 * agree on what an IPv4-mapped peer is. Nothing here allocates, because sendTo, receiveFrom and accept use it
 * on every datagram or connection. Loop thread only, like the scratch it writes.
 *
 * <p>Layouts (Linux): struct sockaddr_in (16 bytes) is sa_family_t sin_family @0 (host order, little-endian
 * on the LP64 targets jslirp supports), in_port_t sin_port @2 (network order), struct in_addr sin_addr @4
 * (network order), 8 bytes of zero @8. struct sockaddr_in6 (28 bytes) is sin6_family @0, sin6_port @2,
 * u32 sin6_flowinfo @4, struct in6_addr sin6_addr @8 (network order), u32 sin6_scope_id @24. Both put the port
 * at 2, so {@link #port()} reads either.
 */
final class SockAddr {
    static final int IN_SIZE = 16;
    static final int IN6_SIZE = 28;
    /** sizeof(struct sockaddr_storage): room for any name accept4 or getsockname may write. */
    static final int STORAGE_SIZE = 128;

    private final ByteBuf scratch;
    private final int at;
    /** Native address of the name, for the system calls. */
    final long address;

    /** A name at {@code offset} in {@code scratch}, which must be native memory with room for a sockaddr_in6. */
    SockAddr(ByteBuf scratch, int offset) {
        if (!scratch.hasMemoryAddress()) {
            throw new IllegalArgumentException("the kernel needs the name in native memory");
        }
        if (offset < 0 || offset > scratch.capacity() - IN6_SIZE) {
            throw new IndexOutOfBoundsException("offset " + offset + " capacity " + scratch.capacity());
        }
        this.scratch = scratch;
        this.at = offset;
        this.address = scratch.memoryAddress() + offset;
    }

    /** sockaddr_in for {@code addr} (host order); returns the name's length. */
    int putIpv4(int addr, int port) {
        scratch.setShortLE(at, Flags.AF_INET);
        scratch.setShort(at + 2, port); // ByteBuf's plain setters are big-endian: network order
        scratch.setInt(at + 4, addr);
        scratch.setLongLE(at + 8, 0);
        return IN_SIZE;
    }

    /** sockaddr_in6 for {@code addr6} (16 bytes, network order), no flow label, no scope; returns the length. */
    int putIpv6(byte[] addr6, int port) {
        scratch.setShortLE(at, Flags.AF_INET6);
        scratch.setShort(at + 2, port);
        scratch.setIntLE(at + 4, 0);
        scratch.setBytes(at + 8, addr6);
        scratch.setIntLE(at + 24, 0);
        return IN6_SIZE;
    }

    /** sockaddr_in6 for ::ffff:{@code addr}: how a dual-stack socket names an IPv4 peer; returns the length. */
    int putV4Mapped(int addr, int port) {
        scratch.setShortLE(at, Flags.AF_INET6);
        scratch.setShort(at + 2, port);
        scratch.setIntLE(at + 4, 0);
        scratch.setLongLE(at + 8, 0);
        scratch.setInt(at + 16, 0xffff);
        scratch.setInt(at + 20, addr);
        scratch.setIntLE(at + 24, 0);
        return IN6_SIZE;
    }

    /** sockaddr_in for a 4-byte {@code addr}, sockaddr_in6 for a 16-byte one; returns the length. */
    int put(byte[] addr, int port) {
        return addr.length == 16 ? putIpv6(addr, port) : putIpv4(PortForwards.ipv4(addr), port);
    }

    /** Before a receive: a name the kernel does not fill (the error queue's oddities) reads as AF_UNSPEC 0:0. */
    void clear() {
        scratch.setLongLE(at, 0);
        scratch.setLongLE(at + 8, 0);
    }

    int family() {
        return scratch.getUnsignedShortLE(at);
    }

    int port() {
        return scratch.getUnsignedShort(at + 2);
    }

    /** sin_addr in host order; meaningful for an AF_INET name (and 0 after {@link #clear()}). */
    int ipv4() {
        return scratch.getInt(at + 4);
    }

    /** Whether an AF_INET6 name's sin6_addr is ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
    boolean isV4Mapped() {
        return scratch.getLong(at + 8) == 0 && scratch.getInt(at + 16) == 0xffff;
    }

    /**
     * The name as a peer: port, and an IPv4 address for AF_INET or for an IPv4-mapped AF_INET6 name (a
     * dual-stack socket's IPv4 client), otherwise {@code ipv6} with {@code addr6} and {@code addr} 0.
     */
    void readPeer(DatagramInfo peer) {
        peer.port = port();
        if (family() != Flags.AF_INET6) {
            peer.addr = ipv4();
            peer.ipv6 = false;
        } else if (isV4Mapped()) {
            peer.addr = scratch.getInt(at + 20); // the a.b.c.d of ::ffff:a.b.c.d
            peer.ipv6 = false;
        } else {
            peer.addr = 0;
            peer.ipv6 = true;
            scratch.getBytes(at + 8, peer.addr6);
        }
    }
}
