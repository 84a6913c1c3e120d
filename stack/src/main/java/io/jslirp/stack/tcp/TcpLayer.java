package io.jslirp.stack.tcp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.ForwardPath;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.iface.IpOutput;
import io.jslirp.stack.iface.Ipv6GuestAddress;
import io.jslirp.stack.iface.Ipv6Output;
import io.jslirp.stack.iface.Ipv4Output;
import io.jslirp.stack.iface.PendingNeighbors;
import io.jslirp.stack.iface.IpPacket;
import io.jslirp.stack.iface.IpProtocol;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.udp.DnsServers;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.Icmpv6Packet;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;
import java.util.function.LongBinaryOperator;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * TCP input demux (a segment to its flow by 4-tuple, a host event to its flow by handle), and what all
 * connections share: the timer heap, the end-of-batch flush list, the routes and the guest's MAC, the RSTs
 * that answer for a flow or for none, and {@link FrameMemory}. The connections the guest opens are
 * {@link ConnectsFromGuest}'s, those the host's clients open {@link TcpForwards}'. See the package
 * documentation for the theory.
 */
public final class TcpLayer implements IpProtocol, HostSocketHandler {
    /** Generates our initial sequence numbers; replaceable so that tests can start near 2^32. */
    @FunctionalInterface
    public interface IsnGenerator {
        /** Addresses are family-neutral ({@code IpAddress}). */
        int isn(long guestAddrHi, long guestAddrLo, int guestPort, long remoteAddrHi, long remoteAddrLo,
                int remotePort);
    }

    final NetConfig config;
    final Clock clock;
    final Counters counters;
    final ByteBufAllocator alloc;
    /** IPv4 toward the guest: the route of every connection, and ICMP errors. */
    final Ipv4Output output;
    /** IPv6 toward the guest, or null while IPv6 is off ({@link #setIpv6}). */
    private Ipv6Output output6;
    private Ipv6Config config6;
    /** The guest's MAC by IPv6 address; asks by Neighbor Solicitation when unknown. */
    private LongBinaryOperator guestResolver6 = (hi, lo) -> ArpCache.NONE;
    final HostSockets host;
    final RelayOptions options;
    final int mtu;
    final FlowTable<TcpConnection> flows;
    final HandleIndex<TcpConnection> handles = new HandleIndex<>();
    final TimerHeap timers = new TimerHeap();
    /** Connections in TIME_WAIT, as primitive records; they count against the flow limit with {@link #flows}. */
    final TimeWaitTable timeWait;
    /** Bytes in flight toward the guest over all connections, and their budget. */
    final FlightToGuest flight;
    private final TcpSegment seg = new TcpSegment();
    /** Scratch for the SACK blocks of the ACK being built (one at a time on the event loop). */
    final int[] sackLeft = new int[4];
    final int[] sackRight = new int[4];
    private IsnGenerator isnGenerator;
    /** The device takes TSO super-segments with partial checksums (Stack.DeviceFormat.VNET_HDR). */
    final boolean offload;
    /** The frame buffer pool of host reads, and how much memory a kept byte may pin. */
    final FrameMemory memory;

    private TcpConnection[] pending = new TcpConnection[64];
    private int pendingCount;

    /** Segments that match no flow, and the connections the guest's SYNs open. */
    final ConnectsFromGuest connects;
    /** Port-forward listeners and the connections their clients become. */
    private final TcpForwards forwards;
    /** The guest's MAC by address; asks by ARP when unknown (EthernetInterface.resolve, set by the Stack). */
    private IntToLongFunction guestResolver = ip -> ArpCache.NONE;
    /** Where a forward connection's first SYN waits for the guest's MAC (the interface's, set by the Stack). */
    private PendingNeighbors pendingNeighbors;

    public TcpLayer(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv4Output output,
                    HostSockets host, RelayOptions options) {
        this(config, clock, counters, alloc, output, host, options, false);
    }

    public TcpLayer(NetConfig config, Clock clock, Counters counters, ByteBufAllocator alloc, Ipv4Output output,
                    HostSockets host, RelayOptions options, boolean offload) {
        this.offload = offload;
        this.memory = new FrameMemory(alloc, counters, config.mtu(), output.l4Offset(), offload);
        this.flight = new FlightToGuest(clock, memory);
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.alloc = alloc;
        this.output = output;
        this.host = host;
        this.options = options;
        this.mtu = config.mtu();
        this.flows = new FlowTable<>(options.maxFlows());
        this.timeWait = new TimeWaitTable(alloc, clock.nanoTime(), options.maxTimeWait());
        // RFC 6528: ISN = M + F(4-tuple, secret), M a 4 microsecond clock. The secret is per process, from
        // whoever builds the stack: a SecureRandom here would be file I/O in the stack, and its provider
        // framework, 98 classes at start (1.5 MiB idle RSS), for one long.
        long secret = options.isnSecret();
        this.isnGenerator = (gHi, gLo, gp, rHi, rLo, rp) -> {
            // The low 32 bits of each address (all of an IPv4 one) as before; the rest folded in for IPv6.
            long h = ((gLo << 32) ^ (rLo & 0xffff_ffffL) ^ ((long) gp << 16 ^ rp) * 0x9E37_79B9_7F4A_7C15L)
                    ^ (gHi ^ gLo >>> 32) * 0xC2B2_AE3D_27D4_EB4FL ^ (rHi ^ rLo >>> 32) * 0x1656_67B1_9E37_79F9L
                    ^ secret;
            h *= 0xff51_afd7_ed55_8ccdL;
            h ^= h >>> 33;
            return (int) (clock.nanoTime() / 4000) + (int) h;
        };
        this.connects = new ConnectsFromGuest(this);
        this.forwards = new TcpForwards(this);
    }

    /** Where TCP to network+3:53 goes: the UDP forwarder's current resolver. */
    public void setDnsServers(DnsServers servers) {
        connects.setDnsServers(servers);
    }

    /**
     * How a port forward finds the guest's MAC before its first SYN: {@code resolver} answers the MAC, or
     * {@link ArpCache#NONE} after asking by ARP ({@code EthernetInterface.resolve}); then the connection waits
     * in {@code pending} (the interface's queue), which hands it the MAC when the answer comes. Call before
     * {@link #listen}.
     */
    public void setNeighbors(IntToLongFunction resolver, PendingNeighbors pending) {
        this.guestResolver = resolver;
        this.pendingNeighbors = pending;
    }

    /**
     * Relays TCP over IPv6 too: {@code output} writes its frames, {@code resolver} answers the guest's MAC by
     * IPv6 address (Neighbor Discovery's {@code resolve}). Call before the first IPv6 segment.
     */
    public void setIpv6(Ipv6Config config, Ipv6Output output, LongBinaryOperator resolver) {
        this.config6 = config;
        this.output6 = output;
        this.guestResolver6 = resolver;
        connects.setIpv6(config, output);
    }

    /**
     * Where a forward that names no guest address sends IPv6 clients: the guest's IPv6 address, configured or
     * learned from its Neighbor Discovery. Without it (or before {@link #setIpv6}) every such client goes over
     * IPv4.
     */
    public void setIpv6GuestAddress(Ipv6GuestAddress guest6) {
        forwards.setIpv6(config6, guest6);
    }

    /** The route toward a guest address: IPv4's for a mapped one, else IPv6's. */
    IpOutput outputFor(long guestAddrHi, long guestAddrLo) {
        return IpAddress.isV4(guestAddrHi, guestAddrLo) || output6 == null ? output : output6;
    }

    /** The MAC of a guest address, or {@link ArpCache#NONE} after asking for it (ARP, or NDP for IPv6). */
    long resolveGuest(long guestAddrHi, long guestAddrLo) {
        if (!IpAddress.isV4(guestAddrHi, guestAddrLo)) {
            return guestResolver6.applyAsLong(guestAddrHi, guestAddrLo);
        }
        return guestResolver.applyAsLong(IpAddress.v4(guestAddrLo));
    }

    /** {@code c}'s first SYN waits for the guest's MAC. */
    void awaitMac(TcpConnection c) {
        pendingNeighbors.await(c.guestAddrHi, c.guestAddrLo, c);
        c.awaitingMac = true;
    }

    void stopAwaitingMac(TcpConnection c) {
        pendingNeighbors.cancel(c);
        c.awaitingMac = false;
    }

    public void setIsnGenerator(IsnGenerator generator) {
        this.isnGenerator = generator;
    }

    /** Flows, TIME_WAIT records included: what counts against {@code RelayOptions.maxFlows}. */
    public int activeFlows() {
        return flows.size() + timeWait.size();
    }

    /** Connections in TIME_WAIT kept as records (no {@link TcpConnection} object); for tests and diagnostics. */
    public int timeWaitRecords() {
        return timeWait.size();
    }

    /** Bytes of the direct buffer the TIME_WAIT records' table holds now (0 when empty); for tests and diagnostics. */
    public long timeWaitFootprintBytes() {
        return timeWait.footprintBytes();
    }

    /** No room for another flow: live connections and TIME_WAIT records together reach the limit. */
    boolean tableFull() {
        return flows.size() + timeWait.size() >= flows.maxFlows();
    }

    /**
     * The connection for a 4-tuple, or null (also for a TIME_WAIT record, which has no object: see
     * {@link #state}); for tests and diagnostics.
     */
    public TcpConnection connection(int guestAddr, int guestPort, int remoteAddr, int remotePort) {
        return flows.get(V4_HI, v4Lo(guestAddr), guestPort, V4_HI, v4Lo(remoteAddr), remotePort);
    }

    /**
     * The state of a 4-tuple (family-neutral addresses): its connection's, {@link TcpState#TIME_WAIT} for a
     * record, else {@link TcpState#CLOSED}; for tests and diagnostics.
     */
    public int state(long guestHi, long guestLo, int guestPort, long remoteHi, long remoteLo, int remotePort) {
        TcpConnection c = flows.get(guestHi, guestLo, guestPort, remoteHi, remoteLo, remotePort);
        if (c != null) {
            return c.state;
        }
        return timeWait.find(guestHi, guestLo, guestPort, remoteHi, remoteLo, remotePort) >= 0
                ? TcpState.TIME_WAIT : TcpState.CLOSED;
    }

    /** {@link #state(long, long, int, long, long, int)} for IPv4 (host byte order). */
    public int state(int guestAddr, int guestPort, int remoteAddr, int remotePort) {
        return state(V4_HI, v4Lo(guestAddr), guestPort, V4_HI, v4Lo(remoteAddr), remotePort);
    }

    // ---------------------------------------------------------------- input

    @Override
    public void receive(IpPacket ip) {
        long sourceMac = ip.sourceMac();
        if (!seg.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength(), ip.addressSum(), !ip.checksumTrusted())) {
            switch (seg.error()) {
                case TcpSegment.ERR_HEADER_LENGTH:
                    counters.tcpBadHeaderLength++;
                    break;
                case TcpSegment.ERR_CHECKSUM:
                    counters.tcpBadChecksum++;
                    break;
                case TcpSegment.ERR_OPTIONS:
                    counters.tcpBadOptions++;
                    break;
                default:
                    counters.tcpTruncated++;
            }
            return;
        }
        counters.tcpSegmentsIn++;
        int guestPort = seg.sourcePort();
        int remotePort = seg.destinationPort();
        TcpConnection c = flows.get(ip.sourceHi(), ip.sourceLo(), guestPort, ip.destinationHi(),
                ip.destinationLo(), remotePort);
        if (c != null) {
            if (SegmentsFromGuest.onSegment(c, seg) && c.state == TcpState.CLOSED) {
                // A new SYN reopened a TIME_WAIT tuple (RFC 9293 3.10.7.4, RFC 6191): start afresh.
                connects.openFromSyn(seg, sourceMac, ip.sourceHi(), ip.sourceLo(), ip.destinationHi(),
                        ip.destinationLo());
            }
            return;
        }
        if (timeWait.size() > 0) {
            int slot = timeWait.find(ip.sourceHi(), ip.sourceLo(), guestPort, ip.destinationHi(), ip.destinationLo(),
                    remotePort);
            if (slot >= 0) {
                if (SegmentsInTimeWait.onSegment(this, slot, seg, sourceMac)) {
                    // A new SYN reopened the tuple (RFC 9293 3.10.7.4, RFC 6191): start afresh.
                    connects.openFromSyn(seg, sourceMac, ip.sourceHi(), ip.sourceLo(), ip.destinationHi(),
                            ip.destinationLo());
                }
                return;
            }
        }
        connects.noFlow(seg, sourceMac, ip.sourceHi(), ip.sourceLo(), ip.destinationHi(),
                ip.destinationLo());
    }

    // ---------------------------------------------------------------- host events

    @Override
    public void onSocketEvent(int handle, int events) {
        TcpConnection c = handles.get(handle);
        if (c == null) {
            return;
        }
        try {
            c.onHostEvent(events);
        } catch (RuntimeException e) {
            failed(c);
        }
    }

    /**
     * A bug threw out of {@code c}'s own code. Its state can no longer be trusted, and a level-triggered
     * host event would only throw again on every turn, so the connection ends as a give-up does: RST to the
     * guest, the host socket aborted, every buffer released.
     */
    private void failed(TcpConnection c) {
        counters.internalErrors++;
        try {
            c.resetBothWays();
        } catch (RuntimeException again) {
            // The RST itself failed: still take the flow and its socket away.
            c.destroy(true);
        }
    }

    // ---------------------------------------------------------------- flush and timers

    void markPending(TcpConnection c) {
        if (c.pending) {
            return;
        }
        c.pending = true;
        if (pendingCount == pending.length) {
            TcpConnection[] bigger = new TcpConnection[pendingCount * 2];
            System.arraycopy(pending, 0, bigger, 0, pendingCount);
            pending = bigger;
        }
        pending[pendingCount++] = c;
    }

    /** End of an event-loop batch: coalesced ACKs, window updates, reads the guest's window now allows. */
    public void flush() {
        // Connections may mark themselves again while flushing; they are handled in the next batch.
        int n = pendingCount;
        for (int i = 0; i < n; i++) {
            TcpConnection c = pending[i];
            pending[i] = null;
            c.pending = false;
            if (c.state != TcpState.CLOSED) {
                try {
                    c.flush();
                } catch (RuntimeException e) {
                    failed(c);
                }
            }
        }
        if (pendingCount > n) {
            System.arraycopy(pending, n, pending, 0, pendingCount - n);
            for (int i = pendingCount - n; i < pendingCount; i++) {
                pending[i] = null;
            }
        }
        pendingCount -= n;
    }

    public long nextDeadlineNanos() {
        return Clock.earlier(Clock.earlier(Clock.earlier(timers.peekDeadline(), forwards.listenersResumeAt),
                flight.trimAt()), timeWait.nextDeadline());
    }

    public void runTimers(long now) {
        if (forwards.listenersResumeAt <= now) {
            forwards.resumeListeners();
        }
        if (flight.trimDue(now) && memory.trimIdle()) {
            flight.trimAgainAt(now + FlightToGuest.POOL_IDLE);
        }
        int expired = timeWait.expire(now);
        if (expired > 0) {
            counters.tcpFlowsClosed += expired;
            flowEnded();
        }
        while (timers.size() > 0 && timers.peekDeadline() <= now) {
            TcpConnection c = timers.poll();
            try {
                ConnectionTimers.onTimer(c, now);
            } catch (RuntimeException e) {
                failed(c);
            }
        }
    }

    /**
     * The loop has gone quiet: the frame pool gives back even the buffers it keeps when idle (see
     * {@code Stack.releaseIdleBuffers}); returns how many. Frames in flight stay with their connections.
     */
    public int releaseIdleBuffers() {
        return memory.clear();
    }

    /** Closes every forward listener, aborts every host socket and releases every buffer (stack shutdown). */
    public void close() {
        forwards.closeAll();
        List<TcpConnection> all = new ArrayList<>(flows.size());
        flows.forEach(all::add);
        for (TcpConnection c : all) {
            c.destroy(true);
        }
        counters.tcpFlowsClosed += timeWait.size();
        timeWait.clear();
        pendingCount = 0;
        memory.clear();
    }

    void forget(TcpConnection c) {
        if (flows.get(c.guestAddrHi, c.guestAddrLo, c.guestPort, c.remoteAddrHi, c.remoteAddrLo, c.remotePort) == c) {
            flows.remove(c.guestAddrHi, c.guestAddrLo, c.guestPort, c.remoteAddrHi, c.remoteAddrLo, c.remotePort);
        }
        if (c.handle >= 0) {
            handles.remove(c.handle, c);
        }
        timers.remove(c);
        if (c.awaitingMac) {
            stopAwaitingMac(c);
        }
        flowEnded();
        counters.tcpFlowsClosed++;
    }

    /** The TIME_WAIT record in {@code slot} ends before its time (a RST, a new SYN or client on its tuple). */
    void endTimeWait(int slot) {
        timeWait.remove(slot);
        flowEnded();
        counters.tcpFlowsClosed++;
    }

    /** The TIME_WAIT table was full and ended {@code n} of its oldest records early to take new ones. */
    void timeWaitEvicted(int n) {
        if (n > 0) {
            counters.tcpFlowsClosed += n;
            counters.tcpTimeWaitEvicted += n;
            flowEnded();
        }
    }

    private void flowEnded() {
        if (forwards.listenersResumeAt != Long.MAX_VALUE) {
            // A flow ended and gave its host socket back (or its room in the table): room, perhaps, for a client
            // not accepted for want of one.
            forwards.resumeListeners();
        }
    }

    // ---------------------------------------------------------------- resets

    /**
     * A RST (with or without ACK) from {@code remoteAddr:remotePort} to the guest (family-neutral addresses);
     * no options, window 0.
     */
    void sendReset(long guestMac, long guestAddrHi, long guestAddrLo, long remoteAddrHi, long remoteAddrLo,
                   int guestPort, int remotePort, int seq, int ack,
                   int flags) {
        int len = TcpSegment.MIN_HEADER_LENGTH;
        IpOutput route = outputFor(guestAddrHi, guestAddrLo);
        ByteBuf f = alloc.directBuffer(route.l4Offset() + len);
        int at = route.writeHeaders(f, 0, guestMac, remoteAddrHi, remoteAddrLo, guestAddrHi, guestAddrLo,
                Ipv4Packet.PROTO_TCP, len, true);
        TcpSegment.writeHeader(f, at, remotePort, guestPort, seq, (flags & TcpSegment.ACK) != 0 ? ack : 0,
                len, flags, 0);
        TcpSegment.writeChecksum(f, at, len, Checksum.addressSum(remoteAddrHi, remoteAddrLo, guestAddrHi, guestAddrLo));
        f.writerIndex(at + len);
        counters.tcpRstOut++;
        counters.tcpSegmentsOut++;
        route.send(f);
    }

    // ---------------------------------------------------------------- port forwards

    /**
     * Opens a listening host socket for a TCP forward to {@code guestAddr:guestPort} (IPv4, host byte order,
     * for every client), on {@code hostAddr} (4 or 16 bytes) and {@code hostPort} (0: the kernel's choice).
     * Returns the listener's handle or {@code -errno}. What arrives on it becomes flows into the guest.
     */
    public int listen(byte[] hostAddr, int hostPort, int guestAddr, int guestPort) {
        return listen(hostAddr, hostPort, V4_HI, v4Lo(guestAddr), guestPort, ForwardPath.NAMED_V4);
    }

    /**
     * As {@link #listen(byte[], int, int, int)} for a guest address of either family: {@code guestHi:guestLo}
     * family-neutral, and {@code mode} one of {@link ForwardPath}'s (for {@link ForwardPath#UNNAMED} the IPv4
     * default, which IPv6 clients leave for the guest's IPv6 address when it has one).
     */
    public int listen(byte[] hostAddr, int hostPort, long guestHi, long guestLo, int guestPort, int mode) {
        return forwards.listen(hostAddr, hostPort, guestHi, guestLo, guestPort, mode);
    }

    /** Closes a listener from {@link #listen}; flows it created keep running. An unknown handle is ignored. */
    public void unlisten(int handle) {
        forwards.unlisten(handle);
    }

    /** The port a listener from {@link #listen} is bound to, or {@code -errno} (EBADF for no such listener). */
    public int localPort(int handle) {
        return forwards.localPort(handle);
    }

    /** Forward listeners open now. */
    public int listeners() {
        return forwards.listeners();
    }

    /** A new connection's initial sequence number (RFC 6528). */
    int isn(TcpConnection c) {
        return isnGenerator.isn(c.guestAddrHi, c.guestAddrLo, c.guestPort, c.remoteAddrHi, c.remoteAddrLo,
                c.remotePort);
    }

    /**
     * ICMPv6 Destination Unreachable from the guest (IPv6 input validated it): a forward's SYN refused by the
     * guest's firewall (ip6tables REJECT answers icmp6-port-unreachable) ends that attempt as a RST would.
     */
    public void receiveUnreachable6(Icmpv6Packet icmp) {
        forwards.onGuestUnreachable(icmp);
    }

    /** See {@link TcpForwards#fallBackToIpv4}. */
    void fallBackToIpv4(TcpConnection c) {
        forwards.fallBackToIpv4(c);
    }
}
