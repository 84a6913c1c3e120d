package io.jslirp.tap.cli;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.tap.Jslirp;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import io.jslirp.tap.sandbox.Confinement;
import io.jslirp.tap.sandbox.SandboxExec;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.Limits;
import io.jslirp.tap.sys.StartupTrace;
import java.io.IOException;
import java.io.PrintStream;
import java.util.function.BiConsumer;
import sun.misc.Signal;

/**
 * The {@code jslirp} command. Exit statuses follow slirp4netns: 0 when the exit fd fires (or, new in jslirp,
 * the namespace goes away), 1 for bad usage or a failure to attach, 143 on SIGTERM and 130 on SIGINT.
 */
public final class Main {
    static final int EXIT_USAGE = 1;
    static final int EXIT_SIGTERM = 143;
    static final int EXIT_SIGINT = 130;

    private Main() {
    }

    public static void main(String[] args) {
        StartupTrace.mark("main");
        StderrLog.install(System.err);
        // Beside the argument parsing, which does not need it (Native.preloadInBackground says why).
        Native.preloadInBackground();
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("run")) {
            RunCommand run;
            try {
                run = RunCommand.parse(args, 1);
            } catch (UsageException e) {
                return usageError(e.getMessage(), "jslirp run --help", err);
            }
            return executeRun(run, out, err);
        }
        MainCommand main;
        try {
            main = MainCommand.parse(args);
            StartupTrace.mark("command line parsed");
        } catch (UsageException e) {
            return usageError(e.getMessage(), "jslirp --help", err);
        }
        if (main.help) {
            out.print(Usage.MAIN);
            out.flush();
            return 0;
        }
        if (main.version) {
            out.print(versionText());
            out.flush();
            return 0;
        }
        Settings settings;
        try {
            settings = main.settings(err);
        } catch (UsageException e) {
            return usageError(e.getMessage(), "jslirp --help", err);
        }
        if (main.enableSandbox) {
            try {
                // Restarts the JVM in a mount namespace of its own (the restarted one gets past this).
                settings = SandboxExec.ensureOwnMountNamespace(settings);
            } catch (IOException | RuntimeException e) {
                err.println("jslirp: " + e.getMessage());
                return 1;
            }
        }
        return serve(settings, Confinement.of(main.enableSandbox, main.enableSeccomp,
                settings.disableDns() ? null : settings.resolvConf()), out, err);
    }

    private static int usageError(String message, String helpCommand, PrintStream err) {
        err.println("jslirp: " + message);
        err.println("Try '" + helpCommand + "' for more information.");
        err.flush();
        return EXIT_USAGE;
    }

    private static int executeRun(RunCommand run, PrintStream out, PrintStream err) {
        if (run.help) {
            out.print(Usage.RUN);
            out.flush();
            return 0;
        }
        if (run.command.isEmpty()) {
            return usageError("run: missing COMMAND", "jslirp run --help", err);
        }
        Settings template;
        try {
            // Checked now, before the command starts; the target is filled in once its namespace exists.
            template = run.network.applyTo(Settings.builder(new Target.Pid(1))).configure(true).build();
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage(), "jslirp run --help", err);
        }
        raiseOpenFileLimit(err);
        try {
            return CommandRunner.run(template, run.command, err);
        } catch (IOException e) {
            err.println("jslirp: run: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_SIGINT;
        }
    }

    /** Every relayed flow holds a host socket; the default soft limit (1024) would cap a container there. */
    static void raiseOpenFileLimit(PrintStream err) {
        try {
            Limits.raiseOpenFileLimit();
        } catch (IOException | RuntimeException e) {
            err.println("jslirp: warning: could not raise the open-file limit: " + e.getMessage());
        }
    }

    private static int serve(Settings settings, Confinement confinement, PrintStream out, PrintStream err) {
        try {
            // While the libc binding may still be loading: the first native call below waits for it.
            StartupTrace.mark("settings");
            Jslirp.prepare(settings);
            StartupTrace.mark("stack prepared");
        } catch (RuntimeException e) {
            err.println("jslirp: " + e.getMessage());
            return 1;
        }
        raiseOpenFileLimit(err);
        Jslirp session;
        try {
            session = Jslirp.start(settings, confinement::apply);
        } catch (IOException | RuntimeException e) {
            err.println("jslirp: " + e.getMessage());
            return 1;
        }
        StartupTrace.report(err);
        session.startupWarnings().forEach(err::println);
        installSignalHandlers(session::end);
        installCounterDump(session, err);
        NetConfig net = settings.net();
        out.println("jslirp: serving " + session.tapName() + " in " + settings.target() + ": network "
                + NetConfig.formatIpv4(net.network()) + "/" + net.prefixLength() + ", gateway "
                + NetConfig.formatIpv4(net.gateway()) + ", dns " + NetConfig.formatIpv4(net.dns())
                + ", guest " + NetConfig.formatIpv4(net.guestAddress()) + ", mtu " + net.mtu() + ipv6Summary(settings));
        out.flush();
        int status = session.run();
        if (status != 0 || !session.exitReason().startsWith("exit fd")) {
            err.println("jslirp: exiting: " + session.exitReason());
        }
        err.println("jslirp: at exit: " + session.exitSummary());
        err.flush();
        return status;
    }

    /** The start-up line's IPv6 part: the prefix, and the guest's address when -c put it there. */
    static String ipv6Summary(Settings settings) {
        Ipv6Config v6 = settings.net().ipv6();
        if (v6 == null) {
            return "";
        }
        return ", ipv6 " + Ipv6Config.format(v6.prefixHi(), 0) + "/64 guest "
                + (settings.configure() ? Ipv6Config.format(v6.prefixHi(), Ipv6Config.GUEST_LO) : "by SLAAC");
    }

    /** SIGTERM and SIGINT end the session cleanly with the statuses a shell would report for them. */
    static void installSignalHandlers(BiConsumer<Integer, String> end) {
        Signal.handle(new Signal("TERM"), s -> end.accept(EXIT_SIGTERM, "SIGTERM"));
        Signal.handle(new Signal("INT"), s -> end.accept(EXIT_SIGINT, "SIGINT"));
    }

    /**
     * SIGUSR1 prints the counters as one line on stderr, like a daemon's status dump: the non-zero counters,
     * and the relay's active flows and open host sockets. The snapshot is taken on the loop thread; the
     * signal's own thread waits for it and prints, so the loop never blocks on stderr.
     */
    static void installCounterDump(Jslirp session, PrintStream err) {
        Signal.handle(new Signal("USR1"), s -> {
            try {
                err.println(session.countersLine());
                err.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                err.println("jslirp: counters: unavailable (" + e.getMessage() + ")");
            }
        });
    }

    static String versionText() {
        String version = Main.class.getPackage().getImplementationVersion();
        return "jslirp version " + (version == null ? "dev" : version) + "\n"
                + "compatible with: slirp4netns 1.2.0 (command line and API)\n"
                + "stack: jslirp (pure Java; libslirp not used)\n"
                + "java: " + System.getProperty("java.version") + "\n";
    }
}
