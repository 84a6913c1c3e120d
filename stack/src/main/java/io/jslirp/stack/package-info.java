/**
 * jslirp's userspace TCP/IP stack: the entry point {@link io.jslirp.stack.Stack} and the contract with the
 * Linux side ({@link io.jslirp.stack.NetConfig}, {@link io.jslirp.stack.FrameSink},
 * {@link io.jslirp.stack.Clock}).
 *
 * <h2>Theory of operation</h2>
 * The Linux side owns one event-loop thread. It reads Ethernet frames from the TAP device and hands each
 * to {@link io.jslirp.stack.Stack#receiveFrame}, which owns the buffer from then on and releases it on
 * every path. The stack answers by handing new frames to the injected {@code FrameSink}. Time reaches the
 * stack only through the injected {@code Clock}: the loop sleeps until
 * {@link io.jslirp.stack.Stack#nextDeadlineNanos()} (or the next readable fd) and then calls
 * {@link io.jslirp.stack.Stack#runTimers()}. Nothing in this package tree does I/O or reads the wall
 * clock, so a test drives the whole stack frame by frame with a fake clock.
 *
 * <p>Layering, bottom up: {@code wire} (views, no state) - {@code iface} (Ethernet demux, ARP, IPv4 input
 * with reassembly, IPv4 output with fragmentation) - protocol handlers ({@code icmp} for our own addresses;
 * {@code tcp}, which takes TCP to any destination and relays it through the injected
 * {@link io.jslirp.stack.relay.HostSockets}; {@code udp}, {@code services} later). Socket events arrive on
 * the same thread, and {@link io.jslirp.stack.Stack#flush()} ends each batch (coalesced ACKs, reads the
 * guest's window allows). A bad frame at any layer increments one
 * {@link io.jslirp.stack.Counters} field and is dropped; exceptions never leave {@code receiveFrame}.
 *
 * <p><b>Port forwards</b> ({@link io.jslirp.stack.PortForwards}, from {@code Stack.forwards()}) take a guest
 * address of either family, or none; the family rule is in that class's comment. With {@code -6}, the
 * embedder that configured the guest's IPv6 address itself (jslirp {@code -c -6}: prefix::100) states it with
 * {@link io.jslirp.stack.Stack#setGuestAddress6}; otherwise the stack learns it from the guest's Neighbor
 * Discovery, and forwards that name no guest address send IPv6 clients there once it is known.
 */
package io.jslirp.stack;
