package io.jslirp.stack.relay;

/**
 * How the relay maps the guest's destinations onto the host, from the command line: network+2 is the host
 * (127.0.0.1 unless {@code --disable-host-loopback}; ::1 for the IPv6 router address), and
 * {@code --outbound-addr}/{@code --outbound-addr6} bind the host sockets of each family. Also the secret
 * that keys TCP's initial sequence numbers: the stack reads no randomness itself (it does no I/O), so whoever
 * builds it supplies one ({@link #withIsnSecret}).
 */
public final class RelayOptions {
    public static final int LOOPBACK = 0x7f00_0001;
    /**
     * TCP connections kept in TIME_WAIT at most, as Linux's {@code tcp_max_tw_buckets} bounds them: past it the
     * oldest record ends early (tcp.TimeWaitTable says why the oldest). 8,192 records, 512 KiB to 1 MiB.
     */
    public static final int DEFAULT_MAX_TIME_WAIT = 8192;

    private final boolean disableHostLoopback;
    private final int outboundAddr;
    private final int maxFlows;
    private final boolean disableDns;
    /** {@code --outbound-addr6}: :: (both halves 0) for the kernel's choice. */
    private final long outboundAddr6Hi;
    private final long outboundAddr6Lo;
    private final long isnSecret;
    private final int maxTimeWait;

    private RelayOptions(boolean disableHostLoopback, int outboundAddr, int maxFlows, boolean disableDns,
                         long outboundAddr6Hi, long outboundAddr6Lo, long isnSecret, int maxTimeWait) {
        this.disableHostLoopback = disableHostLoopback;
        this.outboundAddr = outboundAddr;
        this.maxFlows = maxFlows;
        this.disableDns = disableDns;
        this.outboundAddr6Hi = outboundAddr6Hi;
        this.outboundAddr6Lo = outboundAddr6Lo;
        this.isnSecret = isnSecret;
        this.maxTimeWait = maxTimeWait;
    }

    /**
     * The defaults, with ISN secret 0: initial sequence numbers anyone can predict from the 4-tuple and the
     * clock, fit for tests and benchmarks. A stack that serves a guest is given a random secret.
     */
    public static RelayOptions defaults() {
        return new RelayOptions(false, 0, 65_536, false, 0, 0, 0, DEFAULT_MAX_TIME_WAIT);
    }

    /**
     * RFC 6528's secret key: ISN = a 4 microsecond clock + a hash of the 4-tuple and this, so that an off-path
     * host cannot guess a connection's sequence numbers. Random and per process (jslirp reads it from the
     * kernel at start).
     */
    public RelayOptions withIsnSecret(long secret) {
        return new RelayOptions(disableHostLoopback, outboundAddr, maxFlows, disableDns, outboundAddr6Hi,
                outboundAddr6Lo, secret, maxTimeWait);
    }

    public long isnSecret() {
        return isnSecret;
    }

    /** IPv6 address to bind outbound IPv6 host sockets to, or :: (0, 0) for the kernel's choice. */
    public RelayOptions withOutboundAddr6(long hi, long lo) {
        return new RelayOptions(disableHostLoopback, outboundAddr, maxFlows, disableDns, hi, lo, isnSecret, maxTimeWait);
    }

    public long outboundAddr6Hi() {
        return outboundAddr6Hi;
    }

    public long outboundAddr6Lo() {
        return outboundAddr6Lo;
    }

    public RelayOptions withDisableHostLoopback(boolean disable) {
        return new RelayOptions(disable, outboundAddr, maxFlows, disableDns, outboundAddr6Hi, outboundAddr6Lo,
                isnSecret, maxTimeWait);
    }

    /** IPv4 address (host order) to bind host sockets to, or 0 for the kernel's choice. */
    public RelayOptions withOutboundAddr(int addr) {
        return new RelayOptions(disableHostLoopback, addr, maxFlows, disableDns, outboundAddr6Hi, outboundAddr6Lo,
                isnSecret, maxTimeWait);
    }

    public RelayOptions withMaxFlows(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxFlows must be positive");
        }
        return new RelayOptions(disableHostLoopback, outboundAddr, max, disableDns, outboundAddr6Hi, outboundAddr6Lo,
                isnSecret, maxTimeWait);
    }

    /** {@code --disable-dns}: network+3 does not forward queries (they time out, as with slirp4netns). */
    public RelayOptions withDisableDns(boolean disable) {
        return new RelayOptions(disableHostLoopback, outboundAddr, maxFlows, disable, outboundAddr6Hi, outboundAddr6Lo,
                isnSecret, maxTimeWait);
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

    /**
     * At most {@code max} TIME_WAIT records (a power of two from 128 to 2^20, whose table of twice as many
     * 64-byte slots stays within one int-sized buffer): see {@link #DEFAULT_MAX_TIME_WAIT}.
     */
    public RelayOptions withMaxTimeWait(int max) {
        if (max < 128 || max > 1 << 20 || Integer.bitCount(max) != 1) {
            throw new IllegalArgumentException("maxTimeWait must be a power of two from 128 to 1048576: " + max);
        }
        return new RelayOptions(disableHostLoopback, outboundAddr, maxFlows, disableDns, outboundAddr6Hi,
                outboundAddr6Lo, isnSecret, max);
    }

    public int maxTimeWait() {
        return maxTimeWait;
    }
}
