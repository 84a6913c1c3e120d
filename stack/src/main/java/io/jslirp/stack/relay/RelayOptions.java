package io.jslirp.stack.relay;

/**
 * How the relay maps the guest's destinations onto the host, from the command line: network+2 is the host
 * (127.0.0.1 unless {@code --disable-host-loopback}), and {@code --outbound-addr} binds host sockets.
 */
public final class RelayOptions {
    public static final int LOOPBACK = 0x7f00_0001;

    private final boolean disableHostLoopback;
    private final int outboundAddr;
    private final int maxFlows;
    private final boolean disableDns;

    private RelayOptions(boolean disableHostLoopback, int outboundAddr, int maxFlows, boolean disableDns) {
        this.disableHostLoopback = disableHostLoopback;
        this.outboundAddr = outboundAddr;
        this.maxFlows = maxFlows;
        this.disableDns = disableDns;
    }

    public static RelayOptions defaults() {
        return new RelayOptions(false, 0, 65_536, false);
    }

    public RelayOptions withDisableHostLoopback(boolean disable) {
        return new RelayOptions(disable, outboundAddr, maxFlows, disableDns);
    }

    /** IPv4 address (host order) to bind host sockets to, or 0 for the kernel's choice. */
    public RelayOptions withOutboundAddr(int addr) {
        return new RelayOptions(disableHostLoopback, addr, maxFlows, disableDns);
    }

    public RelayOptions withMaxFlows(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxFlows must be positive");
        }
        return new RelayOptions(disableHostLoopback, outboundAddr, max, disableDns);
    }

    /** {@code --disable-dns}: network+3 does not forward queries (they time out, as with slirp4netns). */
    public RelayOptions withDisableDns(boolean disable) {
        return new RelayOptions(disableHostLoopback, outboundAddr, maxFlows, disable);
    }

    public boolean disableDns() {
        return disableDns;
    }

    public boolean disableHostLoopback() {
        return disableHostLoopback;
    }

    public int outboundAddr() {
        return outboundAddr;
    }

    public int maxFlows() {
        return maxFlows;
    }
}
