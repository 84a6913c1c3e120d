/**
 * The {@code --api-socket} control socket, compatible with slirp4netns 1.2: runtimes add, remove and list
 * port forwards at run time.
 *
 * <h2>Theory of operation</h2>
 * <p>Two halves, split where I/O ends:
 * <ul>
 *   <li>{@link io.jslirp.tap.api.ApiProtocol} turns the bytes of one request into the bytes of one reply and
 *       does nothing else. {@link io.jslirp.tap.api.ApiRequest} reads the request with jackson-core's
 *       streaming parser (made at the first connection, so an idle socket has loaded none of Jackson), keeping
 *       only execute and the members of arguments; replies are written by hand. It decides as slirp4netns's
 *       {@code api.c} does with its parson parser: the first JSON value counts and the rest is ignored; a
 *       repeated key is unparsable;
 *       numbers are truncated, and a number of the wrong type reads as absent; an address of the wrong type
 *       is a bad field; fields are checked in
 *       slirp4netns's order (proto, host_addr, host_port, guest_addr, guest_port) and the first bad one is
 *       named. It changes the forwards through {@link io.jslirp.tap.api.ForwardTable}, which is the stack's
 *       {@link io.jslirp.stack.PortForwards} in a session ({@code ForwardTable.of}) and a map in tests.
 *       Where slirp4netns crashes (a missing proto or arguments) there is an error reply; where jslirp does
 *       more (host port 0, IPv6 host and guest addresses) the reply grows a field only for the request that
 *       asked. A guest_addr is passed on as given or as null when absent: null names no guest address, so
 *       the stack's family rule picks one per client, and the table lists it as network+100, the bytes
 *       slirp4netns sends; an IPv6 guest_addr where the guest has no IPv6 is a bad guest_addr, as every IPv6
 *       one is to slirp4netns.</li>
 *   <li>{@link io.jslirp.tap.api.ApiServer} owns the socket, on the session's event loop, non-blocking
 *       throughout, so no client can stall the guest's packets. A connection accumulates up to 4096 bytes
 *       and is answered at EOF (the client shut its write side) or as soon as
 *       {@link io.jslirp.tap.api.RequestFraming}, Jackson's incremental parser fed each piece, has seen a
 *       whole JSON value or text that can never become one: slirp4netns answers after a single read, so
 *       clients that keep their side open expect an answer without shutting down. 4096 bytes is
 *       "too large message", as slirp4netns's full read buffer is. The reply is sent without a trailing
 *       newline; whatever the client sent past its request is read and dropped, then the connection is
 *       closed (closing an AF_UNIX socket with unread input would turn the client's EOF into ECONNRESET).</li>
 * </ul>
 *
 * <p>{@link io.jslirp.tap.api.HostAddresses} reads host addresses for both the API and {@code --publish}:
 * literals only, because resolving a name would block the loop on DNS, and IPv6 printed in RFC 5952 form.
 *
 * <p>Each connection has one deadline, ten seconds from accept by default, for both its request and taking
 * the reply; past it the connection is closed unanswered. Deadlines are in accept order, so the earliest is
 * the oldest connection's: the server adds itself to the loop as a timer source that names that deadline
 * (or the end of the accept rest, below), and the loop's wait ends for it. At most 64 connections are served at once; past that the listener is left unwatched until one
 * finishes, and it also rests a second after accept fails for lack of fds, rather than spin the loop.
 *
 * <p>The socket file: a stale socket at the path (nobody listening) is replaced, as slirp4netns does; a live
 * one or a file that is not a socket is an error, where slirp4netns would unlink it. The mode is set to 0600
 * after bind and before listen (no client can connect in between, and an fchmod of the socket would not
 * reach the file); close removes the file if it is still the one bound.
 */
package io.jslirp.tap.api;
