package io.jslirp.stack.tcp;

/**
 * Connection states toward the guest. The RFC 9293 names, plus {@code CONNECTING}: the guest's SYN has
 * arrived and the host connect is in progress, and we have not answered yet (the SYN-ACK waits for the
 * host, so that a refused connection is refused to the guest too). {@code SYN_SENT} is the other direction:
 * a port forward accepted a host client and we are the active opener toward the guest.
 */
public final class TcpState {
    public static final int CLOSED = 0;
    public static final int CONNECTING = 1;
    public static final int SYN_RECEIVED = 2;
    public static final int ESTABLISHED = 3;
    /** Host closed first: our FIN sent, not yet acknowledged. */
    public static final int FIN_WAIT_1 = 4;
    /** Our FIN acknowledged; the guest may go on sending. */
    public static final int FIN_WAIT_2 = 5;
    /** Guest closed first: its FIN received, the host may go on sending. */
    public static final int CLOSE_WAIT = 6;
    /** Both FINs crossed; ours not yet acknowledged. */
    public static final int CLOSING = 7;
    /** Guest closed first, then the host: our FIN sent, awaiting its acknowledgement. */
    public static final int LAST_ACK = 8;
    /**
     * Both directions done; kept to re-acknowledge a lost final ACK. Once the host socket has taken the guest's
     * last bytes it is a primitive record in {@code TimeWaitTable}, with no connection object.
     */
    public static final int TIME_WAIT = 9;
    /** Port forward: our SYN to the guest is out (or waits for the guest's MAC), no answer yet. */
    public static final int SYN_SENT = 10;

    private static final String[] NAMES = {"CLOSED", "CONNECTING", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
        "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "SYN_SENT"};

    private TcpState() {
    }

    public static String name(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "?" + state;
    }
}
