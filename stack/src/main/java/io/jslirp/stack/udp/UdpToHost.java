package io.jslirp.stack.udp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.relay.DatagramBatch;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;

/**
 * The guest's datagrams out through their flows' host sockets, and what the host's answer to each send means
 * for the guest: counted, or an ICMP error from the router when the host has no route (see the package
 * documentation, "Relay" and "Errors").
 *
 * <p>When the host's datagram sockets take batches ({@link HostDatagrams#sendBatchSize} above 1) the relayed
 * datagrams wait in a {@link DatagramBatch} and leave together at {@link #flush}: at the end of the loop's turn
 * ({@code Stack.flush}), when the batch is full, before a flow's socket closes, and when the TAP read loop
 * yields the CPU ({@code Stack.flushDatagrams}). What the guest sees is the same as when each is sent at once;
 * only the counters and an ICMP error about a failed send come at the flush. Otherwise each datagram is sent
 * as it comes, straight from its frame.
 */
final class UdpToHost {
    private final Counters counters;
    private final UdpErrors errors;
    private final ByteBufAllocator alloc;
    private final int gateway;
    private HostDatagrams datagrams;
    /** Null when each datagram is sent at once. */
    private DatagramBatch batch;
    // What a queued datagram's result needs besides the batch's own fields, by its place in the batch.
    private UdpFlow[] queuedFlows;
    private long[] queuedGdHi;
    private long[] queuedGdLo;
    private int[] queuedUdpLength;

    UdpToHost(Counters counters, UdpErrors errors, ByteBufAllocator alloc, int gateway) {
        this.counters = counters;
        this.errors = errors;
        this.alloc = alloc;
        this.gateway = gateway;
    }

    /** Call before the first datagram; a batch is made when {@code datagrams} takes them. */
    void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
        int size = datagrams == null ? 1 : datagrams.sendBatchSize();
        if (size > 1 && batch == null) {
            batch = new DatagramBatch(alloc, size);
            queuedFlows = new UdpFlow[size];
            queuedGdHi = new long[size];
            queuedGdLo = new long[size];
            queuedUdpLength = new int[size];
        }
    }

    /**
     * The guest's datagram (the view {@code udp}) to {@code hd:dstPort} on the host: into the batch, or straight
     * from the frame; {@code gd} is the destination as the guest addressed it, which an ICMP error quotes.
     */
    void send(UdpFlow f, UdpDatagram udp, long gdHi, long gdLo, long hdHi, long hdLo, int dstPort) {
        f.lastDstHi = gdHi;
        f.lastDstLo = gdLo;
        f.lastDstPort = dstPort;
        f.lastLength = udp.length();
        f.lastHostHi = hdHi;
        f.lastHostLo = hdLo;
        ByteBuf b = udp.buffer();
        if (batch != null) {
            if (!batch.fits(udp.payloadLength())) {
                flush();
            }
            int i = batch.add(f.handle, hdHi, hdLo, dstPort, b, udp.payloadOffset(), udp.payloadLength());
            queuedFlows[i] = f;
            queuedGdHi[i] = gdHi;
            queuedGdLo[i] = gdLo;
            queuedUdpLength[i] = udp.length();
            if (batch.isFull()) {
                flush();
            }
            return;
        }
        int n = datagrams.sendTo(f.handle, hdHi, hdLo, dstPort, b, udp.payloadOffset(), udp.payloadLength());
        if (n < 0) {
            // With IP_RECVERR an ICMP error also leaves its errno pending on the socket (sk_err), and the next
            // sendto reports that instead of sending (the error itself reaches the guest from the error
            // queue). Reporting clears it, so one more try sends this datagram.
            n = datagrams.sendTo(f.handle, hdHi, hdLo, dstPort, b, udp.payloadOffset(), udp.payloadLength());
        }
        sent(f, n, gdHi, gdLo, dstPort, udp.length());
    }

    /** Sends the queued datagrams, if any, and acts on each one's result in order. */
    void flush() {
        if (batch == null || batch.size() == 0) {
            return;
        }
        int n = batch.size();
        try {
            datagrams.sendBatch(batch);
            for (int i = 0; i < n; i++) {
                sent(queuedFlows[i], batch.result(i), queuedGdHi[i], queuedGdLo[i], batch.dstPort(i),
                        queuedUdpLength[i]);
            }
        } finally {
            // Whatever happened, nothing is sent twice, and no flow is kept alive by a stale reference.
            Arrays.fill(queuedFlows, 0, n, null);
            batch.clear();
        }
    }

    /** Sends what is queued and returns the batch's buffer (stack shutdown). */
    void close() {
        if (batch != null) {
            try {
                flush();
            } finally {
                batch.release();
                batch = null;
            }
        }
    }

    /** What the host said to one datagram of {@code f} ({@code udpLength} octets with the header). */
    private void sent(UdpFlow f, int n, long gdHi, long gdLo, int dstPort, int udpLength) {
        if (n >= 0 && (n > 0 || udpLength == UdpDatagram.HEADER_LENGTH)) {
            counters.udpToHost++;
            return;
        }
        if (n == 0) {
            counters.udpHostBufferFull++;
            return;
        }
        counters.udpSendErrors++;
        if (n == -HostSockets.ENETUNREACH || n == -HostSockets.EHOSTUNREACH) {
            // The host has no route: the guest hears it from its router, as from any router (RFC 1812 5.2.7.1).
            if (f.dns) {
                return;
            }
            if (f.guestIsV4()) {
                errors.sendError4(f.guestMac, IpAddress.v4(f.guestAddrLo), f.guestPort, IpAddress.v4(gdLo), dstPort,
                        udpLength, Icmpv4Packet.TYPE_DEST_UNREACHABLE,
                        n == -HostSockets.ENETUNREACH ? Icmpv4Packet.CODE_NET_UNREACHABLE
                                : Icmpv4Packet.CODE_HOST_UNREACHABLE, gateway);
            } else {
                errors.unreachable6(f.guestMac, f.guestAddrHi, f.guestAddrLo, f.guestPort, gdHi, gdLo, dstPort,
                        udpLength, n == -HostSockets.ENETUNREACH ? UdpLayer.UNREACH_NET : UdpLayer.UNREACH_HOST);
            }
        }
    }

    /** The guest's datagram (the view {@code udp}) to a forward's client through the forward's socket. */
    void replyToClient(int handle, long clientHi, long clientLo, int clientPort, UdpDatagram udp) {
        int n = sendToClient(handle, clientHi, clientLo, clientPort, udp);
        if (n < 0) {
            // A pending errno left by an ICMP error fails one sendto without sending, as in send().
            n = sendToClient(handle, clientHi, clientLo, clientPort, udp);
        }
        if (n > 0 || (n == 0 && udp.payloadLength() == 0)) {
            counters.udpToHost++;
            counters.udpForwardedToClient++;
        } else if (n == 0) {
            counters.udpHostBufferFull++;
        } else {
            counters.udpSendErrors++;
        }
    }

    private int sendToClient(int handle, long clientHi, long clientLo, int clientPort, UdpDatagram udp) {
        return datagrams.sendTo(handle, clientHi, clientLo, clientPort, udp.buffer(), udp.payloadOffset(),
                udp.payloadLength());
    }
}
