package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.PortForwards.ForwardException;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.stack.testing.CapturingSink;
import io.jslirp.stack.testing.FakeClock;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The adapter onto the stack's own table, on the paths PortForwards decides before any socket. */
@ExtendWith(LeakCheckExtension.class)
class ForwardTableTest {
    private final Stack stack = new Stack(NetConfig.defaults(), new FakeClock(), new CapturingSink(),
            PooledByteBufAllocator.DEFAULT);
    private final ForwardTable table = ForwardTable.of(stack.forwards());

    @Test
    void passesRefusalsThroughAndListsNothing() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        assertThrows(ForwardException.class, () -> table.add(Protocol.TCP, any, 8080, NetConfig.parseIpv4("192.168.1.1"), 80));
        assertThrows(ForwardException.class, () -> table.add(Protocol.UDP, any, 8080, NetConfig.defaults().gateway(), 80));
        assertFalse(table.remove(1));
        assertTrue(table.list().isEmpty());
    }

    @Test
    void theProtocolAnswersFromTheStacksTable() {
        ApiProtocol api = new ApiProtocol(table, NetConfig.defaults());
        byte[] add = ("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":8080,"
                + "\"guest_addr\":\"10.0.2.3\",\"guest_port\":53}}").getBytes(StandardCharsets.UTF_8);
        assertEquals("{\"error\":{\"desc\":\"bad request: add_hostfwd: slirp_add_hostfwd failed\"}}",
                new String(api.handle(add, add.length), StandardCharsets.UTF_8));
        byte[] list = "{\"execute\":\"list_hostfwd\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("{\"return\":{\"entries\":[]}}", new String(api.handle(list, list.length), StandardCharsets.UTF_8));
    }
}
