package io.jslirp.tap.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LimitsTest {
    @Test
    void softOpenFileLimitIsRaisedToTheHardLimit() throws Exception {
        long raised = Limits.raiseOpenFileLimit();
        long[] now = Limits.openFileLimit();
        assertEquals(now[1], now[0], "soft == hard afterwards");
        assertEquals(now[0], raised);
        assertEquals(raised, Limits.raiseOpenFileLimit(), "idempotent");
    }
}
