package io.jslirp.stack.relay;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay rule of both families, one address of each class per assertion. */
class RelayableAddressTest {
    static final NetConfig NET = NetConfig.of("10.0.2.0/24", 1500);
    static final Ipv6Config NET6 = Ipv6Config.defaults(1500);

    static boolean v4(String address) {
        return RelayableAddress.isRelayable(NET, NetConfig.parseIpv4(address));
    }

    static boolean v6(String address) {
        long[] a = Ipv6Config.parseIpv6(address);
        return RelayableAddress.isRelayable6(NET6, a[0], a[1]);
    }

    @Test
    void ipv4UnicastOutsideTheVirtualNetworkOnly() {
        assertTrue(v4("192.0.2.1"));
        assertTrue(v4("198.51.100.255"), "a broadcast of some other network is not ours to tell");
        assertTrue(v4("10.0.3.1"), "just outside the /24");
        assertTrue(v4("223.255.255.255"));
        assertFalse(v4("10.0.2.0"), "the virtual network's network address");
        assertFalse(v4("10.0.2.2"), "network+2 inside the network: callers map it before asking");
        assertFalse(v4("10.0.2.9"), "nobody else lives inside");
        assertFalse(v4("10.0.2.255"), "its directed broadcast");
        assertFalse(v4("0.0.0.0"));
        assertFalse(v4("127.0.0.1"));
        assertFalse(v4("127.1.2.3"));
        assertFalse(v4("224.0.0.1"));
        assertFalse(v4("239.255.255.250"));
        assertFalse(v4("240.0.0.1"));
        assertFalse(v4("255.255.255.255"));
    }

    @Test
    void ipv6GlobalOnlyAndNoOtherNameOfTheHostOrOfIpv4() {
        assertTrue(v6("2001:db8::10"));
        assertTrue(v6("fd01::1"), "another ULA /64 is not ours");
        assertTrue(v6("64:ff9b::c000:201"), "NAT64 addresses are ordinary globals to the relay");
        assertTrue(v6("::1:0:0:1"), "just above ::/96");
        assertTrue(v6("fec0::1"), "above fe80::/10");
        assertFalse(v6("fd00::9"), "inside our prefix");
        assertFalse(v6("fd00::2"), "our router address: callers map it before asking");
        assertFalse(v6("fe80::9"));
        assertFalse(v6("febf::1"), "still fe80::/10");
        assertFalse(v6("ff02::1"));
        assertFalse(v6("ff0e::1"));
        assertFalse(v6("::1"));
        assertFalse(v6("::"));
        assertFalse(v6("::ffff:127.0.0.1"));
        assertFalse(v6("::ffff:192.0.2.1"), "IPv4 too, written as IPv6");
        assertFalse(v6("::192.0.2.1"), "IPv4-compatible (::/96)");
    }
}
