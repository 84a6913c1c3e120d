package io.jslirp.stack.tcp;

/**
 * The round-trip estimate and retransmission timeout of one connection (RFC 6298).
 *
 * <h2>Theory of operation</h2>
 * The connection chooses where a sample comes from: with timestamps (RFC 7323 4) every advancing ACK echoes our
 * millisecond clock, so a sample is now - TSecr; without them, Karn's algorithm takes the send time of the newest
 * fully acknowledged segment that was never retransmitted, and the handshake gives one from the SYN-ACK (or the
 * SYN, for a port forward) when it went out only once. The first sample sets SRTT = R and RTTVAR = R/2 (2.2);
 * later ones smooth with alpha 1/8 and beta 1/4 (2.3). RTO = SRTT + max(G, 4 RTTVAR) with G = 1 ms, the
 * timestamp clock's granularity, clamped to {@link TcpConnection#MIN_RTO} (Linux's 200 ms floor rather than
 * RFC 6298's 1 s: the path is a local device, and a 1 s floor only slows recovery) and
 * {@link TcpConnection#MAX_RTO}. Each expiry doubles the RTO (5.5) up to the ceiling; the next sample
 * recomputes it. A negative sample (a clock that went back) is ignored. Times are nanoseconds of the injected
 * clock; nothing here allocates.
 */
final class RttEstimator {
    /** Clock granularity G of RFC 6298 2.4: timestamps tick in milliseconds. */
    private static final long GRANULARITY = 1_000_000L;

    private long srtt;
    private long rttvar;
    private long rto = TcpConnection.INITIAL_RTO;

    long rto() {
        return rto;
    }

    /** One measured round trip {@code r} (nanoseconds). */
    void sample(long r) {
        if (r < 0) {
            return;
        }
        if (srtt == 0) {
            // RFC 6298 2.2: first measurement.
            srtt = r;
            rttvar = r / 2;
        } else {
            // RFC 6298 2.3, alpha 1/8, beta 1/4.
            long delta = Math.abs(srtt - r);
            rttvar = (3 * rttvar + delta) / 4;
            srtt = (7 * srtt + r) / 8;
        }
        long computed = srtt + Math.max(GRANULARITY, 4 * rttvar);
        rto = Math.min(TcpConnection.MAX_RTO, Math.max(TcpConnection.MIN_RTO, computed));
    }

    /** RFC 6298 5.5: the timer expired; back off. */
    void backOff() {
        rto = Math.min(rto * 2, TcpConnection.MAX_RTO);
    }

    /** RFC 6298 5.7: no sample after a SYN timeout (Karn), so data starts from the 3 s RTO. */
    void afterSynTimeout() {
        rto = TcpConnection.SYN_TIMEOUT_RTO;
    }
}
