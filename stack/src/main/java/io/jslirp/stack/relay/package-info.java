/**
 * The host's sockets as the stack sees them: {@link io.jslirp.stack.relay.HostSockets} (TCP),
 * {@link io.jslirp.stack.relay.HostDatagrams} (UDP and ICMP echo), the readiness callback
 * {@link io.jslirp.stack.relay.HostSocketHandler}, the reusable {@link io.jslirp.stack.relay.DatagramInfo}
 * they report peers and ICMP errors in, the {@link io.jslirp.stack.relay.DatagramBatch} of datagrams sent
 * together, the command-line {@link io.jslirp.stack.relay.RelayOptions}, and
 * {@link io.jslirp.stack.relay.RelayableAddress}, which addresses may cross them as they are.
 *
 * <h2>Theory of operation</h2>
 * The socket types are interfaces only, so the stack stays pure Java: the Linux side implements them over
 * non-blocking sockets watched by its event loop ({@code io.jslirp.tap.relay}), tests in memory. Handles are
 * small ints (file descriptors), results are {@code -errno} in Linux numbering, readiness is epoll's bits,
 * level-triggered. Every address crossing these interfaces is family-neutral: two longs with IPv4 stored
 * IPv4-mapped ({@link io.jslirp.stack.wire.IpAddress}), which is also how the flow tables key flows; an
 * implementation opens AF_INET for an IPv4 address and AF_INET6 for any other, so the same calls serve IPv4
 * flows, IPv6 flows and dual-stack forward listeners, and nothing is boxed or allocated per call. Which
 * destinations (and peers shown to the guest) are relayed as they are is one rule for TCP, UDP and ICMP alike,
 * {@code RelayableAddress}, kept here beside the sockets it guards. The package depends only on {@code wire} and
 * the network's description ({@code NetConfig}, {@code Ipv6Config}), on no protocol package (the TCP, UDP and
 * ICMP layers depend on it), so port forwards, which drive those layers, live beside {@code Stack} instead.
 */
package io.jslirp.stack.relay;
