package io.jslirp.tap;

import io.jslirp.stack.NetConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything one jslirp session needs, already validated. The CLI builds it from slirp4netns-style flags;
 * programs that embed jslirp build it directly.
 */
public final class Settings {
    /** No MAC given: the kernel's random MAC stays on the TAP, as with slirp4netns. */
    public static final long NO_MAC = -1;

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
    private final Path resolvConf;

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
        this.resolvConf = b.resolvConf;
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

    /** {@code --outbound-addr6} as given, or null; kept for when IPv6 exists. */
    public String outboundAddr6() {
        return outboundAddr6;
    }

    /** {@code --disable-dns}: network+3 forwards no queries. */
    public boolean disableDns() {
        return disableDns;
    }

    /** {@code --resolv-conf} (jslirp's): where the host's nameservers are read, and re-read when it changes. */
    public Path resolvConf() {
        return resolvConf;
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
        b.resolvConf = resolvConf;
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
        private Path resolvConf = ResolvConf.DEFAULT;

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

        public Builder resolvConf(Path path) {
            this.resolvConf = Objects.requireNonNull(path, "resolvConf");
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
