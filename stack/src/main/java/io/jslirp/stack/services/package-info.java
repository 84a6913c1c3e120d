/**
 * Services the stack answers itself instead of relaying: the DHCPv4 server now (DNS and router
 * advertisements later).
 *
 * <h2>Theory of operation: DHCP</h2>
 * {@link io.jslirp.stack.services.DhcpServer} is a {@link io.jslirp.stack.udp.UdpService} on UDP port 67
 * and gives a guest started without {@code --configure} the configuration slirp4netns's libslirp gives:
 * server identifier and router network+2, DNS network+3, sixteen leases network+15..network+30, one per
 * client hardware address, a one-day lease (T1 half, T2 seven eighths), plus subnet mask, interface MTU and
 * broadcast address.
 *
 * <p>State is a fixed table of sixteen slots (state, client MAC as a {@code long}, expiry in clock
 * nanoseconds); nothing is allocated per message except the one pooled reply buffer, released after
 * {@link io.jslirp.stack.udp.UdpReplier#send} copies it. There are no timers: every message first expires
 * the slots whose time has passed, so an expired lease, a lapsed offer or an ended DECLINE quarantine is
 * reusable exactly when the next client asks. An expired or released slot remembers its client, so a
 * returning client gets its old address back while it is still free (RFC 2131 4.3.1).
 *
 * <p>Each message type has one decision (RFC 2131 4.3): DISCOVER offers the client's current address, else
 * the requested one if free, else its previous one if free, else the lowest free one, else nothing (pool
 * exhausted). REQUEST is ACKed when the address it names (option 50 when selecting or rebooting, ciaddr
 * when renewing) is the client's or free, NAKed otherwise, and ignored when it names another server.
 * RELEASE frees; DECLINE frees the client's binding and quarantines the address for ten minutes; INFORM is
 * ACKed with options only. A NAK is broadcast; other replies go to ciaddr by unicast when the client has
 * one, else to 255.255.255.255 at the Ethernet broadcast address, because a client without an address
 * cannot answer ARP.
 */
package io.jslirp.stack.services;
