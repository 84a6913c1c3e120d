package io.jslirp.tap;

import io.jslirp.stack.Clock;
import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.tap.dev.GuestIpv6;
import io.jslirp.tap.dev.InterfaceConfigurator;
import io.jslirp.tap.dev.NetlinkConfigurator;
import io.jslirp.tap.netns.NamespaceEntry;
import io.jslirp.tap.netns.NamespaceHandles;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.NativeException;
import io.jslirp.tap.sys.StartupTrace;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The steps of {@link Jslirp#start} that need no session yet, in the order it takes them: where the target's
 * namespace is and how to enter it (setns, or the helper when only the target's user namespace lets us in),
 * what {@code --configure} does to the interface, and the ready byte. Also the settings' translation into the
 * stack's {@link RelayOptions} and the wording of a refused {@code --publish}.
 */
final class StartupSteps {
    /** Depth of the guest-to-jslirp ring set by --configure (the kernel's default for a TAP is 500). */
    static final int TAP_QUEUE_FRAMES = 10_000;

    private StartupSteps() {
    }

    /**
     * Builds a stack that never runs and closes it: what building the session's own stack loads and initialises
     * (Netty's pool, the stack's 200-odd classes, 20-30 ms) is then done. For a caller that would otherwise wait
     * for the libc binding (Native.preloadInBackground), which none of this needs.
     */
    static void prepare(Settings settings) {
        new Stack(settings.net(), Clock.SYSTEM, ByteBuf::release, PacketAllocator.DEFAULT, null,
                relayOptions(settings, 0), Jslirp.OFFLOAD ? Stack.DeviceFormat.VNET_HDR : Stack.DeviceFormat.ETHERNET)
                .close();
    }

    /** A session's relay options: the settings', keyed with eight new bytes of the kernel's randomness. */
    static RelayOptions sessionRelayOptions(Settings settings) throws IOException {
        return relayOptions(settings, KernelRandom.nextLong());
    }

    /**
     * The relay's options from the settings, and TCP's ISN secret: {@link KernelRandom} for a session, anything
     * for {@link #prepare}'s stack, which never runs.
     */
    static RelayOptions relayOptions(Settings settings, long isnSecret) {
        return RelayOptions.defaults()
                .withIsnSecret(isnSecret)
                .withDisableHostLoopback(settings.disableHostLoopback())
                .withOutboundAddr(settings.outboundAddr())
                .withOutboundAddr6(outbound6(settings)[0], outbound6(settings)[1])
                .withDisableDns(settings.disableDns());
    }

    /** {@code --outbound-addr6} as {hi, lo}; {0, 0} (::, the kernel's choice) when not given. */
    private static long[] outbound6(Settings settings) {
        return settings.outboundAddr6() == null ? new long[2] : Ipv6Config.parseIpv6(settings.outboundAddr6());
    }

    static NamespaceHandles enter(Settings settings, Path netnsPath) throws IOException {
        StartupTrace.mark("entering namespace");
        if (settings.usernsPath() != null) {
            Path userns = settings.usernsPath();
            if (!Files.exists(userns)) {
                throw new IOException("userns path doesn't exist: " + userns);
            }
            if (!Files.isReadable(userns)) {
                throw new IOException("userns path is not readable: " + userns);
            }
            return NamespaceEntry.openViaHelper(userns, netnsPath, wantsNetlink(settings));
        }
        try {
            return NamespaceEntry.openViaSetns(netnsPath, wantsNetlink(settings));
        } catch (NativeException e) {
            // An unprivileged user cannot setns into a namespace owned by its own user namespace from
            // outside; when the target names a process, its user namespace is at hand, so do what
            // --userns-path would have done rather than fail.
            int pid = holderPidOf(settings.target(), netnsPath);
            if (e.errno() == Errno.EPERM && pid > 0) {
                Path userns = Path.of("/proc", Integer.toString(pid), "ns", "user");
                if (Files.exists(userns) && !sameNamespace(userns, Path.of("/proc/self/ns/user"))) {
                    return NamespaceEntry.openViaHelper(userns, netnsPath, wantsNetlink(settings));
                }
            }
            throw e;
        }
    }

    private static boolean sameNamespace(Path a, Path b) {
        try {
            return NamespaceWatch.inodeOf(a) == NamespaceWatch.inodeOf(b);
        } catch (IOException e) {
            return false;
        }
    }

    static Path netnsPathOf(Target target) {
        if (target instanceof Target.Pid pid) {
            return pid.netnsPath();
        }
        return ((Target.NetnsPath) target).path();
    }

    static int holderPidOf(Target target, Path netnsPath) {
        if (target instanceof Target.Pid pid) {
            return pid.pid();
        }
        // /proc/PID/ns/net, read by hand: a regular expression here loaded java.util.regex at every start.
        String path = netnsPath.toString();
        String prefix = "/proc/";
        String suffix = "/ns/net";
        if (!path.startsWith(prefix) || !path.endsWith(suffix) || path.length() <= prefix.length() + suffix.length()) {
            return 0;
        }
        String digits = path.substring(prefix.length(), path.length() - suffix.length());
        if (digits.length() > 10) {
            return 0;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return 0;
            }
        }
        long pid = Long.parseLong(digits);
        return pid <= Integer.MAX_VALUE ? (int) pid : 0;
    }

    static void requireNamespaceFile(Target target, Path netnsPath) throws IOException {
        if (Files.exists(netnsPath)) {
            return;
        }
        if (target instanceof Target.Pid pid) {
            throw new IOException("no such process: " + pid.pid() + " (" + netnsPath + " does not exist)");
        }
        throw new IOException("existing path expected when --netns-type=path: " + netnsPath);
    }

    /** {@code -c -6} adds IPv6 over rtnetlink (GuestIpv6), so only then is a netlink socket opened in the namespace. */
    static boolean wantsNetlink(Settings settings) {
        return settings.configure() && settings.net().ipv6() != null;
    }

    /**
     * What slirp4netns --configure does, in the same order: lo up, TAP MTU and MAC, TAP up, address, route;
     * then, with -6, the IPv6 address and route. Returns a warning for the user, or null.
     */
    static String configure(int controlFd, int netlinkFd, String ifname, Settings settings) throws IOException {
        StartupTrace.mark("configuring");
        NetConfig net = settings.net();
        try (InterfaceConfigurator conf = new InterfaceConfigurator(controlFd);
             NetlinkConfigurator netlink = netlinkFd >= 0 ? new NetlinkConfigurator(netlinkFd) : null) {
            conf.setUp("lo");
            conf.setMtu(ifname, net.mtu());
            // The TAP's default ring of 500 frames overflows during the JVM's first second (JIT) and on
            // bursts of small datagrams: UDP at 1 Gbit/s lost 12% in the first second with it, 4% with this.
            try {
                conf.setTxQueueLength(ifname, TAP_QUEUE_FRAMES);
            } catch (NativeException e) {
                // Rootless, the kernel refuses (EPERM): the ring keeps its default, which only costs
                // burst tolerance, never correctness.
            }
            if (settings.macAddress() != Settings.NO_MAC) {
                conf.setMac(ifname, settings.macAddress());
            }
            conf.setUp(ifname);
            conf.setAddress(ifname, net.guestAddress(), net.netmask(), net.broadcast());
            conf.addDefaultRoute(ifname, net.gateway());
            return netlink == null ? null : GuestIpv6.configure(netlink, conf.ifIndex(ifname), ifname, net.ipv6());
        }
    }

    /** prefix::100, the address {@code -c -6} configures (GuestIpv6). */
    static java.net.InetAddress guestAddress6(Ipv6Config v6) {
        byte[] raw = new byte[16];
        for (int i = 0; i < 8; i++) {
            raw[i] = (byte) (v6.prefixHi() >>> (56 - 8 * i));
            raw[8 + i] = (byte) (Ipv6Config.GUEST_LO >>> (56 - 8 * i));
        }
        try {
            return java.net.InetAddress.getByAddress(raw);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // 16 bytes is always an address
        }
    }

    static void signalReady(int readyFd) throws IOException {
        StartupTrace.mark("ready");
        if (readyFd < 0) {
            return;
        }
        try {
            Fds.writeByte(readyFd, '1');
        } finally {
            Fds.close(readyFd);
        }
    }

    /** Why the host refused a forward, in words a user acts on; {@code fallback} for any other errno. */
    static String describeErrno(int errno, String fallback) {
        switch (errno) {
            case io.jslirp.stack.relay.HostSockets.EADDRINUSE:
                return "address already in use";
            case io.jslirp.stack.relay.HostSockets.EACCES:
                return "permission denied (ports below net.ipv4.ip_unprivileged_port_start need privilege)";
            case io.jslirp.stack.relay.HostSockets.EADDRNOTAVAIL:
                return "the host has no such address";
            default:
                return fallback;
        }
    }
}
