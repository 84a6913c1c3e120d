package io.jslirp.tap.dev;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.NativeException;

/**
 * What {@code -c -6} puts on the TAP before the ready byte: the guest address prefix::100/64 without
 * duplicate address detection, and {@code default via fe80::2}. slirp4netns configures no IPv6 and leaves the
 * guest to race SLAAC (podman answers that with a namespace-wide {@code accept_dad=0}); jslirp's guest has a
 * usable address and route the moment it is told the network is ready, and nothing outside the TAP changes.
 *
 * <p>The route's metric is {@value #DEFAULT_ROUTE_METRIC}, not the 1024 an {@code ip route add} would get:
 * the kernel installs the default route it learns from our router advertisement at 1024 too
 * ({@code net.ipv6.conf.*.ra_defrtr_metric}), and a manual route with the same metric and next hop makes
 * it fail ({@code RA: ndisc_router_discovery failed to add default route}) and drop the whole
 * advertisement: no SLAAC, no MTU, no RDNSS. At 2048 both routes stand, the RA's (proto ra, with its
 * lifetime) preferred, ours the standing fallback; both point at fe80::2 on the TAP, so which one a packet
 * takes never matters. SLAAC still adds its own address in the prefix beside prefix::100; that is harmless.
 */
public final class GuestIpv6 {
    private GuestIpv6() {
    }

    /** Clear of the kernel's RA default route metric (1024); see the class documentation. */
    public static final int DEFAULT_ROUTE_METRIC = 2048;
    static final int PREFIX_LENGTH = 64;

    /**
     * Adds the address and the route to {@code ifname}, which must be up. Returns null when done, or a warning
     * for the user when the namespace has IPv6 turned off on the TAP ({@code disable_ipv6}, EACCES) or the
     * kernel has no IPv6 at all (EOPNOTSUPP, EAFNOSUPPORT): slirp4netns starts there and so must a drop-in;
     * the guest then has IPv4 only. Anything else the kernel refuses fails the start.
     */
    public static String configure(NetlinkConfigurator netlink, int ifIndex, String ifname, Ipv6Config v6)
            throws NativeException {
        String address = Ipv6Config.format(v6.prefixHi(), Ipv6Config.GUEST_LO) + "/" + PREFIX_LENGTH;
        try {
            netlink.addIpv6AddressNoDad(ifIndex, v6.prefixHi(), Ipv6Config.GUEST_LO, PREFIX_LENGTH,
                    "adding " + address + " to " + ifname);
        } catch (NativeException e) {
            if (e.errno() == Errno.EACCES || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EAFNOSUPPORT) {
                return "jslirp: warning: IPv6 is off on " + ifname + " in the namespace (" + e.getMessage()
                        + "); -c configured IPv4 only";
            }
            throw e;
        }
        netlink.addIpv6DefaultRoute(ifIndex, Ipv6Config.LINK_LOCAL_HI, Ipv6Config.ROUTER_LO, DEFAULT_ROUTE_METRIC,
                "adding default via " + Ipv6Config.format(Ipv6Config.LINK_LOCAL_HI, Ipv6Config.ROUTER_LO) + " dev "
                        + ifname + " metric " + DEFAULT_ROUTE_METRIC);
        return null;
    }
}
