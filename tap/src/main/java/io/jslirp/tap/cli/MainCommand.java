package io.jslirp.tap.cli;

import io.jslirp.stack.NetConfig;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jslirp [OPTION]... PID|PATH|FD [TAPNAME]}: the slirp4netns 1.2 command line. */
@Command(name = "jslirp", subcommands = RunCommand.class)
final class MainCommand {
    @Mixin
    NetworkOptions network = new NetworkOptions();

    @Option(names = {"-c", "--configure"})
    boolean configure;

    @Option(names = {"-e", "--exit-fd"}, paramLabel = "FD")
    String exitFd;

    @Option(names = {"-r", "--ready-fd"}, paramLabel = "FD")
    String readyFd;

    @Option(names = "--netns-type", paramLabel = "TYPE")
    String netnsType;

    @Option(names = "--netns", paramLabel = "PATH")
    Path netns;

    @Option(names = "--userns-path", paramLabel = "PATH")
    Path usernsPath;

    @Option(names = "--target-type", paramLabel = "TYPE")
    String targetType;

    /** Carried out by {@link io.jslirp.tap.sandbox.Confinement}, from {@link Main#serve}. */
    @Option(names = "--enable-sandbox")
    boolean enableSandbox;

    /** Carried out by {@link io.jslirp.tap.sandbox.Confinement}, from {@link Main#serve}. */
    @Option(names = "--enable-seccomp")
    boolean enableSeccomp;

    @Option(names = {"-h", "--help"})
    boolean help;

    @Option(names = {"-v", "--version"})
    boolean version;

    @Parameters(paramLabel = "PID|PATH|FD [TAPNAME]")
    List<String> positional = new ArrayList<>();

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
