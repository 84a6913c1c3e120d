package io.jslirp.tap.cli;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.FormattingTuple;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.MessageFormatter;
import java.io.PrintStream;

/**
 * Netty's logging for the {@code jslirp} command: info, warnings and errors as one line each on stderr, where
 * jslirp's own messages go; debug and trace are off, answered by a constant.
 *
 * <p>Why not Netty's default: its factory probes for SLF4J, then Log4J 2, then Log4J, and settles on
 * java.util.logging, which starts the JDK's LogManager and System.Logger bridge: 48 classes of java.util.logging,
 * jdk.internal.logger and Netty's adapters loaded at every start, all for a few debug lines nobody reads. Each
 * loaded class is a page or so of the class-data archive in every jslirp's memory. {@link #install} must run
 * before the first Netty class asks for a logger (Main does it first thing); the library API
 * ({@code io.jslirp.tap.Jslirp}) leaves Netty's choice to its caller.
 */
final class StderrLog extends InternalLoggerFactory {
    private final PrintStream err;

    StderrLog(PrintStream err) {
        this.err = err;
    }

    /** Makes this Netty's logger factory; before anything touches Netty. */
    static void install(PrintStream err) {
        InternalLoggerFactory.setDefaultFactory(new StderrLog(err));
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Logger(name, err);
    }

    static final class Logger extends AbstractInternalLogger {
        private static final long serialVersionUID = 1L;
        private final transient PrintStream err;
        /** The class's simple name: Netty names a logger after its class, and the package says nothing new. */
        private final String source;

        Logger(String name, PrintStream err) {
            super(name);
            this.err = err;
            this.source = name.substring(name.lastIndexOf('.') + 1);
        }

        private void print(String level, String message, Throwable t) {
            err.println("jslirp: " + level + "netty " + source + ": " + message + (t == null ? "" : ": " + t));
        }

        private void print(String level, FormattingTuple f) {
            print(level, f.getMessage(), f.getThrowable());
        }

        // trace and debug: off.
        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public void trace(String msg) {
        }

        @Override
        public void trace(String format, Object arg) {
        }

        @Override
        public void trace(String format, Object argA, Object argB) {
        }

        @Override
        public void trace(String format, Object... arguments) {
        }

        @Override
        public void trace(String msg, Throwable t) {
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public void debug(String msg) {
        }

        @Override
        public void debug(String format, Object arg) {
        }

        @Override
        public void debug(String format, Object argA, Object argB) {
        }

        @Override
        public void debug(String format, Object... arguments) {
        }

        @Override
        public void debug(String msg, Throwable t) {
        }

        // info, warn, error: one line each, formatted only when printed.
        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public void info(String msg) {
            print("", msg, null);
        }

        @Override
        public void info(String format, Object arg) {
            print("", MessageFormatter.format(format, arg));
        }

        @Override
        public void info(String format, Object argA, Object argB) {
            print("", MessageFormatter.format(format, argA, argB));
        }

        @Override
        public void info(String format, Object... arguments) {
            print("", MessageFormatter.arrayFormat(format, arguments));
        }

        @Override
        public void info(String msg, Throwable t) {
            print("", msg, t);
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public void warn(String msg) {
            print("warning: ", msg, null);
        }

        @Override
        public void warn(String format, Object arg) {
            print("warning: ", MessageFormatter.format(format, arg));
        }

        @Override
        public void warn(String format, Object argA, Object argB) {
            print("warning: ", MessageFormatter.format(format, argA, argB));
        }

        @Override
        public void warn(String format, Object... arguments) {
            print("warning: ", MessageFormatter.arrayFormat(format, arguments));
        }

        @Override
        public void warn(String msg, Throwable t) {
            print("warning: ", msg, t);
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        public void error(String msg) {
            print("error: ", msg, null);
        }

        @Override
        public void error(String format, Object arg) {
            print("error: ", MessageFormatter.format(format, arg));
        }

        @Override
        public void error(String format, Object argA, Object argB) {
            print("error: ", MessageFormatter.format(format, argA, argB));
        }

        @Override
        public void error(String format, Object... arguments) {
            print("error: ", MessageFormatter.arrayFormat(format, arguments));
        }

        @Override
        public void error(String msg, Throwable t) {
            print("error: ", msg, t);
        }
    }
}
