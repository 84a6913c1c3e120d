package io.jslirp.tap.netns;

/**
 * Fds made inside a target network namespace: an unattached {@code /dev/net/tun} fd (give it to
 * {@link io.jslirp.tap.dev.TapDevice#attach}; -1 when the caller already has the TAP, as with
 * {@code --netns-type=tapfd}), an AF_INET datagram socket (give it to
 * {@link io.jslirp.tap.dev.InterfaceConfigurator}) and, when asked for ({@code -c -6}), a NETLINK_ROUTE
 * socket (give it to {@link io.jslirp.tap.dev.NetlinkConfigurator}; -1 otherwise). All are close-on-exec. The
 * caller owns them.
 */
public record NamespaceHandles(int tunFd, int controlSocketFd, int netlinkFd) {
    /** Without a netlink socket. */
    public NamespaceHandles(int tunFd, int controlSocketFd) {
        this(tunFd, controlSocketFd, -1);
    }
}
