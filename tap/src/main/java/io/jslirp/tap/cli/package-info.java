/**
 * The {@code jslirp} command line, compatible with slirp4netns 1.2.
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.tap.cli.Getopt} parses, with getopt_long's rules as slirp4netns does; this package decides
 * what each flag means and what each mistake is called. Runtimes and
 * people already know slirp4netns, so wherever slirp4netns has words for an error ("MTU must be a positive
 * integer (&lt; 65522)", "CIDR needs to be a network address like ...", "ready-fd must be a non-negative
 * integer", getopt's "unrecognized option"), jslirp uses them, with exit status 1. Parsing follows getopt:
 * {@code --opt=val} and {@code --opt val}, clustered short options, unambiguous abbreviations of long ones,
 * and the last of a repeated flag wins. Every value is taken as text and checked here, so the message is
 * slirp4netns's.
 *
 * <p>jslirp's own flags have no slirp4netns words to borrow, so their mistakes name the flag and the value:
 * {@code -p/--publish [HOST_ADDR:]HOST_PORT:GUEST_PORT[/tcp|/udp]} (repeatable, so the last does not win)
 * says {@code invalid --publish value "x": <why>}. Host addresses are literals only, IPv6 in brackets as
 * Docker writes them; a name is refused rather than resolved, as the API socket refuses it.
 *
 * <p>The help text is written out by hand in slirp4netns's layout because runtimes detect features by
 * grepping it; a unit test keeps it naming every option the parser knows. Flags that are accepted for
 * compatibility but whose behaviour jslirp lacks print one warning each: a runtime that passes them still
 * works, and nobody is told they have a sandbox they do not have.
 *
 * <p>{@code jslirp run} ({@link io.jslirp.tap.cli.CommandRunner}) starts COMMAND behind a FIFO gate in a new
 * user and network namespace, attaches, configures, and opens the gate, so COMMAND's first packet already
 * has a network.
 */
package io.jslirp.tap.cli;
