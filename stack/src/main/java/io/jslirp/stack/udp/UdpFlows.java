package io.jslirp.stack.udp;

import io.jslirp.stack.Counters;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.RelayOptions;

import java.util.ArrayList;
import java.util.List;

import static io.jslirp.stack.wire.IpAddress.V4_HI;
import static io.jslirp.stack.wire.IpAddress.v4Lo;

/**
 * Which host socket speaks for which guest endpoint: the relayed and DNS flows, found by guest endpoint or by
 * handle, their idle order, expiry and eviction, and the socket each one opens and closes (see the package
 * documentation, "Relay" and "Lifetime").
 */
final class UdpFlows {
    /** Flow key for relayed flows: remote address and port 0, so one flow (and socket) per guest endpoint. */
    private static final int ANY = 0;

    private final Counters counters;
    private final RelayOptions options;
    /** network+3: the remote half of a DNS flow's key. */
    private final int dns;
    private final HostSocketHandler handler;
    /** A queued datagram leaves before its socket closes: the socket's number may be the next one's at once. */
    private final UdpToHost toHost;
    private final FlowTable<UdpFlow> flows;
    private final HandleIndex<UdpFlow> handles = new HandleIndex<>();
    private final IdleList<UdpFlow> relayIdle = new IdleList<>();
    private final IdleList<UdpFlow> dnsIdle = new IdleList<>();
    private HostDatagrams datagrams;

    UdpFlows(Counters counters, RelayOptions options, int dns, int maxFlows, HostSocketHandler handler,
             UdpToHost toHost) {
        this.counters = counters;
        this.options = options;
        this.dns = dns;
        this.handler = handler;
        this.toHost = toHost;
        this.flows = new FlowTable<>(maxFlows);
    }

    void setHostDatagrams(HostDatagrams datagrams) {
        this.datagrams = datagrams;
    }

    int size() {
        return flows.size();
    }

    /** The relayed flow of a guest endpoint, or null. */
    UdpFlow relayed(long guestHi, long guestLo, int guestPort) {
        return flows.get(guestHi, guestLo, guestPort, V4_HI, v4Lo(ANY), ANY);
    }

    /** The DNS flow of a guest endpoint, or null. */
    UdpFlow dns(long guestHi, long guestLo, int guestPort) {
        return flows.get(guestHi, guestLo, guestPort, V4_HI, v4Lo(dns), UdpLayer.DNS_PORT);
    }

    /** The flow whose socket is {@code handle}, or null. */
    UdpFlow byHandle(int handle) {
        return handles.get(handle);
    }

    /** Activity on {@code f} at {@code now}, either direction. */
    void touch(UdpFlow f, long now) {
        (f.dns ? dnsIdle : relayIdle).touch(f, now);
    }

    /**
     * A new flow with its own socket (AF_INET6 when {@code v6Socket}), the idlest flow evicted first when the
     * table is full; null, counted, when the host refuses a socket.
     */
    UdpFlow open(long mac, long sHi, long sLo, int srcPort, boolean isDns, boolean v6Socket) {
        if (flows.isFull()) {
            evictOldest();
        }
        int handle = v6Socket
                ? datagrams.openUdp(options.outboundAddr6Hi(), options.outboundAddr6Lo(), 0, handler)
                : datagrams.openUdp(V4_HI, v4Lo(options.outboundAddr()), 0, handler);
        if (handle < 0) {
            counters.udpNoSocket++;
            return null;
        }
        UdpFlow f = new UdpFlow(mac, sHi, sLo, srcPort, isDns, v6Socket, handle);
        flows.put(sHi, sLo, srcPort, V4_HI, v4Lo(isDns ? dns : ANY), isDns ? UdpLayer.DNS_PORT : ANY, f);
        handles.put(handle, f);
        counters.udpFlowsOpened++;
        return f;
    }

    /** The earliest expiry of a relayed or DNS flow, or Long.MAX_VALUE. */
    long nextDeadline() {
        long next = Long.MAX_VALUE;
        UdpFlow r = relayIdle.first();
        if (r != null) {
            next = r.lastActive + UdpLayer.IDLE_NANOS;
        }
        UdpFlow d = dnsIdle.first();
        if (d != null && (next == Long.MAX_VALUE || d.lastActive + UdpLayer.DNS_IDLE_NANOS - next < 0)) {
            next = d.lastActive + UdpLayer.DNS_IDLE_NANOS;
        }
        return next;
    }

    void expire(long now) {
        expire(relayIdle, now, UdpLayer.IDLE_NANOS);
        expire(dnsIdle, now, UdpLayer.DNS_IDLE_NANOS);
    }

    private void expire(IdleList<UdpFlow> list, long now, long timeout) {
        for (UdpFlow f = list.first(); f != null && now - (f.lastActive + timeout) >= 0; f = list.first()) {
            counters.udpFlowsExpired++;
            destroy(f);
        }
    }

    private void evictOldest() {
        UdpFlow r = relayIdle.first();
        UdpFlow d = dnsIdle.first();
        UdpFlow victim = r == null ? d : d == null ? r : (d.lastActive - r.lastActive < 0 ? d : r);
        if (victim == null) {
            // Flows are listed from the moment they are opened; an empty list with a full table is a bug.
            throw new IllegalStateException("UDP flow table full with no listed flow");
        }
        counters.udpFlowsEvicted++;
        destroy(victim);
    }

    void destroy(UdpFlow f) {
        toHost.flush();
        flows.remove(f.guestAddrHi, f.guestAddrLo, f.guestPort, V4_HI, v4Lo(f.dns ? dns : ANY),
                f.dns ? UdpLayer.DNS_PORT : ANY);
        handles.remove(f.handle, f);
        (f.dns ? dnsIdle : relayIdle).remove(f);
        datagrams.close(f.handle);
    }

    /** Every flow destroyed (stack shutdown); a second call finds none. */
    void closeAll() {
        List<UdpFlow> all = new ArrayList<>(flows.size());
        flows.forEach(all::add);
        for (UdpFlow f : all) {
            destroy(f);
        }
    }
}
