package io.jslirp.stack.relay;

import io.netty.buffer.ByteBuf;

/**
 * The host's datagram sockets (UDP, and ICMP echo) as the relay uses them; the counterpart of
 * {@link HostSockets} for everything that is not a TCP stream. Same rules: handles are small non-negative
 * ints, every call is on the event-loop thread and never blocks, negative results are {@code -errno}, and
 * readiness arrives at the {@link HostSocketHandler} given at open, level-triggered, with
 * {@link HostSockets#READABLE} when a datagram waits and {@link HostSockets#ERROR} when an ICMP error the
 * host received waits in the socket's error queue.
 */
public interface HostDatagrams {
    /**
     * Opens a non-blocking UDP socket for relayed flows, bound to {@code bindHi:bindLo} port {@code bindPort}
     * (a family-neutral address, {@code IpAddress}): AF_INET for an IPv4-mapped address (::ffff:0.0.0.0 and port
     * 0 for the kernel's choice), AF_INET6 otherwise (:: for any). The error queue is on (IP_RECVERR or
     * IPV6_RECVERR) so that ICMP errors (port unreachable and friends) can be passed on to the guest. Returns the
     * handle or {@code -errno}.
     */
    int openUdp(long bindHi, long bindLo, int bindPort, HostSocketHandler handler);

    /**
     * Opens a non-blocking UDP socket for a port forward on {@code addrHi:addrLo} port {@code port}: AF_INET for
     * an IPv4-mapped address, otherwise AF_INET6, dual-stack; port 0 lets the kernel choose ({@link #localPort}).
     * No SO_REUSEADDR: for UDP it would let a second socket share the port silently. Interest is read. Returns
     * the handle or {@code -errno} (EADDRINUSE, EACCES, EADDRNOTAVAIL...).
     */
    int listenUdp(long addrHi, long addrLo, int port, HostSocketHandler handler);

    /** The local port a socket is bound to, or {@code -errno}. */
    int localPort(int handle);

    /**
     * Sends one datagram of {@code length} bytes of {@code src} from absolute {@code index} to
     * {@code dstHi:dstLo} port {@code dstPort}. An AF_INET socket reaches only IPv4(-mapped) destinations
     * (-EAFNOSUPPORT for others); an AF_INET6 one reaches both. Returns the bytes sent, 0 when the socket buffer
     * is full (the datagram is dropped, as a full NIC queue would drop it), or {@code -errno} (ECONNREFUSED left
     * by an earlier ICMP error, EMSGSIZE, ENETUNREACH...).
     */
    int sendTo(int handle, long dstHi, long dstLo, int dstPort, ByteBuf src, int index, int length);

    /**
     * How many datagrams {@link #sendBatch} should be given at once. Above 1, the UDP relay queues the guest's
     * datagrams in a {@link DatagramBatch} of this size and sends them together at the end of the loop's turn
     * (or sooner, when the batch fills); 1, the default, means each is sent with {@link #sendTo} as it comes.
     */
    default int sendBatchSize() {
        return 1;
    }

    /**
     * Sends the batch's datagrams in order, each as {@link #sendTo} would, and stores each one's result in the
     * batch ({@link DatagramBatch#setResult}): the bytes sent, 0 when the socket buffer was full, or
     * {@code -errno}. A datagram that fails with an errno is tried once more before that errno is its result:
     * an ICMP error the socket received leaves its errno pending, and the next send reports it instead of
     * sending (IP_RECVERR). The batch is left as it was given, results apart. This default sends each with
     * {@link #sendTo}.
     */
    default void sendBatch(DatagramBatch batch) {
        ByteBuf payloads = batch.payloads();
        for (int i = 0; i < batch.size(); i++) {
            int n = sendTo(batch.handle(i), batch.dstHi(i), batch.dstLo(i), batch.dstPort(i), payloads,
                    batch.index(i), batch.length(i));
            if (n < 0) {
                n = sendTo(batch.handle(i), batch.dstHi(i), batch.dstLo(i), batch.dstPort(i), payloads,
                        batch.index(i), batch.length(i));
            }
            batch.setResult(i, n);
        }
    }

    /**
     * Receives one datagram into {@code dst} at its writerIndex (advancing it), at most {@code maxBytes}
     * ({@code dst} is direct with that much room); fills {@code from.addrHi}/{@code from.addrLo} (IPv4 sources
     * IPv4-mapped, whatever the socket's family), {@code from.port} and {@code from.truncated}. Returns the
     * datagram's length (0 for an empty datagram, which UDP allows), {@code -EAGAIN} when none waits, or
     * another {@code -errno}.
     */
    int receiveFrom(int handle, ByteBuf dst, int maxBytes, DatagramInfo from);

    /**
     * Takes one ICMP error from the socket's error queue (MSG_ERRQUEUE) and describes it in {@code info}:
     * errno, ICMP type and code, the offender (the router or host that sent it), and the destination of the
     * datagram that caused it, as family-neutral addresses. Returns 1 when one was taken, 0 when the queue is empty.
     */
    int receiveError(int handle, DatagramInfo info);

    /**
     * Opens a socket for ICMP echo to any destination: an unprivileged ICMP datagram socket where the host's
     * {@code net.ipv4.ping_group_range} allows it, otherwise a raw ICMP socket where jslirp is privileged.
     * Returns the handle, or {@code -errno} (EACCES/EPERM) when neither is allowed.
     */
    int openPing(HostSocketHandler handler);

    /**
     * The ICMPv6 twin of {@link #openPing}: {@code socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)} where
     * {@code net.ipv4.ping_group_range} (which governs both) allows it, otherwise a raw ICMPv6 socket where
     * jslirp is privileged. {@link #sendPing} then takes IPv6 destinations and {@link #receivePing} gives
     * ICMPv6 echo replies (type 129); errors come with IPV6_RECVERR. Returns the handle or {@code -errno}.
     */
    int openPing6(HostSocketHandler handler);

    /**
     * Sends an ICMP echo request (the ICMP message of {@code length} bytes at {@code index}: header and
     * payload; the identifier is the socket's own, whatever the message says) to {@code dstHi:dstLo}, an
     * IPv4(-mapped) address. Returns the
     * bytes sent, 0 when the buffer is full, or {@code -errno}.
     */
    int sendPing(int handle, long dstHi, long dstLo, ByteBuf src, int index, int length);

    /**
     * Receives one echo reply meant for this socket (replies for other sockets, which a raw socket also sees,
     * are consumed and skipped) into {@code dst}: the ICMP message only, header first, without an IP header;
     * its identifier field is meaningless and the caller rewrites it. Fills {@code from.addrHi}/{@code addrLo}.
     * Returns the length, or {@code -errno}: -EAGAIN when none waits, as for {@link #receiveFrom}.
     */
    int receivePing(int handle, ByteBuf dst, int maxBytes, DatagramInfo from);

    /** Closes the handle; no more events arrive for it. */
    void close(int handle);
}
