package io.jslirp.tap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MainCommandTest {

    private static Settings parse(String... args) {
        return MainCommand.parse(args).settings(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private record Outcome(int status, String out, String err) {
    }

    private static Outcome execute(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every name of every option, as a user writes it. */
    static List<String> names(Getopt command) {
        List<String> names = new java.util.ArrayList<>();
        for (Getopt.Option o : command.options()) {
            if (o.shortName != 0) {
                names.add("-" + o.shortName);
            }
            names.add("--" + o.longName);
        }
        return names;
    }

    @Test
    void defaultsMatchSlirp4netns() {
        Settings s = parse("1234");
        assertEquals(new Target.Pid(1234), s.target());
        assertEquals("tap0", s.tapName());
        assertEquals(1500, s.net().mtu());
        assertEquals(NetConfig.parseIpv4("10.0.2.0"), s.net().network());
        assertEquals(24, s.net().prefixLength());
        assertFalse(s.configure());
        assertEquals(-1, s.readyFd());
        assertEquals(-1, s.exitFd());
        assertNull(s.usernsPath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--mtu=65520", "--mtu 65520", "-m 65520", "-m65520"})
    void mtuInEveryGetoptForm(String flag) {
        String[] parts = flag.split(" ");
        String[] args = new String[parts.length + 1];
        System.arraycopy(parts, 0, args, 0, parts.length);
        args[parts.length] = "42";
        assertEquals(65520, parse(args).net().mtu());
    }

    @Test
    void podmanCommandLine() {
        Settings s = parse("--disable-host-loopback", "--mtu=65520", "--enable-sandbox", "--enable-seccomp",
                "--enable-ipv6", "-c", "-r", "3", "-e", "4", "--netns-type=path", "/run/user/1000/netns/x", "tap0");
        assertEquals(new Target.NetnsPath(Path.of("/run/user/1000/netns/x")), s.target());
        assertTrue(s.configure());
        assertEquals(3, s.readyFd());
        assertEquals(4, s.exitFd());
        assertEquals(65520, s.net().mtu());
        assertTrue(s.disableHostLoopback());
        assertEquals(0, s.outboundAddr());
    }

    @ParameterizedTest
    @CsvSource({
        "--outbound-addr=127.0.0.1, 127.0.0.1",
        "--outbound-addr=127.0.0.2, 127.0.0.2",
        "--outbound-addr=lo, 127.0.0.1",
        "--outbound-addr=0.0.0.0, 0.0.0.0",
    })
    void outboundAddrIsAnAddressOrAHostInterface(String flag, String expected) {
        Settings s = parse(flag, "1");
        assertEquals(NetConfig.parseIpv4(expected), s.outboundAddr());
        assertFalse(s.disableHostLoopback());
        assertNull(s.outboundAddr6());
    }

    @Test
    void runPassesTheRelayFlagsOn() {
        RunCommand run = RunCommand.parse(new String[] {"run", "--disable-host-loopback",
                "--outbound-addr=lo", "--outbound-addr6=::1", "true"}, 1);
        Settings s = run.network.applyTo(Settings.builder(new Target.Pid(1))).build();
        assertTrue(s.disableHostLoopback());
        assertEquals(NetConfig.parseIpv4("127.0.0.1"), s.outboundAddr());
        assertEquals("::1", s.outboundAddr6());
        // What jslirp run does once the command's namespace exists: same flags, the real target.
        Settings moved = s.toBuilder(new Target.Pid(42)).build();
        assertEquals(new Target.Pid(42), moved.target());
        assertTrue(moved.disableHostLoopback());
        assertEquals(s.outboundAddr(), moved.outboundAddr());
        assertEquals("::1", moved.outboundAddr6());
        assertEquals(s.net().toString(), moved.net().toString());
    }

    @Test
    void badOutboundAddrInRunIsAUsageError() {
        Outcome o = execute("run", "--outbound-addr=nosuchif0", "--", "true");
        assertEquals(1, o.status());
        assertEquals("jslirp: outbound-addr has to be valid ipv4 address or interface name.\n"
                + "Try 'jslirp run --help' for more information.\n", o.err());
    }

    @Test
    void rootlesskitCommandLines() {
        Settings attached = parse("--mtu", "65520", "-r", "3", "--cidr", "10.0.3.0/24", "4321", "tap0");
        assertEquals(new Target.Pid(4321), attached.target());
        assertEquals(3, attached.readyFd());
        assertEquals(NetConfig.parseIpv4("10.0.3.2"), attached.net().gateway());

        Settings detached = parse("--mtu", "65520", "-r", "3", "--userns-path=/proc/77/ns/user",
                "--netns-type=path", "/proc/77/ns/net", "tap0");
        assertEquals(Path.of("/proc/77/ns/user"), detached.usernsPath());
        assertEquals(new Target.NetnsPath(Path.of("/proc/77/ns/net")), detached.target());
    }

    @Test
    void clusteredShortOptionsAsGetoptAllows() {
        Settings s = parse("-cr3", "-e4", "99");
        assertTrue(s.configure());
        assertEquals(3, s.readyFd());
        assertEquals(4, s.exitFd());
    }

    @Test
    void netnsShortFormAndTapfd() {
        assertEquals(new Target.NetnsPath(Path.of("/run/netns/a")), parse("--netns", "/run/netns/a").target());
        assertEquals(new Target.NetnsPath(Path.of("/run/netns/a")), parse("--netns=/run/netns/a", "tap1").target());
        assertEquals("tap1", parse("--netns=/run/netns/a", "tap1").tapName());
        assertEquals(new Target.TapFd(5), parse("--netns-type=tapfd", "5").target());
    }

    @Test
    void laterFlagWinsAsWithGetopt() {
        assertEquals(9000, parse("--mtu=1500", "--mtu=9000", "1").net().mtu());
    }

    @Test
    void macaddress() {
        Settings s = parse("-c", "--macaddress", "02:00:00:aa:bb:cc", "1");
        assertEquals(0x0200_00aa_bbccL, s.macAddress());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', quoteCharacter = '`', value = {
        "--mtu=0 1#MTU must be a positive integer (< 65522)",
        "--mtu=65522 1#MTU must be a positive integer (< 65522)",
        "--mtu=abc 1#MTU must be a positive integer (< 65522)",
        "--mtu=67 1#MTU must be a positive integer (< 65522)",
        "--cidr=10.0.2.1/24 1#CIDR needs to be a network address like 10.0.2.0/24, not like 10.0.2.1/24",
        "--cidr=10.0.2.0/26 1#invalid prefix length: 10.0.2.0/26",
        "--cidr=10.0.0.0/0 1#invalid prefix length: 10.0.0.0/0",
        "--cidr=foo 1#invalid CIDR: foo",
        "--cidr=300.0.0.0/8 1#invalid network address: 300.0.0.0/8",
        "-r abc 1#ready-fd must be a non-negative integer",
        "-e -3 1#exit-fd must be a non-negative integer",
        "abc#PID must be a positive integer",
        "0#PID must be a positive integer",
        "--netns-type=foo 1#--netns-type must be one of pid, path, tapfd, not \"foo\"",
        "--netns-type=tapfd x#FD must be a non-negative integer",
        "--macaddress 02:00:00:00:00:01 1#--macaddr cannot be specified when --configure or -c is not specified",
        "-c --macaddress zz 1#\"zz\" is an invalid MAC address.",
        "-c --macaddress 01:00:00:00:00:01 1#\"01:00:00:00:00:01\" is an invalid MAC address.",
        "--target-type=bess 1#--target-type=bess is not supported by jslirp",
        "1 tap0/x#invalid TAP name: \"tap0/x\" (1..15 characters, no '/' or space)",
        "#missing PID|PATH|FD argument",
        "--outbound-addr=nosuchif0 1#outbound-addr has to be valid ipv4 address or interface name.",
        "--outbound-addr=1.2.3 1#outbound-addr has to be valid ipv4 address or interface name.",
        "--outbound-addr=256.1.1.1 1#outbound-addr has to be valid ipv4 address or interface name.",
        "--outbound-addr=::1 1#outbound-addr has to be valid ipv4 address or interface name.",
        "-6 --cidr6=fd00::/48 1#IPv6 prefix length must be 64 (SLAAC needs a /64): fd00::/48",
        "-6 --cidr6=ff05::/64 1#IPv6 prefix must not be multicast: ff05::/64",
        "-6 --cidr6=fe80::/64 1#IPv6 prefix must not be link-local: fe80::/64",
        "-6 --cidr6=fd00::1/64 1#IPv6 prefix needs to be a network address like fd00::/64, not like fd00::1/64",
        "-6 --cidr6=bogus 1#invalid IPv6 prefix (want PREFIX/64, such as fd00::/64): bogus",
        "--cidr6=fd00:1::/64 1#--cidr6 needs -6 (--enable-ipv6)",
    })
    void badInputIsAClearErrorWithStatusOne(String args, String message) {
        Outcome o = execute(args == null ? new String[0] : args.split(" "));
        assertEquals(1, o.status(), o.err());
        assertEquals("jslirp: " + message + "\nTry 'jslirp --help' for more information.\n", o.err());
        assertEquals("", o.out());
    }

    @Test
    void unknownFlagInGetoptWords() {
        Outcome o = execute("--bogus", "1");
        assertEquals(1, o.status());
        assertTrue(o.err().startsWith("jslirp: unrecognized option '--bogus'\n"), o.err());
        Outcome missing = execute("1", "-r");
        assertEquals(1, missing.status());
        assertTrue(missing.err().startsWith("jslirp: option '--ready-fd' requires an argument\n"), missing.err());
        Outcome missingInRun = execute("run", "--mtu");
        assertTrue(missingInRun.err().startsWith("jslirp: option '--mtu' requires an argument\n"), missingInRun.err());
    }

    @Test
    void tooManyArgumentsWarnsAsSlirp4netnsDoes() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        MainCommand.parse("1", "tap0", "extra").settings(new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals("WARNING: too many arguments\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listedMatchesWholeFlagsOnly() {
        assertTrue(HelpText.listed("-c, --configure   bring up", "-c"));
        assertTrue(HelpText.listed("--mtu=MTU  specify", "--mtu"));
        assertTrue(!HelpText.listed("--configure  bring up", "-c"));
        assertTrue(!HelpText.listed("--outbound-addr6=IPv6", "--outbound-addr"));
    }

    @Test
    void helpExitsZeroAndNamesEveryFlag() {
        Outcome o = execute("--help");
        assertEquals(0, o.status());
        assertEquals("", o.err());
        for (String name : names(CommandSpecs.MAIN)) {
            assertTrue(HelpText.listed(o.out(), name), "help lacks " + name);
        }
        // What runtimes grep for before they use a feature.
        for (String flag : new String[] {"--netns-type", "--disable-host-loopback", "--mtu", "--enable-sandbox",
                "--enable-seccomp", "--cidr", "--outbound-addr", "--enable-ipv6", "--userns-path", "--api-socket",
            "--publish"}) {
            assertTrue(HelpText.listed(o.out(), flag), flag);
        }
        assertEquals(0, execute("-h").status());
    }

    @Test
    void runHelpNamesEveryRunFlag() {
        Outcome o = execute("run", "--help");
        assertEquals(0, o.status());
        for (String name : names(CommandSpecs.RUN)) {
            assertTrue(HelpText.listed(o.out(), name), "run help lacks " + name);
        }
    }

    @Test
    void runWithoutCommandIsAnError() {
        Outcome o = execute("run");
        assertEquals(1, o.status());
        assertTrue(o.err().contains("missing COMMAND"), o.err());
        Outcome bad = execute("run", "--mtu=0", "--", "true");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("MTU must be a positive integer (< 65522)"), bad.err());
    }

    @Test
    void runTakesEverythingAfterCommandAsItsArguments() {
        RunCommand run = RunCommand.parse(new String[] {"run", "-m", "9000", "ping", "-c", "3", "10.0.2.2"}, 1);
        assertEquals(java.util.List.of("ping", "-c", "3", "10.0.2.2"), run.command);
        assertEquals(9000, run.network.netConfig().mtu());
    }

    @Test
    void versionFirstLine() {
        Outcome o = execute("--version");
        assertEquals(0, o.status());
        assertTrue(o.out().startsWith("jslirp version "), o.out());
    }

    @ParameterizedTest
    @CsvSource({
        "--outbound-addr6=::1, ::1",
        "--outbound-addr6=2001:DB8:0:0::7, 2001:db8::7",
        "--outbound-addr6=lo, ::1",
    })
    void outboundAddr6IsAnAddressOrAHostInterfacesGlobalOne(String flag, String expected) {
        assertEquals(expected, parse(flag, "1").outboundAddr6());
    }

    @Test
    void outboundAddr6RefusesWhatIsNeitherInSlirp4netnssWords() {
        Outcome o = execute("--outbound-addr6=no-such-if0", "1");
        assertEquals(1, o.status());
        assertTrue(o.err().contains("outbound-addr6 has to be valid ipv6 address or interface name."), o.err());
    }

    @Test
    void ipv6IsOffUnlessAskedAndTakesAnotherSlash64() {
        assertEquals(null, parse("1").net().ipv6());
        assertEquals("fd00::/64 mtu 65520", parse("-6", "--mtu=65520", "1").net().ipv6().toString());
        assertEquals("fd00::/64 mtu 1500", parse("--enable-ipv6", "1").net().ipv6().toString());
        assertEquals("2001:db8:1::/64 mtu 1500", parse("-6", "--cidr6=2001:db8:1::/64", "1").net().ipv6().toString());
        assertEquals("fd12::/64 mtu 1500", parse("-6", "--cidr6", "fd12::/64", "1").net().ipv6().toString());
    }

    @Test
    void dnsFlagsReachSettings() {
        Settings plain = parse("1");
        assertFalse(plain.disableDns());
        assertEquals(Path.of("/etc/resolv.conf"), plain.resolvConf());
        Settings set = parse("--disable-dns", "--resolv-conf", "/tmp/test-resolv.conf", "1");
        assertTrue(set.disableDns());
        assertEquals(Path.of("/tmp/test-resolv.conf"), set.resolvConf());
        assertEquals(Path.of("/tmp/x"), parse("--resolv-conf=/tmp/x", "1").resolvConf());
    }

    @Test
    void runPassesTheDnsFlagsOn() {
        RunCommand run = RunCommand.parse(new String[] {"run", "--disable-dns",
                "--resolv-conf=/tmp/run-resolv.conf", "true"}, 1);
        Settings s = run.network.applyTo(Settings.builder(new Target.Pid(1))).build();
        assertTrue(s.disableDns());
        assertEquals(Path.of("/tmp/run-resolv.conf"), s.resolvConf());
    }

    @Test
    void badFdIsAUsageError() {
        assertThrows(UsageException.class, () -> MainCommand.parseFd("x", "ready-fd"));
    }

    @Test
    void apiSocketReachesSettings() {
        assertNull(parse("1").apiSocket());
        assertEquals(Path.of("/run/user/1000/slirp.sock"), parse("--api-socket", "/run/user/1000/slirp.sock", "1").apiSocket());
        assertEquals(Path.of("/tmp/a.sock"), parse("-a", "/tmp/a.sock", "1").apiSocket());
        assertEquals(Path.of("/tmp/b.sock"), parse("--api-socket=/tmp/b.sock", "1").apiSocket());
    }

    @Test
    void publishInEveryForm() throws Exception {
        Settings s = parse("-p", "8080:80", "--publish=127.0.0.1:5353:53/udp", "-p", "[::1]:8443:443/tcp",
                "--publish", "0:22", "-p8081:81/udp", "1");
        assertEquals(List.of(
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("0.0.0.0"), 8080, 80),
                new Settings.Publish(Protocol.UDP, InetAddress.getByName("127.0.0.1"), 5353, 53),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("::1"), 8443, 443),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("0.0.0.0"), 0, 22),
                new Settings.Publish(Protocol.UDP, InetAddress.getByName("0.0.0.0"), 8081, 81)), s.publish());
        assertEquals("[::1]:8443:443/tcp", s.publish().get(2).toString());
        assertTrue(parse("1").publish().isEmpty());
        assertEquals(2, parse("-p", "0:80", "-p", "0:80", "1").publish().size()); // two free ports
        assertEquals(2, parse("-p", "8080:80", "-p", "8080:80/udp", "1").publish().size());
    }

    @Test
    void publishWithAGuestAddressInEitherFamily() throws Exception {
        Settings s = parse("-6", "-p", "[::1]:8443:[fd00::100]:443", "-p", "[::]:8080:80", "-p", "8081:[fd00::100]:80/udp",
                "-p", "8082:10.0.2.15:80", "-p", "127.0.0.1:8083:10.0.2.100:80/tcp", "-p", "8084:[::ffff:10.0.2.100]:80",
                "-p", "[::1]:8085:[FD00:0:0:0:0:0:0:AbC]:80", "1");
        assertEquals(List.of(
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("::1"), 8443, InetAddress.getByName("fd00::100"), 443),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("::"), 8080, null, 80),
                new Settings.Publish(Protocol.UDP, InetAddress.getByName("0.0.0.0"), 8081, InetAddress.getByName("fd00::100"), 80),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("0.0.0.0"), 8082, InetAddress.getByName("10.0.2.15"), 80),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("127.0.0.1"), 8083, InetAddress.getByName("10.0.2.100"), 80),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("0.0.0.0"), 8084, InetAddress.getByName("10.0.2.100"), 80),
                new Settings.Publish(Protocol.TCP, InetAddress.getByName("::1"), 8085, InetAddress.getByName("fd00::abc"), 80)),
                s.publish());
        assertEquals("[::1]:8443:[fd00::100]:443/tcp", s.publish().get(0).toString());
        assertEquals("[::]:8080:80/tcp", s.publish().get(1).toString());
        assertEquals("0.0.0.0:8082:10.0.2.15:80/tcp", s.publish().get(3).toString());
        // Docker's three fields stay Docker's: a host address first, unless the first field is a port and the second is not
        assertEquals(InetAddress.getByName("127.0.0.1"), parse("-p", "127.0.0.1:8080:80", "1").publish().get(0).hostAddr());
        assertNull(parse("-p", "127.0.0.1:8080:80", "1").publish().get(0).guestAddr());
        // --cidr6 moves the prefix an IPv6 guest address must be in
        assertEquals(InetAddress.getByName("2001:db8:6::100"), parse("-6", "--cidr6=2001:db8:6::/64", "-p",
                "8080:[2001:db8:6::100]:80", "1").publish().get(0).guestAddr());
        // and --cidr the IPv4 one
        assertEquals(InetAddress.getByName("10.0.3.7"), parse("--cidr=10.0.3.0/24", "-p", "8080:10.0.3.7:80", "1")
                .publish().get(0).guestAddr());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
        "8080:[fd00::2]:80#fd00::2",
        "8080:[fd00::3]:80#fd00::3",
        "8080:[fd00::]:80#fd00::",
        "8080:[fd01::100]:80#fd01::100",
        "8080:[::1]:80#::1",
    })
    void anIpv6GuestAddressOutsideTheGuestsIsRefused(String value, String what) {
        Outcome o = execute("-6", "--publish=" + value, "1");
        assertEquals(1, o.status(), o.err());
        assertEquals("jslirp: invalid --publish value \"" + value + "\": the guest address must be in fd00::/64, other than "
                + "fd00::, fd00::2 and fd00::3\nTry 'jslirp --help' for more information.\n", o.err(), what);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', quoteCharacter = '`', value = {
        "80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "8080:80/sctp#the protocol must be tcp or udp, not \"sctp\"",
        "8080:80/TCP#the protocol must be tcp or udp, not \"TCP\"",
        "8080:80/#the protocol must be tcp or udp, not \"\"",
        "localhost:8080:80#not an IPv4 address: \"localhost\"",
        ":8080:80#not an IPv4 address: \"\"",
        "1.2.3:8080:80#not an IPv4 address: \"1.2.3\"",
        "::1:8080:80#an IPv6 address goes in brackets, as in [::1]:8080:80 or 8080:[fd00::100]:80",
        "8080:fd00::100:80#an IPv6 address goes in brackets, as in [::1]:8080:80 or 8080:[fd00::100]:80",
        "1:2:3:4:5#an IPv6 address goes in brackets, as in [::1]:8080:80 or 8080:[fd00::100]:80",
        "8080:[10.0.2.100]:80#not an IPv6 address: \"10.0.2.100\"",
        "8080:[fd00::100:80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "8080:[fd00::100]80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "8080:[fd00::100]#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "[::1]:[::2]:80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "8080:[fd00::1]x:80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "8080:ho[st:80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "8080:guest:80#not an IPv4 address: \"guest\"",
        "8080:10.0.2:80#not an IPv4 address: \"10.0.2\"",
        "[::1]:8080:[fd00::zz]:80#not an IPv6 address: \"fd00::zz\"",
        "[::1]:8080:10.0.2.100:x#the guest port must be a number 1..65535, not \"x\"",
        "x:8080:10.0.2.100:80#not an IPv4 address: \"x\"",
        "8080:10.0.2.2:80#the guest address must be a guest of 10.0.2.0/24 other than its network, broadcast, gateway and DNS addresses",
        "8080:192.168.1.1:80#the guest address must be a guest of 10.0.2.0/24 other than its network, broadcast, gateway and DNS addresses",
        "8080:[fd00::100]:80#an IPv6 guest address needs -6 (--enable-ipv6)",
        "[::1:8080:80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "[::1]8080:80#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "[127.0.0.1]:8080:80#not an IPv6 address: \"127.0.0.1\"",
        "[::1]:8080#expected [HOST_ADDR:]HOST_PORT:[GUEST_ADDR:]GUEST_PORT[/tcp|/udp]",
        "65536:80#the host port must be a number 0..65535, not \"65536\"",
        "-1:80#the host port must be a number 0..65535, not \"-1\"",
        "x:80#the host port must be a number 0..65535, not \"x\"",
        "8080:0#the guest port must be a number 1..65535, not \"0\"",
        "8080:+80#the guest port must be a number 1..65535, not \"+80\"",
        "8080:#the guest port must be a number 1..65535, not \"\"",
    })
    void badPublishIsAClearErrorWithStatusOne(String value, String reason) {
        String v = value == null ? "" : value;
        Outcome o = execute("--publish=" + v, "1");
        assertEquals(1, o.status(), o.err());
        assertEquals("jslirp: invalid --publish value \"" + v + "\": " + reason + "\nTry 'jslirp --help' for more information.\n",
                o.err());
        Outcome run = execute("run", "-p", v, "true");
        assertEquals(1, run.status(), run.err());
        assertEquals("jslirp: invalid --publish value \"" + v + "\": " + reason + "\nTry 'jslirp run --help' for more information.\n",
                run.err());
    }

    @Test
    void busyPollIsFiftyMicrosecondsUnlessSaidOtherwise() {
        assertEquals(Settings.DEFAULT_BUSY_POLL_MICROS, parse("1").busyPollMicros());
        assertEquals(50, Settings.DEFAULT_BUSY_POLL_MICROS);
        assertEquals(0, parse("--busy-poll=0", "1").busyPollMicros());
        assertEquals(1000, parse("--busy-poll", "1000", "1").busyPollMicros());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "-1", "1001", "1e3", " 5", "99999999"})
    void badBusyPollIsAClearErrorWithStatusOne(String v) {
        String reason = "jslirp: invalid --busy-poll value \"" + v + "\": expected microseconds, 0 (off) to 1000\n";
        Outcome o = execute("--busy-poll=" + v, "1");
        assertEquals(1, o.status(), o.err());
        assertEquals(reason + "Try 'jslirp --help' for more information.\n", o.err());
        Outcome run = execute("run", "--busy-poll=" + v, "true");
        assertEquals(1, run.status(), run.err());
        assertEquals(reason + "Try 'jslirp run --help' for more information.\n", run.err());
    }

    @Test
    void publishingTheSamePortTwiceIsAnError() {
        Outcome o = execute("-p", "8080:80", "-p", "0.0.0.0:8080:81", "1");
        assertEquals(1, o.status());
        assertEquals("jslirp: invalid --publish value \"0.0.0.0:8080:81\": published twice: 0.0.0.0:8080:81/tcp\n"
                + "Try 'jslirp --help' for more information.\n", o.err());
    }

    @Test
    void runPassesPublishAndApiSocketOn() {
        RunCommand run = RunCommand.parse(new String[] {"run", "-p", "8080:80", "--publish", "9090:90/udp",
                "-a", "/tmp/run.sock", "sh", "-p"}, 1);
        assertEquals(java.util.List.of("sh", "-p"), run.command);
        Settings s = run.network.applyTo(Settings.builder(new Target.Pid(1))).build();
        Settings moved = s.toBuilder(new Target.Pid(42)).build();
        assertEquals(2, moved.publish().size());
        assertEquals("0.0.0.0:8080:80/tcp", moved.publish().get(0).toString());
        assertEquals("0.0.0.0:9090:90/udp", moved.publish().get(1).toString());
        assertEquals(Path.of("/tmp/run.sock"), moved.apiSocket());
    }
}
