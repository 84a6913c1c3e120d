package io.jslirp.tap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** getopt_long's rules as {@link Getopt} applies them to jslirp's two commands. */
class GetoptTest {

    private static String error(Runnable parse) {
        return assertThrows(UsageException.class, parse::run).getMessage();
    }

    @Test
    void everyOptionWritesItsOwnFieldAndOnlyThat() {
        MainCommand main = MainCommand.parse("-c", "-e", "4", "-r", "5", "--netns-type=path", "--userns-path=/u",
                "--target-type=netns", "--enable-sandbox", "--enable-seccomp", "-m", "9000", "--cidr=10.9.0.0/24",
                "--macaddress=m", "--pcap=/p", "-6", "--cidr6=fd12::/64", "-a", "/a", "-p", "1:2", "--disable-host-loopback",
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
        assertEquals(Path.of("/run/netns/a"), MainCommand.parse("--netns", "/run/netns/a").netns);
        assertTrue(MainCommand.parse("-h").help);
        assertTrue(MainCommand.parse("-v").version);

        RunCommand run = RunCommand.parse(new String[] {"run", "-m", "1400", "-h", "ping", "-c", "1"}, 1);
        assertEquals("1400", run.network.mtu);
        assertEquals(List.of("ping", "-c", "1"), run.command);
        assertTrue(run.help);
    }

    @Test
    void namesAreUniqueWithinACommand() {
        for (Getopt command : List.of(CommandSpecs.MAIN, CommandSpecs.RUN)) {
            Set<String> seen = new HashSet<>();
            for (String name : MainCommandTest.names(command)) {
                assertTrue(seen.add(name), name);
            }
        }
    }

    @Test
    void anUnambiguousAbbreviationNamesItsOptionAndAnExactNameWinsOverLongerOnes() {
        MainCommand m = MainCommand.parse("--conf", "--mt", "9000", "--ready=3", "--disable-d", "--cidr", "10.0.3.0/24",
                "--outbound-addr", "lo", "--netns", "/x");
        assertTrue(m.configure);
        assertEquals("9000", m.network.mtu);
        assertEquals("3", m.readyFd);
        assertTrue(m.network.disableDns);
        assertFalse(m.network.disableHostLoopback);
        assertEquals("10.0.3.0/24", m.network.cidr);
        assertEquals(null, m.network.cidr6);
        assertEquals("lo", m.network.outboundAddr);
        assertEquals(Path.of("/x"), m.netns);
        assertEquals(null, m.netnsType);
        assertEquals("option '--e' is ambiguous; possibilities: '--exit-fd' '--enable-ipv6' '--enable-sandbox' "
                + "'--enable-seccomp'", error(() -> MainCommand.parse("--e", "1")));
        // run has one --enable-: there it is not ambiguous; and main's own options are not run's.
        assertTrue(RunCommand.parse(new String[] {"run", "--e", "true"}, 1).network.enableIpv6);
        assertEquals("unrecognized option '--conf'", error(() -> RunCommand.parse(new String[] {"run", "--conf", "x"}, 1)));
        assertEquals("option '--mtu' requires an argument", error(() -> MainCommand.parse("--mt")));
    }

    @Test
    void optionsAfterPositionalArgumentsCountForMainButAreTheCommandsForRun() {
        MainCommand m = MainCommand.parse("1", "-c", "tap1", "--mtu", "9000");
        assertEquals(List.of("1", "tap1"), m.positional);
        assertTrue(m.configure);
        assertEquals("9000", m.network.mtu);
        RunCommand r = RunCommand.parse(new String[] {"run", "-6", "sh", "-c", "--mtu", "9000"}, 1);
        assertEquals(List.of("sh", "-c", "--mtu", "9000"), r.command);
        assertEquals(null, r.network.mtu);
        assertEquals(List.of("-c", "--x"), MainCommand.parse("--", "-c", "--x").positional);
    }

    @Test
    void publishAccumulatesWhereOtherOptionsAreReplaced() {
        MainCommand m = MainCommand.parse("-p", "1:2", "-m", "1400", "--publish=3:4", "-m9000", "-p5:6", "-r3", "-r", "4", "1");
        assertEquals(List.of("1:2", "3:4", "5:6"), m.network.publish);
        assertEquals("9000", m.network.mtu);
        assertEquals("4", m.readyFd);
    }

    @Test
    void aClusterStopsAtTheFirstOptionThatTakesAValue() {
        MainCommand m = MainCommand.parse("-6cm9000", "-ca/tmp/a.sock", "1");
        assertTrue(m.network.enableIpv6);
        assertTrue(m.configure);
        assertEquals("9000", m.network.mtu);
        assertEquals(Path.of("/tmp/a.sock"), m.network.apiSocket);
        assertEquals("unrecognized option '-x'", error(() -> MainCommand.parse("-6cx", "1")));
    }
}
