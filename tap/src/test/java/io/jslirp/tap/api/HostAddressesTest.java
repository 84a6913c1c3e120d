package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostAddressesTest {
    @Test
    void ipv6TextIsCompressedAsRfc5952Says() throws Exception {
        assertEquals("::", HostAddresses.format(InetAddress.getByName("0:0:0:0:0:0:0:0")));
        assertEquals("::1", HostAddresses.format(InetAddress.getByName("::1")));
        assertEquals("fe80::1", HostAddresses.format(InetAddress.getByName("FE80:0:0:0:0:0:0:1")));
        assertEquals("1::", HostAddresses.format(InetAddress.getByName("1:0:0:0:0:0:0:0")));
        assertEquals("2001:db8::1:0:0:1", HostAddresses.format(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", HostAddresses.format(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
        assertEquals("1:0:0:2::3", HostAddresses.format(InetAddress.getByName("1:0:0:2:0:0:0:3")));
        assertEquals("10.0.2.2", HostAddresses.format(InetAddress.getByName("10.0.2.2")));
    }

    @Test
    void namesAreNeverResolved() {
        assertNull(HostAddresses.parse("localhost"));
        assertNull(HostAddresses.parse("abc"));
        assertNull(HostAddresses.parse("beef.example"));
        assertNull(HostAddresses.parse(".:"));
        assertNull(HostAddresses.parse("fe80::1%lo"));
        assertNull(HostAddresses.parse("[::1]"));
        assertNull(HostAddresses.parse("1:2"));
    }

    @Test
    void literalsOfBothFamilies() {
        assertEquals(4, HostAddresses.parse("127.0.0.1").getAddress().length);
        assertEquals(16, HostAddresses.parse("::").getAddress().length);
        assertEquals(4, HostAddresses.parse("::ffff:10.1.2.3").getAddress().length);
        assertNull(HostAddresses.parse("127.0.0.01"));
        assertNull(HostAddresses.parse("127.0.0.256"));
        assertNull(HostAddresses.parse(""));
    }

    @Test
    void ipv4InHostOrder() {
        assertEquals(0, HostAddresses.ipv4("0.0.0.0"));
        assertEquals(0xffff_ffffL, HostAddresses.ipv4("255.255.255.255"));
        assertEquals(0x0a00_0264L, HostAddresses.ipv4("10.0.2.100"));
        assertEquals(0x0102_0304L, HostAddresses.ipv4("1.2.3.4"));
        assertEquals(0xc8c9_cacbL, HostAddresses.ipv4("200.201.202.203"));
    }

    /** What inet_pton(AF_INET) refuses: the language of the regex this loop replaced. */
    @ParameterizedTest
    @ValueSource(strings = {"", ".", "...", "1.2.3", "1.2.3.4.", ".1.2.3", "1..3.4", "1.2.3.4.5", "01.2.3.4", "1.2.3.00", "1.2.3.010",
        "00.0.0.0", "256.0.0.0", "1.2.3.999", "1000.0.0.1", "0001.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "+1.2.3.4", "1.2.3.4/24",
        "0x1.2.3.4", "1.2.3.a", "\u0661.0.0.0", "1.2.3.\uff14", "1,2,3,4", "1.2.3.4\u0000", "::1"})
    void notIpv4(String text) {
        assertEquals(HostAddresses.NOT_IPV4, HostAddresses.ipv4(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "fd00::100", "FD00::ABC", "::ffff:1.2.3.4", ":", "1:2", "::1.", "1::2::3", "a:.", "0:"})
    void ipv6TextForTheJdkToParse(String text) {
        assertTrue(HostAddresses.isIpv6Text(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3.4", "abcd", ".::", ".1::", "::g", "fe80::1%lo", "[::1]", " ::1", "::1 ", "::1/64", "\u00e9::1",
        "::\u0661", "::-1"})
    void notIpv6Text(String text) {
        assertFalse(HostAddresses.isIpv6Text(text));
    }

    @Test
    void parseKeepsTheJdksVerdictOnIpv6Text() {
        assertNull(HostAddresses.parse(":"));
        assertNull(HostAddresses.parse("1::2::3"));
        assertNull(HostAddresses.parse(".::"));
        assertEquals(16, HostAddresses.parse("1:2:3:4:5:6:1.2.3.4").getAddress().length);
        assertEquals(4, HostAddresses.parse("::ffff:10.0.2.17").getAddress().length);
    }
}
