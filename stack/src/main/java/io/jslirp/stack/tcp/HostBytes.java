package io.jslirp.stack.tcp;

/** Where a connection's bytes toward the guest wait for the guest's acknowledgment ({@link KeptBytes}). */
enum HostBytes {
    /** Nothing read from the host socket yet: decided at the first read. */
    UNDECIDED,
    /** Read out of the socket into frames the retransmission queue holds (kernels without SO_PEEK_OFF). */
    COPIED,
    /** Left in the host socket, peeked for sending and read again for a retransmission. */
    KEPT
}
