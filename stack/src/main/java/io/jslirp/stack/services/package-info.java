/**
 * Services the stack answers itself instead of relaying: the DHCPv4 server, the router advertisements that give
 * an IPv6 guest its address ({@link io.jslirp.stack.services.RouterAdvertiser}, whose class comment has the
 * fields and the timing: libslirp's, plus MTU and RDNSS, on every RS and at start-up, then every 200-600 s
 * jittered from the injected clock), and the DHCPv6 logic that is not wired to a port yet.
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
 *
 * <h2>Theory of operation: DHCPv6</h2>
 * {@link io.jslirp.stack.services.Dhcpv6Server} answers DHCPv6 (RFC 8415) for the one guest: the
 * INFORMATION-REQUEST libslirp answers (DNS option 23 = fd00::3), and also SOLICIT, REQUEST, RENEW,
 * REBIND, CONFIRM, RELEASE and DECLINE with one address in IA_NA, as pasta does, so that {@code dhclient -6}
 * and {@code udhcpc6} configure an address on a TAP nobody configured. It is pure logic with no state: the
 * address is the configured one, or the guest's EUI-64 address in the prefix, which is the address SLAAC
 * forms too, so the two never give the guest two addresses. The decision table is in the class.
 *
 * <p>It is invoked through {@link io.jslirp.stack.services.Dhcpv6Responder}, and the UDP layer is meant to
 * call it like this (not wired yet): for a well-formed UDP datagram over IPv6 from the guest, source port
 * 546, destination port 547, addressed to ff02::1:2 (All_DHCP_Relay_Agents_and_Servers) or to one of the
 * router's own addresses (fd00::2, fe80::2; libslirp accepts the unicast one too), allocate one pooled
 * buffer of {@code maxReplyLength()} octets, call
 * {@code respond(payload, payloadOffset, payloadLength, frameSourceMac, reply, 0)}, and when it returns a
 * length send that many octets as UDP from fe80::2 port 547 to the datagram's source address and port, in
 * a frame addressed to the frame's source MAC (the client has no other address to be reached at while it
 * configures), then release the buffer; on {@code NO_REPLY} release it and send nothing. The server's
 * counters say why a message got no answer.
 */
package io.jslirp.stack.services;
