package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

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
}
