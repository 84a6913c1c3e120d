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
 */
package io.jslirp.stack.wire;
