package io.jslirp.tap;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.tap.api.HostAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything one jslirp session needs, already validated. The CLI builds it from slirp4netns-style flags;
 * programs that embed jslirp build it directly.
 */
public final class Settings {
    /** No MAC given: the kernel's random MAC stays on the TAP, as with slirp4netns. */
    public static final long NO_MAC = -1;
    /**
     * {@code --busy-poll}'s default: long enough for a process on this host to answer a request (a loopback
     * round trip through jslirp is some tens of microseconds), short enough that a gap costs little.
     */
    public static final int DEFAULT_BUSY_POLL_MICROS = 50;
    /** Past a millisecond, polling would only burn the CPU that sleeping until the next packet saves. */
    public static final int MAX_BUSY_POLL_MICROS = 1000;

    /**
     * One {@code -p/--publish}: {@code hostAddr:hostPort} forwarded to {@code guestPort} on {@code guestAddr}.
     * Host port 0 takes a free port. A null guest address names none, and the family rule applies (see
     * {@link io.jslirp.stack.PortForwards}): an IPv6 client reaches the guest's IPv6 address when there is one,
     * every other client network+100. An {@link java.net.Inet4Address} or {@link Inet6Address} names the guest
     * address, and that family alone carries the forward for clients of both families.
     */
    public record Publish(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddr, int guestPort) {
        public Publish {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(hostAddr, "hostAddr");
            if (hostPort < 0 || hostPort > 0xffff) {
                throw new IllegalArgumentException("host port must be 0..65535, not " + hostPort);
            }
            if (guestPort < 1 || guestPort > 0xffff) {
                throw new IllegalArgumentException("guest port must be 1..65535, not " + guestPort);
            }
        }

        /** No guest address named: the family rule picks it per client. */
        public Publish(Protocol protocol, InetAddress hostAddr, int hostPort, int guestPort) {
            this(protocol, hostAddr, hostPort, null, guestPort);
        }

        /**
         * In the flag's own syntax, e.g. {@code 0.0.0.0:8080:80/tcp}, {@code [::1]:8080:80/udp} or
         * {@code [::]:8443:[fd00::100]:443/tcp}.
         */
        @Override
        public String toString() {
            String guest = guestAddr == null ? "" : bracketed(guestAddr) + ":";
            return bracketed(hostAddr) + ":" + hostPort + ":" + guest + guestPort + "/" + protocol.wireName();
        }

        private static String bracketed(InetAddress a) {
            String text = HostAddresses.format(a);
            return a instanceof Inet6Address ? "[" + text + "]" : text;
        }
    }

    private final Target target;
    private final Path usernsPath;
    private final String tapName;
    private final NetConfig net;
    private final boolean configure;
    private final long macAddress;
    private final int readyFd;
    private final int exitFd;
    private final Path pcapPath;
    private final boolean disableHostLoopback;
    private final int outboundAddr;
    private final String outboundAddr6;
    private final boolean disableDns;
    private final int busyPollMicros;
    private final Path resolvConf;
    private final Path apiSocket;
    private final List<Publish> publish;

    private Settings(Builder b) {
        this.target = Objects.requireNonNull(b.target, "target");
        this.usernsPath = b.usernsPath;
        this.tapName = b.tapName;
        this.net = b.net;
        this.configure = b.configure;
        this.macAddress = b.macAddress;
        this.readyFd = b.readyFd;
        this.exitFd = b.exitFd;
        this.pcapPath = b.pcapPath;
        this.disableHostLoopback = b.disableHostLoopback;
        this.outboundAddr = b.outboundAddr;
        this.outboundAddr6 = b.outboundAddr6;
        this.disableDns = b.disableDns;
        this.busyPollMicros = b.busyPollMicros;
        this.resolvConf = b.resolvConf;
        this.apiSocket = b.apiSocket;
        this.publish = List.copyOf(b.publish);
    }

    public static Builder builder(Target target) {
        return new Builder(target);
    }

    public Target target() {
        return target;
    }

    /** Non-null when the namespace must be entered through its user namespace from outside (rootless). */
    public Path usernsPath() {
        return usernsPath;
    }

    public String tapName() {
        return tapName;
    }

    public NetConfig net() {
        return net;
    }

    public boolean configure() {
        return configure;
    }

    public long macAddress() {
        return macAddress;
    }

    public int readyFd() {
        return readyFd;
    }

    public int exitFd() {
        return exitFd;
    }

    public Path pcapPath() {
        return pcapPath;
    }

    /** {@code --disable-host-loopback}: the gateway address does not lead to the host's 127.0.0.1. */
    public boolean disableHostLoopback() {
        return disableHostLoopback;
    }

    /** {@code --outbound-addr}, resolved: the IPv4 address (host order) host sockets bind to, 0 for none. */
    public int outboundAddr() {
        return outboundAddr;
    }

    /** {@code --outbound-addr6}, resolved: the IPv6 address (RFC 5952 text) IPv6 host sockets bind to, or null. */
    public String outboundAddr6() {
        return outboundAddr6;
    }

    /** {@code --disable-dns}: network+3 forwards no queries. */
    public boolean disableDns() {
        return disableDns;
    }

    /**
     * {@code --busy-poll} (jslirp's): how long the event loop polls before it sleeps while packets keep
     * coming, in microseconds; 0 never polls. See {@link io.jslirp.tap.loop.EventLoop#setBusyPoll}.
     */
    public int busyPollMicros() {
        return busyPollMicros;
    }

    /** {@code --resolv-conf} (jslirp's): where the host's nameservers are read, and re-read when it changes. */
    public Path resolvConf() {
        return resolvConf;
    }

    /** {@code --api-socket}: where the slirp4netns-compatible API listens, or null for no API socket. */
    public Path apiSocket() {
        return apiSocket;
    }

    /** {@code -p/--publish}, in the order given; the session adds them before it signals ready. */
    public List<Publish> publish() {
        return publish;
    }

    /**
     * Everything but the target (and the user namespace that goes with it): {@code jslirp run} validates its
     * flags before the command's namespace, and so its target, exists.
     */
    public Builder toBuilder(Target newTarget) {
        Builder b = new Builder(newTarget);
        b.tapName = tapName;
        b.net = net;
        b.configure = configure;
        b.macAddress = macAddress;
        b.readyFd = readyFd;
        b.exitFd = exitFd;
        b.pcapPath = pcapPath;
        b.disableHostLoopback = disableHostLoopback;
        b.outboundAddr = outboundAddr;
        b.outboundAddr6 = outboundAddr6;
        b.disableDns = disableDns;
        b.busyPollMicros = busyPollMicros;
        b.resolvConf = resolvConf;
        b.apiSocket = apiSocket;
        b.publish.addAll(publish);
        return b;
    }

    public static final class Builder {
        private final Target target;
        private Path usernsPath;
        private String tapName = "tap0";
        private NetConfig net = NetConfig.defaults();
        private boolean configure;
        private long macAddress = NO_MAC;
        private int readyFd = -1;
        private int exitFd = -1;
        private Path pcapPath;
        private boolean disableHostLoopback;
        private int outboundAddr;
        private String outboundAddr6;
        private boolean disableDns;
        private int busyPollMicros = DEFAULT_BUSY_POLL_MICROS;
        private Path resolvConf = ResolvConf.DEFAULT;
        private Path apiSocket;
        private final List<Publish> publish = new ArrayList<>();

        private Builder(Target target) {
            this.target = target;
        }

        public Builder usernsPath(Path path) {
            this.usernsPath = path;
            return this;
        }

        public Builder tapName(String name) {
            if (name == null || name.isEmpty() || name.length() > 15 || name.contains("/") || name.contains(" ")) {
                throw new IllegalArgumentException("invalid TAP name: \"" + name + "\" (1..15 characters, no '/' or space)");
            }
            this.tapName = name;
            return this;
        }

        public Builder net(NetConfig net) {
            this.net = Objects.requireNonNull(net);
            return this;
        }

        public Builder configure(boolean configure) {
            this.configure = configure;
            return this;
        }

        public Builder macAddress(long mac) {
            this.macAddress = mac;
            return this;
        }

        public Builder readyFd(int fd) {
            this.readyFd = fd;
            return this;
        }

        public Builder exitFd(int fd) {
            this.exitFd = fd;
            return this;
        }

        public Builder pcapPath(Path path) {
            this.pcapPath = path;
            return this;
        }

        public Builder disableHostLoopback(boolean disable) {
            this.disableHostLoopback = disable;
            return this;
        }

        /** IPv4 address in host order, already resolved from an interface name if one was given; 0 for none. */
        public Builder outboundAddr(int addr) {
            this.outboundAddr = addr;
            return this;
        }

        public Builder outboundAddr6(String addr) {
            this.outboundAddr6 = addr;
            return this;
        }

        public Builder disableDns(boolean disable) {
            this.disableDns = disable;
            return this;
        }

        /** 0 to {@link #MAX_BUSY_POLL_MICROS}; 0 turns polling off. */
        public Builder busyPollMicros(int micros) {
            if (micros < 0 || micros > MAX_BUSY_POLL_MICROS) {
                throw new IllegalArgumentException("busy poll must be 0.." + MAX_BUSY_POLL_MICROS + " microseconds, not "
                        + micros);
            }
            this.busyPollMicros = micros;
            return this;
        }

        public Builder resolvConf(Path path) {
            this.resolvConf = Objects.requireNonNull(path, "resolvConf");
            return this;
        }

        public Builder apiSocket(Path path) {
            this.apiSocket = path;
            return this;
        }

        /**
         * Adds one forward, as {@link #publish(Publish)}; {@code guestAddr} null names no guest address (the
         * family rule), an IPv4 or IPv6 one names it (an IPv6 one needs the network's IPv6, {@link NetConfig#withIpv6}).
         */
        public Builder publish(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddr, int guestPort) {
            return publish(new Publish(protocol, hostAddr, hostPort, guestAddr, guestPort));
        }

        /** Adds one forward; a repeat of the same protocol, address and port (other than 0) is refused. */
        public Builder publish(Publish p) {
            Objects.requireNonNull(p, "publish");
            if (p.hostPort() != 0) {
                for (Publish q : publish) {
                    if (q.protocol() == p.protocol() && q.hostPort() == p.hostPort() && q.hostAddr().equals(p.hostAddr())) {
                        throw new IllegalArgumentException("published twice: " + p);
                    }
                }
            }
            publish.add(p);
            return this;
        }

        public Settings build() {
            if (macAddress != NO_MAC && !configure) {
                throw new IllegalArgumentException("--macaddr cannot be specified when --configure or -c is not specified");
            }
            return new Settings(this);
        }
    }
}
