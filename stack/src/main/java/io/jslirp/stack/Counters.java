package io.jslirp.stack;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the stack counts: traffic, and one counter per reason a frame can be dropped, so that a bad
 * frame is never silent even though it never throws.
 *
 * <p>Plain public {@code long} fields: the stack's single event-loop thread is the only writer, and an
 * increment must cost no more than a field add on the packet path. Readers on other threads (the API
 * socket) get a best-effort view; a {@code long} read may be stale but the numbers only go up. Names for
 * display come from the field names by reflection, which is paid only by {@link #snapshot()} and
 * {@link #get(String)}, never per packet.
 */
public final class Counters {
    // Frames crossing the TAP device.
    public long framesIn;
    public long bytesIn;
    public long framesOut;
    public long bytesOut;
    /** Offloading TAP: a frame shorter than its virtio-net header. */
    public long vnetTruncated;
    /** Offloading TAP: TSO frames from the guest, and super-segments (payload above one MSS) toward it. */
    public long gsoFramesIn;
    public long gsoFramesOut;

    // Ethernet demux.
    /** Shorter than an Ethernet header. */
    public long ethTruncated;
    /** Destination MAC is neither ours nor broadcast/multicast. */
    public long ethNotForUs;
    /** Source MAC is a group address, which no station may send from (IEEE 802.3 3.2.3). */
    public long ethBadSource;
    /** EtherType we do not speak (IPv6 comes later; VLAN tags are not expected on a TAP). */
    public long ethUnknownType;

    // ARP.
    public long arpMalformed;
    public long arpRequestsIn;
    public long arpRepliesIn;
    public long arpRepliesOut;
    /** ARP requests we sent to find a guest we must speak to first (a port forward's SYN or datagram). */
    public long arpRequestsOut;
    /** Request for an address we do not own (another guest's, or one nobody has). */
    public long arpNotForUs;
    public long arpUnknownOp;
    /** Guest address learned or refreshed in the ARP cache (from ARP packets; IPv4 frames teach the cache nothing). */
    public long arpLearned;

    // IPv4 input.
    public long ipv4PacketsIn;
    public long ipv4Truncated;
    public long ipv4BadVersion;
    public long ipv4BadHeaderLength;
    public long ipv4BadTotalLength;
    public long ipv4BadChecksum;
    /** Source is unspecified, loopback, broadcast, multicast or one of our own addresses. */
    public long ipv4BadSource;
    /** Destination is not ours and the protocol is not relayed (TCP, UDP and ICMP are). */
    public long ipv4NoRoute;
    public long ipv4UnknownProtocol;
    /**
     * Longer than the MTU with DF set (not a GSO super-packet): dropped, answered with fragmentation needed
     * unless icmpErrorsSuppressed says why not.
     */
    public long ipv4TooBig;
    /** Fragmentation needed not sent: about an ICMP error, a non-initial fragment or a group, or rate limited. */
    public long icmpErrorsSuppressed;
    public long ipv4Delivered;

    // IPv4 reassembly.
    public long ipv4FragmentsIn;
    public long ipv4Reassembled;
    /** Exact repeat of a fragment already held: ignored, the datagram goes on. */
    public long ipv4FragDuplicate;
    /** Partial overlap with a held fragment: the whole datagram is dropped (RFC 5722 reasoning). */
    public long ipv4FragOverlap;
    /** Fragment that would make the datagram exceed 65535 bytes. */
    public long ipv4FragOversize;
    /** Inconsistent fragment: empty, non-final not a multiple of 8, or beyond/contradicting the end. */
    public long ipv4FragMalformed;
    public long ipv4FragTooMany;
    /** Datagram in progress dropped to make room (slot or byte cap). */
    public long ipv4FragEvicted;
    public long ipv4FragTimeout;

    // IPv4 output.
    public long ipv4PacketsOut;
    public long ipv4FragmentsOut;
    /** Datagram above the MTU with DF set; we never build one, so a non-zero value is a bug. */
    public long ipv4OutDropped;

    // ICMP.
    public long icmpTruncated;
    public long icmpBadChecksum;
    public long icmpEchoRequestsIn;
    public long icmpEchoRepliesOut;
    /** Any other ICMP to us (replies, errors, timestamps): nothing to do with it yet. */
    public long icmpUnhandled;

    // TCP relay: traffic and events.
    public long tcpSegmentsIn;
    public long tcpSegmentsOut;
    /** Payload bytes accepted from the guest (in order) and offered to host sockets. */
    public long tcpBytesFromGuest;
    /** Payload bytes read from host sockets and sent to the guest (first transmissions only). */
    public long tcpBytesToGuest;
    public long tcpRetransmits;
    public long tcpFastRetransmits;
    /** Retransmissions of the SYN-ACK (the guest's handshake ACK was late or lost). */
    public long tcpSynAckRetransmits;
    public long tcpPersistProbes;
    /**
     * Host reads toward the guest that found the layer's pool of frame buffers empty and took a new buffer from
     * the allocator. In a steady bulk transfer this stays flat; when it grows with the bytes, frames are
     * churning through the allocator (each new chunk of the pool is zeroed and faulted in).
     */
    public long tcpFrameBuffersAllocated;
    /**
     * Buffers the pools kept for reuse and gave back to the allocator because the loop had gone quiet
     * ({@code Stack.releaseIdleBuffers}); the next burst takes as many from the allocator again.
     */
    public long idleBuffersReleased;
    /**
     * A read toward the guest stopped because the connection's bytes in flight reached its share of the layer's
     * budget, or all connections' reached the budget (not the guest's window); it resumes as the guest
     * acknowledges.
     */
    public long tcpFlightBudgetStops;
    public long tcpRstOut;
    public long tcpRstIn;
    /** Retransmitted guest SYNs while the host connect was still in progress (answered later, once). */
    public long tcpSynAbsorbed;
    public long tcpDupAcksIn;
    public long tcpOutOfOrderIn;
    public long tcpConnectOk;
    public long tcpConnectRefused;
    public long tcpConnectUnreachable;
    public long tcpConnectTimeout;
    /** Any other connect failure (EMFILE, EADDRNOTAVAIL, EACCES...): answered with RST. */
    public long tcpConnectFailed;
    public long tcpFlowsOpened;
    public long tcpFlowsClosed;
    /** TIME_WAIT records ended before their 2MSL because the table was full (the oldest goes first). */
    public long tcpTimeWaitEvicted;
    /** Flows ended by an idle or handshake timeout (RST to the guest, host socket aborted). */
    public long tcpFlowsReaped;
    /** Flows ended because the guest stopped acknowledging (retransmissions exhausted). */
    public long tcpRetransmitGiveUps;
    /** Host socket reported a reset or error on an established flow (RST sent to the guest). */
    public long tcpHostResets;

    // TCP port forwards: connections we open into the guest for a host client.
    /** Host clients accepted on a forward's listening socket. */
    public long tcpForwardAccepted;
    /** Forwarded connections the guest accepted (its SYN-ACK arrived). */
    public long tcpForwardEstablished;
    /** The guest refused a forwarded connection with RST: its host client was reset at once. */
    public long tcpForwardRefused;
    /** The guest never answered our SYN (3 retransmissions, 15 s in all): its host client was reset. */
    public long tcpForwardTimeout;
    /** The host client reset the connection before the guest answered our SYN. */
    public long tcpForwardAbandoned;
    /** Retransmissions of our SYN toward the guest (and retries while the guest's MAC was unknown). */
    public long tcpSynRetransmits;
    /** Accepted host clients sent to the guest over IPv6 (a subset of tcpForwardAccepted). */
    public long tcpForward6Accepted;
    /**
     * Connections of a forward that names no guest address moved to IPv4 on the same host socket: the guest
     * answered our IPv6 SYN with RST or ICMPv6 unreachable, its MAC was not found, or the SYN went unanswered.
     */
    public long tcpForward6Fallbacks;

    // TCP: drops by reason.
    public long tcpTruncated;
    public long tcpBadHeaderLength;
    public long tcpBadChecksum;
    /** A known option with the wrong length, or an option running past the header. */
    public long tcpBadOptions;
    /** Segment for no flow (answered with RST unless it was one, RFC 9293 3.10.7.1). */
    public long tcpNoFlow;
    /** SYN to broadcast, multicast, loopback or unspecified: silently discarded (RFC 1122 4.2.3.10). */
    public long tcpBadDestination;
    /** SYN refused with RST (or a forwarded host client reset) because the flow table is at RelayOptions.maxFlows. */
    public long tcpTableFull;
    /** SYN refused with RST because there is nowhere to relay it (no HostSockets, DNS port, other local address). */
    public long tcpNoRelay;
    /** Segment failing the RFC 9293 acceptability test (answered with an ACK), or an ACK for unsent data. */
    public long tcpOutOfWindow;
    /** Out-of-order segment beyond the reassembly bound (count or bytes). */
    public long tcpOutOfOrderDropped;
    /** Segment that makes no sense in its state (no ACK after the handshake, data before it...). */
    public long tcpUnexpected;
    /**
     * Forwarded host client reset at once because the guest would see it on a 4-tuple a live flow already uses
     * (two loopback clients with the same port on different 127/8 addresses both appear as network+2).
     */
    public long tcpForwardDuplicate;
    /** accept() on a forward's listening socket failed with something other than EAGAIN (EMFILE, ECONNABORTED...). */
    public long tcpForwardAcceptErrors;
    /**
     * Forwarded host clients refused on the IPv6 path (also counted in tcpForwardDuplicate or
     * tcpForwardAcceptErrors): their tuple was taken, or their address has no IPv6 form the guest could answer.
     */
    public long tcpForward6Refused;

    // UDP: traffic and events.
    /** Well-formed datagrams from the guest (to any destination). */
    public long udpIn;
    /** Datagrams sent to the guest (relayed replies and local services' answers). */
    public long udpOut;
    /** Guest datagrams a host socket took. */
    public long udpToHost;
    public long udpToService;
    public long udpFromService;
    public long udpFlowsOpened;
    public long udpFlowsExpired;
    /** Flows closed early because the UDP table was at its bound (the one idle longest goes). */
    public long udpFlowsEvicted;
    /** ICMP errors the host received for a flow's datagrams (read from its error queue). */
    public long udpHostErrors;
    /**
     * ICMP errors sent to the guest (UDP and echo flows; host errors passed on and our own unreachables; IPv4
     * input's fragmentation needed).
     */
    public long icmpErrorsToGuest;
    /** UDP to a closed port of ours (network+3 other than 53, no host sockets): port unreachable sent. */
    public long udpPortUnreachable;
    /** UDP to network+2 with --disable-host-loopback: administratively prohibited (code 13) sent. */
    public long udpLoopbackRefused;
    /** Datagrams from port forwards' clients sent to the guest (at once, or once its ARP answer came). */
    public long udpForwardedToGuest;
    /** Guest replies sent to a forward's client through the forward's socket. */
    public long udpForwardedToClient;
    /** Clients of port forwards given a mapping (so the guest's replies find them), and mappings ended. */
    public long udpForwardMappingsOpened;
    public long udpForwardMappingsExpired;
    /** Of udpForwardMappingsOpened, the clients whose datagrams go to the guest over IPv6. */
    public long udpForward6MappingsOpened;
    /** Mappings ended early because the table was at its bound (the one idle longest goes). */
    public long udpForwardMappingsEvicted;
    /** Datagrams from forwards held until the guest answered ARP (sent later, or counted in udpForwardHeldDropped). */
    public long udpForwardHeld;

    // UDP: drops by reason.
    public long udpTruncated;
    /** Length field below 8 or beyond the IPv4 payload. */
    public long udpBadLength;
    public long udpBadChecksum;
    /** From 0.0.0.0 (outside DHCP) or port 0; or from the host, a source the guest cannot answer. */
    public long udpBadSource;
    /** To broadcast (without a service), multicast, loopback or an unused address of the virtual network. */
    public long udpBadDestination;
    /** No host socket to relay with: none configured, or openUdp failed (EMFILE...). */
    public long udpNoSocket;
    /** The host socket's buffer was full: the datagram was dropped, as a full NIC queue drops. */
    public long udpHostBufferFull;
    /** sendto failed (EMSGSIZE, ENETUNREACH...). */
    public long udpSendErrors;
    /** recvfrom reported an error (a pending ICMP errno, which it clears). */
    public long udpReceiveErrors;
    /** A datagram from the host cut short (cannot happen with a 65507-byte buffer; counted if it does). */
    public long udpTruncatedFromHost;
    /**
     * A forward's datagram whose guest-visible source (network+2 and the port, for loopback and IPv6 clients) a
     * live mapping of another client or forward holds: dropped until that mapping idles out.
     */
    public long udpForwardClashes;
    /**
     * Held datagrams dropped: no ARP answer within 3 s, more than 8 waiting for one guest (the oldest goes),
     * their forward removed, or shutdown.
     */
    public long udpForwardHeldDropped;
    /** ICMP errors about guest replies to forward clients (read from the forward socket's queue, not passed on). */
    public long udpForwardErrors;

    // DNS forwarder at network+3.
    public long dnsQueries;
    public long dnsReplies;
    /** Queries with no resolver to forward to (setDnsServers not called, or empty): dropped. */
    public long dnsNoServer;
    /** Queries dropped because of --disable-dns. */
    public long dnsDisabled;
    /** The forwarder moved on to the next resolver (no reply within 2 s, or an ICMP error from it). */
    public long dnsServerSwitches;
    /** ICMP errors from a resolver (not passed to the guest). */
    public long dnsServerErrors;
    /** A datagram on a DNS flow not from a resolver's port 53: dropped. */
    public long dnsBadReplySource;

    // ICMP echo relay (to anywhere but network+2/+3).
    public long icmpEchoRelayed;
    public long icmpEchoRepliesRelayed;
    public long icmpEchoFlowsOpened;
    public long icmpEchoFlowsExpired;
    public long icmpEchoFlowsEvicted;
    /** No ping socket: none configured, or openPing refused (EPERM/EACCES: see Stack.pingUnavailable()). */
    public long icmpEchoNoSocket;
    public long icmpEchoSendDropped;
    public long icmpEchoSendErrors;
    public long icmpEchoReceiveErrors;
    /** A "reply" from the host socket that is not an echo reply, or is truncated. */
    public long icmpEchoBadReply;
    /** Echo to broadcast, multicast, loopback or an unused address of the virtual network. */
    public long icmpBadDestination;
    /** Host ICMP errors not passed on: fragmentation needed (no MTU in DatagramInfo) and local errors. */
    public long icmpErrorsDropped;

    // IPv6 input (enabled with -6).
    public long ipv6PacketsIn;
    public long ipv6Truncated;
    public long ipv6BadVersion;
    /** Payload Length says more than the frame holds. */
    public long ipv6BadPayloadLength;
    /** Source is multicast, loopback, IPv4-mapped or one of our addresses; or :: outside NDP. */
    public long ipv6BadSource;
    /** A multicast group we are not in (MLD reports, mDNS, another node's solicited-node group). */
    public long ipv6OtherMulticast;
    /** To an address that is neither ours nor relayed (only ICMPv6 to our addresses is served so far). */
    public long ipv6NoRoute;
    /** TCP or UDP over IPv6, not relayed yet: answered with ICMPv6 destination unreachable (no route). */
    public long ipv6TransportUnavailable;
    /** Longer than the MTU (not a GSO super-packet): dropped, answered with Packet Too Big where RFC 4443 allows. */
    public long ipv6TooBig;
    /** Next Header 59: nothing follows, nothing to do. */
    public long ipv6NoNextHeader;
    /** A next header nobody here speaks, to one of our addresses (Parameter Problem code 1). */
    public long ipv6UnknownNextHeader;
    public long ipv6Delivered;
    // IPv6 extension headers: drops by reason (Ipv6ExtensionHeaders' decision table).
    public long ipv6ExtTruncated;
    public long ipv6ExtTooMany;
    public long ipv6ExtHopByHopPosition;
    public long ipv6ExtBadOption;
    public long ipv6ExtRoutingSegmentsLeft;
    public long ipv6ExtSecondFragment;
    // IPv6 reassembly (copied from Ipv6Reassembler's own counts after each step).
    public long ipv6FragmentsIn;
    public long ipv6Reassembled;
    public long ipv6FragAtomic;
    public long ipv6FragDuplicate;
    public long ipv6FragOverlap;
    public long ipv6FragAfterOverlap;
    public long ipv6FragOversize;
    public long ipv6FragMalformed;
    public long ipv6FragTooMany;
    public long ipv6FragEvicted;
    public long ipv6FragTimeout;
    /** A reassembled packet that is itself a fragment again: dropped, never reassembled twice. */
    public long ipv6FragNested;
    // IPv6 output.
    public long ipv6PacketsOut;
    public long ipv6FragmentsOut;

    // ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861).
    public long icmpv6Truncated;
    public long icmpv6BadChecksum;
    public long icmpv6EchoRequestsIn;
    public long icmpv6EchoRepliesOut;
    /** Echo request to an address that is not ours (the ICMPv6 echo relay is not there yet). */
    public long icmpv6EchoNotForUs;
    /** Errors we sent: Parameter Problem, Time Exceeded (reassembly), Destination Unreachable, Packet Too Big. */
    public long icmpv6ErrorsOut;
    /** Errors not sent: the rate limit of RFC 4443 2.4 (f), or a cause RFC 4443 2.4 (e) forbids answering. */
    public long icmpv6ErrorsSuppressed;
    /** Any other ICMPv6 to us (echo replies, errors, MLD, redirects, RAs from the guest): nothing to do. */
    public long icmpv6Unhandled;
    /**
     * Destination Unreachable from the guest that refuses no SYN of ours (another code, another packet, a flow
     * past SYN_SENT): nothing to do. One that does ends the attempt (tcpForwardRefused or tcpForward6Fallbacks).
     */
    public long icmpv6UnreachableIgnored;
    /** An NDP message with hop limit other than 255, non-zero code or too short (RFC 4861 6.1, 7.1). */
    public long ndpBadHeader;
    /** An NDP option of length 0, running past the end, or a known one of the wrong length. */
    public long ndpBadOption;
    /** NS or NA for a multicast target. */
    public long ndpBadTarget;
    /** Checks needing the addresses: a link-layer option from ::, an NS from :: not to a solicited-node group. */
    public long ndpBadAddresses;
    /** Neighbor Discovery that arrived in fragments: ignored (RFC 6980). */
    public long ndpFragmented;
    public long ndpRouterSolicitationsIn;
    public long ndpRouterAdvertisementsOut;
    public long ndpNeighborSolicitationsIn;
    public long ndpNeighborAdvertisementsOut;
    public long ndpNeighborAdvertisementsIn;
    /** Neighbor Solicitations we sent to find a guest address's MAC. */
    public long ndpNeighborSolicitationsOut;
    /** Duplicate address detection probes (NS from ::) for the guest's own addresses: never answered. */
    public long ndpDadProbes;
    /** NS for a target that is not ours (another node's, or the guest's own unicast probe). */
    public long ndpNotForUs;
    /** Guest address learned or refreshed in the neighbour cache (from RS, NS or NA). */
    public long ndpLearned;
    /** The guest claimed one of our addresses (a DAD probe or an NA for it). */
    public long ndpConflicts;

    /** A RuntimeException escaped a handler; the frame was dropped. Always a bug, never expected. */
    public long internalErrors;

    private static final Field[] FIELDS = counterFields();

    private static Field[] counterFields() {
        List<Field> fields = new ArrayList<>();
        for (Field f : Counters.class.getDeclaredFields()) {
            if (f.getType() == long.class && !Modifier.isStatic(f.getModifiers())) {
                fields.add(f);
            }
        }
        return fields.toArray(new Field[0]);
    }

    /** All counters by name, in declaration order, for display. */
    public Map<String, Long> snapshot() {
        Map<String, Long> map = new LinkedHashMap<>();
        try {
            for (Field f : FIELDS) {
                map.put(f.getName(), f.getLong(this));
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        return Collections.unmodifiableMap(map);
    }

    /** One counter by its field name; unknown names are a programming error. */
    public long get(String name) {
        for (Field f : FIELDS) {
            if (f.getName().equals(name)) {
                try {
                    return f.getLong(this);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new IllegalArgumentException("no such counter: " + name);
    }

    /** Counters that measure traffic rather than a reason to drop something. */
    private static final java.util.Set<String> TRAFFIC = java.util.Set.of(
            "framesIn", "bytesIn", "framesOut", "bytesOut", "gsoFramesIn", "gsoFramesOut", "arpRequestsIn", "arpRepliesIn", "arpRepliesOut", "arpRequestsOut",
            "arpLearned", "ipv4PacketsIn", "ipv4Delivered", "ipv4FragmentsIn", "ipv4Reassembled",
            "ipv4PacketsOut", "ipv4FragmentsOut", "icmpEchoRequestsIn", "icmpEchoRepliesOut",
            "tcpSegmentsIn", "tcpSegmentsOut", "tcpBytesFromGuest", "tcpBytesToGuest", "tcpRetransmits",
            "tcpFastRetransmits", "tcpSynAckRetransmits", "tcpPersistProbes", "tcpFrameBuffersAllocated", "idleBuffersReleased",
            "tcpFlightBudgetStops", "tcpRstOut", "tcpRstIn",
            "tcpSynAbsorbed", "tcpDupAcksIn", "tcpOutOfOrderIn", "tcpConnectOk", "tcpConnectRefused",
            "tcpConnectUnreachable", "tcpConnectTimeout", "tcpConnectFailed", "tcpFlowsOpened", "tcpFlowsClosed",
            "tcpTimeWaitEvicted", "tcpFlowsReaped", "tcpRetransmitGiveUps", "tcpHostResets", "tcpForwardAccepted", "tcpForwardEstablished",
            "tcpForwardRefused", "tcpForwardTimeout", "tcpForwardAbandoned", "tcpSynRetransmits", "tcpForward6Accepted",
            "tcpForward6Fallbacks", "udpForward6MappingsOpened",
            "udpIn", "udpOut", "udpToHost", "udpToService", "udpFromService", "udpFlowsOpened", "udpFlowsExpired",
            "udpFlowsEvicted", "udpHostErrors", "icmpErrorsToGuest", "udpPortUnreachable", "udpLoopbackRefused",
            "udpForwardedToGuest", "udpForwardedToClient", "udpForwardMappingsOpened", "udpForwardMappingsExpired",
            "udpForwardMappingsEvicted", "udpForwardHeld",
            "dnsQueries", "dnsReplies", "dnsServerSwitches", "dnsServerErrors", "icmpEchoRelayed",
            "icmpEchoRepliesRelayed", "icmpEchoFlowsOpened", "icmpEchoFlowsExpired", "icmpEchoFlowsEvicted",
            "ipv6PacketsIn", "ipv6Delivered", "ipv6FragmentsIn", "ipv6Reassembled", "ipv6FragAtomic",
            "ipv6PacketsOut", "ipv6FragmentsOut", "icmpv6EchoRequestsIn", "icmpv6EchoRepliesOut", "icmpv6ErrorsOut",
            "ndpRouterSolicitationsIn", "ndpRouterAdvertisementsOut", "ndpNeighborSolicitationsIn",
            "ndpNeighborAdvertisementsOut", "ndpNeighborAdvertisementsIn", "ndpNeighborSolicitationsOut",
            "ndpDadProbes", "ndpLearned");

    /** Sum of every drop counter: what a test asserts when it only cares that garbage was counted. */
    public long drops() {
        long sum = 0;
        for (Map.Entry<String, Long> e : snapshot().entrySet()) {
            if (!TRAFFIC.contains(e.getKey())) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        snapshot().forEach((k, v) -> {
            if (v != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v);
            }
        });
        return sb.toString();
    }
}
