/**
 * The stack's network interface: Ethernet demultiplexing, ARP, and the IPv4 layer (input validation,
 * fragment reassembly, output fragmentation).
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.stack.iface.EthernetInterface#receive} looks at one frame. It keeps frames addressed to
 * one of our MACs (the gateway's and the DNS server's, {@code 52:55} + IPv4 address as slirp4netns uses)
 * or to a group address, and splits them by EtherType.
 *
 * <p>ARP: we answer requests for network+2 and network+3 only, with {@code 52:55:a:b:c:d}; answering for
 * anything else would steal other addresses on the guest's link (and slirp4netns does not either). Every
 * ARP packet whose sender is a plausible guest address (inside the network, not ours, not 0.0.0.0 as in
 * RFC 5227 probes) teaches the {@link io.jslirp.stack.iface.ArpCache} the guest's MAC, which later layers
 * use to address frames they originate (IPv4 frames teach nothing: the guest ARPs for the gateway before it
 * sends through it, so a hash probe per packet would buy nothing); replies to a request go straight back to the
 * requester's frame source, so they never depend on the cache.
 *
 * <p>IPv4 input validates the header once through the view, then checks source sanity, route (only our two
 * addresses are local for now) and protocol before any state is touched, so garbage is cheap to drop.
 * Fragments go to the {@link io.jslirp.stack.iface.Ipv4Reassembler}, which is bounded in datagrams, bytes,
 * fragments per datagram and time (30 s from the first fragment, RFC 791's upper bound for the reassembly
 * timer; later fragments do not extend it, so an endless trickle cannot pin memory). The complete
 * datagram is handed to the protocol handler exactly as a single unfragmented one would be. The bookkeeping
 * (slots, sorted fragments, holes and overlaps, the bounds, eviction, expiry, the buffers) is
 * {@link io.jslirp.stack.iface.FragmentSlots}, which the IPv6 reassembler uses too; each family keeps only the
 * reading of its own headers and its decision table.
 *
 * <p><b>Packets over the MTU.</b> The guest's link is ours, and its MTU ({@code -m}) is what it carries: a
 * packet longer than that, from a guest whose own MTU is set higher, is what a router cannot pass on. IPv4 with
 * DF set is dropped and answered with fragmentation needed carrying the MTU (RFC 1191 4), from the gateway;
 * without DF a router would fragment it onward, and since we relay its content (the host socket carries any
 * size) it is delivered as it is. IPv6 is dropped and answered with Packet Too Big (RFC 8200 5, RFC 4443 3.2;
 * {@link io.jslirp.stack.iface.Ipv6Input}'s table). Both are measured per packet as it crossed the link, so
 * fragments before reassembly, and neither applies to a frame an offloading TAP marks as GSO
 * ({@code receive(frame, trusted, segmentationOffload)}): that is the guest's kernel handing over many
 * segments, each within the MTU, in one super-packet. Both errors follow the rules for errors (never about an
 * ICMP error, a non-initial IPv4 fragment, a group or an unspecified source) and one
 * {@link io.jslirp.stack.iface.IcmpErrorLimiter} token bucket per family.
 *
 * <p><b>The seam toward the transports.</b> A handler is an {@link io.jslirp.stack.iface.IpProtocol}
 * registered by protocol number (TCP and UDP have the same numbers in both IP versions) and gets an
 * {@link io.jslirp.stack.iface.IpPacket}: one reused object that IP input fills for each packet it delivers,
 * carrying family-neutral source and destination, the transport protocol, the payload bounds, the
 * pseudo-header's address sum and whether the device vouched for the transport checksum (vnet_hdr's
 * NEEDS_CSUM or DATA_VALID, given to {@code receive(frame, trusted)} with the frame). So the metadata travels
 * with the packet: no layer holds a per-frame flag, and a transport verifies its checksum the same way
 * whichever IP version carried it. Handlers that speak one version only (ICMP) take its own view from it.
 *
 * <p>The send half is {@link io.jslirp.stack.iface.IpOutput}, one per IP version ({@code Ipv4Output} for
 * IPv4): a transport asks it where the transport header goes ({@code l4Offset}), builds its part there, and
 * has it write the Ethernet and IP headers for the route (guest MAC, our MAC for the source, addresses,
 * protocol, length) before sending. So TCP and UDP hold no fixed header offsets and build no IP header; a TCP
 * connection keeps its route and offset, chosen once when it is created.
 *
 * <p><b>Neighbours.</b> When we speak first to a guest whose MAC is unknown,
 * {@link io.jslirp.stack.iface.EthernetInterface#resolve} asks by ARP and the caller parks what it wanted to
 * send in the one {@link io.jslirp.stack.iface.PendingNeighbors} queue, keyed by family-neutral address: a
 * flow (a forward's TCP connection, which builds its SYN then) or a built frame (a forward's UDP datagram,
 * bounded per address and in time). Learning a MAC anew from ARP releases that address's entries; NDP
 * feeds the same queue for IPv6.
 *
 * <p>{@link io.jslirp.stack.iface.Ipv4Output} splits datagrams larger than the MTU into fragments on
 * 8-byte boundaries (RFC 791 section 3.2) so that replies to big pings fit the guest's link.
 *
 * <p><b>IPv6</b> ({@code -6}, present when {@code NetConfig.ipv6()} is set). Frames with EtherType 0x86dd, to the
 * IPv6 router's or DNS forwarder's MAC or to a group, go to {@link io.jslirp.stack.iface.Ipv6Input}, whose class
 * comment holds the decision table: the header through the {@code Ipv6Packet} view, source sanity, only the
 * multicast groups a router on this link is in (all-nodes, all-routers, solicited-node), the extension header chain
 * through the bounded walker, fragments through {@link io.jslirp.stack.iface.Ipv6Reassembler} (walked again after
 * reassembly, never reassembled twice), then ICMPv6. Neighbor Discovery is {@link
 * io.jslirp.stack.iface.NeighborDiscovery}: the NDP twin of the ARP responder, with its own bounded cache ({@link
 * io.jslirp.stack.iface.Ipv6NeighborCache}) learned only from the guest's RS, NS and NA (never from a DAD probe,
 * which is never answered either, so the guest's address never collides) and a rate-limited solicitation when we
 * must speak first (its class comment says what it learns from; {@link io.jslirp.stack.iface.Ipv6GuestAddress}
 * keeps the guest's address in our prefix that it shows there, prefix::100 preferred, or the one the embedder
 * states, for port forwards that name no guest address); what waits for the answer waits in the same {@code PendingNeighbors} queue as for ARP, keyed by
 * the neutral address. A transport registered with {@code Ipv6Input.register} gets its packets through the same
 * {@code IpPacket} seam as over IPv4 (TCP and UDP are), and {@code Ipv6Output}
 * is the IPv6 {@code IpOutput}. Other ICMPv6 types go to handlers registered per type (the router advertiser for
 * RS, the echo responder, the TCP layer for destination unreachable about a forward's SYN). {@link io.jslirp.stack.iface.Ipv6Output} writes Ethernet and IPv6 headers with hop limit
 * 255 and fragments at the source what exceeds the MTU. The errors RFC 4443 and RFC 8200 ask for (Parameter
 * Problem, reassembly Time Exceeded, Destination Unreachable for what is not relayed over IPv6, Packet Too Big for
 * what exceeds the MTU) are sent by IPv6 input under a token bucket, never about an error or to a group.
 */
package io.jslirp.stack.iface;
