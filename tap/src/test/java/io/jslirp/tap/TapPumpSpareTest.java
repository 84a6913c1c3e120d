package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.tap.dev.TapDevice;
import io.jslirp.tap.netns.ScratchNamespace;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The TAP reader's spare buffer, which BufferTrim releases at quiet time: kept between reads, given back on
 * request, and taken anew by the next read. On a real TAP that is down, so no frame ever arrives.
 */
@ExtendWith(LeakCheckExtension.class)
@Tag("root")
class TapPumpSpareTest {
    private ScratchNamespace ns;

    @BeforeEach
    void makeNamespace() throws Exception {
        ns = ScratchNamespace.open("jslirp-spare");
    }

    @AfterEach
    void removeNamespace() {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void theSpareGoesWhenAskedAndTheNextReadTakesANewOne() throws Exception {
        PooledByteBufAllocator large = new PooledByteBufAllocator(true, 0, 1, 8192, 7, 0, 0, false);
        PacketAllocator alloc = new PacketAllocator(large, 8192, PacketAllocator.smallPool());
        try (TapDevice tap = TapDevice.attach(ns.tunFd(), "tap0")) {
            ns.tunFdTaken();
            TapPump pump = new TapPump(tap, alloc, null, () -> { }, (status, reason) -> fail(reason));
            assertFalse(pump.releaseSpare(), "no read yet, no spare");
            pump.onTapReady(0);
            assertEquals(1, large.metric().directArenas().get(0).numActiveAllocations(), "the read's buffer stays");
            assertTrue(pump.releaseSpare());
            assertEquals(0, large.metric().directArenas().get(0).numActiveAllocations(), "the spare went back");
            assertFalse(pump.releaseSpare());
            pump.onTapReady(0);
            assertEquals(1, large.metric().directArenas().get(0).numActiveAllocations(), "a new one for the next read");
            assertTrue(pump.releaseSpare());
        }
    }
}
