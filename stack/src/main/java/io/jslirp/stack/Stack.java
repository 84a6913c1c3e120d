package io.jslirp.stack;

import io.jslirp.stack.icmp.IcmpResponder;
import io.jslirp.stack.iface.EthernetInterface;
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

    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc) {
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
        return iface.nextDeadlineNanos();
    }

    /** Runs every timer due at clock.nanoTime() (fragment expiry now; TCP timers later). */
    public void runTimers() {
        iface.runTimers(clock.nanoTime());
    }

    public Counters counters() {
        return counters;
    }

    public NetConfig config() {
        return config;
    }

    /**
     * Releases buffers held across frames (fragments awaiting reassembly). Not part of the packet path;
     * call it once when the stack is discarded so pooled memory goes back and leak detection stays quiet.
     */
    public void close() {
        iface.close();
    }
}
