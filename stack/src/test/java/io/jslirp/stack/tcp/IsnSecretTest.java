package io.jslirp.stack.tcp;

import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static io.jslirp.stack.testing.Frames.tcpFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Our initial sequence numbers are keyed by the secret the stack is given ({@link RelayOptions#withIsnSecret}),
 * not by randomness of its own: the same secret, 4-tuple and clock give the same ISN, another secret another.
 * The real generator, not {@link TcpHarness}'s fixed one.
 */
class IsnSecretTest extends StackHarness {
    private static final int GUEST_PORT = 40000;
    private static final int GUEST_ISN = 1000;

    /** The ISN of the SYN-ACK a stack built with {@code secret} answers the same SYN with, at the same time. */
    private int synAckIsn(long secret) {
        build(RelayOptions.defaults().withIsnSecret(secret));
        clock.set(5_000_000_000L);
        send(tcpFrame(REMOTE, GUEST_PORT, 80, GUEST_ISN, 0, Seg.SYN, 64240, new byte[0], new byte[0]));
        host.settleConnect(host.last(), 0);
        List<byte[]> out = frames();
        assertEquals(1, out.size(), "one SYN-ACK");
        ByteBuffer f = ByteBuffer.wrap(out.get(0));
        int tcpAt = 14 + (f.get(14) & 0xf) * 4;
        assertEquals(Seg.SYN | Seg.ACK, f.get(tcpAt + 13) & 0x3f, "a SYN-ACK");
        assertEquals(GUEST_ISN + 1, f.getInt(tcpAt + 8));
        return f.getInt(tcpAt + 4);
    }

    @Test
    void theSecretKeysTheIsn() {
        int a = synAckIsn(0x1234_5678_9abc_def0L);
        int again = synAckIsn(0x1234_5678_9abc_def0L);
        int b = synAckIsn(0x0fed_cba9_8765_4321L);
        int c = synAckIsn(0x1234_5678_9abc_def1L);
        assertEquals(a, again, "same secret, tuple and clock: same ISN");
        assertNotEquals(a, b, "another secret, another ISN");
        assertNotEquals(a, c, "a secret one bit apart, another ISN");
    }

    @Test
    void defaultsKeepSecretZero() {
        assertEquals(0, RelayOptions.defaults().isnSecret());
        RelayOptions all = RelayOptions.defaults().withIsnSecret(42).withMaxTimeWait(256).withMaxFlows(7)
                .withDisableDns(true).withDisableHostLoopback(true).withOutboundAddr(1).withOutboundAddr6(1, 2);
        // Every copy carries the fields it does not set.
        assertEquals(42, all.isnSecret());
        assertEquals(256, all.maxTimeWait());
        assertEquals(7, all.maxFlows());
    }
}
