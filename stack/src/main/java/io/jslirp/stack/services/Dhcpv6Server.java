package io.jslirp.stack.services;

import io.jslirp.stack.wire.Dhcpv6Message;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A DHCPv6 server for a link with one guest (RFC 8415): stateless answers as libslirp gives them, plus
 * one address in IA_NA as pasta gives it; see the package documentation for where it sits.
 *
 * <p>It keeps no state: the address is a function of the configuration (or of the client's MAC), so a
 * lost message, a restart or a second client changes nothing, and there are no timers. Decision table,
 * one row per message type, validation first (RFC 8415 section 16: a message failing it is discarded and
 * counted in {@link #invalid}, one naming another server in {@link #notForUs}):
 * <ul>
 * <li>SOLICIT (needs a Client Identifier, no Server Identifier, 16.2): with an IA_NA, ADVERTISE offering
 *     the address (18.3.1), or REPLY with Rapid Commit when the client asked for it (21.14); without an
 *     IA_NA, ADVERTISE with only status NoAddrsAvail (18.3.9).</li>
 * <li>REQUEST, RENEW (need our Server Identifier and a Client Identifier, 16.4, 16.6) and REBIND (needs a
 *     Client Identifier and no Server Identifier, 16.7): REPLY with the address in the first IA_NA (18.3.2,
 *     18.3.4, 18.3.5). An address the client names that is not ours is listed with lifetimes 0, which is
 *     how a server takes an address back (18.3.4).</li>
 * <li>CONFIRM (Client Identifier, no Server Identifier, 16.5): REPLY Success when every address is in our
 *     prefix, NotOnLink otherwise; no reply when it names no address (18.3.3).</li>
 * <li>RELEASE, DECLINE (our Server Identifier, a Client Identifier, 16.9, 16.10): REPLY Success
 *     (18.3.7, 18.3.8); with one address there is nothing to free or quarantine.</li>
 * <li>INFORMATION-REQUEST (no IA option, and a Server Identifier only if ours, 16.12): REPLY with DNS
 *     (option 23) and the search list (24), as libslirp answers it (18.3.6).</li>
 * <li>ADVERTISE, REPLY, RECONFIGURE: a server never receives them; counted in {@link #ignored}.</li>
 * </ul>
 * Every reply carries the Server Identifier, the client's Client Identifier when it sent one, and the DNS
 * server (RFC 8415 21.7 lets a server add options the client did not request); only the first IA_NA is
 * answered (clients ask for one; a second would need a second address). A unicast message is accepted
 * although RFC 8415 18.4 has a server without the Server Unicast option refuse it: libslirp answers
 * INFORMATION-REQUEST sent to fd00::2, and on a link whose only server is us refusing it helps no one.
 * Lifetimes are the router advertisement's prefix lifetimes (preferred 4 h, valid 1 day), T1 and T2 the
 * RFC 8415 21.4 recommended 0.5 and 0.8 of the preferred lifetime.
 */
public final class Dhcpv6Server implements Dhcpv6Responder {
    public static final long PREFERRED_LIFETIME = 14_400;
    public static final long VALID_LIFETIME = 86_400;
    public static final long T1 = PREFERRED_LIFETIME / 2;
    public static final long T2 = PREFERRED_LIFETIME * 4 / 5;
    /** Status messages are for a human reading the client's log; short, ASCII. */
    static final byte[] NO_ADDRS_MESSAGE = ascii("no addresses available");
    static final byte[] NOT_ON_LINK_MESSAGE = ascii("address not on link");
    static final byte[] SUCCESS_MESSAGE = ascii("ok");
    private static final int MAX_STATUS_MESSAGE = 32;

    /**
     * What the server hands out.
     *
     * @param serverDuid our DUID (see {@link #linkLayerDuid})
     * @param dnsHi the DNS server's address, high half (fd00::3 with slirp4netns's plan)
     * @param prefixHi the guest's /64 (only /64 prefixes exist here: SLAAC needs one)
     * @param addressHi the address to hand out, high half; the address :: means "the guest's EUI-64
     *                  address in the prefix", the one SLAAC also forms, so both give the guest one address
     * @param domainSearch the search list in RFC 1035 wire form (option 24), or empty for none
     */
    public record Config(byte[] serverDuid, long dnsHi, long dnsLo, long prefixHi, long addressHi, long addressLo,
                         byte[] domainSearch) {
        public Config {
            Objects.requireNonNull(serverDuid, "serverDuid");
            Objects.requireNonNull(domainSearch, "domainSearch");
            if (serverDuid.length < Dhcpv6Message.MIN_DUID_LENGTH
                    || serverDuid.length > Dhcpv6Message.MAX_DUID_LENGTH) {
                throw new IllegalArgumentException("a DUID has 2 to 130 octets, not " + serverDuid.length);
            }
            if (domainSearch.length > 1024) {
                throw new IllegalArgumentException("domain search list over 1024 octets");
            }
            if (!(addressHi == 0 && addressLo == 0) && addressHi != prefixHi) {
                throw new IllegalArgumentException("the address must be inside the /64 prefix");
            }
        }
    }

    private final Config config;
    private final Dhcpv6Message msg = new Dhcpv6Message();
    private final int maxReplyLength;

    // Counters: written only by the event-loop thread; see counters().
    public long solicits;
    public long advertises;
    public long requests;
    public long renews;
    public long rebinds;
    public long confirms;
    public long releases;
    public long declines;
    public long informationRequests;
    public long replies;
    /** Dhcpv6Message.wrap refused it (short, relay, bad options). */
    public long malformed;
    /** Well-formed but breaks RFC 8415 section 16 (a missing or forbidden identifier, an IA where none may be). */
    public long invalid;
    /** Names another server in its Server Identifier. */
    public long notForUs;
    /** A type a server never receives, or a CONFIRM with no address to confirm. */
    public long ignored;

    public Dhcpv6Server(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        int status = 6 + MAX_STATUS_MESSAGE;
        int iaNa = 4 + Dhcpv6Message.IA_NA_FIXED_LENGTH + 2 * (4 + Dhcpv6Message.IAADDR_FIXED_LENGTH) + status;
        this.maxReplyLength = Dhcpv6Message.HEADER_LENGTH
                + 4 + config.serverDuid().length
                + 4 + Dhcpv6Message.MAX_DUID_LENGTH
                + 4 /* rapid commit */ + iaNa + status
                + 20 /* DNS */ + 4 + config.domainSearch().length;
    }

    /** DUID-LL (RFC 8415 11.4): type 3, hardware type 1 (Ethernet), the MAC; stable as long as the MAC is. */
    public static byte[] linkLayerDuid(long mac) {
        byte[] d = new byte[10];
        d[1] = 3;
        d[3] = 1;
        for (int i = 0; i < 6; i++) {
            d[4 + i] = (byte) (mac >>> (40 - 8 * i));
        }
        return d;
    }

    /**
     * The low half of the modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A): ff:fe in the
     * middle and the universal/local bit inverted, as the guest's SLAAC forms it by default.
     */
    public static long eui64(long mac) {
        long upper = (mac >>> 24) & 0xff_ffffL;
        long lower = mac & 0xff_ffffL;
        return ((upper << 40) | (0xfffeL << 24) | lower) ^ 0x0200_0000_0000_0000L;
    }

    @Override
    public int maxReplyLength() {
        return maxReplyLength;
    }

    @Override
    public int respond(ByteBuf request, int offset, int length, long clientMac, ByteBuf reply, int index) {
        if (!msg.wrap(request, offset, length)) {
            malformed++;
            return NO_REPLY;
        }
        return respond(msg, clientMac, reply, index);
    }

    /** Same as {@link #respond(ByteBuf, int, int, long, ByteBuf, int)} for a message the caller wrapped. */
    public int respond(Dhcpv6Message m, long clientMac, ByteBuf out, int index) {
        long addrHi = config.addressHi();
        long addrLo = config.addressLo();
        if (addrHi == 0 && addrLo == 0) {
            addrHi = config.prefixHi();
            addrLo = eui64(clientMac);
        }
        switch (m.messageType()) {
            case Dhcpv6Message.SOLICIT:
                solicits++;
                if (!m.hasClientId() || m.hasServerId()) {
                    return invalid();
                }
                if (m.iaNaCount() == 0) {
                    advertises++;
                    int at = start(m, Dhcpv6Message.ADVERTISE, out, index);
                    at += Dhcpv6Message.writeStatusCode(out, at, Dhcpv6Message.STATUS_NO_ADDRS_AVAIL, NO_ADDRS_MESSAGE);
                    return at - index;
                }
                if (m.rapidCommit()) {
                    replies++;
                    int at = start(m, Dhcpv6Message.REPLY, out, index);
                    at += Dhcpv6Message.writeOptionHeader(out, at, Dhcpv6Message.OPT_RAPID_COMMIT, 0);
                    return finish(m, out, index, at, addrHi, addrLo, true);
                }
                advertises++;
                return finish(m, out, index, start(m, Dhcpv6Message.ADVERTISE, out, index), addrHi, addrLo, true);
            case Dhcpv6Message.REQUEST:
            case Dhcpv6Message.RENEW:
                if (m.messageType() == Dhcpv6Message.REQUEST) {
                    requests++;
                } else {
                    renews++;
                }
                if (!m.hasClientId() || !m.hasServerId()) {
                    return invalid();
                }
                if (!m.serverIdEquals(config.serverDuid())) {
                    notForUs++;
                    return NO_REPLY;
                }
                replies++;
                return finish(m, out, index, start(m, Dhcpv6Message.REPLY, out, index), addrHi, addrLo, true);
            case Dhcpv6Message.REBIND:
                rebinds++;
                if (!m.hasClientId() || m.hasServerId()) {
                    return invalid();
                }
                replies++;
                return finish(m, out, index, start(m, Dhcpv6Message.REPLY, out, index), addrHi, addrLo, true);
            case Dhcpv6Message.CONFIRM: {
                confirms++;
                if (!m.hasClientId() || m.hasServerId()) {
                    return invalid();
                }
                if (m.iaAddressCount() == 0) {
                    ignored++;
                    return NO_REPLY;
                }
                replies++;
                int at = start(m, Dhcpv6Message.REPLY, out, index);
                boolean onLink = m.iaAddressesAllIn(config.prefixHi());
                at += Dhcpv6Message.writeStatusCode(out, at,
                        onLink ? Dhcpv6Message.STATUS_SUCCESS : Dhcpv6Message.STATUS_NOT_ON_LINK,
                        onLink ? SUCCESS_MESSAGE : NOT_ON_LINK_MESSAGE);
                return finish(m, out, index, at, addrHi, addrLo, false);
            }
            case Dhcpv6Message.RELEASE:
            case Dhcpv6Message.DECLINE: {
                if (m.messageType() == Dhcpv6Message.RELEASE) {
                    releases++;
                } else {
                    declines++;
                }
                if (!m.hasClientId() || !m.hasServerId()) {
                    return invalid();
                }
                if (!m.serverIdEquals(config.serverDuid())) {
                    notForUs++;
                    return NO_REPLY;
                }
                replies++;
                int at = start(m, Dhcpv6Message.REPLY, out, index);
                at += Dhcpv6Message.writeStatusCode(out, at, Dhcpv6Message.STATUS_SUCCESS, SUCCESS_MESSAGE);
                return at - index;
            }
            case Dhcpv6Message.INFORMATION_REQUEST:
                informationRequests++;
                if (m.iaNaCount() > 0 || m.hasOtherIa()) {
                    return invalid();
                }
                if (m.hasServerId() && !m.serverIdEquals(config.serverDuid())) {
                    notForUs++;
                    return NO_REPLY;
                }
                replies++;
                return finish(m, out, index, start(m, Dhcpv6Message.REPLY, out, index), addrHi, addrLo, false);
            default:
                ignored++;
                return NO_REPLY;
        }
    }

    private int invalid() {
        invalid++;
        return NO_REPLY;
    }

    /** Header, Server Identifier and the client's own Client Identifier; returns the next index. */
    private int start(Dhcpv6Message m, int type, ByteBuf out, int index) {
        int at = index + Dhcpv6Message.writeHeader(out, index, type, m.transactionId());
        at += Dhcpv6Message.writeOption(out, at, Dhcpv6Message.OPT_SERVERID, config.serverDuid());
        if (m.hasClientId()) {
            at += Dhcpv6Message.writeOption(out, at, Dhcpv6Message.OPT_CLIENTID, m.buffer(), m.clientIdOffset(),
                    m.clientIdLength());
        }
        return at;
    }

    /** The IA_NA (when asked for and {@code withAddress}), DNS and search list; returns the reply length. */
    private int finish(Dhcpv6Message m, ByteBuf out, int index, int at, long addrHi, long addrLo,
                       boolean withAddress) {
        if (withAddress && m.iaNaCount() > 0) {
            boolean other = m.iaAddressCount() > 0 && (m.iaAddressHi() != addrHi || m.iaAddressLo() != addrLo);
            int sub = (other ? 2 : 1) * (4 + Dhcpv6Message.IAADDR_FIXED_LENGTH);
            at += Dhcpv6Message.writeIaNaHeader(out, at, m.iaid(), T1, T2, sub);
            at += Dhcpv6Message.writeIaAddress(out, at, addrHi, addrLo, PREFERRED_LIFETIME, VALID_LIFETIME);
            if (other) {
                at += Dhcpv6Message.writeIaAddress(out, at, m.iaAddressHi(), m.iaAddressLo(), 0, 0);
            }
        }
        at += Dhcpv6Message.writeDnsServer(out, at, config.dnsHi(), config.dnsLo());
        if (config.domainSearch().length > 0) {
            at += Dhcpv6Message.writeOption(out, at, Dhcpv6Message.OPT_DOMAIN_LIST, config.domainSearch());
        }
        return at - index;
    }

    /** All counters by name, in a fixed order, for display. */
    public Map<String, Long> counters() {
        Map<String, Long> map = new LinkedHashMap<>();
        map.put("solicits", solicits);
        map.put("advertises", advertises);
        map.put("requests", requests);
        map.put("renews", renews);
        map.put("rebinds", rebinds);
        map.put("confirms", confirms);
        map.put("releases", releases);
        map.put("declines", declines);
        map.put("informationRequests", informationRequests);
        map.put("replies", replies);
        map.put("malformed", malformed);
        map.put("invalid", invalid);
        map.put("notForUs", notForUs);
        map.put("ignored", ignored);
        return Collections.unmodifiableMap(map);
    }

    private static byte[] ascii(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length > MAX_STATUS_MESSAGE) {
            throw new IllegalStateException(s);
        }
        return b;
    }
}
