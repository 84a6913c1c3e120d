package io.jslirp.stack.tcp;

import io.jslirp.stack.iface.ArpCache;

import static io.jslirp.stack.tcp.TcpConnection.*;
import static io.jslirp.stack.tcp.TcpState.*;

/**
 * The decision table for a connection's timers: retransmission (of the SYN, the SYN-ACK or data), the persist
 * timer's zero-window probes, and the lifetime limits that reap idle flows.
 *
 * <h2>Theory of operation</h2>
 * A connection has one entry in the layer's {@link TimerHeap}, keyed by the earliest of three deadlines:
 * {@code rtxDeadline} (RFC 6298, the {@link RttEstimator}'s RTO), {@code persistDeadline} (RFC 9293 3.8.6.1,
 * armed only with a zero window and nothing in flight) and the lifetime of the state
 * ({@link #lifetimeDeadline}: the handshake bound, the idle limits of ESTABLISHED, CLOSE_WAIT, FIN_WAIT_2 and
 * the closing states, and 2MSL for a connection in TIME_WAIT still writing the guest's last bytes to the host;
 * once they are written its {@code TimeWaitTable} record keeps the deadline instead). A deadline moved later is not rescheduled: the entry fires
 * early, {@link #onTimer} finds nothing due, and reschedules at the new earliest deadline. A retransmission
 * timeout backs the RTO off and resends the oldest unSACKed segment (SYN_SENT and SYN_RECEIVED resend the
 * handshake segment instead, up to their own limits); too many in a row reset the flow both ways, as does an
 * expired idle limit.
 */
final class ConnectionTimers {
    private ConnectionTimers() {
    }

    static void armPersistIfNeeded(TcpConnection c) {
        // RFC 9293 3.8.6.1: with a zero window and nothing in flight, probe so a lost window update cannot
        // deadlock the connection.
        if (SegmentsToGuest.sendingState(c) && c.sndWnd == 0 && c.sndNxt == c.sndUna) {
            if (c.persistDeadline == Long.MAX_VALUE) {
                c.persistInterval = Math.max(c.rtt.rto(), MIN_RTO);
                c.persistDeadline = c.now() + c.persistInterval;
                c.layer.timers.schedule(c, c.persistDeadline);
            }
        } else {
            c.persistDeadline = Long.MAX_VALUE;
        }
    }

    private static long lifetimeDeadline(TcpConnection c) {
        switch (c.state) {
            case CONNECTING:
            case SYN_SENT:
                // SYN_SENT ends by the SYN timer long before; this only bounds it should that ever change.
                return c.createdAt + CONNECT_TIMEOUT;
            case SYN_RECEIVED:
                return c.createdAt + CONNECT_TIMEOUT + MAX_RTO;
            case ESTABLISHED:
                return c.lastActivity + ESTABLISHED_IDLE;
            case CLOSE_WAIT:
                return c.lastActivity + CLOSE_WAIT_IDLE;
            case FIN_WAIT_2:
                return c.lastActivity + FIN_WAIT_2_IDLE;
            case TIME_WAIT:
                return c.lastActivity + TIME_WAIT_TIME;
            case CLOSED:
                return Long.MAX_VALUE;
            default:
                return c.lastActivity + CLOSING_IDLE;
        }
    }

    static void scheduleTimers(TcpConnection c) {
        if (c.state == CLOSED) {
            return;
        }
        long d = Math.min(Math.min(c.rtxDeadline, c.persistDeadline), lifetimeDeadline(c));
        c.layer.timers.schedule(c, d);
    }

    static void onTimer(TcpConnection c, long now) {
        if (c.state == CLOSED) {
            return;
        }
        if (c.rtxDeadline <= now) {
            c.rtxDeadline = Long.MAX_VALUE;
            onRetransmitTimeout(c, now);
            if (c.state == CLOSED) {
                return;
            }
        }
        if (c.persistDeadline <= now) {
            c.persistDeadline = Long.MAX_VALUE;
            if (SegmentsToGuest.sendingState(c) && c.sndWnd == 0 && c.sndNxt == c.sndUna) {
                // A zero-window probe as Linux sends it: an ACK at SND.UNA-1, which is out of window and
                // so must be answered with an ACK carrying the current window.
                c.counters.tcpPersistProbes++;
                SegmentsToGuest.sendProbe(c);
                c.persistInterval = Math.min(c.persistInterval * 2, MAX_RTO);
                c.persistDeadline = now + c.persistInterval;
            }
        }
        if (lifetimeDeadline(c) <= now) {
            onLifetimeExpired(c);
            return;
        }
        scheduleTimers(c);
    }

    private static void onRetransmitTimeout(TcpConnection c, long now) {
        if (c.state == SYN_SENT) {
            if (c.fallbackV4 != 0 && c.guestMac == ArpCache.NONE) {
                // A forward naming no guest address tried IPv6, and the guest's address found no neighbour
                // in one RTO (Linux answers a solicitation at once): the address is gone, or the guest
                // ignores IPv6. IPv4 instead, without making the client wait out every retry.
                c.refusedOrFallBack();
                return;
            }
            if (c.synRetransmits >= MAX_SYN_RETRANSMITS) {
                // Nothing answers at the guest's address and port (guest down, or its firewall drops): reset
                // the client, as a kernel whose SYNs go unanswered fails connect() instead of hanging; or,
                // for a forward naming no guest address tried over IPv6, try IPv4.
                if (!c.refusedOrFallBack()) {
                    c.counters.tcpForwardTimeout++;
                }
                return;
            }
            c.synRetransmits++;
            c.counters.tcpSynRetransmits++;
            c.rtt.backOff();
            if (c.guestMac == ArpCache.NONE) {
                // Still no ARP answer: ask again (the layer is told if it comes later).
                long mac = c.layer.resolveGuest(c.guestAddrHi, c.guestAddrLo);
                if (mac != ArpCache.NONE) {
                    c.layer.stopAwaitingMac(c);
                    c.guestMac = mac;
                    SegmentsToGuest.sendSyn(c);
                }
            } else {
                SegmentsToGuest.sendSyn(c);
            }
            c.rtxDeadline = now + c.rtt.rto();
            return;
        }
        if (c.state == SYN_RECEIVED) {
            if (c.synAckRetransmits >= MAX_SYNACK_RETRANSMITS) {
                c.counters.tcpRetransmitGiveUps++;
                c.resetBothWays();
                return;
            }
            c.synAckRetransmits++;
            c.counters.tcpSynAckRetransmits++;
            c.rtt.backOff();
            SegmentsToGuest.sendSynAck(c, true);
            c.rtxDeadline = now + c.rtt.rto();
            return;
        }
        if (c.rtx.isEmpty()) {
            return;
        }
        if (c.retransmits >= MAX_RETRANSMITS) {
            // The guest stopped answering: give up, RST both ways (RFC 9293 3.8.3, R2).
            c.counters.tcpRetransmitGiveUps++;
            c.resetBothWays();
            return;
        }
        c.retransmits++;
        // RFC 6298 5.5-5.6: back off and retransmit the earliest unacknowledged segment.
        c.rtt.backOff();
        c.dupAcks = 0;
        c.inRecovery = false;
        SegmentsToGuest.retransmitFirst(c, now);
        c.rtxDeadline = now + c.rtt.rto();
    }

    private static void onLifetimeExpired(TcpConnection c) {
        if (c.state == TIME_WAIT) {
            c.destroy(false);
            return;
        }
        if (c.state == CONNECTING) {
            c.counters.tcpConnectTimeout++;
            SegmentsToGuest.resetSyn(c);
            c.destroy(true);
            return;
        }
        c.counters.tcpFlowsReaped++;
        c.resetBothWays();
    }
}
