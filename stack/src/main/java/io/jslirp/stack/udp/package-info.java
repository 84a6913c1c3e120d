/**
 * UDP from the guest: local services, the DNS forwarder at network+3, and the relay to anywhere through
 * host UDP sockets; and UDP port forwards into the guest.
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.stack.udp.UdpLayer} is registered for IPv4 protocol 17 and every destination, after
 * reassembly, so a fragmented datagram arrives whole. Its checksum (RFC 768, pseudo-header; 0 means none)
 * is verified unless the TAP's virtio-net header says NEEDS_CSUM or DATA_VALID: with checksum offload the
 * guest's kernel sends UDP with only the pseudo-header sum in the field, as for TCP. The decision table, in
 * order (each branch in the code names its rule):
 * <ul>
 * <li>a reply to a port forward's client (a mapping for source and destination exists, see below): back
 *     through the forward's socket;</li>
 * <li>a registered {@link io.jslirp.stack.udp.UdpService}'s port on network+2, 255.255.255.255 or the
 *     network broadcast: the service, which answers through a {@link io.jslirp.stack.udp.UdpReplier} with a
 *     complete frame to the MAC it names (a DHCP client has no address yet; it is the only sender from
 *     0.0.0.0 that IPv4 input lets through);</li>
 * <li>source 0.0.0.0 or port 0 otherwise, broadcast, multicast, loopback, and unused addresses of the
 *     virtual network: dropped and counted (RFC 1122 3.2.2: no ICMP error answers a broadcast);</li>
 * <li>network+3 port 53: the DNS forwarder; other ports there: ICMP port unreachable from network+3;</li>
 * <li>network+2: the host's 127.0.0.1, or ICMP "communication administratively prohibited" (code 13) with
 *     {@code --disable-host-loopback};</li>
 * <li>anything else: relayed to the address itself.</li>
 * </ul>
 *
 * <p><b>Relay.</b> One host socket per guest source endpoint (address, port), bound to
 * {@code --outbound-addr} or the kernel's choice, whatever destinations the guest sends to from it (as a
 * NAT with endpoint-independent mapping, and as slirp4netns): a guest's STUN or QUIC sees one host port.
 * Each datagram goes to {@code sendTo} straight from the received frame (no copy); or, when the host's
 * sockets take batches ({@code HostDatagrams.sendBatchSize}; Linux: 32, sent as one UDP GSO send per run of
 * equal datagrams to one destination and one {@code sendmmsg} per socket for the rest), its payload is copied into the layer's {@link io.jslirp.stack.relay.DatagramBatch}
 * and the batch leaves at the end of the loop's turn ({@code Stack.flush}), when it is full or has no room for
 * the next, before any flow's socket closes, and when the TAP read loop yields the CPU mid-batch: a copy of
 * 1,400 bytes costs less than the system call it saves. Each datagram's result is acted on (counted, or
 * answered with net/host unreachable) when the batch has gone. Datagrams from the host
 * are read, on READABLE, up to 64 per event (the socket stays readable, level-triggered, if more wait),
 * each into a pooled direct buffer with 42 bytes of headroom; the headers and checksum are written around the
 * payload and the buffer itself is the frame, so the only copy is the kernel's, and the buffer comes back
 * to a small pool once the sink has written it. The guest sees each datagram come from its real source
 * (127.0.0.1 as network+2; other loopback addresses and addresses of the virtual network, which the guest
 * could not answer or would mistake for its neighbours, are dropped). Frames above the MTU are fragmented
 * by {@link io.jslirp.stack.iface.Ipv4Output}.
 *
 * <p><b>Inbound (port forwards).</b> {@code UdpLayer.listen} (called by {@code PortForwards}) opens a host
 * socket on the forward's address and port, IPv4 or dual-stack IPv6, and reads it as the relay does: up to 64
 * datagrams per READABLE into pooled buffers with header room, the headers written around the payload, frames
 * above the MTU fragmented by Ipv4Output or Ipv6Output. Which family a client's datagrams reach the guest in,
 * and from which address, is {@link io.jslirp.stack.flow.ForwardPath}'s table, shared with TCP, decided when
 * the client's mapping is made and kept for the mapping's life. Over IPv4 the guest sees each datagram come
 * from its client as it can answer it: the client's own address and port, except that loopback clients
 * (127/8, ::1), IPv6 clients (an IPv4 guest cannot address them) and clients inside the virtual network (which
 * the guest would take for a neighbour) appear as network+2 with the client's port, as with slirp4netns. Over
 * IPv6 (the forward names an IPv6 guest address; or names none, the client is IPv6 and the guest's IPv6
 * address is known) loopback clients appear as prefix::2, other IPv6 clients as themselves, other IPv4
 * clients as 64:ff9b::a.b.c.d. There is no fallback to IPv4 for UDP: nothing answers a datagram the way a
 * SYN is answered, and an ICMPv6 port unreachable from the guest is not acted on either, since moving a
 * mapping mid-stream would show the guest's application a second peer; a forward that names an IPv4 guest
 * address keeps every client on IPv4. Each client gets a mapping in its own FlowTable (in
 * {@code UdpForwards}), keyed (guest address, guest port, seen address, seen port), all family-neutral,
 * holding the forward and the real client as a family-neutral address (two longs, IPv4 mapped). A guest
 * datagram, of either family, whose source and destination match a mapping goes back through the forward's
 * socket to the real client ({@code sendTo}, to either family), straight from the frame, before the decision
 * tables, where network+2 or prefix::2 would mean the host's loopback. Two clients that would look alike to the guest (127.0.0.1:p and [::1]:p) cannot share
 * a mapping: the newcomer is dropped (udpForwardClashes) until the other's idles out. Mappings expire
 * after 60 s idle (either direction), in their own IdleList, and the table is bounded at 4096 or
 * RelayOptions.maxFlows if lower, the idlest evicted. Removing a forward closes its socket and drops its
 * mappings: the guest's later datagrams to those clients follow the ordinary rules above (network+2 is
 * host loopback again). ICMP errors about replies are read from the forward socket and counted only. The
 * guest may not have said anything yet, so its MAC comes from {@code EthernetInterface.resolve} (or, over
 * IPv6, Neighbor Discovery's {@code resolve}), which asks with ARP (a Neighbor Solicitation) when it does not
 * know: meanwhile up to 8 frames per guest address wait in the interface's
 * {@link io.jslirp.stack.iface.PendingNeighbors} queue (a full address drops its oldest, as Linux's neighbour
 * queue does) and go out, in order, when the guest's MAC is learned; unanswered for 3 s, or when their
 * forward is removed or the stack closed, they are released and counted (udpForwardHeldDropped).
 *
 * <p><b>Errors.</b> Host sockets have IP_RECVERR, so an ICMP error about a datagram waits in the socket's
 * error queue and the socket reports ERROR: destination unreachable (all codes but fragmentation needed) and
 * time exceeded are passed to the guest, from the reporting node (the host's loopback, an address inside the
 * virtual network and a broadcast or multicast reporter appear as network+2; no offender, as the destination),
 * quoting the guest's datagram as rebuilt from the flow ({@link io.jslirp.stack.icmp.IcmpErrors}, whose rules
 * the echo relay shares). A connected UDP socket in the guest so gets ECONNREFUSED for a
 * closed host port, as on a real network. Fragmentation needed is not passed on: DatagramInfo has no field
 * for the next-hop MTU, a quote of 0 would make the guest drop its path MTU to 552, and the host socket
 * fragments the next datagram by itself anyway. The errno an ICMP error also leaves pending on the socket
 * makes the next {@code sendto} fail once without sending; the datagram is sent again. A {@code sendto} that
 * fails with ENETUNREACH/EHOSTUNREACH is answered with net/host unreachable from the gateway.
 *
 * <p><b>DNS.</b> Queries to network+3:53 get their own flow (and host socket) per guest endpoint, forwarded
 * to the host resolvers from {@code Stack.setDnsServers} ({@link io.jslirp.stack.udp.DnsServers}): the
 * current one, which starts as the first and moves to the next when a query has gone unanswered for 2 s by
 * the time another comes (the guest's retry), or when a resolver sends back an ICMP error. Replies pass
 * unchanged (REFUSED and SERVFAIL included) only from a resolver's port 53 and come from network+3:53.
 * With {@code --disable-dns} queries are dropped silently (the guest times out, as with slirp4netns); with
 * no resolver known they are dropped and counted in dnsNoServer. TCP to network+3:53 is relayed by the TCP
 * layer to the current resolver's port 53.
 *
 * <p><b>IPv6.</b> IPv6 input hands UDP over too, to {@code UdpLayer.receive6}'s decision table: prefix::2
 * (and fe80::2) is the host's ::1 (administratively prohibited under {@code --disable-host-loopback}, a hard
 * error for the guest's socket), prefix::3 port 53 the DNS forwarder, port 547 at ff02::1:2 or a router
 * address the DHCPv6 server, other addresses of the prefix or the link and other names of the host or of IPv4
 * address unreachable, global addresses relayed as they are. An IPv6 guest's flows have AF_INET6 host
 * sockets (bound to {@code --outbound-addr6} when given) and take datagrams up to 65,527 octets, which
 * {@code Ipv6Output} fragments to the MTU (RFC 8200 4.5); frames are built at {@link
 * io.jslirp.stack.udp.UdpLayer#HEADROOM}, IPv6's, an IPv4 one starting 20 octets later in the buffer. ICMPv6
 * errors from IPV6_RECVERR (destination unreachable, Packet Too Big with the kernel's next-hop MTU, time
 * exceeded) reach the guest from the reporting router when it is a global address, else from the
 * destination. Resolvers are family-neutral: a DNS flow's socket is AF_INET6 (dual-stack) when the guest or
 * the current resolver is IPv6, so each family's guest reaches both kinds of resolver.
 *
 * <p><b>Lifetime.</b> Flows live in a primitive-keyed {@link io.jslirp.stack.flow.FlowTable} (relayed flows
 * under (guest address, port, 0, 0), DNS flows under (guest address, port, network+3, 53)), bounded at 4096
 * or RelayOptions.maxFlows if lower, the flow idle longest evicted to make room. Two
 * {@link io.jslirp.stack.flow.IdleList}s keep flows in order of last activity (either direction), so expiry
 * (60 s relayed, 10 s DNS, as libslirp's SO_EXPIREFAST) looks only at their heads, and a touch is a few
 * pointer writes. Removing a flow closes its host socket in the same step; {@code Stack.close()} closes all,
 * forwards' sockets, mappings and held datagrams included (a second close finds nothing).
 * Without HostDatagrams ({@code Stack.setHostDatagrams} not called), relayed UDP is answered with ICMP port
 * unreachable, so a client fails at once instead of timing out, and {@code listen} returns -ENETDOWN.
 */
package io.jslirp.stack.udp;
