package io.jslirp.tap.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.tap.netns.NamespaceEntry;
import io.jslirp.tap.netns.NamespaceHandles;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.NativeException;
import io.jslirp.tap.sys.Sh;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The requests against a real kernel, in a namespace of the test's own: what {@code ip} shows afterwards. */
@Tag("root")
class NetlinkConfiguratorTest {
    private String ns;

    @AfterEach
    void cleanup() {
        Sh.deleteNetns(ns);
    }

    @Test
    void guestAddressWithoutDadAndDefaultRouteBesideTheRaOne() throws Exception {
        ns = Sh.addNetns("jslirp-nl");
        NamespaceHandles h = NamespaceEntry.openViaSetns(Path.of("/run/netns", ns), true);
        try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
             InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd());
             NetlinkConfigurator nl = new NetlinkConfigurator(h.netlinkFd())) {
            cfg.setUp("tap0");
            int index = cfg.ifIndex("tap0");
            assertNull(GuestIpv6.configure(nl, index, "tap0", Ipv6Config.of("2001:db8:1::/64", 1500)));

            String addr = Sh.inNetns(ns, "ip", "-6", "addr", "show", "dev", "tap0");
            // Usable at once: "nodad" and never "tentative" (the kernel's own link-local address still does DAD).
            assertTrue(addr.contains("inet6 2001:db8:1::100/64 scope global nodad \n"), addr);
            String route = Sh.inNetns(ns, "ip", "-6", "route", "show", "default");
            assertEquals("default via fe80::2 dev tap0 metric 2048 pref medium", route.trim());

            // Replace semantics: a second run over the same tap0 (a restarted jslirp) succeeds and adds nothing.
            assertNull(GuestIpv6.configure(nl, index, "tap0", Ipv6Config.of("2001:db8:1::/64", 1500)));
            assertEquals(route, Sh.inNetns(ns, "ip", "-6", "route", "show", "default"));
            assertEquals(1, Sh.inNetns(ns, "ip", "-6", "addr", "show", "dev", "tap0").split("2001:db8:1::100", -1).length - 1);

            // The kernel's errno and its own words reach the message.
            NativeException gone = assertThrows(NativeException.class,
                    () -> nl.addIpv6AddressNoDad(index + 1000, 0x2001_0db8_0002_0000L, 0x100, 64, "adding to nowhere"));
            assertEquals(Errno.ENODEV, gone.errno());
            assertTrue(gone.getMessage().startsWith("adding to nowhere: No such device"), gone.getMessage());
            NativeException multicast = assertThrows(NativeException.class,
                    () -> nl.addIpv6DefaultRoute(index, 0xff02_0000_0000_0000L, 1, 2048, "adding via ff02::1"));
            assertEquals(Errno.EINVAL, multicast.errno());
            assertTrue(multicast.getMessage().matches("adding via ff02::1: Invalid argument \\(.+\\)"),
                    "extended ack text expected: " + multicast.getMessage());
        }
    }

    /** IPv6 turned off on the TAP (disable_ipv6): a warning, as slirp4netns would just start there. */
    @Test
    void ipv6DisabledOnTheTapIsAWarningNotAFailure() throws Exception {
        ns = Sh.addNetns("jslirp-nl-off");
        NamespaceHandles h = NamespaceEntry.openViaSetns(Path.of("/run/netns", ns), true);
        try (TapDevice tap = TapDevice.attach(h.tunFd(), "tap0");
             InterfaceConfigurator cfg = new InterfaceConfigurator(h.controlSocketFd());
             NetlinkConfigurator nl = new NetlinkConfigurator(h.netlinkFd())) {
            Sh.inNetns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.tap0.disable_ipv6=1");
            cfg.setUp("tap0");
            String warning = GuestIpv6.configure(nl, cfg.ifIndex("tap0"), "tap0", Ipv6Config.defaults(1500));
            assertTrue(warning != null && warning.startsWith("jslirp: warning: IPv6 is off on tap0")
                    && warning.endsWith("-c configured IPv4 only"), warning);
            assertEquals("", Sh.inNetns(ns, "ip", "-6", "route", "show", "default").trim());
        }
    }
}
