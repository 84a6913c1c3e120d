/**
 * The TCP endpoint toward the guest and the relay of its bytes to ordinary host sockets.
 *
 * <h2>Theory of operation</h2>
 * The guest believes it talks to the remote host; it talks to us. {@link io.jslirp.stack.tcp.TcpLayer}
 * receives every TCP segment the guest sends, to any destination (IPv4 input hands TCP over whatever the
 * destination, after reassembly), finds its {@link io.jslirp.stack.tcp.TcpConnection} in a primitive-keyed
 * {@link io.jslirp.stack.flow.FlowTable}, and feeds the segment to that connection's decision table; a segment
 * that matches no flow goes to {@code ConnectsFromGuest}, whose table (RFC 9293 3.10.7.1, the CLOSED state)
 * drops it, resets it, or, for a SYN, opens a connection. One connection owns one host socket handle; host
 * readiness comes back through the layer, which is the {@code HostSocketHandler} of every socket, and finds
 * the connection by handle in a flat array.
 *
 * <p><b>Opening.</b> A guest SYN is not answered until the host connect settles: the flow is created in
 * {@code CONNECTING}, {@code HostSockets.connectTcp} starts, retransmitted SYNs are absorbed. Success sends
 * the SYN-ACK; ECONNREFUSED, ETIMEDOUT and other errors send the RST a closed port would (so the guest sees
 * "Connection refused" at once rather than after its SYN retries); ENETUNREACH/EHOSTUNREACH send ICMP
 * destination unreachable (net/host), which makes the guest's connect fail exactly as the kernel's would.
 * network+2 is the host's loopback unless {@code --disable-host-loopback}, which answers net-unreachable at
 * once, as slirp4netns does. network+3 port 53 is connected to the host's current resolver (the UDP
 * forwarder's, {@code Stack.setDnsServers}); its other ports, port 53 with {@code --disable-dns} or before any
 * resolver is known, and every other address inside the virtual network get a RST (nothing lives there; a
 * RST is the fastest honest answer). Broadcast, multicast, loopback and unspecified destinations are dropped
 * silently (RFC 1122 4.2.3.10). Everything else goes to the host as it is: which addresses may is the rule all
 * relays share ({@code relay.RelayableAddress}).
 *
 * <p><b>IPv6.</b> IPv6 input hands TCP over too ({@code Stack} registers the layer with {@code Ipv6Input}); the
 * same connection code runs, only its route differs ({@code TcpLayer.outputFor}: {@code Ipv6Output} for a
 * guest address that is not IPv4-mapped, so MSS = MTU - 60, TSO6 with an offloading device). The decision
 * table, by the guest's family: prefix::2 and fe80::2 are the host's ::1 ({@code --disable-host-loopback}:
 * ICMPv6 destination unreachable, no route, at once); prefix::3 and fe80::3 port 53 go to the current
 * resolver (of either family); anything else inside the prefix or on the link, multicast, and every other
 * name of the host or of IPv4 (::1, ::, ::ffff:0:0/96, ::/96) get a RST (the shared rule again); global
 * addresses go as they are through an AF_INET6 host socket bound to {@code --outbound-addr6} when given.
 * Connect failures answer as for IPv4, with ICMPv6 destination unreachable codes 0 (network) and 3 (host).
 *
 * <p><b>Inbound (port forwards).</b> {@link io.jslirp.stack.tcp.TcpLayer#listen} opens a listening host socket
 * for a forward ({@code PortForwards} keeps the ids); {@code TcpForwards} keeps each listener's handle in small
 * arrays beside the guest address (family-neutral), port and {@link io.jslirp.stack.flow.ForwardPath} mode (an
 * IPv4 or IPv6 guest address named, or none). READABLE on a listener accepts up to 64 clients (the
 * level-triggered report brings the rest), and each becomes a connection we open: {@code SYN_SENT}, our SYN
 * offering MSS = MTU - 40 (IPv4) or MTU - 60 (IPv6), SACK-permitted, timestamps and window scale 7 in Linux's
 * layout. {@code ForwardPath} chooses the family, the guest address and the client as the guest sees it (its
 * class comment holds the table): over IPv4 the client's own IPv4 address, or network+2 for a client on host
 * loopback, a genuine IPv6 one and one inside the virtual network, as slirp4netns shows them; over IPv6 (an IPv6
 * guest address named; or none named, an IPv6 client, and the guest's IPv6 address known from
 * {@code Stack.setGuestAddress6} or its Neighbor Discovery) prefix::2 for loopback and unspecified clients of
 * either family, the client's own address for other IPv6 clients, and 64:ff9b::a.b.c.d (RFC 6052) for other
 * IPv4 clients, since Linux drops a SYN from an IPv4-mapped source. The IPv6 attempt of a forward that named
 * no guest address keeps the IPv4 default beside it ({@code fallbackV4}): when the guest answers the SYN with
 * a RST that acknowledges it, or an ICMPv6 destination unreachable Linux would treat as hard (codes 1, 4, 5,
 * 6, quoting our SYN's addresses, ports and sequence number: ip6tables REJECT's answer), or its address finds
 * no neighbour within the first RTO, or the SYN goes unanswered through its retries, the same accepted host
 * socket (nothing read from it yet) becomes a new connection to the IPv4 default, seen there as network+2
 * (tcpForward6Fallbacks). A named IPv6 address has no fallback: those endings reset the client as for IPv4.
 * A client whose 4-tuple a live flow holds (two loopback clients with one port) is reset at once; a
 * TIME_WAIT record gives way to it. The guest's MAC comes from {@code EthernetInterface.resolve}; when it is
 * unknown the connection waits in the interface's {@code PendingNeighbors} queue, and its SYN goes out while
 * the guest's ARP reply is being handled.
 * The accepted socket has no interest until the guest's SYN-ACK: what the client sends meanwhile, and its EOF,
 * wait in the host's kernel and are read right after our handshake ACK, in order, our FIN after them. SYN-SENT
 * follows RFC 9293 3.10.7.3: an ACK outside ISS..SND.NXT draws {@code <SEQ=SEG.ACK><CTL=RST>}; a RST that
 * acknowledges our SYN aborts the client at once (it sees a reset, as from a closed port), one that does not is
 * ignored (RFC 5961); a SYN without ACK (simultaneous open) moves to SYN_RECEIVED with a SYN-ACK. Unanswered,
 * the SYN goes again at 1, 3 and 7 s and the client is reset at 15 s; while the MAC is unknown those ticks ask
 * by ARP again instead. A client that resets first (epoll reports errors even without interest) ends the
 * attempt, and the guest's late SYN-ACK then draws a RST. From ESTABLISHED on the connection is an ordinary one
 * whose remote is the client as seen and whose host handle is the accepted socket. {@code unlisten} closes
 * only the listener; the layer's {@code close()} closes listeners and aborts every connection. An accept that
 * fails for want of resources (EMFILE...) pauses every listener's read interest until a flow ends or a
 * second passes, rather than letting a readable listener wake the loop on every turn.
 *
 * <p><b>Options.</b> The SYN-ACK offers MSS = MTU - 40, window scale 7 (a 4 MiB receive queue fits the
 * 16-bit field), SACK-permitted and timestamps, each only when the guest offered it, in Linux's byte
 * layout. Timestamps (our clock in milliseconds) give an RTT sample on every advancing ACK; without them,
 * Karn's rule samples segments sent once.
 *
 * <p><b>Guest to host.</b> In-order payload is written to the host socket straight from the received frame:
 * the first bytes of an event-loop batch at once, later segments under 16 KiB of the same batch held and
 * written together by one gathering write ({@code HostSockets.writeGather}) at the flush, or before an ACK
 * that must go out at once or a FIN that must follow them. What the kernel does not take is queued as retained slices of the frames (no copy; a right-sized copy
 * instead when the slice would pin a buffer more than twice its size, such as a small segment in a 64 KiB
 * TAP read buffer, so pinned memory stays within twice the counted bytes), bounded at
 * {@link io.jslirp.stack.tcp.TcpConnection#RCV_BUFFER} per connection, with WRITABLE interest set; the
 * window we advertise is the free space of that queue, so a slow host socket slows the guest, and the right
 * edge never moves left because bytes enter the queue only as RCV.NXT advances. Window updates follow
 * receiver SWS avoidance. ACKs are coalesced: a connection marks itself "ACK due" and the ACK goes out in
 * {@code Stack.flush()} at the end of the event-loop batch (or rides on data sent before then); an
 * out-of-order segment, a filled hole, an unacceptable segment and a challenge are answered at once.
 * Out-of-order segments are held as retained slices (at most 64, and only inside the window), trimmed
 * against each other, and reported with SACK blocks when agreed.
 *
 * <p><b>Host to guest.</b> When the socket is readable and the guest's window has room (sender SWS
 * avoidance: a full MSS, half the largest window seen, or nothing in flight), we take a direct frame
 * buffer with headroom for Ethernet, IPv4 and TCP, read from the socket into its payload area, then write
 * the headers and checksum around the bytes: the only copy is the kernel's. The frame stays in the
 * retransmission queue (one more reference; the sink releases its own); once acknowledged it goes back to
 * the layer's pool of frame buffers ({@code FrameMemory}: as many as the budget below takes, about 2 MiB once
 * idle), so a bulk transfer allocates nothing, and a short read is copied into a right-sized buffer so it does
 * not pin a whole one while in flight. With the window full, READABLE interest is dropped, so jslirp stops
 * reading and the host's TCP pushes back on the remote sender; an ACK that opens the window schedules a read in
 * the next flush. A zero window arms the persist timer, whose
 * probes (an ACK at SND.UNA - 1, as Linux sends) back off to 60 s. The guest's window is not the only bound:
 * what is in flight is frames held here, so all connections together keep at most a 32 MiB budget in flight,
 * each an equal share of it ({@code FlightToGuest}); a guest with a large {@code tcp_rmem} offers 32 MiB and
 * more per connection, and four parallel downloads used to exhaust jslirp's direct memory.
 *
 * <p><b>Offload</b> ({@code Stack.DeviceFormat.VNET_HDR}: a TAP with virtio-net headers, TSO and checksum
 * offload). The guest's kernel sends TCP as TSO super-segments of up to 64 KiB with a partial checksum
 * (NEEDS_CSUM), which is not verified: it comes from the guest's memory and only its pseudo-header part
 * was ever computed. Toward the guest one frame carries as many whole MSS-sized segments as a 64 KiB frame
 * buffer holds (one host read; a byte more would put each buffer in Netty's 80 KiB size class), with a
 * partial checksum, sent through
 * {@code FrameSink.sendOffloadFrame} so the device header says NEEDS_CSUM and, above one MSS, TSO with
 * gso_size = the MSS. The guest's Linux accepts a partial checksum as valid on local delivery (and would
 * complete it if it forwarded the frame). Handshake segments, ACKs and RSTs stay complete, ordinary frames.
 * A pcap capture therefore shows data segments with the partial checksum, as captures on any offloading
 * NIC do.
 *
 * <p><b>Loss.</b> RTO per RFC 6298 (1 s initial, 200 ms floor, 60 s ceiling, doubling), fast retransmit on
 * the third duplicate ACK with NewReno partial-ACK repair, and segments fully covered by the guest's SACK
 * blocks are never resent. After {@link io.jslirp.stack.tcp.TcpConnection#MAX_RETRANSMITS} unanswered
 * retransmissions (5 for the SYN-ACK) the connection is reset both ways. There is no congestion window:
 * the path to the guest is a local TAP device whose only loss is the guest's own queue overflowing, which
 * its advertised window already prevents.
 *
 * <p><b>Endings.</b> Guest FIN: {@code shutdownWrite} once the queue toward the host is empty, while the
 * host's bytes keep flowing (CLOSE_WAIT). Host EOF: our FIN after the data (FIN_WAIT_1/LAST_ACK). Guest RST
 * (exactly at RCV.NXT, RFC 5961; elsewhere in the window a challenge ACK): {@code abort}, which resets the
 * host peer. Host error: RST to the guest. When both directions are done the host socket is closed at once
(once it has taken the guest's last bytes) and the connection object goes too: TIME_WAIT is a 56-byte
primitive record in {@code TimeWaitTable} (the tuple, RCV.NXT, SND.NXT, TS.Recent, two flags, the deadline;
64 bytes a slot with its index, in a direct buffer rather than on the Java heap), kept 15 s to re-acknowledge a lost final ACK ({@code SegmentsInTimeWait}
answers every segment as the connection would have), and a new SYN above the old sequence space, or a
forward's client on the same tuple, reopens the tuple. A connection churn would leave ten thousand and more of
them at once; the table keeps at most {@code RelayOptions.maxTimeWait} (8,192) in as many ring slots, and ends
the oldest early for a newcomer past that, or, when dead slots fill a ring at the bound, as many of the oldest
as bring it down to three quarters live (up to a quarter of the bound at once). Records count against the flow
limit as connections do, and their table shrinks back as they expire. Idle limits reap flows with a RST both ways:
 * 2 h established, 10 min close-wait, 2 min while our FIN is unacknowledged, 60 s FIN_WAIT_2, and the
 * handshake is bounded at 130 s. Removing a flow closes its host socket and releases every buffer in the
 * same step, and {@code Stack.close()} aborts them all.
 *
 * <p><b>Timers.</b> One binary min-heap of connections keyed by each connection's earliest deadline, the
 * position stored in the connection. Deadlines that move later (the RTO restarted on each ACK, idle
 * deadlines pushed by activity) do not touch the heap: the entry fires early and the connection
 * reschedules itself, so the per-packet cost is a field write.
 *
 * <p><b>Files.</b> The connection is split by job, as gVisor splits its endpoint into snd.go and rcv.go:
 * {@link io.jslirp.stack.tcp.TcpConnection} holds the state of one connection (the TCB) and its host side;
 * {@code SegmentsFromGuest} is the decision table per state for an arriving segment, {@code SegmentsToGuest}
 * builds and sends every segment toward the guest, {@code ConnectionTimers} decides what an expired
 * deadline does; {@code RetransmitQueue}, {@code OutOfOrderQueue} (with the SACK blocks), {@code ToHostQueue}
 * and {@code RttEstimator} (RFC 6298) are the connection's data structures, each documented with its own
 * theory of operation. The layer is split the same way: {@link io.jslirp.stack.tcp.TcpLayer} is the demux (a
 * segment to its flow by 4-tuple, a host event to its flow by handle) and what all connections share (the
 * timers, the end-of-batch flush list); {@code FrameMemory} the frame buffer pool and how much memory a kept
 * byte may pin; {@code ConnectsFromGuest} the connections the guest opens (the segment that matches no flow,
 * where a SYN may go, the host connect, the ICMP answer to a connect that found no route); {@code TcpForwards}
 * those the host's clients open (the forward listeners, their clients' connections and the IPv4 fallback);
 * {@code TimerHeap} the one timer heap; {@code TimeWaitTable} the TIME_WAIT records (kept in deadline order,
so they need no timer heap) and {@code SegmentsInTimeWait} what a record does.
 *
 * <p><b>Left out for now.</b> Congestion control; PAWS (RFC 7323 5) and sending SACK-based retransmission
 * beyond the first hole; urgent data (ignored, delivered inline); TCP Fast Open data on the SYN (not
 * acknowledged, so the guest resends it); ECN (never negotiated); a global memory bound across connections
 * toward the host (each is bounded at 4 MiB there; toward the guest all share the budget above).
 */
package io.jslirp.stack.tcp;
