/**
 * Getting a TUN fd and a control socket that belong to a container's network namespace, while jslirp itself
 * stays in the host's namespaces.
 *
 * <h2>Theory of operation</h2>
 * <p>The kernel binds a TUN fd to the namespace it was <em>opened</em> in, and a socket to the one it was
 * <em>created</em> in; after that, either can be used from anywhere. So jslirp only needs to be inside the
 * target namespace for two (with {@code -c -6} three) system calls, and {@link io.jslirp.tap.netns.NamespaceHandles} is what it brings
 * back. Two ways in, because the kernel's permission rules differ:
 * <ul>
 *   <li>{@link io.jslirp.tap.netns.NamespaceEntry#openViaSetns} — root, or jslirp started by podman from
 *       inside the user namespace that owns the netns. {@code setns(CLONE_NEWNET)} is per thread, so a
 *       fresh, short-lived thread joins the namespace, makes the two fds and ends. It is never reused: a
 *       pooled thread left in the container's namespace would do later work in the wrong place.</li>
 *   <li>{@link io.jslirp.tap.netns.NamespaceEntry#openViaHelper} — an unprivileged user outside the user
 *       namespace (RootlessKit's detached mode). {@code setns} into a user namespace is refused to any
 *       multithreaded process, and a JVM always is, and without joining the user namespace it has no
 *       CAP_SYS_ADMIN there to join the netns. So a helper process does it: {@code nsenter --user --net
 *       --preserve-credentials} runs {@link io.jslirp.tap.netns.NamespaceHelperMain} (a second, tiny JVM on
 *       this same class path, using only the JDK) which opens {@code /dev/net/tun} and an AF_INET socket
 *       and prints their fd numbers and its pid. jslirp, its parent with the same credentials and thus
 *       ptrace rights over it, duplicates both fds with {@code pidfd_open} + {@code pidfd_getfd}, closes
 *       the helper's stdin, and waits for it to exit. Every step is bounded by a deadline; a helper that
 *       misses it is killed by pid. {@code TUNSETIFF} later works from outside because the owner of a user
 *       namespace holds every capability in it.</li>
 * </ul>
 *
 * <p>With {@code -c -6} a third fd comes back: a NETLINK_ROUTE socket, for
 * {@link io.jslirp.tap.dev.NetlinkConfigurator}. On the setns paths (root, podman, and
 * {@code --netns-type=tapfd}, which finds the namespace with TUNGETDEVNETNS) the throwaway thread makes it
 * beside the AF_INET socket. The helper's JDK cannot make one, so, only when asked, it loads jffi for
 * that one {@code socket(2)} call and reports the fd like the others; jslirp checks with SO_DOMAIN that the
 * fd it took is an AF_NETLINK socket. The alternative, ioctls on an AF_INET6 socket the JDK can open, was
 * rejected: they cannot add an address without duplicate address detection, so the helper path would have
 * needed {@code accept_dad=0} on tap0 (written from inside the namespace after the TAP exists, i.e. a
 * second round trip with the helper, and a change to how DAD treats the guest's other addresses too) or a
 * wait of a second or more before the ready byte, and two code paths would configure IPv6. Loading jffi
 * costs the helper a few tens of milliseconds at most, once, and every path then configures identically.
 *
 * <p>Error messages follow slirp4netns where it has one ({@code userns path doesn't exist: PATH}); otherwise
 * they name the path and the errno text, and for the helper include whatever it wrote to stderr, since
 * that is where nsenter explains itself.
 */
package io.jslirp.tap.netns;
