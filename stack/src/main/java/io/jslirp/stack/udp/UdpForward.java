package io.jslirp.stack.udp;

/** One port forward's host socket and where its datagrams go in the guest. Allocated per forward. */
final class UdpForward {
    final int handle;
    final int guestAddr;
    final int guestPort;

    UdpForward(int handle, int guestAddr, int guestPort) {
        this.handle = handle;
        this.guestAddr = guestAddr;
        this.guestPort = guestPort;
    }
}
