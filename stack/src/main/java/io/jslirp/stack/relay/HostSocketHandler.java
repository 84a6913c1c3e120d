package io.jslirp.stack.relay;

/** Receives readiness for host sockets, on the event-loop thread. */
@FunctionalInterface
public interface HostSocketHandler {
    /** @param events a mask of {@link HostSockets#READABLE}, {@link HostSockets#WRITABLE}, ERROR, HANGUP, READ_HANGUP */
    void onSocketEvent(int handle, int events);
}
