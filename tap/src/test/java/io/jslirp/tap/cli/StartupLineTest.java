package io.jslirp.tap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jslirp.tap.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The IPv6 part of {@code jslirp: serving ...}: the prefix, and the guest's address only when -c put it there. */
class StartupLineTest {
    private static Settings parse(String... args) {
        return MainCommand.parse(args).settings(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void ipv6Summary() {
        assertEquals("", Main.ipv6Summary(parse("-c", "1")));
        assertEquals(", ipv6 fd00::/64 guest by SLAAC", Main.ipv6Summary(parse("-6", "1")));
        assertEquals(", ipv6 fd00::/64 guest fd00::100", Main.ipv6Summary(parse("-c", "-6", "1")));
        assertEquals(", ipv6 2001:db8:1::/64 guest 2001:db8:1::100",
                Main.ipv6Summary(parse("-c", "-6", "--cidr6=2001:db8:1::/64", "1")));
    }
}
