package io.jslirp.stack.wire;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpAddressTest {
    private static final byte[] MAPPED_192_0_2_1 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff,
            (byte) 192, 0, 2, 1};
    private static final byte[] DOC_V6 = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};

    @Test
    void ipv4IsStoredMapped() {
        long lo = IpAddress.v4Lo(0xc000_0201);
        assertEquals(0x0000_ffff_c000_0201L, lo);
        assertTrue(IpAddress.isV4(IpAddress.V4_HI, lo));
        assertEquals(0xc000_0201, IpAddress.v4(lo));
        byte[] out = new byte[16];
        IpAddress.toBytes(IpAddress.V4_HI, lo, out, 0);
        assertArrayEquals(MAPPED_192_0_2_1, out);
    }

    @Test
    void fourAndSixteenByteFormsAgreeOnAMappedAddress() {
        byte[] four = {(byte) 192, 0, 2, 1};
        assertEquals(IpAddress.hi(MAPPED_192_0_2_1), IpAddress.hi(four));
        assertEquals(IpAddress.lo(MAPPED_192_0_2_1), IpAddress.lo(four));
    }

    @Test
    void ipv6RoundTripsAndIsNotV4() {
        long hi = IpAddress.hi(DOC_V6);
        long lo = IpAddress.lo(DOC_V6);
        assertEquals(0x2001_0db8_0000_0000L, hi);
        assertEquals(0x42L, lo);
        assertFalse(IpAddress.isV4(hi, lo));
        byte[] out = new byte[16];
        IpAddress.toBytes(hi, lo, out, 0);
        assertArrayEquals(DOC_V6, out);
        assertEquals("2001:db8:0:0:0:0:0:42", IpAddress.format(hi, lo));
    }

    @Test
    void highBitsOfAnIpv4AddressStayInItsLowHalf() {
        long lo = IpAddress.v4Lo(0xffff_ffff);
        assertEquals(0x0000_ffff_ffff_ffffL, lo);
        assertEquals("255.255.255.255", IpAddress.format(0, lo));
        // ::1 is IPv6, not a mapped 0.0.0.1
        assertFalse(IpAddress.isV4(0, 1));
    }

    @Test
    void unspecifiedInEitherFamily() {
        assertTrue(IpAddress.isUnspecified(0, 0));
        assertTrue(IpAddress.isUnspecified(0, IpAddress.V4_PREFIX));
        assertFalse(IpAddress.isUnspecified(0, IpAddress.v4Lo(1)));
        assertFalse(IpAddress.isUnspecified(0, 1));
    }
}
