package io.jslirp.tap.cli;

import java.util.ArrayList;
import java.util.List;

/** {@code jslirp run [OPTION]... [--] COMMAND [ARG]...}; the work is done by {@link CommandRunner}. */
final class RunCommand implements Getopt.Receiver {
    NetworkOptions network = new NetworkOptions();

    boolean help;

    List<String> command = new ArrayList<>();

    /** The arguments from {@code from} on (those after "run"); a mistake is a {@link UsageException}. */
    static RunCommand parse(String[] args, int from) {
        RunCommand run = new RunCommand();
        CommandSpecs.RUN.parse(args, from, run);
        return run;
    }

    @Override
    public void option(int id, String value) {
        if (id == CommandSpecs.HELP) {
            help = Boolean.parseBoolean(value);
        } else if (!network.set(id, value)) {
            throw new IllegalStateException("no run option " + id);
        }
    }

    @Override
    public void positional(String arg) {
        command.add(arg);
    }
}
