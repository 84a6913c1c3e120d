package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.relay.NativeHostDatagrams;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The start-up warm-up relays real datagrams through the session's kind of HostDatagrams to a socket of its
 * own on 127.0.0.1, and leaves nothing behind: no socket, no buffer. (Nothing here measures speed.)
 */
@ExtendWith(LeakCheckExtension.class)
class WarmupTest {
    @ParameterizedTest
    @EnumSource(Stack.DeviceFormat.class)
    void relaysDatagramsToTheHostAndClosesEverythingItOpened(Stack.DeviceFormat format) {
        try (EventLoop loop = new EventLoop()) {
            NativeHostDatagrams datagrams = new NativeHostDatagrams(loop);
            // An allocator of its own, whose metric counts direct memory not yet released.
            UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
            int sent = Warmup.udp(NetConfig.defaults(), format, datagrams, alloc);
            assertEquals(0, alloc.metric().usedDirectMemory(), "direct memory still held");
            // Few within the time budget under the tests' paranoid leak detection, which records every
            // buffer access.
            assertTrue(sent >= 50, "datagrams the warm-up stack relayed: " + sent);
            assertEquals(0, datagrams.openCount(), "sockets left open");
        }
    }

    @org.junit.jupiter.api.Test
    void aSmallMtuStillRelays() {
        // 576 is below the default 1400-byte payload: a DF datagram over the MTU gets "fragmentation needed".
        try (EventLoop loop = new EventLoop()) {
            NativeHostDatagrams datagrams = new NativeHostDatagrams(loop);
            UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
            int sent = Warmup.udp(NetConfig.of("10.0.2.0/24", 576), Stack.DeviceFormat.ETHERNET, datagrams, alloc);
            assertTrue(sent >= 50, "datagrams the warm-up stack relayed at MTU 576: " + sent);
            assertEquals(0, datagrams.openCount(), "sockets left open");
        }
    }
}
