package io.jslirp.tap.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code jslirp run [OPTION]... [--] COMMAND [ARG]...}; the work is done by {@link CommandRunner};
 * {@link CommandSpecs} binds the flags.
 */
final class RunCommand {
    NetworkOptions network = new NetworkOptions();

    boolean help;

    List<String> command = new ArrayList<>();
}
