package io.jslirp.tap.cli;

/** A mistake on the command line: reported in one line, followed by a hint, with exit status 1. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}
