package io.jslirp.stack.wire;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SeqTest {
    @Test
    void comparesAcrossTheWrap() {
        int nearTop = 0xffff_fff0;
        int pastZero = 0x0000_0010;
        assertTrue(Seq.lt(nearTop, pastZero));
        assertTrue(Seq.gt(pastZero, nearTop));
        assertTrue(Seq.le(nearTop, nearTop));
        assertTrue(Seq.ge(pastZero, pastZero));
        assertEquals(0x20, Seq.diff(pastZero, nearTop));
        assertEquals(-0x20, Seq.diff(nearTop, pastZero));
        assertEquals(pastZero, Seq.max(nearTop, pastZero));
        assertEquals(nearTop, Seq.min(pastZero, nearTop));
        assertTrue(Seq.inRange(0, nearTop, pastZero));
        assertFalse(Seq.inRange(pastZero, nearTop, pastZero));
        assertTrue(Seq.lt(Integer.MAX_VALUE, Integer.MIN_VALUE));
    }

    @Test
    void plainOrderAwayFromTheWrap() {
        assertTrue(Seq.lt(1, 2));
        assertFalse(Seq.lt(2, 2));
        assertFalse(Seq.inRange(5, 5, 5));
    }
}
