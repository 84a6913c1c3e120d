/**
 * The TAP device and the kernel-side configuration of interfaces in a network namespace.
 *
 * <h2>Theory of operation</h2>
 * <p>A TAP fd comes into being in two steps, and the kernel fixes different things at each:
 * <ol>
 *   <li>{@code open("/dev/net/tun")} fixes the <em>network namespace</em> the device will live in: the
 *       namespace of the opening thread. That is why {@link io.jslirp.tap.netns} exists — it arranges for
 *       this open to happen inside the container's namespace.</li>
 *   <li>{@code ioctl(TUNSETIFF, IFF_TAP|IFF_NO_PI)} names the device and creates it, or attaches to an
 *       existing one of that name (RootlessKit pre-creates {@code tap0} with {@code ip tuntap add}). It may
 *       be done from any thread with CAP_NET_ADMIN over the namespace, which is what lets the rest of
 *       jslirp stay in the host namespace. {@link io.jslirp.tap.dev.TapDevice#attach} does this;
 *       {@link io.jslirp.tap.dev.TapDevice#fromFd} accepts an fd someone already attached
 *       ({@code --netns-type=tapfd}) after checking with TUNGETIFF that it really is one.</li>
 * </ol>
 * With IFF_NO_PI each read(2) returns exactly one Ethernet frame and each write(2) injects exactly one,
 * so the device needs no framing; it is non-blocking so the event loop can read until EAGAIN.
 *
 * <p>Interface configuration ({@link io.jslirp.tap.dev.InterfaceConfigurator}) uses the classic
 * {@code SIOCSIF*}/{@code SIOCADDRT} ioctls on an AF_INET datagram socket, exactly as slirp4netns's
 * {@code --configure} does, so the resulting addresses and routes are byte-for-byte what
 * {@code ip addr}/{@code ip route} show after slirp4netns. These ioctls act on the network namespace the
 * <em>socket</em> was created in, not the caller's, so a socket opened inside the container's namespace
 * configures it from anywhere.
 *
 * <p>IPv6 ({@code -c -6}, {@link io.jslirp.tap.dev.GuestIpv6}) goes over rtnetlink instead
 * ({@link io.jslirp.tap.dev.NetlinkConfigurator}, messages in {@link io.jslirp.tap.dev.Rtnetlink}), because
 * the ioctls cannot say what it needs: the AF_INET6 {@code SIOCSIFADDR} always runs duplicate address
 * detection, which leaves the address tentative (unusable) for a second or more after the ready byte.
 * RTM_NEWADDR with IFA_F_NODAD does not. The default route goes with it as RTM_NEWROUTE, at metric 2048,
 * because one at the usual 1024 makes the kernel drop our router advertisements whole (see GuestIpv6).
 * The NETLINK_ROUTE socket, like the AF_INET one, works on the namespace
 * it was created in; each request is acknowledged and the kernel's errno (and, with NETLINK_EXT_ACK, its own
 * words) become the exception's message.
 *
 * <p>Struct layouts ({@code struct ifreq}: 16-byte name + 24-byte union; {@code struct rtentry}) are
 * written with explicit offsets for LP64 Linux, the only ABI {@link io.jslirp.tap.sys.Native} loads on.
 */
package io.jslirp.tap.dev;
