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
 */
package io.jslirp.stack;
