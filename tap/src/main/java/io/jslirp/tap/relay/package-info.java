/**
 * The host's side of the relay: {@link io.jslirp.stack.relay.HostSockets} (TCP) and
 * {@link io.jslirp.stack.relay.HostDatagrams} (UDP, ICMP echo) on real Linux sockets.
 *
 * <h2>Theory of operation</h2>
 * <p>The stack terminates the guest's TCP itself and moves the bytes through ordinary host sockets, one per
 * flow, that {@link io.jslirp.tap.relay.NativeHostSockets} opens and the session's
 * {@link io.jslirp.tap.loop.EventLoop} watches. A handle is the socket's fd.
 *
 * <ul>
 *   <li><b>Addresses.</b> The stack names every address family-neutrally, two longs with IPv4 stored
 *       IPv4-mapped ({@link io.jslirp.stack.wire.IpAddress}). A socket the relay opens toward or on an IPv4
 *       address is AF_INET, toward or on any other AF_INET6, so IPv4 flows use exactly the sockets they always
 *       did and one interface serves both families.</li>
 *   <li><b>Connect.</b> {@code socket(AF_INET or AF_INET6 by the destination, SOCK_STREAM | SOCK_NONBLOCK |
 *       SOCK_CLOEXEC)}, {@code TCP_NODELAY} (the guest's stack already segmented the stream; Nagle on top adds
 *       latency), {@code bind} to the outbound address when one is given (of the destination's family; a
 *       mismatch is EINVAL), then {@code connect}. EINPROGRESS is the normal answer; any other
 *       error closes the fd and comes back as {@code -errno} at once. The fd is registered for EPOLLOUT, and
 *       its first event (WRITABLE, or ERROR/HANGUP) is when the relay asks {@code connectResult}, which
 *       reads {@code SO_ERROR}.</li>
 *   <li><b>Listen (port forwards).</b> {@code socket(AF_INET or AF_INET6, SOCK_STREAM | SOCK_NONBLOCK |
 *       SOCK_CLOEXEC)}, {@code SO_REUSEADDR} (a forward re-added while its old connections sit in TIME_WAIT
 *       must bind again), for AF_INET6 {@code IPV6_V6ONLY = 0} set explicitly so that {@code ::} takes IPv4
 *       clients whatever net.ipv6.bindv6only says, then {@code bind} and {@code listen(128)}; the listener is
 *       watched for read, and READABLE means a client waits. Any failure closes the fd and returns
 *       {@code -errno} as the kernel gave it (EADDRINUSE, EACCES below ip_unprivileged_port_start,
 *       EADDRNOTAVAIL). {@code accept} is {@code accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)} into the reused
 *       sockaddr_storage scratch, so accepting allocates nothing; the client is reported family-neutrally, so
 *       an IPv4-mapped client ({@code ::ffff:a.b.c.d}) of a dual-stack listener is the same IPv4 address an
 *       AF_INET listener reports. The accepted socket gets {@code TCP_NODELAY} like an outbound one and is registered
 *       with the "no interest" mask below: nothing is read from the client before the guest has accepted,
 *       and no READABLE is reported until {@code setInterest} asks for it. EAGAIN (and EINTR) is
 *       {@code -EAGAIN}. {@code localPort} is {@code getsockname}'s port, for either family.</li>
 *   <li><b>Readiness.</b> One dispatcher serves every socket and passes epoll's bits to the flow's handler
 *       unchanged (they are {@code HostSockets}' constants). Read interest is EPOLLIN plus EPOLLRDHUP, so a
 *       peer's FIN is seen as READ_HANGUP; write interest is EPOLLOUT. The mask last given to epoll is kept
 *       per fd, and {@code setInterest} with an unchanged mask makes no system call, because the relay
 *       calls it on every window change. With neither direction wanted the fd is watched edge-triggered:
 *       epoll cannot mask ERROR and HANGUP, and level-triggered they would be reported every turn for a
 *       paused flow whose peer has gone.</li>
 *   <li><b>Data.</b> {@code read} and {@code send} go straight between the socket and the {@code ByteBuf}'s
 *       native memory by address, allocating nothing. A buffer without an address (heap, composite) goes
 *       through one reused 64 KiB bounce buffer. EAGAIN is 0; a read of 0 is {@code EOF}; anything else is
 *       {@code -errno}. Sends use MSG_NOSIGNAL, so a reset peer is EPIPE, never a SIGPIPE.</li>
 *   <li><b>Close.</b> {@code close} unregisters and closes (the kernel finishes sending and FINs);
 *       {@code abort} sets {@code SO_LINGER {1, 0}} first, so the host peer gets a RST, as the guest's RST
 *       asked. Handles that are not currently open here are ignored by close, abort, shutdown and
 *       setInterest and get EBADF from the rest: a stale handle must never close an fd that now belongs to
 *       the TAP or to another flow.</li>
 *   <li><b>Shutdown.</b> {@code openCount} says how many sockets are open; {@code closeAll} aborts what the
 *       stack left behind when the session ends.</li>
 * </ul>
 *
 * <p><b>Which fds are ours.</b> Both classes keep their sockets in a {@code SocketTable} each: arrays indexed by
 * fd holding the handler and one int of the owner's (the last epoll mask for TCP, the kind for datagrams), so
 * dispatch and every handle check are an array index. Adopting a socket registers it with the loop; if epoll
 * refuses, the fd is closed and the kernel's errno returned (ENOMEM when there is none), so no setup path
 * leaks a socket. Releasing one unregisters, forgets and closes it, in that order; {@code closeAll} walks the
 * table in fd order and lets the owner close each its own way (TCP aborts with a reset, datagrams close).
 *
 * <p><b>Socket names.</b> Both classes read and write their sockaddr_in / sockaddr_in6 through one
 * {@link io.jslirp.tap.relay.SockAddr} over their own reused native scratch, so TCP and UDP encode destinations
 * and decode peers alike (a sockaddr_in and an IPv4-mapped {@code ::ffff:a.b.c.d} read as the same neutral
 * address) and neither allocates on accept, send or receive. A forward's socket, TCP or UDP,
 * is opened and bound by the same {@code SocketSetup.openBound} (socket, SO_REUSEADDR for TCP only,
 * IPV6_V6ONLY = 0, bind; the fd closed on any failure), and {@code SocketSetup} also holds the other calls
 * both make outside the data path (int options, SO_ERROR, getsockname's port).
 *
 * <p>What the relay must do in return: after {@code read} returns {@code EOF}, drop read interest, or the
 * level-triggered EOF keeps being reported; after an ERROR or HANGUP, close or abort the handle; when
 * {@code accept} fails with anything but EAGAIN (EMFILE...), the client still waits and the listener stays
 * readable, so drop the listener's read interest for a while rather than spin. An fd number closed and reused
 * within one loop turn does not receive the old socket's events: the loop drops events for fds registered
 * after they were collected.
 *
 * <h2>Datagrams</h2>
 * <p>{@link io.jslirp.tap.relay.NativeHostDatagrams} has the same shape (handle = fd, one dispatcher, epoll bits
 * passed through, stale handles refused), for sockets that are always watched for EPOLLIN only:
 * <ul>
 *   <li><b>UDP.</b> {@code SOCK_DGRAM}, AF_INET for an IPv4 bind address (::ffff:0.0.0.0 for any) with
 *       {@code IP_RECVERR} on, AF_INET6 otherwise with {@code IPV6_RECVERR}, bound to the address and port the
 *       relay asks for; {@code receiveError} reads either control message, and an AF_INET6 offender whole.
 *       Sends are {@code sendmsg} with a reused msghdr and sockaddr_in, from the buffer's memory, or, for the
 *       relay's batches of up to 32 ({@code sendBatch}, {@link io.jslirp.tap.relay.BatchSender}), one UDP GSO
 *       {@code sendmsg} ({@code UDP_SEGMENT}) per run of equal datagrams to one destination and one
 *       {@code sendmmsg} per socket for the rest, from a reused vector; receives
 *       are {@code recvmsg}, whose {@code MSG_TRUNC} in msg_flags says a datagram was cut. With IP_RECVERR an
 *       ICMP error (port unreachable...) is queued on the socket's error queue, which epoll reports as EPOLLERR
 *       level-triggered until it is drained; {@code receiveError} reads one with {@code MSG_ERRQUEUE} and
 *       takes errno, ICMP type and code and offender from the {@code sock_extended_err} control message, and
 *       the original destination from msg_name. Reading the queue also clears the socket error the kernel set
 *       with it, so the next send does not fail with a stale ECONNREFUSED.</li>
 *   <li><b>Forwarded UDP.</b> {@code listenUdp} on an IPv4 address opens AF_INET, on any other AF_INET6 (then
 *       {@code IPV6_V6ONLY = 0}, dual-stack as for TCP listeners), without SO_REUSEADDR (on UDP it would let
 *       another socket share the port and take part of its datagrams) and without IP_RECVERR (an unconnected
 *       socket without it gets no ICMP errors, and a forward has nothing to report them about). On the AF_INET6
 *       kind every name is a sockaddr_in6: receives give room for one and report {@code ::ffff:a.b.c.d} as
 *       the IPv4 address it maps; {@code sendTo} writes the neutral address as it is, which for IPv4 is the
 *       IPv4-mapped one (an IPv6 destination on an AF_INET socket is {@code -EAFNOSUPPORT}). The msghdr's name length
 *       is the only thing the family changes on the datagram path, which allocates nothing either way.</li>
 *   <li><b>Ping.</b> An unprivileged ICMP datagram socket where net.ipv4.ping_group_range allows our group (the
 *       kernel owns the echo identifier and delivers only our replies, without IP header), otherwise a raw
 *       ICMP socket (CAP_NET_RAW) with an {@code ICMP_FILTER} that keeps only echo replies. For a raw socket
 *       jslirp picks an identifier no other raw ping socket of its own uses, writes it and the checksum into a
 *       copy of the guest's message, and on receive strips the IP header and skips (boundedly) replies with
 *       another identifier: a raw socket sees every process's. A ping socket has IP_RECVERR: without it the
 *       kernel drops ICMP errors about an unconnected ping socket's echoes, with it they are queued as for
 *       UDP and read the same way. A raw socket's filter keeps errors out, so they are not passed on.</li>
 * </ul>
 */
package io.jslirp.tap.relay;
