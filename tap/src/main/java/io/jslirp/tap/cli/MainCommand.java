package io.jslirp.tap.cli;

import io.jslirp.stack.NetConfig;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code jslirp [OPTION]... PID|PATH|FD [TAPNAME]}: the slirp4netns 1.2 command line. */
final class MainCommand implements Getopt.Receiver {
    NetworkOptions network = new NetworkOptions();

    boolean configure;

    String exitFd;

    String readyFd;

    String netnsType;

    Path netns;

    Path usernsPath;

    String targetType;

    /** Carried out by {@link io.jslirp.tap.sandbox.Confinement}, from {@link Main#serve}. */
    boolean enableSandbox;

    /** Carried out by {@link io.jslirp.tap.sandbox.Confinement}, from {@link Main#serve}. */
    boolean enableSeccomp;

    boolean help;

    boolean version;

    List<String> positional = new ArrayList<>();

    /** The whole command line (not a {@code run} one); a mistake is a {@link UsageException}. */
    static MainCommand parse(String... args) {
        MainCommand main = new MainCommand();
        CommandSpecs.MAIN.parse(args, 0, main);
        return main;
    }

    @Override
    public void option(int id, String value) {
        switch (id) {
            case CommandSpecs.CONFIGURE -> configure = Boolean.parseBoolean(value);
            case CommandSpecs.EXIT_FD -> exitFd = value;
            case CommandSpecs.READY_FD -> readyFd = value;
            case CommandSpecs.NETNS_TYPE -> netnsType = value;
            case CommandSpecs.NETNS -> netns = Path.of(value);
            case CommandSpecs.USERNS_PATH -> usernsPath = Path.of(value);
            case CommandSpecs.TARGET_TYPE -> targetType = value;
            case CommandSpecs.ENABLE_SANDBOX -> enableSandbox = Boolean.parseBoolean(value);
            case CommandSpecs.ENABLE_SECCOMP -> enableSeccomp = Boolean.parseBoolean(value);
            case CommandSpecs.HELP -> help = Boolean.parseBoolean(value);
            case CommandSpecs.VERSION -> version = Boolean.parseBoolean(value);
            default -> {
                if (!network.set(id, value)) {
                    throw new IllegalStateException("no option " + id);
                }
            }
        }
    }

    @Override
    public void positional(String arg) {
        positional.add(arg);
    }

    /** Turns the flags into validated settings, with slirp4netns's wording for each mistake. */
    Settings settings(PrintStream err) {
        if (targetType != null && !targetType.equals("netns")) {
            if (targetType.equals("bess")) {
                throw new UsageException("--target-type=bess is not supported by jslirp");
            }
            throw new UsageException("--target-type must be either \"netns\" or \"bess\"");
        }
        int ready = parseFd(readyFd, "ready-fd");
        int exit = parseFd(exitFd, "exit-fd");
        NetConfig net;
        try {
            net = network.netConfig();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }

        List<String> args = new ArrayList<>(positional);
        String type = netnsType;
        if (netns != null) {
            if (type != null && !type.equals("path")) {
                throw new UsageException("--netns=PATH conflicts with --netns-type=" + type);
            }
            type = "path";
            args.add(0, netns.toString());
        }
        if (type == null) {
            type = "pid";
        }
        if (args.isEmpty()) {
            throw new UsageException("missing PID|PATH|FD argument");
        }
        if (args.size() > 2) {
            err.println("WARNING: too many arguments");
        }
        Target target = switch (type) {
            case "pid" -> new Target.Pid(parsePid(args.get(0)));
            case "path" -> new Target.NetnsPath(Path.of(args.get(0)));
            case "tapfd" -> new Target.TapFd(parseFd(args.get(0), "FD"));
            default -> throw new UsageException("--netns-type must be one of pid, path, tapfd, not \"" + type + "\"");
        };
        if (usernsPath != null && target instanceof Target.TapFd) {
            throw new UsageException("--userns-path cannot be used with --netns-type=tapfd");
        }

        try {
            Settings.Builder b = network.applyTo(Settings.builder(target))
                    .usernsPath(usernsPath)
                    .configure(configure)
                    .readyFd(ready)
                    .exitFd(exit);
            if (args.size() > 1) {
                b.tapName(args.get(1));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static int parseFd(String text, String what) {
        if (text == null) {
            return -1;
        }
        try {
            int fd = Integer.parseInt(text.trim());
            if (fd >= 0) {
                return fd;
            }
        } catch (NumberFormatException e) {
            // Falls through to slirp4netns's message.
        }
        throw new UsageException(what + " must be a non-negative integer");
    }

    static int parsePid(String text) {
        try {
            int pid = Integer.parseInt(text.trim());
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // Falls through to slirp4netns's message.
        }
        throw new UsageException("PID must be a positive integer");
    }
}
