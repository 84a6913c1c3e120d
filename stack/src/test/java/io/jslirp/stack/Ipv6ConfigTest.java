package io.jslirp.stack;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv6ConfigTest {
    @Test
    void defaultsAreSlirp4netnsAddressesAndMacs() {
        Ipv6Config c = Ipv6Config.defaults(1500);
        assertEquals(0xfd00_0000_0000_0000L, c.prefixHi());
        assertEquals(0x5256_0000_0002L, c.routerMac());
        assertEquals(0x5256_0000_0003L, c.dnsMac());
        assertTrue(c.isOurs(0xfd00_0000_0000_0000L, 2));
        assertTrue(c.isOurs(0xfd00_0000_0000_0000L, 3));
        assertTrue(c.isOurs(Ipv6Config.LINK_LOCAL_HI, 2));
        assertTrue(c.isOurs(Ipv6Config.LINK_LOCAL_HI, 3));
        assertFalse(c.isOurs(0xfd00_0000_0000_0000L, 4));
        assertFalse(c.isOurs(0xfd00_0000_0000_0001L, 2));
        assertEquals(0x5256_0000_0003L, c.ourMacFor(Ipv6Config.LINK_LOCAL_HI, 3));
        assertEquals(0x5256_0000_0002L, c.ourMacFor(0x2001_0db8_0000_0000L, 9));
        assertEquals("fd00::/64 mtu 1500", c.toString());
    }

    @Test
    void anotherSlash64() {
        Ipv6Config c = Ipv6Config.of("2001:db8:1:2::/64", 65520);
        assertEquals(0x2001_0db8_0001_0002L, c.prefixHi());
        assertEquals(0x5256_0000_0002L, c.routerMac());
        assertEquals(65520, c.mtu());
        assertEquals(0xfd12_3456_789a_0000L, Ipv6Config.parsePrefix("FD12:3456:789A::/64"));
        assertEquals(0x2001_0db8_0000_0000L, Ipv6Config.parsePrefix("2001:db8:0:0:0:0:0:0/64"));
    }

    @Test
    void badPrefixesAreRefusedWithAReason() {
        assertMessage("IPv6 prefix length must be 64", "fd00::/48");
        assertMessage("IPv6 prefix length must be 64", "fd00::/128");
        assertMessage("IPv6 prefix length must be 64", "fd00::/");
        assertMessage("want PREFIX/64", "fd00::");
        assertMessage("want PREFIX/64", "fd00:::/64");
        assertMessage("want PREFIX/64", "fd00::1::/64");
        assertMessage("want PREFIX/64", "fd00:12345::/64");
        assertMessage("want PREFIX/64", "localhost/64");
        assertMessage("want PREFIX/64", "1:2:3:4:5:6:7:8:9/64");
        assertMessage("want PREFIX/64", "10.0.2.0/64");
        assertMessage("network address", "fd00::1/64");
        assertMessage("multicast", "ff02::/64");
        assertMessage("link-local", "fe80::/64");
        assertMessage("link-local", "febf::/64");
        assertMessage("::/64", "::/64");
        assertThrows(IllegalArgumentException.class, () -> Ipv6Config.of("fd00::/64", 67));
    }

    private static void assertMessage(String part, String prefix) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv6Config.parsePrefix(prefix));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void literalsParseAndFormat() {
        long[] a = Ipv6Config.parseIpv6("::ffff:10.0.2.2");
        assertEquals(0, a[0]);
        assertEquals(0x0000_ffff_0a00_0202L, a[1]);
        assertEquals("fd00::2", Ipv6Config.format(0xfd00_0000_0000_0000L, 2));
        assertEquals("::", Ipv6Config.format(0, 0));
        assertEquals("2001:db8:0:1::1", Ipv6Config.format(0x2001_0db8_0000_0001L, 1));
        assertEquals("fe80::42:acff:fe11:2", Ipv6Config.format(Ipv6Config.LINK_LOCAL_HI, 0x0042_acff_fe11_0002L));
        assertEquals("1:0:2::", Ipv6Config.format(0x0001_0000_0002_0000L, 0));
    }

    @Test
    void netConfigCarriesIt() {
        NetConfig n = NetConfig.defaults();
        assertEquals(null, n.ipv6());
        assertEquals("fd00::/64 mtu 1500", n.withIpv6(Ipv6Config.defaults(1500)).ipv6().toString());
    }
}
