package io.jslirp.stack.udp;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Counters;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.flow.ForwardPath;
import io.jslirp.stack.flow.HandleIndex;
import io.jslirp.stack.flow.IdleList;
import io.jslirp.stack.iface.ArpCache;
import io.jslirp.stack.iface.Ipv6GuestAddress;
import io.jslirp.stack.iface.PendingNeighbors;
import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.wire.IpAddress;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;
import java.util.function.LongBinaryOperator;

/**
 * The UDP layer's port forwards: their host sockets, and one mapping per client as the guest sees it, so that
 * the guest's replies go back to the right client through the forward's socket. The family a client reaches
 * the guest in and the address it shows there are {@link ForwardPath}'s, chosen when its mapping is made and
 * kept for the mapping's life (see the package documentation, "Port forwards").
 */
final class UdpForwards {
    private final UdpLayer layer;
    private final Counters counters;
    private final Clock clock;
    /** Client mappings keyed (guest address, guest port, seen address, seen port), family-neutral. */
    private final FlowTable<UdpMapping> mappings;
    private final IdleList<UdpMapping> mappingIdle = new IdleList<>();
    private final HandleIndex<UdpForward> forwardHandles = new HandleIndex<>();
    private final List<UdpForward> forwards = new ArrayList<>();
    private final ForwardPath path;
    /** network+2, where an IPv6 client appears over IPv4. */
    private final int gateway;
    /** The guest's MAC by IPv4 address, asking by ARP when unknown; and by IPv6 address (NDP), or null. */
    private IntToLongFunction guestMacs;
    private LongBinaryOperator guestMacs6;
    /** Where datagrams wait for a guest's MAC: the interface's one queue. */
    private PendingNeighbors pendingNeighbors;
    private final PendingNeighbors.FrameOwner heldFrames;
    private final PendingNeighbors.FrameOwner heldFrames6;

    UdpForwards(UdpLayer layer, NetConfig config, Counters counters, Clock clock, int maxMappings) {
        this.layer = layer;
        this.counters = counters;
        this.clock = clock;
        this.mappings = new FlowTable<>(maxMappings);
        this.path = new ForwardPath(config);
        this.gateway = config.gateway();
        this.heldFrames = new Held(false);
        this.heldFrames6 = new Held(true);
    }

    /** What the pending queue gives back: held forward datagrams, sent or dropped, counted here. */
    private final class Held implements PendingNeighbors.FrameOwner {
        private final boolean v6;

        Held(boolean v6) {
            this.v6 = v6;
        }

        @Override
        public void sendHeld(ByteBuf frame) {
            counters.udpOut++;
            counters.udpForwardedToGuest++;
            layer.route(v6).send(frame);
        }

        @Override
        public void heldDropped(int count) {
            // Pushed out by newer ones, or no ARP/NDP answer in time (the guest is not there yet; the clients
            // retry or give up), or the forward went away.
            counters.udpForwardHeldDropped += count;
        }
    }

    void setNeighbors(IntToLongFunction resolve, PendingNeighbors pending) {
        this.guestMacs = resolve;
        this.pendingNeighbors = pending;
    }

    void setIpv6(Ipv6Config config6, Ipv6GuestAddress guest6, LongBinaryOperator resolve6) {
        path.setIpv6(config6, guest6);
        this.guestMacs6 = resolve6;
    }

    int listen(HostDatagrams datagrams, byte[] hostAddr, int hostPort, long guestHi, long guestLo, int guestPort,
               int mode) {
        if (guestMacs == null) {
            throw new IllegalStateException("setNeighbors was not called");
        }
        int handle = datagrams.listenUdp(IpAddress.hi(hostAddr), IpAddress.lo(hostAddr), hostPort, layer);
        if (handle < 0) {
            return handle;
        }
        UdpForward fw = new UdpForward(handle, guestHi, guestLo, guestPort, mode);
        forwardHandles.put(handle, fw);
        forwards.add(fw);
        return handle;
    }

    /** See {@link UdpLayer#unlisten}; false for a handle that is no forward's. */
    boolean unlisten(HostDatagrams datagrams, int handle) {
        UdpForward fw = forwardHandles.get(handle);
        if (fw == null) {
            return false;
        }
        forwardHandles.remove(handle, fw);
        forwards.remove(fw);
        if (mappings.size() != 0) {
            List<UdpMapping> gone = new ArrayList<>();
            mappings.forEach(m -> {
                if (m.forward == fw) {
                    gone.add(m);
                }
            });
            for (UdpMapping m : gone) {
                dropMapping(m);
            }
        }
        pendingNeighbors.releaseTagged(fw);
        datagrams.close(handle);
        return true;
    }

    void closeAll(HostDatagrams datagrams) {
        while (!forwards.isEmpty()) {
            unlisten(datagrams, forwards.get(forwards.size() - 1).handle);
        }
    }

    UdpForward forward(int handle) {
        return forwardHandles.get(handle);
    }

    int mappings() {
        return mappings.size();
    }

    int heldDatagrams() {
        return pendingNeighbors == null ? 0 : pendingNeighbors.heldFrames();
    }

    long nextDeadline(long next, long idleNanos) {
        UdpMapping m = mappingIdle.first();
        if (m == null) {
            return next;
        }
        long deadline = m.lastActive + idleNanos;
        return next == Long.MAX_VALUE || deadline - next < 0 ? deadline : next;
    }

    void expire(long now, long idleNanos) {
        for (UdpMapping m = mappingIdle.first(); m != null && now - (m.lastActive + idleNanos) >= 0;
             m = mappingIdle.first()) {
            counters.udpForwardMappingsExpired++;
            dropMapping(m);
        }
    }

    /** ERROR or READABLE on a forward's socket. */
    void onEvent(HostDatagrams datagrams, DatagramInfo info, UdpForward fw, int events) {
        try {
            if ((events & HostSockets.ERROR) != 0) {
                for (int i = 0; i < UdpLayer.ERRORS_PER_EVENT; i++) {
                    info.clear();
                    if (datagrams.receiveError(fw.handle, info) <= 0) {
                        break;
                    }
                    // About a reply to a client. The client chose to talk to us and will retry or give up by
                    // itself; and DatagramInfo names an IPv4 destination only, so an IPv6 client's mapping could
                    // not be found to quote the guest's datagram. Read (the queue must drain) and counted.
                    counters.udpForwardErrors++;
                }
            }
            if ((events & HostSockets.READABLE) != 0 && forwardHandles.get(fw.handle) == fw) {
                layer.toGuest().drainSocket(fw.handle, null, fw);
            }
        } catch (RuntimeException e) {
            counters.internalErrors++;
        }
    }

    /**
     * Decision table for a datagram from a forward's client ({@code info} describes it, {@code b} holds its
     * payload at the layer's HEADROOM): from whom does the guest see it come, and in which family?
     */
    void toGuest(DatagramInfo info, UdpForward fw, ByteBuf b, int length) {
        int clientPort = info.port;
        if (clientPort == 0 || !path.choose(fw.mode, fw.guestHi, fw.guestLo, info.addrHi, info.addrLo)) {
            // A reply could not be addressed to port 0 (RFC 768 makes it "no port"), nor to 0.0.0.0, a
            // broadcast or a multicast group.
            counters.udpBadSource++;
            layer.toGuest().giveBack(b);
            return;
        }
        long guestHi = path.guestHi;
        long guestLo = path.guestLo;
        long seenHi = path.seenHi;
        long seenLo = path.seenLo;
        boolean v6 = path.v6;
        UdpMapping m = mappings.get(guestHi, guestLo, fw.guestPort, seenHi, seenLo, clientPort);
        if (m == null && path.fallbackV4 != 0) {
            // An IPv6 client of a forward naming no guest address, sent over IPv4 before the guest's IPv6
            // address was known: it stays there for its mapping's life, or the guest's application would see
            // a second peer mid-stream.
            UdpMapping v4 = mappings.get(IpAddress.V4_HI, IpAddress.v4Lo(path.fallbackV4), fw.guestPort,
                    IpAddress.V4_HI, IpAddress.v4Lo(gateway), clientPort);
            if (v4 != null && v4.isClient(fw, info.addrHi, info.addrLo, clientPort)) {
                m = v4;
                guestHi = v4.guestHi;
                guestLo = v4.guestLo;
                seenHi = v4.seenHi;
                seenLo = v4.seenLo;
                v6 = false;
            }
        }
        if (m == null) {
            m = openMapping(info, fw, guestHi, guestLo, seenHi, seenLo, clientPort, v6);
        } else if (!m.isClient(fw, info.addrHi, info.addrLo, clientPort)) {
            // Another client (127.0.0.1:p and [::1]:p both look like network+2:p), or another forward to the
            // same guest endpoint, holds this guest-visible source: sharing it would send the guest's replies
            // to the wrong one. Dropped until that mapping idles out.
            counters.udpForwardClashes++;
            layer.toGuest().giveBack(b);
            return;
        }
        long now = clock.nanoTime();
        mappingIdle.touch(m, now);
        long mac = v6 ? guestMacs6.applyAsLong(guestHi, guestLo) : guestMacs.applyAsLong(IpAddress.v4(guestLo));
        if (mac == ArpCache.NONE) {
            // The guest has said nothing yet (resolve just asked it by ARP or NDP): hold, as a host's neighbour
            // code queues packets for an unresolved next hop (RFC 1122 2.3.2.2, RFC 4861 7.2.2).
            layer.toGuest().writeHeaders(b, 0L, seenHi, seenLo, clientPort, guestHi, guestLo, fw.guestPort, length);
            hold(fw, b, now, guestHi, guestLo, v6);
            return;
        }
        if (pendingNeighbors.heldFrames() != 0) {
            // Known before the pending queue heard of it: the held ones first, to keep the clients' order.
            pendingNeighbors.resolved(guestHi, guestLo, mac);
        }
        layer.toGuest().writeHeaders(b, mac, seenHi, seenLo, clientPort, guestHi, guestLo, fw.guestPort, length);
        counters.udpOut++;
        counters.udpForwardedToGuest++;
        b.retain();
        layer.route(v6).send(b);
        layer.toGuest().giveBack(b);
    }

    /**
     * A guest datagram from {@code s:sPort} to {@code d:dPort} that answers a forward's client: sent to the
     * real client through the forward's socket, true. False when no mapping knows it.
     */
    boolean fromGuest(long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        if (mappings.size() == 0) {
            return false;
        }
        UdpMapping m = mappings.get(sHi, sLo, sPort, dHi, dLo, dPort);
        if (m == null) {
            return false;
        }
        mappingIdle.touch(m, clock.nanoTime());
        layer.replyToClient(m.forward.handle, m.clientAddrHi, m.clientAddrLo, m.clientPort);
        return true;
    }

    private UdpMapping openMapping(DatagramInfo info, UdpForward fw, long guestHi, long guestLo, long seenHi,
                                   long seenLo, int clientPort, boolean v6) {
        if (mappings.isFull()) {
            counters.udpForwardMappingsEvicted++;
            dropMapping(mappingIdle.first());
        }
        UdpMapping m = new UdpMapping(fw, guestHi, guestLo, seenHi, seenLo, clientPort, info.addrHi, info.addrLo,
                clientPort);
        mappings.put(guestHi, guestLo, fw.guestPort, seenHi, seenLo, clientPort, m);
        counters.udpForwardMappingsOpened++;
        if (v6) {
            counters.udpForward6MappingsOpened++;
        }
        return m;
    }

    private void dropMapping(UdpMapping m) {
        mappings.remove(m.guestHi, m.guestLo, m.forward.guestPort, m.seenHi, m.seenLo, m.seenPort);
        mappingIdle.remove(m);
    }

    /**
     * Keeps the frame {@code b} (headers written, destination MAC still 0) until the guest answers ARP or NDP.
     * A copy of its own size, so a small datagram does not pin a 64 KiB read buffer; this is the miss path,
     * not the steady one.
     */
    private void hold(UdpForward fw, ByteBuf b, long now, long guestHi, long guestLo, boolean v6) {
        int length = b.readableBytes();
        ByteBuf copy = layer.alloc.directBuffer(length, length);
        copy.writeBytes(b, b.readerIndex(), length);
        layer.toGuest().giveBack(b);
        counters.udpForwardHeld++;
        // A full address gives up its oldest datagram, counted through the owner.
        pendingNeighbors.hold(guestHi, guestLo, copy, v6 ? heldFrames6 : heldFrames, fw, now);
    }
}
