package io.jslirp.tap.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RootlessKit style: the runtime creates {@code tap0} with {@code ip tuntap add} and configures the
 * guest itself; jslirp is started without {@code -c} and attaches to the existing device.
 */
@Tag("e2e")
@Timeout(60)
class ExistingTapIT {

    @Test
    void attachesToAPreCreatedTapWithoutConfigure() throws Exception {
        try (NsHolder h = NsHolder.netns()) {
            Cmd.ok(E2e.SHORT, h.enter("ip", "tuntap", "add", "name", "tap0", "mode", "tap"));
            try (Jslirp j = Jslirp.builder().ready3()
                    .args("--mtu", "65520", Long.toString(h.pid), "tap0").start().awaitReady()) {
                Guest g = Guest.of(h, j);
                g.mustRun("ip", "link", "set", "tap0", "mtu", "65520");
                g.configureTapYourself("tap0");
                g.ping("10.0.2.2");
                g.ping("10.0.2.3");
            }
        }
    }

    @Test
    void attachesByPathToAPreCreatedTap() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.ok("ip", "tuntap", "add", "name", "tap0", "mode", "tap");
            try (Jslirp j = Jslirp.builder().ready3()
                    .args("--netns-type=path", ns.path().toString(), "tap0").start().awaitReady()) {
                Guest g = Guest.of(ns, j);
                g.configureTapYourself("tap0");
                g.ping("10.0.2.2");
            }
        }
    }
}
