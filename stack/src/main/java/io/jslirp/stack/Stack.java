package io.jslirp.stack;

import io.jslirp.stack.icmp.IcmpResponder;
import io.jslirp.stack.iface.EthernetInterface;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.tcp.TcpLayer;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * The stack's public entry point, called from the Linux side's single event-loop thread. See the package
 * documentation for the contract; nothing here is thread-safe.
 */
public final class Stack {
    private final NetConfig config;
    private final Clock clock;
    private final Counters counters = new Counters();
    private final EthernetInterface iface;
    private final TcpLayer tcp;

    /** A stack without host sockets: guest TCP SYNs are answered with RST; {@link RelayOptions#defaults()}. */
    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc) {
        this(config, clock, toGuest, alloc, null, RelayOptions.defaults());
    }

    /**
     * @param host    the host's sockets, which the TCP relay connects, reads and writes; null for none
     * @param options destination mapping and bounds for the relay
     */
    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc, HostSockets host,
                 RelayOptions options) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(toGuest, "toGuest");
        Objects.requireNonNull(alloc, "alloc");
        // Count at the one place every emitted frame passes; built once, so no per-frame allocation.
        FrameSink counting = frame -> {
            counters.framesOut++;
            counters.bytesOut += frame.readableBytes();
            toGuest.sendFrame(frame);
        };
        this.iface = new EthernetInterface(config, clock, counters, alloc, counting);
        iface.register(Ipv4Packet.PROTO_ICMP, new IcmpResponder(counters, alloc, iface.output()));
        this.tcp = new TcpLayer(config, clock, counters, alloc, iface.output(), host,
                Objects.requireNonNull(options, "options"));
        iface.register(Ipv4Packet.PROTO_TCP, tcp, true);
    }

    /** Takes ownership of frame (releases it on every path). Never throws for bad input: counts and drops. */
    public void receiveFrame(ByteBuf frame) {
        if (frame == null) {
            return;
        }
        try {
            counters.framesIn++;
            counters.bytesIn += frame.readableBytes();
            iface.receive(frame);
        } catch (RuntimeException e) {
            // Every wire length is validated before use, so this is a bug; one bad frame must still not
            // take the event loop (and the container's network) down with it.
            counters.internalErrors++;
        } finally {
            frame.release();
        }
    }

    /** Clock.nanoTime() value of the next timer that is due, or Long.MAX_VALUE when none. */
    public long nextDeadlineNanos() {
        return Math.min(iface.nextDeadlineNanos(), tcp.nextDeadlineNanos());
    }

    /** Runs every timer due at clock.nanoTime(): fragment expiry, TCP retransmission, persist and idle timers. */
    public void runTimers() {
        long now = clock.nanoTime();
        iface.runTimers(now);
        tcp.runTimers(now);
    }

    /**
     * End of an event-loop iteration (after a batch of frames and socket events): sends the ACKs coalesced
     * during the batch, window updates, and reads from host sockets whose guest window opened.
     */
    public void flush() {
        tcp.flush();
    }

    /** Flows in the TCP table (including TIME_WAIT records), for tests and the exit summary. */
    public int activeFlows() {
        return tcp.activeFlows();
    }

    /** The TCP relay, for diagnostics and tests. */
    public TcpLayer tcp() {
        return tcp;
    }

    public Counters counters() {
        return counters;
    }

    public NetConfig config() {
        return config;
    }

    /**
     * Aborts every host socket the TCP relay holds and releases buffers held across frames (fragments awaiting
     * reassembly, retransmission and relay queues). Not part of the packet path; call it once, on the
     * event-loop thread, when the stack is discarded so pooled memory goes back and leak detection stays quiet.
     */
    public void close() {
        tcp.close();
        iface.close();
    }
}
