package io.jslirp.tap.netns;

/**
 * Two fds made inside a target network namespace: an unattached {@code /dev/net/tun} fd (give it to
 * {@link io.jslirp.tap.dev.TapDevice#attach}) and an AF_INET datagram socket (give it to
 * {@link io.jslirp.tap.dev.InterfaceConfigurator}). Both are close-on-exec. The caller owns them.
 */
public record NamespaceHandles(int tunFd, int controlSocketFd) {
}
