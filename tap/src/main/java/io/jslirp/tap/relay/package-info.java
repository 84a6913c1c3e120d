/**
 * The host's side of the TCP relay: {@link io.jslirp.stack.relay.HostSockets} on real Linux sockets.
 *
 * <h2>Theory of operation</h2>
 * <p>The stack terminates the guest's TCP itself and moves the bytes through ordinary host sockets, one per
 * flow, that {@link io.jslirp.tap.relay.NativeHostSockets} opens and the session's
 * {@link io.jslirp.tap.loop.EventLoop} watches. A handle is the socket's fd.
 *
 * <ul>
 *   <li><b>Connect.</b> {@code socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)}, {@code TCP_NODELAY}
 *       (the guest's stack already segmented the stream; Nagle on top adds latency), {@code bind} to
 *       {@code --outbound-addr} when given, then {@code connect}. EINPROGRESS is the normal answer; any other
 *       error closes the fd and comes back as {@code -errno} at once. The fd is registered for EPOLLOUT, and
 *       its first event (WRITABLE, or ERROR/HANGUP) is when the relay asks {@code connectResult}, which
 *       reads {@code SO_ERROR}.</li>
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
 * <p>What the relay must do in return: after {@code read} returns {@code EOF}, drop read interest, or the
 * level-triggered EOF keeps being reported; after an ERROR or HANGUP, close or abort the handle. An fd
 * number closed and reused within one loop turn does not receive the old socket's events: the loop drops
 * events for fds registered after they were collected.
 */
package io.jslirp.tap.relay;
