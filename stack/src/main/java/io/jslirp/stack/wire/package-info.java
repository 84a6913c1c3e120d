/**
 * Bounds-checked flyweight views over {@link io.netty.buffer.ByteBuf} for each wire format, plus static
 * writers that build the same formats and static predicates on their values (a group MAC, an IPv4 address's
 * class), so every layer draws those lines the same way.
 *
 * <h2>Theory of operation</h2>
 * A view is a reusable object that holds a buffer reference and an offset; nothing is copied and nothing
 * is allocated per packet. {@code wrap(buf, offset, length)} validates every length and field that a
 * later accessor depends on, once, and returns {@code false} for anything malformed (the reason is left in
 * {@code error()} so that the caller can count it). After a successful {@code wrap} the accessors read
 * with absolute indices that are already known to be in range, so they cannot fail; this is the smoltcp
 * {@code wire} discipline, and it is what lets the packet path promise "count and drop, never throw".
 *
 * <p>Views never own the buffer: whoever passed the buffer in keeps it, and a view must not be used after
 * its buffer is released. Writers use absolute indices too and never move reader or writer indices, so
 * they can fill a buffer that was sized once up front.
 *
 * <p>Numbers follow the rest of the stack: IPv4 addresses are {@code int} in host order, MAC addresses
 * are the low 48 bits of a {@code long}, 8- and 16-bit fields are returned as non-negative {@code int}.
 * Where an address of either family must fit one slot (flow keys, flows, the host-socket interfaces) it is
 * {@link io.jslirp.stack.wire.IpAddress}'s pair of longs, IPv4 stored IPv4-mapped.
 *
 * <h2>IPv6</h2>
 * An IPv6 address is two {@code long}s, the high and low 64 bits in network order ({@code fd00::3} is
 * {@code 0xfd00_0000_0000_0000L, 3L}): primitive, compared with {@code ==}, and no allocation per packet.
 * {@link io.jslirp.stack.wire.Ipv6Packet} checks the fixed header and trims to its Payload Length, and sums
 * the RFC 8200 8.1 pseudo-header so that TCP, UDP and ICMPv6 continue it with the same
 * {@link io.jslirp.stack.wire.Checksum} primitives IPv4 uses. {@link io.jslirp.stack.wire.Ipv6ExtensionHeaders}
 * is a walker rather than a view: it follows the Next Header chain, at most eight headers, to the upper
 * layer or to a fragment header, and leaves the Parameter Problem pointer and code RFC 8200 asks for when
 * it refuses. {@link io.jslirp.stack.wire.Icmpv6Packet} covers echo, the errors and Neighbor Discovery;
 * its {@code wrap} takes the pseudo-header sum and the IP hop limit, because an ICMPv6 checksum cannot be
 * checked without the first and a Neighbor Discovery message cannot be trusted without the second (255
 * proves it was not forwarded). {@link io.jslirp.stack.wire.Dhcpv6Message} reads what a one-address
 * DHCPv6 server needs. Every walk over options or headers moves forward at least one octet per step
 * and stops at its container's end, a zero-length option is an error wherever it would stall a walk, and
 * the header chain (eight) and DHCPv6's options (64 per level) are also capped by count.
 */
package io.jslirp.stack.wire;
