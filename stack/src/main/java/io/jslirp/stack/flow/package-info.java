/**
 * Flow bookkeeping for the relay: which connection a guest segment or a host socket event belongs to.
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.stack.flow.FlowTable} maps the 4-tuple (guest address, guest port, remote address,
 * remote port) to a flow with open addressing over primitive arrays: each address a family-neutral pair of
 * longs ({@link io.jslirp.stack.wire.IpAddress}, IPv4 stored IPv4-mapped as passt stores it, so IPv4 and IPv6
 * flows share one table and one key type) in four {@code long[]}, the ports in one {@code int[]}, the values
 * in an {@code Object[]}. A lookup hashes the primitives and probes linearly, so it neither boxes nor
 * allocates; for IPv4 the high halves are constant and the low ones compare first. Deletion shifts later entries of
 * the probe chain back (Knuth's algorithm R) instead of leaving tombstones, so a table that churns through
 * millions of short connections never degrades. The table starts small and doubles up to twice the
 * configured maximum ({@code RelayOptions.maxFlows}); inserts beyond the maximum are refused and the
 * caller answers the guest with a reset.
 *
 * <p>{@link io.jslirp.stack.flow.HandleIndex} is the reverse direction: host socket handles are file
 * descriptors, small and dense, so a flat array indexed by handle is the cheapest map there is.
 *
 * <p>{@link io.jslirp.stack.flow.ForwardPath} is the one decision table TCP and UDP port forwards share: for a
 * new client, which family it reaches the guest in, at which guest address, and from which address the guest
 * sees it come. It writes its answer into its own fields, so choosing allocates nothing.
 */
package io.jslirp.stack.flow;
