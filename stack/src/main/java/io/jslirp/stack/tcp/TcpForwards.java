package io.jslirp.stack.tcp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.flow.ForwardPath;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.iface.Ipv6GuestAddress;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * The TCP layer's port-forward listeners: their sockets, accepting their clients, and the connection each
 * client becomes, opened toward the guest in the family {@link ForwardPath} chooses; and the move to IPv4 of
 * a connection whose IPv6 attempt the guest refused (see the package documentation, "Port forwards").
 */
final class TcpForwards {
    /** Accepts per READABLE on a listener; more waiting clients are reported again (level-triggered). */
    static final int ACCEPT_BUDGET = 64;
    static final long ACCEPT_PAUSE = 1_000_000_000L;
    private static final int EBADF = 9;
    private static final int EOPNOTSUPP = 95;

    private final TcpLayer layer;
    private final Counters counters;
    private final HostSockets host;
    /**
     * Forward listeners: handle, where their clients go in the guest (family-neutral address, port) and
     * the forward's {@link ForwardPath} mode.
     */
    private int[] listenHandles = new int[4];
    private long[] listenGuestHi = new long[4];
    private long[] listenGuestLo = new long[4];
    private int[] listenGuestPorts = new int[4];
    private int[] listenModes = new int[4];
    private int listenCount;
    private final HostSocketHandler listenerEvents = this::onListenerEvent;
    /**
     * When listeners whose accept failed for want of resources (EMFILE...) get read interest back; MAX_VALUE
     * when none is paused. Level-triggered readiness would otherwise report them on every loop turn.
     */
    long listenersResumeAt = Long.MAX_VALUE;
    /** Filled by each accept; reused, so accepting allocates only the connection itself. */
    private final DatagramInfo acceptPeer = new DatagramInfo();
    private final ForwardPath path;
    private Ipv6Config config6;

    TcpForwards(TcpLayer layer) {
        this.layer = layer;
        this.counters = layer.counters;
        this.host = layer.host;
        this.path = new ForwardPath(layer.config);
    }

    void setIpv6(Ipv6Config config6, Ipv6GuestAddress guest6) {
        this.config6 = config6;
        path.setIpv6(config6, guest6);
    }

    int listen(byte[] hostAddr, int hostPort, long guestHi, long guestLo, int guestPort, int mode) {
        if (host == null) {
            return -EOPNOTSUPP;
        }
        int h = host.listenTcp(IpAddress.hi(hostAddr), IpAddress.lo(hostAddr), hostPort, listenerEvents);
        if (h < 0) {
            return h;
        }
        if (listenCount == listenHandles.length) {
            int n = listenCount * 2;
            listenHandles = Arrays.copyOf(listenHandles, n);
            listenGuestHi = Arrays.copyOf(listenGuestHi, n);
            listenGuestLo = Arrays.copyOf(listenGuestLo, n);
            listenGuestPorts = Arrays.copyOf(listenGuestPorts, n);
            listenModes = Arrays.copyOf(listenModes, n);
        }
        listenHandles[listenCount] = h;
        listenGuestHi[listenCount] = guestHi;
        listenGuestLo[listenCount] = guestLo;
        listenGuestPorts[listenCount] = guestPort;
        listenModes[listenCount] = mode;
        listenCount++;
        if (listenersResumeAt != Long.MAX_VALUE) {
            // Added during an accept pause (out of descriptors): it waits with the others, or an accept that
            // fails on it would leave a readable listener waking the loop every turn.
            host.setInterest(h, false, false);
        }
        return h;
    }

    void unlisten(int handle) {
        int i = listenerIndex(handle);
        if (i < 0) {
            return;
        }
        listenCount--;
        System.arraycopy(listenHandles, i + 1, listenHandles, i, listenCount - i);
        System.arraycopy(listenGuestHi, i + 1, listenGuestHi, i, listenCount - i);
        System.arraycopy(listenGuestLo, i + 1, listenGuestLo, i, listenCount - i);
        System.arraycopy(listenGuestPorts, i + 1, listenGuestPorts, i, listenCount - i);
        System.arraycopy(listenModes, i + 1, listenModes, i, listenCount - i);
        host.close(handle);
    }

    int localPort(int handle) {
        return listenerIndex(handle) < 0 ? -EBADF : host.localPort(handle);
    }

    int listeners() {
        return listenCount;
    }

    void closeAll() {
        for (int i = 0; i < listenCount; i++) {
            host.close(listenHandles[i]);
        }
        listenCount = 0;
        listenersResumeAt = Long.MAX_VALUE;
    }

    private int listenerIndex(int handle) {
        for (int i = 0; i < listenCount; i++) {
            if (listenHandles[i] == handle) {
                return i;
            }
        }
        return -1;
    }

    /** READABLE on a listener: accept what waits, each client becoming a connection into the guest. */
    private void onListenerEvent(int handle, int events) {
        int i = listenerIndex(handle);
        if (i < 0 || (events & HostSockets.READABLE) == 0) {
            return;
        }
        long guestHi = listenGuestHi[i];
        long guestLo = listenGuestLo[i];
        int guestPort = listenGuestPorts[i];
        int mode = listenModes[i];
        try {
            for (int k = 0; k < ACCEPT_BUDGET; k++) {
                acceptPeer.clear();
                int h = host.accept(handle, layer, acceptPeer);
                if (h == -HostSockets.EAGAIN) {
                    return;
                }
                if (h < 0) {
                    counters.tcpForwardAcceptErrors++;
                    if (h == -HostSockets.ECONNABORTED || h == -HostSockets.EINTR) {
                        // That client gave up while queued; others may still wait.
                        continue;
                    }
                    // EMFILE, ENFILE, ENOBUFS...: the client stays queued, and the listener stays readable, so
                    // epoll would report it on every turn of the loop. Pause the listeners until a flow
                    // gives a descriptor back or a second passes.
                    pauseListeners();
                    return;
                }
                openForward(h, guestHi, guestLo, guestPort, mode);
            }
        } catch (RuntimeException e) {
            counters.internalErrors++;
        }
    }

    private void pauseListeners() {
        if (listenersResumeAt != Long.MAX_VALUE) {
            return;
        }
        listenersResumeAt = layer.clock.nanoTime() + ACCEPT_PAUSE;
        for (int i = 0; i < listenCount; i++) {
            host.setInterest(listenHandles[i], false, false);
        }
    }

    void resumeListeners() {
        listenersResumeAt = Long.MAX_VALUE;
        for (int i = 0; i < listenCount; i++) {
            host.setInterest(listenHandles[i], true, false);
        }
    }

    /** An accepted host client: a new flow in SYN_SENT toward the guest, in the family the path table picks. */
    private void openForward(int h, long fwdHi, long fwdLo, int guestPort, int mode) {
        counters.tcpForwardAccepted++;
        int clientPort = acceptPeer.port;
        if (!path.choose(mode, fwdHi, fwdLo, acceptPeer.addrHi, acceptPeer.addrLo)) {
            // No TCP client comes from 0.0.0.0 or a group address; a kernel that said so is not to be trusted.
            counters.tcpForwardAcceptErrors++;
            if (path.v6) {
                counters.tcpForward6Refused++;
            }
            host.abort(h);
            return;
        }
        if (path.v6) {
            counters.tcpForward6Accepted++;
        }
        open(h, path.guestHi, path.guestLo, guestPort, path.seenHi, path.seenLo, clientPort, path.fallbackV4);
    }

    /**
     * The flow for host socket {@code h} toward {@code guest:guestPort}, the client shown as
     * {@code seen:clientPort}; {@code fallbackV4} (0: none) is where an IPv6 attempt goes next.
     */
    private void open(int h, long guestHi, long guestLo, int guestPort, long seenHi, long seenLo, int clientPort,
                      int fallbackV4) {
        boolean v6 = !IpAddress.isV4(guestHi, guestLo);
        if (layer.flows.get(guestHi, guestLo, guestPort, seenHi, seenLo, clientPort) != null) {
            // Two clients the guest cannot tell apart (two loopback addresses, one port), or a connection still in
            // TIME_WAIT while the host takes its last bytes: refuse the newcomer rather than corrupt the live flow.
            counters.tcpForwardDuplicate++;
            if (v6) {
                counters.tcpForward6Refused++;
            }
            host.abort(h);
            return;
        }
        int record = layer.timeWait.find(guestHi, guestLo, guestPort, seenHi, seenLo, clientPort);
        if (record >= 0) {
            // Only a record kept to re-acknowledge a lost final ACK: a new connection may reuse the tuple
            // (RFC 9293 3.10.7.4 note, RFC 6191). The guest's end is closed, or in TIME_WAIT, which Linux
            // leaves for a SYN with a newer timestamp (ours, a millisecond clock, is).
            layer.endTimeWait(record);
        }
        if (layer.tableFull()) {
            counters.tcpTableFull++;
            host.abort(h);
            return;
        }
        TcpConnection c = new TcpConnection(layer, ArpCache.NONE, guestHi, guestLo, guestPort, seenHi, seenLo,
                clientPort, layer.clock.nanoTime());
        c.fallbackV4 = fallbackV4;
        layer.flows.put(guestHi, guestLo, guestPort, seenHi, seenLo, clientPort, c);
        layer.handles.put(h, c);
        counters.tcpFlowsOpened++;
        c.openToGuest(h, layer.isn(c));
    }

    /**
     * Decision table for a Destination Unreachable from the guest (RFC 4443 3.1), which quotes the packet it
     * refused: only the codes Linux treats as hard errors for a connecting socket (icmpv6_err_convert: 1
     * administratively prohibited, 4 port unreachable, 5 source policy, 6 reject route) about a TCP segment
     * from one of our forward flows still in SYN_SENT, whose quoted sequence number is our SYN's, refuse the
     * attempt: an unnamed forward's client moves to IPv4, any other is reset as for a RST. Anything else
     * (another code, a quote too short or of something else, a flow past its SYN) is counted and ignored; a
     * retransmitted SYN or the connection's own timers deal with it.
     */
    void onGuestUnreachable(Icmpv6Packet icmp) {
        int code = icmp.code();
        int at = icmp.dataOffset();
        ByteBuf b = icmp.buffer();
        // The quote: a 40-octet IPv6 header, then the first 8 TCP octets (ports, sequence number); our SYNs
        // carry no extension headers, so next header must be TCP at once.
        if (icmp.type() != Icmpv6Packet.TYPE_DEST_UNREACHABLE || !(code == Icmpv6Packet.CODE_ADMIN_PROHIBITED
                || code == Icmpv6Packet.CODE_PORT_UNREACHABLE || code == 5 || code == 6)
                || icmp.dataLength() < Ipv6Packet.HEADER_LENGTH + 8
                || b.getUnsignedByte(at + 6) != Ipv6Packet.NEXT_TCP) {
            counters.icmpv6UnreachableIgnored++;
            return;
        }
        long seenHi = b.getLong(at + 8);
        long seenLo = b.getLong(at + 16);
        long guestHi = b.getLong(at + 24);
        long guestLo = b.getLong(at + 32);
        int tcpAt = at + Ipv6Packet.HEADER_LENGTH;
        int seenPort = b.getUnsignedShort(tcpAt);
        int guestPort = b.getUnsignedShort(tcpAt + 2);
        int seq = b.getInt(tcpAt + 4);
        TcpConnection c = layer.flows.get(guestHi, guestLo, guestPort, seenHi, seenLo, seenPort);
        if (c == null || c.state != TcpState.SYN_SENT || seq != c.iss || c.sndNxt == c.iss) {
            counters.icmpv6UnreachableIgnored++;
            return;
        }
        if (!c.refusedOrFallBack()) {
            counters.tcpForwardRefused++;
        }
    }

    /**
     * The guest refused our IPv6 SYN for a forward that named no guest address (RST, ICMPv6 unreachable, no
     * Neighbor Advertisement, no answer at all): the same host client, still waiting in its accepted socket
     * with nothing read from it, tries the IPv4 default instead, seen there as network+2 (slirp4netns's IPv6
     * client). Only the host socket carries over; the IPv6 attempt's state is gone.
     */
    void fallBackToIpv4(TcpConnection c) {
        int guestV4 = c.fallbackV4;
        int guestPort = c.guestPort;
        int clientPort = c.remotePort;
        int h = c.takeHandle();
        c.destroy(false);
        counters.tcpForward6Fallbacks++;
        if (h < 0) {
            return;
        }
        open(h, V4_HI, v4Lo(guestV4), guestPort, V4_HI, v4Lo(layer.config.gateway()), clientPort, 0);
    }
}
