package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.PortForwards.Protocol;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static InetAddress addr(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void noApiSocketAndNothingPublishedByDefault() {
        Settings s = Settings.builder(new Target.Pid(1)).build();
        assertNull(s.apiSocket());
        assertTrue(s.publish().isEmpty());
    }

    @Test
    void apiSocketAndPublishSurviveRetargeting() throws Exception {
        Settings.Publish web = new Settings.Publish(Protocol.TCP, addr("0.0.0.0"), 8080, 80);
        Settings.Publish dns = new Settings.Publish(Protocol.UDP, addr("::1"), 5353, 53);
        Settings s = Settings.builder(new Target.Pid(1)).apiSocket(Path.of("/tmp/api.sock")).publish(web).publish(dns).build();
        Settings moved = s.toBuilder(new Target.Pid(2)).build();
        assertEquals(Path.of("/tmp/api.sock"), moved.apiSocket());
        assertEquals(List.of(web, dns), moved.publish());
        assertThrows(UnsupportedOperationException.class, () -> moved.publish().add(web));
    }

    @Test
    void publishPortsInRange() throws Exception {
        InetAddress any = addr("0.0.0.0");
        assertEquals(0, new Settings.Publish(Protocol.TCP, any, 0, 1).hostPort());
        assertEquals(65535, new Settings.Publish(Protocol.TCP, any, 65535, 65535).guestPort());
        assertThrows(IllegalArgumentException.class, () -> new Settings.Publish(Protocol.TCP, any, 65536, 80));
        assertThrows(IllegalArgumentException.class, () -> new Settings.Publish(Protocol.TCP, any, -1, 80));
        assertThrows(IllegalArgumentException.class, () -> new Settings.Publish(Protocol.TCP, any, 80, 0));
        assertThrows(IllegalArgumentException.class, () -> new Settings.Publish(Protocol.UDP, any, 80, 65536));
    }

    @Test
    void theSameHostPortTwiceIsRefusedButFreePortsAreNot() throws Exception {
        Settings.Builder b = Settings.builder(new Target.Pid(1))
                .publish(new Settings.Publish(Protocol.TCP, addr("127.0.0.1"), 8080, 80))
                .publish(new Settings.Publish(Protocol.UDP, addr("127.0.0.1"), 8080, 80))
                .publish(new Settings.Publish(Protocol.TCP, addr("::1"), 8080, 80))
                .publish(new Settings.Publish(Protocol.TCP, addr("0.0.0.0"), 0, 80))
                .publish(new Settings.Publish(Protocol.TCP, addr("0.0.0.0"), 0, 80));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.publish(new Settings.Publish(Protocol.TCP, addr("127.0.0.1"), 8080, 81)));
        assertEquals("published twice: 127.0.0.1:8080:81/tcp", e.getMessage());
        assertEquals(5, b.build().publish().size());
    }

    @Test
    void publishPrintsInTheFlagsSyntax() throws Exception {
        assertEquals("0.0.0.0:8080:80/tcp", new Settings.Publish(Protocol.TCP, addr("0.0.0.0"), 8080, 80).toString());
        assertEquals("[::]:53:53/udp", new Settings.Publish(Protocol.UDP, addr("::"), 53, 53).toString());
    }
}
