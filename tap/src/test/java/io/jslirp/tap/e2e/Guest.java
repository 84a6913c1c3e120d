package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Checks made from inside the guest's namespace. {@code enter} turns a command into one that runs
 * there ({@link Netns#exec} or {@link NsHolder#enter}).
 */
final class Guest {
    private final Function<String[], List<String>> enter;
    private final Jslirp jslirp;

    Guest(Function<String[], List<String>> enter, Jslirp jslirp) {
        this.enter = enter;
        this.jslirp = jslirp;
    }

    static Guest of(Netns ns, Jslirp j) {
        return new Guest(ns::exec, j);
    }

    static Guest of(NsHolder h, Jslirp j) {
        return new Guest(h::enter, j);
    }

    Cmd.Result run(Duration timeout, String... argv) {
        return Cmd.run(timeout, enter.apply(argv));
    }

    Cmd.Result mustRun(String... argv) {
        Cmd.Result r = run(E2e.SHORT, argv);
        if (!r.ok()) {
            fail("in the guest: " + r.describe() + jslirp.diagnostics());
        }
        return r;
    }

    /** {@code ping -c COUNT -W 2} with a 0.2 s interval; extra options go before the address. */
    Cmd.Result ping(String addr, String... extra) {
        List<String> argv = E2e.concat(List.of("ping", "-c", "3", "-i", "0.2", "-W", "2"), extra);
        argv.add(addr);
        Cmd.Result r = run(Duration.ofSeconds(20), argv.toArray(String[]::new));
        if (!r.ok()) {
            fail("ping " + addr + " from the guest failed: " + r.describe() + jslirp.diagnostics()
                    + "\n--- guest interfaces ---\n" + run(E2e.SHORT, "ip", "addr").out()
                    + run(E2e.SHORT, "ip", "route").out());
        }
        assertTrue(r.out().contains(" 0% packet loss"), "expected no loss: " + r.out());
        return r;
    }

    String addr(String dev) {
        return mustRun("ip", "addr", "show", dev).out();
    }

    String route() {
        return mustRun("ip", "route").out();
    }

    /** Brings up tap0 the way RootlessKit does when it configures the guest itself. */
    void configureTapYourself(String dev) {
        mustRun("ip", "link", "set", "lo", "up");
        mustRun("ip", "addr", "add", "10.0.2.100/24", "dev", dev);
        mustRun("ip", "link", "set", dev, "up");
        mustRun("ip", "route", "add", "default", "via", "10.0.2.2", "dev", dev);
    }
}
