package io.jslirp.bench;

import io.jslirp.stack.Clock;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.flow.FlowTable;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.TcpSegment;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The TCP relay's hot paths: segment parse + checksum, flow lookup among 10,000 flows, and bulk data through
 * {@link Stack} both ways with in-memory host sockets. Throughput is in operations per second; the
 * {@code bytes} secondary result (per second) is the payload relayed, so MB/s = bytes / 1e6.
 *
 * <p>{@code offload=true} runs the relay as on a TAP with virtio-net headers and TSO: the guest's data comes
 * as 64 KiB super-segments with a partial checksum (NEEDS_CSUM), and the relay answers with super-segments.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class TcpBenchmark {
    static final int MSS = 1460;
    static final int GUEST_PORT = 40000;
    static final int REMOTE_PORT = 80;
    static final int TCP_AT = 34;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final NetConfig net = NetConfig.defaults();
    private final int guest = net.guestAddress();
    private final int remote = NetConfig.parseIpv4("192.0.2.10");
    private final long guestMac = 0x0242_ac11_0002L;
    private final TcpSegment seg = new TcpSegment();
    private final FlowTable<Object> flows = new FlowTable<>(65_536);

    @Param({"false", "true"})
    public boolean offload;
    /** Bytes before the Ethernet header: the virtio-net header with offload. */
    private int pre;
    /** Guest payload per data segment: one MSS, or a TSO super-segment of 44 MSS. */
    private int guestPayload;
    private int lookupPort;

    private Stack stack;
    private DiscardingHostSockets host;
    private ByteBuf dataTemplate;
    private ByteBuf ackTemplate;
    private int guestSeq;
    private int ourNxt;
    private int batch;

    /** Payload bytes relayed, reported per second by JMH. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < 10_000; i++) {
            flows.put(IpAddress.V4_HI, IpAddress.v4Lo(guest), 10_000 + i, IpAddress.V4_HI, IpAddress.v4Lo(remote), 443,
                    "flow" + i);
        }
        host = new DiscardingHostSockets();
        Clock clock = System::nanoTime;
        pre = offload ? VirtioNetHeader.LENGTH : 0;
        guestPayload = offload ? 44 * MSS : MSS;
        stack = new Stack(net, clock, ByteBuf::release, alloc, host, RelayOptions.defaults(),
                offload ? Stack.DeviceFormat.VNET_HDR : Stack.DeviceFormat.ETHERNET);
        stack.tcp().setIsnGenerator((gh, gl, gp, rh, rl, rp) -> 1_000_000);
        // Handshake: SYN (MSS 1460, window scale 7, no timestamps), connect settles, ACK.
        guestSeq = 5000;
        stack.receiveFrame(frame(guestSeq, 0, TcpSegment.SYN, 64240, true, 0));
        host.handler.onSocketEvent(10, HostSockets.WRITABLE);
        guestSeq++;
        ourNxt = 1_000_001;
        stack.receiveFrame(frame(guestSeq, ourNxt, TcpSegment.ACK, 512, false, 0));
        stack.flush();
        dataTemplate = frame(guestSeq, ourNxt, TcpSegment.ACK | TcpSegment.PSH, 512, false, guestPayload);
        if (offload) {
            // What a guest's TSO frame carries: NEEDS_CSUM, TCPV4, MSS-sized segments, no checksum over the data.
            VirtioNetHeader.write(dataTemplate, 0, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
                    54, MSS, 34, 16);
        }
        ackTemplate = frame(guestSeq, ourNxt, TcpSegment.ACK, 512, false, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stack.close();
        dataTemplate.release();
        ackTemplate.release();
        if (stack.counters().internalErrors != 0 || stack.counters().tcpOutOfWindow != 0) {
            throw new IllegalStateException("relay misbehaved: " + stack.counters());
        }
    }

    private ByteBuf frame(int seq, int ack, int flags, int window, boolean synOptions, int payload) {
        int hl = synOptions ? 28 : 20;
        int len = pre + 14 + 20 + hl + payload;
        int tcpAt = pre + TCP_AT;
        ByteBuf f = alloc.directBuffer(len);
        f.setZero(0, pre);
        EthernetFrame.writeHeader(f, pre, net.gatewayMac(), guestMac, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(f, pre + 14, 0, 20 + hl + payload, 1, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_TCP,
                guest, remote);
        TcpSegment.writeHeader(f, tcpAt, GUEST_PORT, REMOTE_PORT, seq, ack, hl, flags, window);
        if (synOptions) {
            int at = TcpSegment.writeMss(f, tcpAt + 20, MSS);
            TcpSegment.writeWindowScale(f, at, 7);
        }
        for (int i = 0; i < payload; i++) {
            f.setByte(tcpAt + hl + i, i);
        }
        TcpSegment.writeChecksum(f, tcpAt, hl + payload, Checksum.addressSum(guest, remote));
        f.writerIndex(len);
        return f;
    }

    /** Copies a template as the TAP read would, with seq/ack rewritten and the checksum adjusted (RFC 1624). */
    private ByteBuf copy(ByteBuf template, int seq, int ack) {
        ByteBuf f = alloc.directBuffer(template.readableBytes());
        f.writeBytes(template, 0, template.readableBytes());
        int tcpAt = pre + TCP_AT;
        int sum = f.getUnsignedShort(tcpAt + 16);
        sum = Checksum.adjust32(sum, f.getInt(tcpAt + 4), seq);
        sum = Checksum.adjust32(sum, f.getInt(tcpAt + 8), ack);
        f.setInt(tcpAt + 4, seq);
        f.setInt(tcpAt + 8, ack);
        f.setShort(tcpAt + 16, sum);
        return f;
    }

    /**
     * TCP view over a full-size segment: header, options, and the checksum over 1480 bytes with pseudo-header
     * (with offload: the 64 KiB TSO segment's view, whose checksum is not verified).
     */
    @Benchmark
    public int parseAndChecksum() {
        if (!seg.wrap(dataTemplate, pre + TCP_AT, dataTemplate.readableBytes() - pre - TCP_AT,
                Checksum.addressSum(guest, remote), !offload)) {
            throw new IllegalStateException();
        }
        return seg.seq();
    }

    /** One 4-tuple lookup among 10,000 flows. */
    @Benchmark
    public Object flowLookup() {
        lookupPort = (lookupPort + 7919) % 10_000;
        // IPv4, stored IPv4-mapped as the TCP layer keys it.
        return flows.get(IpAddress.V4_HI, IpAddress.v4Lo(guest), 10_000 + lookupPort, IpAddress.V4_HI,
                IpAddress.v4Lo(remote), 443);
    }

    /**
     * Guest to host: one full-size data segment through Stack.receiveFrame (copy in, demux, checksum, flow
     * lookup, sequence checks, write to the host socket); a flush (ACK) every 16 segments as an event-loop
     * batch would. With offload the segment is a 64240-byte TSO frame whose checksum is not verified.
     */
    @Benchmark
    public long guestToHost(Bytes bytes) {
        stack.receiveFrame(copy(dataTemplate, guestSeq, ourNxt));
        guestSeq += guestPayload;
        bytes.bytes += guestPayload;
        if (++batch == 16) {
            batch = 0;
            stack.flush();
        }
        return host.written;
    }

    /**
     * Host to guest: the guest acknowledges everything sent so far (window 64 KiB), the (level-triggered)
     * socket is reported readable, and the relay reads from it straight into frames until the window is full
     * again (44 segments of 1460 bytes, or with offload one super-segment of 44 MSS), then the batch ends with
     * a flush.
     */
    @Benchmark
    public long hostToGuest(Bytes bytes) {
        host.readable = Long.MAX_VALUE;
        long before = host.read;
        stack.receiveFrame(copy(ackTemplate, guestSeq, ourNxt));
        host.handler.onSocketEvent(10, HostSockets.READABLE);
        stack.flush();
        long n = host.read - before;
        ourNxt += (int) n;
        bytes.bytes += n;
        return n;
    }
}
