package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.Ipv6Config;
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
        assertThrows(ForwardException.class, () -> table.add(Protocol.TCP, any, 8080, InetAddress.getByName("192.168.1.1"), 80));
        assertThrows(ForwardException.class, () -> table.add(Protocol.UDP, any, 8080, InetAddress.getByName("10.0.2.2"), 80));
        // without -6 no IPv6 guest address is the guest's
        assertThrows(ForwardException.class, () -> table.add(Protocol.TCP, any, 8080, InetAddress.getByName("fd00::100"), 80));
        assertFalse(table.remove(1));
        assertTrue(table.list().isEmpty());
    }

    @Test
    void withIpv6OnlyTheGuestsOwnIpv6AddressesAreTaken() throws Exception {
        NetConfig net = NetConfig.defaults().withIpv6(Ipv6Config.defaults(1500));
        Stack stack6 = new Stack(net, new FakeClock(), new CapturingSink(), PooledByteBufAllocator.DEFAULT);
        ForwardTable table6 = ForwardTable.of(stack6.forwards());
        InetAddress any6 = InetAddress.getByName("::");
        for (String refused : new String[] {"fd00::", "fd00::2", "fd00::3", "fd01::100", "::1", "fe80::100"}) {
            assertThrows(ForwardException.class, () -> table6.add(Protocol.TCP, any6, 8080, InetAddress.getByName(refused), 80),
                    refused);
        }
        ApiProtocol api = new ApiProtocol(table6, net);
        byte[] add = ("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":8080,"
                + "\"guest_addr\":\"fd01::100\",\"guest_port\":80}}").getBytes(StandardCharsets.UTF_8);
        assertEquals("{\"error\":{\"desc\":\"bad request: add_hostfwd: slirp_add_hostfwd failed\"}}",
                new String(api.handle(add, add.length), StandardCharsets.UTF_8), "outside the prefix, as IPv4 outside the network");
        assertTrue(table6.list().isEmpty());
        stack6.close();
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
