package io.jslirp.tap.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.netns.NamespaceEntry;
import io.jslirp.tap.netns.NamespaceHandles;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.NativeException;
import io.jslirp.tap.sys.Sh;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The result inside the namespace must be what slirp4netns --configure leaves there. */
@Tag("root")
class InterfaceConfiguratorTest {
    private String ns;

    @AfterEach
    void cleanup() {
        Sh.deleteNetns(ns);
    }

    @Test
    void reproducesSlirp4netnsConfigure() throws Exception {
        ns = Sh.addNetns("jslirp-cfg");
        NamespaceHandles h = NamespaceEntry.openViaSetns(Path.of("/run/netns", ns));
        try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
             InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd())) {
            // slirp4netns's order: lo up, then tap0 mtu, mac, address, up, default route.
            cfg.setUp("lo");
            cfg.setMtu("tap0", 65520);
            cfg.setMac("tap0", 0x0255AABBCCDDL);
            cfg.setAddress("tap0", 0x0A000264, 0xFFFFFF00, 0x0A0002FF);
            cfg.setUp("tap0");
            cfg.addDefaultRoute("tap0", 0x0A000202);

            String addr = Sh.inNetns(ns, "ip", "-4", "addr", "show", "tap0");
            assertTrue(addr.contains("    inet 10.0.2.100/24 brd 10.0.2.255 scope global tap0\n"), addr);
            List<String> routes = Arrays.stream(Sh.inNetns(ns, "ip", "route").split("\n")).map(String::trim).toList();
            assertEquals(List.of("default via 10.0.2.2 dev tap0",
                    "10.0.2.0/24 dev tap0 proto kernel scope link src 10.0.2.100"), routes);
            String link = Sh.inNetns(ns, "ip", "link", "show", "tap0");
            assertTrue(link.contains("mtu 65520") && link.contains("link/ether 02:55:aa:bb:cc:dd"), link);
            assertTrue(link.contains(",UP,") || link.contains("<UP,"), link);
            assertTrue(Sh.inNetns(ns, "ip", "link", "show", "lo").contains("UP"));
            assertEquals(65520, cfg.mtu("tap0"));
            assertTrue((cfg.flags("lo") & InterfaceConfigurator.IFF_UP) != 0);
            assertEquals(Integer.parseInt(link.substring(0, link.indexOf(':'))), cfg.ifIndex("tap0"));

            NativeException dup = assertThrows(NativeException.class, () -> cfg.addDefaultRoute("tap0", 0x0A000202));
            assertEquals("SIOCADDRT default via 10.0.2.2 dev tap0: File exists", dup.getMessage());
            NativeException absent = assertThrows(NativeException.class, () -> cfg.ifIndex("nope0"));
            assertEquals(Errno.ENODEV, absent.errno());
            assertEquals("SIOCGIFINDEX nope0: No such device", absent.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cfg.setUp("a-name-longer-than-15"));
        }
    }

    @Test
    void txQueueLengthIsTheTapRingDepth() throws Exception {
        ns = Sh.addNetns("jslirp-txq");
        NamespaceHandles h = NamespaceEntry.openViaSetns(Path.of("/run/netns", ns));
        try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
             InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd())) {
            int before = cfg.txQueueLength("tap0");
            cfg.setTxQueueLength("tap0", 10_000);
            assertEquals(10_000, cfg.txQueueLength("tap0"));
            assertTrue(Sh.inNetns(ns, "ip", "link", "show", "tap0").contains("qlen 10000"));
            assertTrue(before != 10_000, "the default should differ, or this test proves nothing: " + before);
        }
    }
}
