package io.jslirp.stack.services;

import io.jslirp.stack.Clock;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.udp.UdpReplier;
import io.jslirp.stack.udp.UdpService;
import io.jslirp.stack.wire.DhcpMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The DHCPv4 server on UDP port 67, with libslirp's address plan; see the package documentation.
 *
 * <p>Sixteen leases, network+15 to network+30, one per client hardware address (chaddr). State is three
 * small arrays indexed by lease slot; expiry is evaluated lazily against the injected clock whenever a
 * message arrives, so the server has no timers.
 */
public final class DhcpServer implements UdpService {
    /** libslirp's NB_BOOTP_CLIENTS. */
    public static final int POOL_SIZE = 16;
    /** libslirp's START_ADDR: the first lease is network+15. */
    public static final int FIRST_HOST = 15;
    /** libslirp's LEASE_TIME: one day. */
    public static final int LEASE_SECONDS = 86_400;
    /** RFC 2131 4.4.5 defaults: T1 = 0.5 and T2 = 0.875 of the lease. */
    public static final int RENEWAL_SECONDS = LEASE_SECONDS / 2;
    public static final int REBINDING_SECONDS = LEASE_SECONDS / 8 * 7;
    /**
     * How long an OFFER holds its address for the client (RFC 2131 4.3.1 lets a server reserve it; without
     * a reservation a second client's DISCOVER could be offered the same address in between).
     */
    public static final long OFFER_HOLD_SECONDS = 60;
    /** How long a DECLINEd address (someone else answers ARP for it) stays out of the pool. */
    public static final long DECLINE_QUARANTINE_SECONDS = 600;
    /** libslirp's NAK text. */
    static final byte[] NAK_MESSAGE = "requested address not available".getBytes(StandardCharsets.US_ASCII);
    /** Every reply we build is at most 296 octets (an OFFER/ACK; a NAK is 283), padded to RFC 1542's 300. */
    static final int REPLY_CAPACITY = DhcpMessage.MIN_BOOTP_LENGTH;
    private static final int LIMITED_BROADCAST = -1;
    private static final long BROADCAST_MAC = 0xffff_ffff_ffffL;
    private static final long NO_CLIENT = -1L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    // Slot states. OFFERED and BOUND belong to the client in clientOf until expiresAt; DECLINED belongs to
    // no one until expiresAt; FREE may still remember its last client so that client gets it back.
    private static final byte FREE = 0;
    private static final byte OFFERED = 1;
    private static final byte BOUND = 2;
    private static final byte DECLINED = 3;

    private final NetConfig config;
    private final Clock clock;
    private final ByteBufAllocator alloc;
    private final int serverId;
    private final int firstAddress;
    private final DhcpMessage msg = new DhcpMessage();
    private final byte[] state = new byte[POOL_SIZE];
    private final long[] clientOf = new long[POOL_SIZE];
    private final long[] expiresAt = new long[POOL_SIZE];

    // Counters: written only by the event-loop thread; see counters().
    public long discovers;
    public long offers;
    public long requests;
    public long acks;
    public long naks;
    public long releases;
    public long declines;
    public long informs;
    /** DhcpMessage.wrap refused it (short, bad cookie, not Ethernet, bad options). */
    public long malformed;
    /** A DISCOVER found no free address: no OFFER (as libslirp). */
    public long poolExhausted;
    /**
     * Well-formed but nothing to do: a BOOTREPLY, plain BOOTP, a relayed message, a type a server never
     * receives, a REQUEST/RELEASE/DECLINE naming another server, a RELEASE of an address not the client's.
     */
    public long ignored;

    public DhcpServer(NetConfig config, Clock clock) {
        this(config, clock, PooledByteBufAllocator.DEFAULT);
    }

    public DhcpServer(NetConfig config, Clock clock, ByteBufAllocator alloc) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.serverId = config.gateway();
        this.firstAddress = config.network() + FIRST_HOST;
        Arrays.fill(clientOf, NO_CLIENT);
    }

    /** All counters by name, in a fixed order, for display. */
    public Map<String, Long> counters() {
        Map<String, Long> map = new LinkedHashMap<>();
        map.put("discovers", discovers);
        map.put("offers", offers);
        map.put("requests", requests);
        map.put("acks", acks);
        map.put("naks", naks);
        map.put("releases", releases);
        map.put("declines", declines);
        map.put("informs", informs);
        map.put("malformed", malformed);
        map.put("poolExhausted", poolExhausted);
        map.put("ignored", ignored);
        return Collections.unmodifiableMap(map);
    }

    /** The address offered or leased to {@code mac} right now, or 0. */
    public int addressOf(long mac) {
        expire(clock.nanoTime());
        int slot = activeSlotOf(mac);
        return slot < 0 ? 0 : firstAddress + slot;
    }

    @Override
    public void onDatagram(long srcMac, int srcAddr, int srcPort, int dstAddr, int dstPort, ByteBuf payload,
                           UdpReplier reply) {
        if (!msg.wrap(payload, payload.readerIndex(), payload.readableBytes())) {
            malformed++;
            return;
        }
        if (msg.op() != DhcpMessage.OP_BOOTREQUEST || msg.giaddr() != 0) {
            // A reply is not ours to answer; a relayed request cannot reach a TAP-attached guest.
            ignored++;
            return;
        }
        long now = clock.nanoTime();
        expire(now);
        switch (msg.messageType()) {
            case DhcpMessage.DISCOVER:
                discovers++;
                onDiscover(now, srcMac, reply);
                break;
            case DhcpMessage.REQUEST:
                requests++;
                onRequest(now, srcMac, reply);
                break;
            case DhcpMessage.DECLINE:
                declines++;
                onDecline(now);
                break;
            case DhcpMessage.RELEASE:
                releases++;
                onRelease();
                break;
            case DhcpMessage.INFORM:
                informs++;
                // RFC 2131 4.3.5: ACK with configuration but no address and no lease time.
                sendReply(DhcpMessage.ACK, 0, srcMac, reply);
                acks++;
                break;
            default:
                // Plain BOOTP (no option 53) and server-to-client types.
                ignored++;
                break;
        }
    }

    private void onDiscover(long now, long srcMac, UdpReplier reply) {
        long client = msg.chaddr();
        int slot = allocate(client, msg.requestedIp());
        if (slot < 0) {
            poolExhausted++;
            return;
        }
        if (state[slot] != BOUND) {
            // A bound client that rediscovers (it rebooted) keeps its lease; anyone else gets a short hold.
            state[slot] = OFFERED;
            clientOf[slot] = client;
            expiresAt[slot] = now + OFFER_HOLD_SECONDS * NANOS_PER_SECOND;
        }
        sendReply(DhcpMessage.OFFER, firstAddress + slot, srcMac, reply);
        offers++;
    }

    /**
     * RFC 2131 4.3.2 decision table. Which address the client wants depends on its state:
     * <ul>
     * <li>server identifier present: SELECTING. Not ours: it chose another server, stay silent and drop
     *     our offer. Ours: it wants the requested IP (option 50).
     * <li>no server identifier, ciaddr set: RENEWING or REBINDING the address in ciaddr.
     * <li>no server identifier, ciaddr zero, requested IP: INIT-REBOOT, verifying a remembered address.
     * </ul>
     * Then ACK if the address is the client's (offered or bound to it) or free, NAK otherwise. Granting a
     * free address to a client we have no record of is libslirp's choice, not RFC 2131's silence: jslirp
     * keeps no state across restarts, the pool is deterministic, so a guest that kept its lease through a
     * restart is simply right.
     */
    private void onRequest(long now, long srcMac, UdpReplier reply) {
        long client = msg.chaddr();
        int wanted;
        if (msg.hasServerId()) {
            if (msg.serverId() != serverId) {
                int offered = activeSlotOf(client);
                if (offered >= 0 && state[offered] == OFFERED) {
                    state[offered] = FREE;
                }
                ignored++;
                return;
            }
            wanted = msg.hasRequestedIp() ? msg.requestedIp() : msg.ciaddr();
        } else if (msg.ciaddr() != 0) {
            wanted = msg.ciaddr();
        } else {
            wanted = msg.requestedIp();
        }
        int slot = slotOf(wanted);
        boolean grantable = slot >= 0
                && (state[slot] == FREE || (state[slot] != DECLINED && clientOf[slot] == client));
        if (!grantable) {
            // Wrong network, outside the pool, someone else's, or quarantined.
            sendReply(DhcpMessage.NAK, 0, srcMac, reply);
            naks++;
            return;
        }
        int previous = activeSlotOf(client);
        if (previous >= 0 && previous != slot) {
            state[previous] = FREE; // one lease per client
        }
        state[slot] = BOUND;
        clientOf[slot] = client;
        expiresAt[slot] = now + LEASE_SECONDS * NANOS_PER_SECOND;
        sendReply(DhcpMessage.ACK, wanted, srcMac, reply);
        acks++;
    }

    /** RFC 2131 4.3.4: the address in ciaddr goes back to the pool (remembering its client). */
    private void onRelease() {
        if (msg.hasServerId() && msg.serverId() != serverId) {
            ignored++;
            return;
        }
        int slot = slotOf(msg.ciaddr());
        if (slot < 0 || (state[slot] != OFFERED && state[slot] != BOUND) || clientOf[slot] != msg.chaddr()) {
            ignored++;
            return;
        }
        state[slot] = FREE;
    }

    /**
     * RFC 2131 4.3.3: the client found the address (option 50) in use by someone else. Its binding is
     * dropped, and the address is kept out of the pool for a while so the next DISCOVER gets another one;
     * it is not quarantined if it is actively another client's (a DECLINE must not take a lease away).
     */
    private void onDecline(long now) {
        if (msg.hasServerId() && msg.serverId() != serverId) {
            ignored++;
            return;
        }
        long client = msg.chaddr();
        int own = activeSlotOf(client);
        if (own >= 0) {
            state[own] = FREE;
        }
        int slot = slotOf(msg.requestedIp());
        if (slot < 0 || (state[slot] == OFFERED || state[slot] == BOUND)) {
            return;
        }
        state[slot] = DECLINED;
        clientOf[slot] = NO_CLIENT;
        expiresAt[slot] = now + DECLINE_QUARANTINE_SECONDS * NANOS_PER_SECOND;
    }

    /**
     * RFC 2131 4.3.1 order: the client's current offer or lease; else the requested address if free; else
     * the address it last had if still free; else the lowest free address (libslirp's choice). -1 when the
     * pool is exhausted.
     */
    private int allocate(long client, int requested) {
        int slot = activeSlotOf(client);
        if (slot >= 0) {
            return slot;
        }
        slot = slotOf(requested);
        if (slot >= 0 && state[slot] == FREE) {
            return slot;
        }
        int lowest = -1;
        for (int i = 0; i < POOL_SIZE; i++) {
            if (state[i] == FREE) {
                if (clientOf[i] == client) {
                    return i;
                }
                if (lowest < 0) {
                    lowest = i;
                }
            }
        }
        return lowest;
    }

    /** Lazy expiry: offers, leases and quarantines that ran out become free (a lease keeps its client). */
    private void expire(long now) {
        for (int i = 0; i < POOL_SIZE; i++) {
            if (state[i] != FREE && now - expiresAt[i] >= 0) {
                state[i] = FREE;
            }
        }
    }

    private int activeSlotOf(long client) {
        for (int i = 0; i < POOL_SIZE; i++) {
            if ((state[i] == OFFERED || state[i] == BOUND) && clientOf[i] == client) {
                return i;
            }
        }
        return -1;
    }

    /** Slot of a pool address, or -1 (also for 0 and anything outside network+15..network+30). */
    private int slotOf(int address) {
        int slot = address - firstAddress;
        return slot >= 0 && slot < POOL_SIZE ? slot : -1;
    }

    /**
     * Builds and sends one reply to the message in {@link #msg}. RFC 2131 4.1 with giaddr zero: a NAK is
     * always broadcast; a client with an address (ciaddr: renewing, INFORM) gets unicast to it at the MAC
     * it sent from; a client without one cannot answer ARP or accept unicast before it is configured, so it
     * gets 255.255.255.255 at ff:ff:ff:ff:ff:ff whether or not it set the broadcast flag (as libslirp).
     */
    private void sendReply(int type, int yiaddr, long srcMac, UdpReplier reply) {
        int ciaddr = type == DhcpMessage.NAK ? 0 : msg.ciaddr();
        ByteBuf out = alloc.directBuffer(REPLY_CAPACITY, REPLY_CAPACITY);
        try {
            // siaddr is the "next server" (libslirp sets it to itself); meaningless in a NAK (RFC 2131 Table 3).
            int siaddr = type == DhcpMessage.NAK ? 0 : serverId;
            int at = DhcpMessage.writeHeader(out, 0, DhcpMessage.OP_BOOTREPLY, msg.xid(), msg.flags(), ciaddr,
                    yiaddr, siaddr, 0, msg.chaddr());
            at = DhcpMessage.writeByteOption(out, at, DhcpMessage.OPT_MESSAGE_TYPE, type);
            at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_SERVER_ID, serverId);
            if (type == DhcpMessage.NAK) {
                at = DhcpMessage.writeBytesOption(out, at, DhcpMessage.OPT_MESSAGE, NAK_MESSAGE);
            } else {
                if (yiaddr != 0) {
                    // RFC 2131 Table 3: lease time MUST be in OFFER and ACK to a REQUEST, MUST NOT for INFORM.
                    at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_LEASE_TIME, LEASE_SECONDS);
                    at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_RENEWAL_TIME, RENEWAL_SECONDS);
                    at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_REBINDING_TIME, REBINDING_SECONDS);
                }
                at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_SUBNET_MASK, config.netmask());
                at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_ROUTER, config.gateway());
                at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_DNS, config.dns());
                at = DhcpMessage.writeShortOption(out, at, DhcpMessage.OPT_MTU, config.mtu());
                at = DhcpMessage.writeIntOption(out, at, DhcpMessage.OPT_BROADCAST, config.broadcast());
            }
            int length = DhcpMessage.writeEnd(out, 0, at);
            boolean unicast = type != DhcpMessage.NAK && ciaddr != 0;
            reply.send(serverId, DhcpMessage.SERVER_PORT, unicast ? ciaddr : LIMITED_BROADCAST,
                    DhcpMessage.CLIENT_PORT, unicast ? srcMac : BROADCAST_MAC, out, 0, length);
        } finally {
            out.release();
        }
    }
}
