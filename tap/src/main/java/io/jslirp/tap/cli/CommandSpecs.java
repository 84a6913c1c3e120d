package io.jslirp.tap.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The command line's model, built with picocli's programmatic API rather than read from annotations: at every
 * start the annotation model cost picocli 60-100 ms of reflection (seven annotation proxies, each a class
 * generated at run time, and every field's annotations read), on the thread that then waits for nothing else.
 * Each flag binds to its field in {@link MainCommand}, {@link RunCommand} or {@link NetworkOptions} exactly as
 * the annotations bound it: same names, parameter label, type and arity, and the field's value when the model is
 * built as the initial value picocli restores before it parses, so parsing and every error message are picocli's
 * as before.
 */
final class CommandSpecs {
    private CommandSpecs() {
    }

    /**
     * The {@code jslirp} command; the {@code run} subcommand (a second model, with a converter registry of its
     * own) only when {@code withRun}, for a command line in which picocli could find it.
     */
    static CommandSpec main(MainCommand c, boolean withRun) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name("jslirp");
        network(spec, c.network);
        flag(spec, v -> c.configure = v, () -> c.configure, "-c", "--configure");
        text(spec, v -> c.exitFd = v, () -> c.exitFd, "FD", "-e", "--exit-fd");
        text(spec, v -> c.readyFd = v, () -> c.readyFd, "FD", "-r", "--ready-fd");
        text(spec, v -> c.netnsType = v, () -> c.netnsType, "TYPE", "--netns-type");
        path(spec, v -> c.netns = v, () -> c.netns, "PATH", "--netns");
        path(spec, v -> c.usernsPath = v, () -> c.usernsPath, "PATH", "--userns-path");
        text(spec, v -> c.targetType = v, () -> c.targetType, "TYPE", "--target-type");
        flag(spec, v -> c.enableSandbox = v, () -> c.enableSandbox, "--enable-sandbox");
        flag(spec, v -> c.enableSeccomp = v, () -> c.enableSeccomp, "--enable-seccomp");
        flag(spec, v -> c.help = v, () -> c.help, "-h", "--help");
        flag(spec, v -> c.version = v, () -> c.version, "-v", "--version");
        spec.addPositional(positional(v -> c.positional = v, () -> c.positional, "PID|PATH|FD [TAPNAME]"));
        if (withRun) {
            spec.addSubcommand("run", new CommandLine(run(new RunCommand())));
        }
        return spec;
    }

    static CommandSpec run(RunCommand c) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name("run");
        network(spec, c.network);
        flag(spec, v -> c.help = v, () -> c.help, "-h", "--help");
        spec.addPositional(positional(v -> c.command = v, () -> c.command, "COMMAND"));
        return spec;
    }

    private static void network(CommandSpec spec, NetworkOptions n) {
        text(spec, v -> n.mtu = v, () -> n.mtu, "MTU", "-m", "--mtu");
        text(spec, v -> n.cidr = v, () -> n.cidr, "CIDR", "--cidr");
        text(spec, v -> n.macAddress = v, () -> n.macAddress, "MAC", "--macaddress");
        path(spec, v -> n.pcap = v, () -> n.pcap, "FILE", "--pcap");
        flag(spec, v -> n.enableIpv6 = v, () -> n.enableIpv6, "-6", "--enable-ipv6");
        text(spec, v -> n.cidr6 = v, () -> n.cidr6, "PREFIX/64", "--cidr6");
        path(spec, v -> n.apiSocket = v, () -> n.apiSocket, "PATH", "-a", "--api-socket");
        Field<List<String>> publish = new Field<>(() -> n.publish, v -> n.publish = v);
        spec.addOption(OptionSpec.builder("-p", "--publish").paramLabel(NetworkOptions.PUBLISH_LABEL)
                .type(List.class).auxiliaryTypes(String.class)
                .initialValue(n.publish).getter(publish).setter(publish).build());
        flag(spec, v -> n.disableHostLoopback = v, () -> n.disableHostLoopback, "--disable-host-loopback");
        flag(spec, v -> n.disableDns = v, () -> n.disableDns, "--disable-dns");
        text(spec, v -> n.busyPoll = v, () -> n.busyPoll, "MICROS", "--busy-poll");
        path(spec, v -> n.resolvConf = v, () -> n.resolvConf, "FILE", "--resolv-conf");
        text(spec, v -> n.outboundAddr = v, () -> n.outboundAddr, "IPv4", "--outbound-addr");
        text(spec, v -> n.outboundAddr6 = v, () -> n.outboundAddr6, "IPv6", "--outbound-addr6");
    }

    private static void flag(CommandSpec spec, Consumer<Boolean> set, Supplier<Boolean> get, String... names) {
        Field<Boolean> f = new Field<>(get, set);
        spec.addOption(OptionSpec.builder(names).type(boolean.class).initialValue(get.get())
                .getter(f).setter(f).build());
    }

    private static void text(CommandSpec spec, Consumer<String> set, Supplier<String> get, String label,
                             String... names) {
        Field<String> f = new Field<>(get, set);
        spec.addOption(OptionSpec.builder(names).paramLabel(label).type(String.class).initialValue(get.get())
                .getter(f).setter(f).build());
    }

    private static void path(CommandSpec spec, Consumer<Path> set, Supplier<Path> get, String label, String... names) {
        Field<Path> f = new Field<>(get, set);
        spec.addOption(OptionSpec.builder(names).paramLabel(label).type(Path.class).initialValue(get.get())
                .getter(f).setter(f).build());
    }

    private static PositionalParamSpec positional(Consumer<List<String>> set, Supplier<List<String>> get, String label) {
        Field<List<String>> f = new Field<>(get, set);
        return PositionalParamSpec.builder().paramLabel(label).type(List.class).auxiliaryTypes(String.class)
                .initialValue(get.get()).getter(f).setter(f).build();
    }

    /** A field of a command object, as picocli reads and writes it. */
    private static final class Field<V> implements IGetter, ISetter {
        private final Supplier<V> get;
        private final Consumer<V> set;

        Field(Supplier<V> get, Consumer<V> set) {
            this.get = get;
            this.set = set;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) get.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T old = get();
            set.accept((V) value);
            return old;
        }
    }
}
