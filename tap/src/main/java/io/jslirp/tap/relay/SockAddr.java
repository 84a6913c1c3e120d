package io.jslirp.tap.relay;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.wire.IpAddress;
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
 * at 2, so {@link #port()} reads either. The stack's side of a name is a family-neutral address (two longs,
 * IPv4 stored IPv4-mapped, {@link IpAddress}): an IPv4-mapped sin6_addr and a sockaddr_in read alike.
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

    /** sockaddr_in6 for the family-neutral {@code hi:lo} (an IPv4 one as ::ffff:a.b.c.d); returns the length. */
    int putIpv6(long hi, long lo, int port) {
        scratch.setShortLE(at, Flags.AF_INET6);
        scratch.setShort(at + 2, port);
        scratch.setIntLE(at + 4, 0);
        scratch.setLong(at + 8, hi); // big-endian: network order
        scratch.setLong(at + 16, lo);
        scratch.setIntLE(at + 24, 0);
        return IN6_SIZE;
    }

    /** sockaddr_in for an IPv4(-mapped) {@code hi:lo}, sockaddr_in6 for any other; returns the length. */
    int put(long hi, long lo, int port) {
        return IpAddress.isV4(hi, lo) ? putIpv4(IpAddress.v4(lo), port) : putIpv6(hi, lo, port);
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

    /**
     * The {@code hi} half of the name's address, family-neutral: sin6_addr's first 8 bytes for AF_INET6; for
     * AF_INET, and for a name the kernel did not fill ({@link #clear()}: AF_UNSPEC), that of IPv4
     * {@link #ipv4()}, which is 0.0.0.0 for the latter.
     */
    long hi() {
        return family() == Flags.AF_INET6 ? scratch.getLong(at + 8) : IpAddress.V4_HI;
    }

    /** The {@code lo} half, as {@link #hi()}: an IPv4-mapped sin6_addr reads the same as that IPv4 address. */
    long lo() {
        return family() == Flags.AF_INET6 ? scratch.getLong(at + 16) : IpAddress.v4Lo(ipv4());
    }

    /**
     * The name as a peer: port and family-neutral address, so that a dual-stack socket's IPv4 client
     * (::ffff:a.b.c.d) is the same peer as on an AF_INET socket.
     */
    void readPeer(DatagramInfo peer) {
        peer.port = port();
        peer.addrHi = hi();
        peer.addrLo = lo();
    }
}
