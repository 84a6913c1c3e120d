package io.jslirp.tap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * What the CLI leaves out of a runtime's start (Main.newCommandLine): the {@code run} model when no argument names
 * it, and picocli's converters for types no option has; neither may change what a command line means.
 */
class StartupCostTest {

    private static Settings parse(boolean withRun, String... args) {
        MainCommand main = new MainCommand();
        Main.newCommandLine(main, withRun).parseArgs(args);
        return main.settings(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    /** Every value a flag of the main command can set, in one line, for comparing two parses. */
    private static String describe(Settings s) {
        return String.join("|", String.valueOf(s.target()), String.valueOf(s.usernsPath()), s.tapName(),
                String.valueOf(s.net().mtu()), String.valueOf(s.net().network()), String.valueOf(s.net().ipv6() != null),
                String.valueOf(s.configure()), Long.toHexString(s.macAddress()), String.valueOf(s.readyFd()),
                String.valueOf(s.exitFd()), String.valueOf(s.pcapPath()), String.valueOf(s.disableHostLoopback()),
                String.valueOf(s.outboundAddr()), String.valueOf(s.outboundAddr6()), String.valueOf(s.disableDns()),
                String.valueOf(s.busyPollMicros()), String.valueOf(s.resolvConf()), String.valueOf(s.apiSocket()),
                String.valueOf(s.publish()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1234",
        "-c -r 3 1234 tap0",
        "-c -e 4 -r 5 --mtu=65520 --enable-ipv6 --cidr6=fd12:3456::/64 --api-socket /tmp/api.sock 1234 tap1",
        "--netns-type=path /run/netns/a eth0",
        "--netns /run/netns/a --userns-path=/proc/1/ns/user",
        "-c --cidr=10.9.0.0/24 --macaddress=02:00:00:00:00:01 --disable-host-loopback --disable-dns -p 8080:80 -p 53:53/udp 1",
        "--outbound-addr=127.0.0.1 --outbound-addr6=::1 --busy-poll=0 --resolv-conf=/etc/hosts --pcap=/tmp/x.pcap 1",
        "-m 1500 -m 9000 1"})
    void withoutTheRunModelACommandLineMeansTheSame(String line) {
        String[] args = line.split(" ");
        assertFalse(Main.mentions(args, "run"));
        assertEquals(describe(parse(true, args)), describe(parse(false, args)));
    }

    @Test
    void theRunModelIsBuiltOnlyWhenAnArgumentSaysRun() {
        assertTrue(Main.newCommandLine(new MainCommand(), false).getSubcommands().isEmpty());
        assertTrue(Main.newCommandLine(new MainCommand(), true).getSubcommands().containsKey("run"));
        assertTrue(Main.mentions(new String[] {"run", "true"}, "run"));
        assertTrue(Main.mentions(new String[] {"-m", "9000", "run", "true"}, "run"));
        assertFalse(Main.mentions(new String[] {"--run", "1"}, "run"));
        assertFalse(Main.mentions(new String[0], "run"));
    }

    @Test
    void picocliLeavesOutTheTimeAndSqlConvertersButKeepsPath() {
        String before = System.getProperty(Main.CONVERTER_EXCLUDES);
        try {
            System.clearProperty(Main.CONVERTER_EXCLUDES);
            Main.excludeUnusedConverters();
            String excludes = System.getProperty(Main.CONVERTER_EXCLUDES);
            for (String type : List.of("java.time.Duration", "java.time.ZonedDateTime", "java.sql.Timestamp",
                    "java.sql.Connection")) {
                assertTrue(List.of(excludes.split(",")).stream().anyMatch(type::matches), type + " not excluded");
            }
            assertFalse(List.of(excludes.split(",")).stream().anyMatch("java.nio.file.Path"::matches));
            // Path options still convert.
            MainCommand main = new MainCommand();
            Main.newCommandLine(main, false).parseArgs("--userns-path=/proc/1/ns/user", "1");
            assertEquals(Path.of("/proc/1/ns/user"), main.usernsPath);

            // Whoever starts jslirp may say otherwise.
            System.setProperty(Main.CONVERTER_EXCLUDES, "java\\.net\\..*");
            Main.excludeUnusedConverters();
            assertEquals("java\\.net\\..*", System.getProperty(Main.CONVERTER_EXCLUDES));
        } finally {
            if (before == null) {
                System.clearProperty(Main.CONVERTER_EXCLUDES);
            } else {
                System.setProperty(Main.CONVERTER_EXCLUDES, before);
            }
        }
    }

    @Test
    void everyOptionWritesItsOwnFieldAndOnlyThat() {
        MainCommand main = new MainCommand();
        CommandLine cl = Main.newCommandLine(main, true);
        cl.parseArgs("-c", "-e", "4", "-r", "5", "--netns-type=path", "--userns-path=/u", "--target-type=netns",
                "--enable-sandbox", "--enable-seccomp", "-m", "9000", "--cidr=10.9.0.0/24", "--macaddress=m",
                "--pcap=/p", "-6", "--cidr6=fd12::/64", "-a", "/a", "-p", "1:2", "--disable-host-loopback",
                "--disable-dns", "--busy-poll=7", "--resolv-conf=/r", "--outbound-addr=o4", "--outbound-addr6=o6",
                "/n", "tapx");
        assertEquals(List.of(true, "4", "5", "path", Path.of("/u"), "netns", true, true, false, false),
                List.of(main.configure, main.exitFd, main.readyFd, main.netnsType, main.usernsPath, main.targetType,
                        main.enableSandbox, main.enableSeccomp, main.help, main.version));
        NetworkOptions n = main.network;
        assertEquals(List.of("9000", "10.9.0.0/24", "m", Path.of("/p"), true, "fd12::/64", Path.of("/a"), List.of("1:2"),
                        true, true, "7", Path.of("/r"), "o4", "o6"),
                List.of(n.mtu, n.cidr, n.macAddress, n.pcap, n.enableIpv6, n.cidr6, n.apiSocket, n.publish,
                        n.disableHostLoopback, n.disableDns, n.busyPoll, n.resolvConf, n.outboundAddr, n.outboundAddr6));
        assertEquals(List.of("/n", "tapx"), main.positional);

        RunCommand run = new RunCommand();
        CommandLine rl = new CommandLine(CommandSpecs.run(run));
        rl.setStopAtPositional(true);
        rl.parseArgs("-m", "1400", "ping", "-c", "1");
        assertEquals("1400", run.network.mtu);
        assertEquals(List.of("ping", "-c", "1"), run.command);
        assertFalse(run.help);
    }
}
