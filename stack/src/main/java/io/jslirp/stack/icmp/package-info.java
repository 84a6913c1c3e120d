/**
 * ICMPv4: echo for the addresses the stack owns, echo to anywhere else through host ping sockets, and the
 * error messages the relays send to the guest.
 *
 * <h2>Theory of operation</h2>
 * <b>Our addresses.</b> Echo (RFC 792, RFC 1122 3.2.2.6 "every host MUST implement an ICMP Echo server") is
 * answered for network+2 and network+3 by {@link io.jslirp.stack.icmp.IcmpResponder}, which is what lets
 * {@code ping 10.0.2.2} work inside the container as with slirp4netns, with or without host sockets. The
 * handler sees whole datagrams (IPv4 input has already reassembled fragments), builds the reply in one
 * freshly allocated pooled frame and hands it to {@link io.jslirp.stack.iface.Ipv4Output}, which fragments
 * it again if it exceeds the MTU. The reply is addressed to the Ethernet source of the request, so it never
 * waits on ARP, and comes from the MAC of the address that was pinged. Its checksum is derived
 * incrementally from the request's (only the type word changes, RFC 1624), so a 64 KiB ping costs one copy
 * and no second pass over the data.
 *
 * <p><b>Everywhere else.</b> ICMP is registered for every destination; the Stack sends our two addresses to
 * the responder and the rest to {@link io.jslirp.stack.icmp.IcmpEchoRelay}. Echo requests to a unicast
 * address outside the virtual network get one host ping socket per (guest, identifier, destination),
 * opened on the first request ({@code HostDatagrams.openPing}: an unprivileged ICMP datagram socket, or a
 * raw one), sent with the guest's message unchanged ({@code sendPing}; the host uses its own identifier),
 * and closed after 30 s without a request or a reply; the table is bounded (1024, or RelayOptions.maxFlows
 * if lower) with the flow idle longest evicted. Replies are read into a pooled frame buffer with room for
 * the Ethernet and IPv4 headers, get the guest's identifier back with a recomputed checksum, and come from
 * the pinged address through the gateway's MAC. When the host refuses a ping socket (EPERM/EACCES:
 * {@code net.ipv4.ping_group_range} leaves us out and we are not privileged), the request is dropped and
 * counted ({@code icmpEchoNoSocket}) and {@code Stack.pingUnavailable()} turns true, for an embedder to
 * report; the jslirp command does not wait for a guest's ping to find out, it opens one ping socket at
 * start-up and warns once if that fails. Unreachable and time-exceeded errors an ICMP datagram socket
 * receives are passed on by {@link io.jslirp.stack.icmp.IcmpErrors}' rules (below), quoting the guest's last request (type 8, its identifier and sequence). Other
 * ICMP from the guest (replies, errors, timestamps) is counted and dropped; broadcast, multicast and
 * virtual-network destinations are not relayed.
 *
 * <p><b>Errors toward the guest.</b> {@link io.jslirp.stack.icmp.IcmpErrors} builds destination unreachable
 * and time exceeded messages for the UDP and echo relays. The datagram that caused the error is gone by the
 * time the host reports it, so the quote is rebuilt from the flow: an option-less IPv4 header from the guest
 * to the destination it addressed, and the first eight bytes of the transport header (UDP ports, length, a
 * zero checksum; or the echo header), which is everything a receiving kernel matches on. Both relays pass on
 * the errors their host sockets receive by the same two rules, kept in IcmpErrors: only destination unreachable
 * (but fragmentation needed, whose MTU the host does not hand over) and time exceeded go on; and the error comes
 * from the node that reported it, or from the destination the guest addressed when there is none, except that a
 * reporter the guest must not see as itself appears as the gateway: a broadcast, multicast or other non-unicast
 * address (RFC 1812 4.3.2.4 and RFC 1122 3.2.2: no ICMP error comes from one), the host's loopback, or an
 * address inside the virtual network.
 *
 * <p>Over IPv6, {@link io.jslirp.stack.icmp.Icmpv6Responder} answers echo to our four addresses (prefix::2/::3,
 * fe80::2/::3) as libslirp does, hop limit 255. Echo to other unicast IPv6 hosts goes to
 * {@link io.jslirp.stack.icmp.Icmpv6EchoRelay} through ICMPv6 ping sockets (raw ones when privileged). {@code IcmpErrors.sendV6} builds the ICMPv6 errors the TCP, UDP and echo relays
 * send (RFC 4443: a rebuilt IPv6 header and eight transport octets), and {@code IcmpErrors.passedOn6} says
 * which host-received ICMPv6 errors go on: destination unreachable, Packet Too Big (with the next-hop MTU the
 * kernel hands over in ee_info) and time exceeded; a reporter inside the prefix, on the link or naming the
 * host appears as the destination the guest addressed instead.
 *
 * <p><b>One relay, two families.</b> Both echo relays are {@link io.jslirp.stack.icmp.EchoRelay}, which
 * holds everything the families share, once: the flow table keyed by family-neutral addresses
 * ({@code wire.IpAddress}: IPv4 as ::ffff:a.b.c.d), the host socket per flow and its handle index, the idle
 * list with the 30 s expiry and the longest-idle eviction, sending a request and opening its socket, the
 * bounded read and error loops over pooled frame buffers, and every counter. Each family's subclass keeps only
 * what differs: which requests may go (ICMPv4 parsed and checked here, ICMPv6 checked by IPv6 input), its
 * ping socket ({@code openPing} or {@code openPing6}), turning a host reply into the guest's frame (IPv4: the
 * checksum adjusted for the identifier and a header written by hand; IPv6: headers by {@code Ipv6Output} and
 * the checksum summed anew over the guest's pseudo-header), and the errors it sends the guest.
 */
package io.jslirp.stack.icmp;
