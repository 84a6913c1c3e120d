package io.jslirp.tap.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jslirp run [OPTION]... [--] COMMAND [ARG]...}; the work is done by {@link CommandRunner}. */
@Command(name = "run")
final class RunCommand {
    @Mixin
    NetworkOptions network = new NetworkOptions();

    @Option(names = {"-h", "--help"})
    boolean help;

    @Parameters(paramLabel = "COMMAND")
    List<String> command = new ArrayList<>();
}
