package io.jslirp.stack.udp;

/**
 * One port forward's host socket and where its datagrams go in the guest: a family-neutral address
 * ({@code IpAddress}) and port, and the forward's {@code ForwardPath} mode (an IPv4 or IPv6 address named, or
 * none). Allocated per forward.
 */
final class UdpForward {
    final int handle;
    final long guestHi;
    final long guestLo;
    final int guestPort;
    final int mode;

    UdpForward(int handle, long guestHi, long guestLo, int guestPort, int mode) {
        this.handle = handle;
        this.guestHi = guestHi;
        this.guestLo = guestLo;
        this.guestPort = guestPort;
        this.mode = mode;
    }
}
