/**
 * ICMPv4 for the addresses the stack owns.
 *
 * <h2>Theory of operation</h2>
 * Only echo (RFC 792, RFC 1122 3.2.2.6 "every host MUST implement an ICMP Echo server") is answered, for
 * network+2 and network+3, which is what lets {@code ping 10.0.2.2} work inside the container as with
 * slirp4netns. The handler sees whole datagrams (IPv4 input has already reassembled fragments), builds the
 * reply in one freshly allocated pooled frame and hands it to {@link io.jslirp.stack.iface.Ipv4Output},
 * which fragments it again if it exceeds the MTU. The reply is addressed to the Ethernet source of the
 * request, so it never waits on ARP, and comes from the MAC of the address that was pinged.
 *
 * <p>The echo reply checksum is derived incrementally from the request's (only the type word changes,
 * RFC 1624), so a 64 KiB ping costs one copy and no second pass over the data. Other ICMP messages sent to
 * us (replies, errors, timestamps) are counted and dropped: we send no requests whose answers we would
 * need, and errors about relayed flows will be handled by the relay layer when it exists.
 */
package io.jslirp.stack.icmp;
