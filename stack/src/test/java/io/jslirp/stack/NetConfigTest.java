package io.jslirp.stack;

import org.junit.jupiter.api.Test;

import static io.jslirp.stack.NetConfig.parseIpv4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetConfigTest {
    final NetConfig net = NetConfig.of("10.0.2.0/24", 1500);

    @Test
    void onlyAsciiDigitsMakeAnAddressOrAPrefix() {
        assertEquals(0x0a000200, parseIpv4("10.0.2.0"));
        // Arabic-Indic digits, which Integer.parseInt would take, and a sign, which it would take too.
        for (String bad : new String[] {"10.0.2.\u0661", "10.0.+2.0", "10.0.2.", "1e.0.2.0", "10.0.2.0.0"}) {
            assertThrows(IllegalArgumentException.class, () -> parseIpv4(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> NetConfig.of("10.0.2.0/\u0662\u0664", 1500));
        assertThrows(IllegalArgumentException.class, () -> NetConfig.of("10.0.2.0/+8", 1500));
        assertTrue(NetConfig.asciiDigits("09afAF", 16));
        assertFalse(NetConfig.asciiDigits("0g", 16));
        assertFalse(NetConfig.asciiDigits("0a", 10));
        assertTrue(NetConfig.asciiDigits("", 10));
    }

    @Test
    void unicastDestinationsExcludeTheNetworksOwnBroadcastAndNetworkAddresses() {
        assertTrue(net.isUnicastDestination(parseIpv4("10.0.2.2")));
        assertTrue(net.isUnicastDestination(parseIpv4("10.0.2.9")));
        assertTrue(net.isUnicastDestination(parseIpv4("192.0.2.1")));
        // Another network's broadcast is indistinguishable from a host from here.
        assertTrue(net.isUnicastDestination(parseIpv4("192.0.2.255")));
        assertFalse(net.isUnicastDestination(parseIpv4("10.0.2.255")));
        assertFalse(net.isUnicastDestination(parseIpv4("10.0.2.0")));
        assertFalse(net.isUnicastDestination(parseIpv4("255.255.255.255")));
        assertFalse(net.isUnicastDestination(parseIpv4("224.0.0.251")));
        assertFalse(net.isUnicastDestination(parseIpv4("127.0.0.1")));
        assertFalse(net.isUnicastDestination(0));
    }

    @Test
    void loopbackAndOurOwnNetworkShowAsTheGateway() {
        assertTrue(net.showsAsGateway(parseIpv4("127.0.0.1")));
        assertTrue(net.showsAsGateway(parseIpv4("127.1.2.3")));
        assertTrue(net.showsAsGateway(parseIpv4("10.0.2.9")));
        assertTrue(net.showsAsGateway(parseIpv4("10.0.2.3")));
        assertFalse(net.showsAsGateway(parseIpv4("10.0.3.1")));
        assertFalse(net.showsAsGateway(parseIpv4("192.0.2.1")));
    }
}
