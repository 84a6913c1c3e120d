package io.jslirp.stack;

import io.jslirp.stack.icmp.IcmpResponder;
import io.jslirp.stack.iface.EthernetInterface;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.tcp.TcpLayer;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * The stack's public entry point, called from the Linux side's single event-loop thread. See the package
 * documentation for the contract; nothing here is thread-safe.
 */
public final class Stack {
    /** What the device puts around each frame. */
    public enum DeviceFormat {
        /** Bare Ethernet frames, each at most the MTU. */
        ETHERNET,
        /**
         * A TAP with IFF_VNET_HDR and TSO/checksum offload: every frame {@link #receiveFrame} gets starts with
         * a {@link VirtioNetHeader}, which is parsed and stripped (NEEDS_CSUM or DATA_VALID skip TCP checksum
         * verification; a TSO frame may exceed the MTU). Toward the guest, TCP segments carrying data go to
         * {@link FrameSink#sendOffloadFrame} with a partial checksum and up to 64 KiB of payload; everything
         * else goes to {@link FrameSink#sendFrame} complete, for an all-zero header.
         */
        VNET_HDR
    }

    private final NetConfig config;
    private final Clock clock;
    private final Counters counters = new Counters();
    private final EthernetInterface iface;
    private final TcpLayer tcp;
    private final DeviceFormat format;
    private final VirtioNetHeader vnet = new VirtioNetHeader();

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
        this(config, clock, toGuest, alloc, host, options, DeviceFormat.ETHERNET);
    }

    /** @param format {@link DeviceFormat#VNET_HDR} for a TAP with offloads; see there */
    public Stack(NetConfig config, Clock clock, FrameSink toGuest, ByteBufAllocator alloc, HostSockets host,
                 RelayOptions options, DeviceFormat format) {
        this.format = Objects.requireNonNull(format, "format");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(toGuest, "toGuest");
        Objects.requireNonNull(alloc, "alloc");
        // Count at the one place every emitted frame passes; built once, so no per-frame allocation.
        FrameSink counting = new FrameSink() {
            @Override
            public void sendFrame(ByteBuf frame) {
                counters.framesOut++;
                counters.bytesOut += frame.readableBytes();
                toGuest.sendFrame(frame);
            }

            @Override
            public void sendOffloadFrame(ByteBuf frame, int gsoSize) {
                counters.framesOut++;
                counters.bytesOut += frame.readableBytes();
                toGuest.sendOffloadFrame(frame, gsoSize);
            }
        };
        this.iface = new EthernetInterface(config, clock, counters, alloc, counting);
        iface.register(Ipv4Packet.PROTO_ICMP, new IcmpResponder(counters, alloc, iface.output()));
        this.tcp = new TcpLayer(config, clock, counters, alloc, iface.output(), host,
                Objects.requireNonNull(options, "options"), format == DeviceFormat.VNET_HDR);
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
            if (format == DeviceFormat.VNET_HDR) {
                if (!vnet.wrap(frame, frame.readerIndex(), frame.readableBytes())) {
                    counters.vnetTruncated++;
                    return;
                }
                frame.skipBytes(VirtioNetHeader.LENGTH);
                if (vnet.gsoType() != VirtioNetHeader.GSO_NONE) {
                    counters.gsoFramesIn++;
                }
                tcp.trustChecksum(vnet.checksumTrusted());
                try {
                    iface.receive(frame);
                } finally {
                    tcp.trustChecksum(false);
                }
                return;
            }
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

    public DeviceFormat format() {
        return format;
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
