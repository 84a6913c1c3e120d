package io.jslirp.tap.cli;

/**
 * A command line parser with getopt_long's rules, as slirp4netns parses its own: short options clustered
 * ({@code -c6}), a short option's value attached or next ({@code -r3}, {@code -r 3}), {@code --mtu=1500} and
 * {@code --mtu 1500}, an unambiguous abbreviation of a long option ({@code --conf}; an exact name wins over
 * longer ones, so {@code --cidr} is not {@code --cidr6}), {@code --} ends the options, a later value of an
 * option replaces an earlier one (the receiver decides: {@code -p} adds), and options after positional
 * arguments still count (getopt's permutation) unless the command stops at its first positional argument, as
 * {@code jslirp run} does so that everything from COMMAND on is COMMAND's.
 *
 * <p>Where picocli, which parsed jslirp's command lines before, accepted more than getopt or worded an error
 * its own way, this parser does what picocli did (the command lines recorded in the tests' {@code
 * command-lines.txt}), since runtimes and scripts may rely on it: a flag takes {@code =true} or {@code =false}
 * ({@code --configure=true}, {@code -c=true}); a short option's value may follow {@code =} ({@code -r=3});
 * a next argument that is itself an option (or {@code --}, or the {@code run} command word) is not taken as
 * a value, so {@code -r -c} says that -r requires an argument; a missing value names the long option even
 * when the short one was given; an unknown option is reported as written, and only once the rest of the line
 * has been read, so that a missing value is reported first.
 *
 * <p>Written by hand rather than with a library: a runtime starts one jslirp per container, and picocli cost
 * some 250 loaded classes (its own, and the regular expressions, streams and reflection it uses) and tens of
 * milliseconds on the thread that parses before anything else happens.
 */
final class Getopt {
    /** One option: a short name or 0, a long name without its dashes, and whether it takes a value. */
    static final class Option {
        final int id;
        final char shortName;
        final String longName;
        final boolean takesValue;

        Option(int id, char shortName, String longName, boolean takesValue) {
            this.id = id;
            this.shortName = shortName;
            this.longName = longName;
            this.takesValue = takesValue;
        }

        /** The name getopt_long uses in its messages. */
        String displayName() {
            return "--" + longName;
        }
    }

    /** What the parsed command line is delivered to, in order. */
    interface Receiver {
        /** An option: its value, or for a flag "true" or "false". */
        void option(int id, String value);

        void positional(String arg);
    }

    private final Option[] options;
    private final boolean stopAtPositional;
    private final String commandWord;

    /**
     * @param stopAtPositional whether the first positional argument ends the options
     * @param commandWord a word that names another command and so may not be taken as a value or stand among
     *     this command's positional arguments (as picocli treated its subcommand's name), or null
     */
    Getopt(Option[] options, boolean stopAtPositional, String commandWord) {
        this.options = options;
        this.stopAtPositional = stopAtPositional;
        this.commandWord = commandWord;
    }

    Option[] options() {
        return options.clone();
    }

    /** Parses {@code args} from {@code from} on into {@code to}; a mistake is a {@link UsageException}. */
    void parse(String[] args, int from, Receiver to) {
        String unrecognized = null;
        int i = from;
        while (i < args.length) {
            String a = args[i++];
            if (a.equals("--")) {
                while (i < args.length) {
                    to.positional(args[i++]);
                }
                break;
            }
            if (a.length() < 2 || a.charAt(0) != '-') {
                if (stopAtPositional) {
                    to.positional(a);
                    while (i < args.length) {
                        to.positional(args[i++]);
                    }
                    break;
                }
                if (a.equals(commandWord)) {
                    if (unrecognized != null) {
                        break;
                    }
                    throw new UsageException("'" + commandWord + "' must come first: jslirp " + commandWord
                            + " [OPTION]... [--] COMMAND [ARG]...");
                }
                to.positional(a);
                continue;
            }
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
                Option o = longOption(name, a);
                if (o == null) {
                    if (unrecognized == null) {
                        unrecognized = a;
                    }
                    continue;
                }
                String value = eq < 0 ? null : a.substring(eq + 1);
                if (o.takesValue && value == null) {
                    if (i == args.length || isOption(args[i])) {
                        throw missingValue(o);
                    }
                    value = args[i++];
                }
                to.option(o.id, o.takesValue ? value : flagValue(o, value));
                continue;
            }
            // A cluster of short options, the first that takes a value taking the rest of the argument.
            int j = 1;
            while (j < a.length()) {
                Option o = shortOption(a.charAt(j));
                if (o == null) {
                    if (unrecognized == null) {
                        unrecognized = j == 1 ? a : "-" + a.substring(j);
                    }
                    break;
                }
                j++;
                boolean attached = j < a.length() && a.charAt(j) == '=';
                if (o.takesValue) {
                    String value;
                    if (j < a.length()) {
                        value = a.substring(attached ? j + 1 : j);
                    } else if (i == args.length || isOption(args[i])) {
                        throw missingValue(o);
                    } else {
                        value = args[i++];
                    }
                    to.option(o.id, value);
                    break;
                }
                if (attached) {
                    to.option(o.id, flagValue(o, a.substring(j + 1)));
                    break;
                }
                to.option(o.id, "true");
            }
        }
        if (unrecognized != null) {
            throw new UsageException("unrecognized option '" + unrecognized + "'");
        }
    }

    /** The option a long name or an unambiguous beginning of one names; null when none does. */
    private Option longOption(String name, String arg) {
        Option prefixOf = null;
        int prefixes = 0;
        for (Option o : options) {
            if (o.longName == null) {
                continue;
            }
            if (o.longName.equals(name)) {
                return o;
            }
            if (!name.isEmpty() && o.longName.startsWith(name)) {
                prefixOf = o;
                prefixes++;
            }
        }
        if (prefixes > 1) {
            StringBuilder m = new StringBuilder("option '").append(arg).append("' is ambiguous; possibilities:");
            for (Option o : options) {
                if (o.longName != null && o.longName.startsWith(name)) {
                    m.append(" '--").append(o.longName).append('\'');
                }
            }
            throw new UsageException(m.toString());
        }
        return prefixOf;
    }

    private Option shortOption(char c) {
        for (Option o : options) {
            if (o.shortName == c) {
                return o;
            }
        }
        return null;
    }

    /** Whether an argument that follows an option wanting a value is an option itself rather than the value. */
    private boolean isOption(String arg) {
        if (arg.equals("--") || arg.equals(commandWord)) {
            return true;
        }
        if (arg.length() < 2 || arg.charAt(0) != '-') {
            return false;
        }
        if (arg.charAt(1) != '-') {
            return shortOption(arg.charAt(1)) != null;
        }
        int eq = arg.indexOf('=');
        String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
        for (Option o : options) {
            if (o.longName != null && !name.isEmpty() && o.longName.startsWith(name)) {
                return true;
            }
        }
        return false;
    }

    private static UsageException missingValue(Option o) {
        return new UsageException("option '" + o.displayName() + "' requires an argument");
    }

    /** A flag given a value: true or false in any case, as picocli took it. */
    private static String flagValue(Option o, String value) {
        if (value == null || value.equalsIgnoreCase("true")) {
            return "true";
        }
        if (value.equalsIgnoreCase("false")) {
            return "false";
        }
        throw new UsageException("Invalid value for option '" + o.displayName() + "': '" + value + "' is not a boolean");
    }
}
