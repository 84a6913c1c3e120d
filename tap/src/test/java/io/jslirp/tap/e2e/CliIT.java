package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import io.jslirp.tap.cli.HelpText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line as runtimes and people use it: help, version, option forms, and bad input. */
@Tag("e2e")
@Timeout(60)
class CliIT {
    private static final Duration T = Duration.ofSeconds(15);

    private static Cmd.Result run(String... args) {
        return Cmd.run(T, E2e.concat(E2e.command(), args));
    }

    /** Flags that runtimes grep --help for (RootlessKit: --netns-type; podman: the rest). */
    private static final List<String> RUNTIME_FLAGS = List.of("--netns-type", "--disable-host-loopback", "--mtu",
            "--enable-sandbox", "--enable-seccomp", "--cidr", "--outbound-addr", "--enable-ipv6");

    private static final List<String> ALL_FLAGS = List.of("-c", "--configure", "-e", "--exit-fd", "-r", "--ready-fd",
            "-m", "--mtu", "-6", "--enable-ipv6", "-a", "--api-socket", "--cidr", "--disable-host-loopback",
            "--netns-type", "--userns-path", "--enable-sandbox", "--enable-seccomp", "--outbound-addr",
            "--outbound-addr6", "--disable-dns", "--macaddress", "-h", "--help", "-v", "--version");

    @Test
    void helpListsEveryFlagAndExitsZero() {
        for (String form : List.of("--help", "-h")) {
            Cmd.Result r = run(form);
            assertEquals(0, r.exit(), r.describe());
            String text = r.out() + r.err();
            for (String flag : RUNTIME_FLAGS) {
                assertTrue(HelpText.listed(text, flag), "runtimes look for " + flag + " in " + form + ": " + r.describe());
            }
            for (String flag : ALL_FLAGS) {
                assertTrue(HelpText.listed(text, flag), form + " must list " + flag + ": " + r.describe());
            }
            if (E2e.isJslirp()) {
                for (String more : List.of("--pcap", "tapfd", "run", "-p", "--publish")) {
                    assertTrue(HelpText.listed(text, more), "jslirp's " + form + " must mention " + more + ": " + r.describe());
                }
            }
        }
    }

    @Test
    void launcherHelpWorksToo() {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        Cmd.Result r = Cmd.run(T, E2e.launcher(), "--help");
        assertEquals(0, r.exit(), r.describe());
        assertTrue((r.out() + r.err()).contains("--netns-type"), r.describe());
    }

    @Test
    void launcherTakesACollectorFromJslirpJavaOpts() {
        assumeTrue(E2e.isJslirp(), "the ./jslirp launcher is jslirp's");
        Cmd.Result r = Cmd.run(T, List.of(E2e.launcher(), "--version"),
                java.util.Map.of("JSLIRP_JAVA_OPTS", "-XX:+UseG1GC -Xlog:gc:stderr"));
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.out().startsWith("jslirp version "), r.describe());
        assertTrue(r.err().contains("Using G1"), r.describe());
        Cmd.Result plain = Cmd.run(T, List.of(E2e.launcher(), "--version"), java.util.Map.of("JSLIRP_JAVA_OPTS", "-Xlog:gc:stderr"));
        assertEquals(0, plain.exit(), plain.describe());
        assertTrue(plain.err().contains("Using Serial"), plain.describe());
        // Options that only mention GC are not collectors: the serial default stays.
        Cmd.Result other = Cmd.run(T, List.of(E2e.launcher(), "--version"),
                java.util.Map.of("JSLIRP_JAVA_OPTS", "-XX:+UseGCOverheadLimit -XX:+UseNUMA -XX:MaxGCPauseMillis=50 -Xlog:gc:stderr"));
        assertEquals(0, other.exit(), other.describe());
        assertTrue(other.err().contains("Using Serial"), other.describe());
    }

    @Test
    void versionSaysVersion() {
        for (String form : List.of("--version", "-v")) {
            Cmd.Result r = run(form);
            assertEquals(0, r.exit(), r.describe());
            String first = r.out().lines().findFirst().orElse("");
            assertTrue(first.contains("version"), "first line of " + form + " must contain 'version': " + r.describe());
            if (E2e.isJslirp()) {
                assertTrue(first.startsWith("jslirp version "), r.describe());
            }
        }
    }

    static Stream<Arguments> acceptedForms() {
        return Stream.of(
                Arguments.of(List.of("--mtu=65520"), "mtu 65520"),
                Arguments.of(List.of("--mtu", "65520"), "mtu 65520"),
                Arguments.of(List.of("-m", "65520"), "mtu 65520"),
                Arguments.of(List.of("--mtu=68"), "mtu 68"),
                Arguments.of(List.of("--mtu=65521"), "mtu 65521"),
                Arguments.of(List.of("--configure", "--cidr=10.0.2.0/24"), "mtu 1500"),
                Arguments.of(List.of("--disable-host-loopback", "--enable-ipv6", "--disable-dns"), "mtu 1500"));
    }

    /** Each spelling attaches and configures: {@code -c -r 3 ... PID tap0}, ready fd at 3. */
    @ParameterizedTest
    @MethodSource("acceptedForms")
    void optionFormsAreAccepted(List<String> opts, String expectInAddr) throws Exception {
        try (NsHolder h = NsHolder.netns()) {
            List<String> args = new ArrayList<>(List.of("-c", "-r", "3"));
            args.addAll(opts);
            args.addAll(List.of(Long.toString(h.pid), "tap0"));
            try (Jslirp j = Jslirp.builder().readyFd(3).args(args).start().awaitReady()) {
                String addr = Guest.of(h, j).addr("tap0");
                assertTrue(addr.contains(expectInAddr), opts + ": " + addr + j.diagnostics());
            }
        }
    }

    @Test
    void readyFdLongForms() throws Exception {
        for (List<String> form : List.of(List.of("--ready-fd=3"), List.of("--ready-fd", "3"))) {
            try (NsHolder h = NsHolder.netns();
                 Jslirp j = Jslirp.builder().readyFd(3).args(form).args("-c", Long.toString(h.pid), "tap0")
                         .start().awaitReady()) {
                Guest.of(h, j).ping("10.0.2.2");
            }
        }
    }

    /** Non-zero exit, something said, and never a Java stack trace. Returns stderr. */
    private static String rejected(Cmd.Result r) {
        assertFalse(r.timedOut(), "bad input must not start serving: " + r.describe());
        assertNotEquals(0, r.exit(), r.describe());
        if (E2e.isJslirp()) {
            assertFalse(r.err().isBlank(), "bad input needs a message on stderr: " + r.describe());
        } else {
            assertFalse((r.out() + r.err()).isBlank(), r.describe());
        }
        assertFalse(r.err().contains("Exception"), "no Java exception for bad input: " + r.describe());
        assertFalse(r.err().contains("\tat "), "no stack trace for bad input: " + r.describe());
        assertFalse(r.out().contains("\tat "), "no stack trace for bad input: " + r.describe());
        return r.err();
    }

    @Test
    void unknownFlag() {
        String err = rejected(run("--no-such-flag", "1", "tap0"));
        assertTrue(err.contains("--no-such-flag"), "say which flag: " + err);
    }

    @Test
    void mtuOutOfRange() {
        for (String mtu : List.of("0", "65522", "-5", "abc")) {
            String err = rejected(run("--mtu", mtu, "1", "tap0"));
            if (!mtu.equals("abc")) {
                assertTrue(err.contains("MTU must be a positive integer (< 65522)"), "--mtu " + mtu + ": " + err);
            }
        }
    }

    @Test
    void cidrNotANetworkAddress() {
        String err = rejected(run("--cidr", "10.0.2.1/24", "1", "tap0"));
        assertTrue(err.contains("CIDR needs to be a network address"), err);
    }

    @Test
    void cidrPrefixTooLong() {
        rejected(run("--cidr", "10.0.2.0/26", "1", "tap0"));
        rejected(run("--cidr", "not-a-cidr", "1", "tap0"));
    }

    @Test
    void noTarget() {
        rejected(run());
        rejected(run("-c"));
    }

    @Test
    void pidThatDoesNotExist() {
        // pid_max is at most 4194304, so this PID cannot exist
        rejected(run("-c", "4194305", "tap0"));
    }

    @Test
    void netnsPathThatDoesNotExist() {
        rejected(run("--netns-type=path", "/nonexistent/" + E2e.unique("jsl"), "tap0"));
    }

    @Test
    void badNetnsType() {
        rejected(run("--netns-type=bogus", "1", "tap0"));
    }

    @Test
    void usernsPathThatDoesNotExist() {
        try (Netns ns = Netns.create()) {
            String err = rejected(run("--userns-path=/nonexistent", "--netns-type=path", ns.path().toString(), "tap0"));
            assertTrue(err.contains("userns path doesn't exist"), err);
        }
    }

    /** A user namespace the unprivileged caller may not join (root's) is refused, not hung on. */
    @Test
    void usernsPathNotAccessible() throws Exception {
        try (Netns ns = Netns.create(); NsHolder rootHolder = NsHolder.netns()) {
            List<String> argv = E2e.concat(Unprivileged.AS_USER, E2e.commandForUnprivileged());
            argv.addAll(List.of("--userns-path=" + rootHolder.userPath(), "--netns-type=path", ns.path().toString(),
                    "tap0"));
            rejected(Cmd.run(T, argv));
        }
    }
}
