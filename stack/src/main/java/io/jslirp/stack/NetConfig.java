package io.jslirp.stack;

import io.jslirp.stack.wire.Ipv4Packet;

import java.util.Objects;

/**
 * The virtual network jslirp presents to the guest, derived from one CIDR the way slirp4netns derives it:
 * the host/gateway is network+2, the DNS server network+3, the guest's recommended address network+100.
 *
 * <p>Addresses are IPv4 in host byte order in an {@code int}; MACs are the 48 bits of a {@code long}, so
 * nothing on the packet path allocates to compare them.
 */
public final class NetConfig {
    public static final String DEFAULT_CIDR = "10.0.2.0/24";
    public static final int DEFAULT_MTU = 1500;
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65521;

    /** slirp4netns's gateway MAC 52:55:0a:00:02:02 is 52:55 followed by the gateway's IPv4 address. */
    private static final long SLIRP_MAC_PREFIX = 0x5255_0000_0000L;

    private final int network;
    private final int prefixLength;
    private final int mtu;
    /** The IPv6 side ({@code -6}), or null when the guest gets IPv4 only. */
    private final Ipv6Config ipv6;

    private NetConfig(int network, int prefixLength, int mtu, Ipv6Config ipv6) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.mtu = mtu;
        this.ipv6 = ipv6;
    }

    public static NetConfig of(String cidr, int mtu) {
        int[] parsed = parseCidr(cidr);
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw new IllegalArgumentException("MTU must be a positive integer (< 65522)");
        }
        return new NetConfig(parsed[0], parsed[1], mtu, null);
    }

    /**
     * This network with IPv6 as well ({@code -6}): the guest gets {@code ipv6}'s prefix by SLAAC; null turns
     * IPv6 off again.
     */
    public NetConfig withIpv6(Ipv6Config ipv6) {
        return new NetConfig(network, prefixLength, mtu, ipv6);
    }

    /** The IPv6 side, or null when IPv6 is off (frames with EtherType 0x86dd are then dropped as unknown). */
    public Ipv6Config ipv6() {
        return ipv6;
    }

    public static NetConfig defaults() {
        return of(DEFAULT_CIDR, DEFAULT_MTU);
    }

    /**
     * Parses {@code A.B.C.D/P} with slirp4netns's rules and messages: P in 1..25 (so that .2, .3, .15..30
     * and .100 all fit), and no host bits set.
     *
     * @return {network, prefixLength}
     */
    public static int[] parseCidr(String cidr) {
        Objects.requireNonNull(cidr, "cidr");
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid CIDR: " + cidr);
        }
        int address;
        try {
            address = parseIpv4(cidr.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid network address: " + cidr);
        }
        String prefixText = cidr.substring(slash + 1);
        int prefix;
        try {
            if (prefixText.isEmpty() || prefixText.length() > 2 || !asciiDigits(prefixText, 10)) {
                throw new NumberFormatException();
            }
            prefix = Integer.parseInt(prefixText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid prefix length: " + cidr);
        }
        if (prefix < 1 || prefix > 25) {
            throw new IllegalArgumentException("invalid prefix length: " + cidr);
        }
        int mask = maskOf(prefix);
        if ((address & ~mask) != 0) {
            throw new IllegalArgumentException("CIDR needs to be a network address like 10.0.2.0/24, not like "
                    + formatIpv4(address) + "/" + prefix);
        }
        return new int[] {address, prefix};
    }

    /**
     * Whether every character of {@code text} is an ASCII digit of {@code radix} (10 or 16). A loop, not
     * {@code chars().allMatch}: these parsers run at every start, and a stream there loaded 34 classes of
     * java.util.stream for nothing else.
     */
    static boolean asciiDigits(String text, int radix) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean digit = (c >= '0' && c <= '9')
                    || (radix == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!digit) {
                return false;
            }
        }
        return true;
    }

    /** Strict dotted quad: four decimal parts 0..255, nothing else. */
    public static int parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !asciiDigits(part, 10)) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    public static String formatIpv4(int address) {
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "."
                + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}; rejects multicast (a unicast interface cannot use it). */
    public static long parseMac(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("\"" + text + "\" is an invalid MAC address.");
        }
        long mac = 0;
        for (String part : parts) {
            if (part.length() != 2 || !asciiDigits(part, 16)) {
                throw new IllegalArgumentException("\"" + text + "\" is an invalid MAC address.");
            }
            mac = (mac << 8) | Integer.parseInt(part, 16);
        }
        if ((mac & 0x0100_0000_0000L) != 0) {
            throw new IllegalArgumentException("\"" + text + "\" is an invalid MAC address.");
        }
        return mac;
    }

    public static int maskOf(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public int network() {
        return network;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public int netmask() {
        return maskOf(prefixLength);
    }

    public int broadcast() {
        return network | ~netmask();
    }

    public int mtu() {
        return mtu;
    }

    /** network+2: the gateway, which is also the host. */
    public int gateway() {
        return network + 2;
    }

    /** network+3: the DNS forwarder. */
    public int dns() {
        return network + 3;
    }

    /** network+100: the address {@code --configure} gives the guest. */
    public int guestAddress() {
        return network + 100;
    }

    /** 52:55 followed by the IPv4 address, so 10.0.2.2 has 52:55:0a:00:02:02, as in slirp4netns. */
    public static long slirpMacFor(int address) {
        return SLIRP_MAC_PREFIX | (address & 0xffff_ffffL);
    }

    public long gatewayMac() {
        return slirpMacFor(gateway());
    }

    public long dnsMac() {
        return slirpMacFor(dns());
    }

    /**
     * Which of our MACs a frame toward the guest from {@code source} carries: the DNS address has its own; every
     * other source, the gateway itself or anything beyond it, is reached through the gateway, so its MAC.
     */
    public long ourMacFor(int source) {
        return slirpMacFor(source == dns() ? dns() : gateway());
    }

    /** True when {@code address} lies inside the virtual network. */
    public boolean contains(int address) {
        return (address & netmask()) == network;
    }

    /**
     * True when {@code address} may be the destination of the guest's unicast traffic, and so the source of an
     * answer: an ordinary unicast address ({@link Ipv4Packet#isUnicast}) that is not the virtual network's own
     * broadcast or network address (RFC 1122 3.2.2: nothing answers a broadcast; the network address is the
     * old form of one, RFC 1122 3.3.6).
     */
    public boolean isUnicastDestination(int address) {
        return Ipv4Packet.isUnicast(address) && address != broadcast() && address != network;
    }

    /**
     * True when the guest sees {@code address} as network+2, the host, instead of as itself: the host's loopback
     * (127/8, which the guest reaches at network+2), and any address inside the virtual network (the guest would
     * take it for a neighbour and ARP for it, unanswered), as slirp4netns shows them.
     */
    public boolean showsAsGateway(int address) {
        return Ipv4Packet.isLoopback(address) || contains(address);
    }

    /**
     * Where the guest sees a forward's client come from (slirp4netns's rule), for TCP and UDP alike: the client's
     * own IPv4 address, except that a client on host loopback, a genuine IPv6 client (an IPv4 guest cannot
     * address it; {@code ipv6} true) and a client whose address lies inside the virtual network (the guest would
     * take it for a neighbour and ARP for it, unanswered) appear as network+2, the host. Returns 0 for a source
     * no reply could reach (0.0.0.0, the limited broadcast, multicast): only a datagram can claim one.
     */
    public int clientAsSeen(boolean ipv6, int address) {
        if (ipv6 || showsAsGateway(address)) {
            return gateway();
        }
        if (!Ipv4Packet.isUnicast(address)) {
            return 0;
        }
        return address;
    }

    @Override
    public String toString() {
        return formatIpv4(network) + "/" + prefixLength + " mtu " + mtu + (ipv6 == null ? "" : " ipv6 " + ipv6);
    }
}
