package io.jslirp.bench;

import io.jslirp.stack.Clock;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Icmpv4Packet;
import io.jslirp.stack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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

/** Frame parse, IPv4 header checksum, and a full ICMP echo through {@link Stack#receiveFrame}. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// Netty's sampling leak detector allocates per tracked buffer; production runs without it, so must this.
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class PacketPathBenchmark {
    @Param({"56", "1400"})
    public int payload;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Icmpv4Packet icmp = new Icmpv4Packet();
    private ByteBuf template;
    private Stack stack;
    private long sent;

    @Setup(Level.Trial)
    public void setUp() {
        NetConfig net = NetConfig.defaults();
        int icmpLength = 8 + payload;
        int frameLength = 14 + 20 + icmpLength;
        template = alloc.directBuffer(frameLength);
        EthernetFrame.writeHeader(template, 0, net.gatewayMac(), 0x0242_ac11_0002L, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(template, 14, 0, 20 + icmpLength, 1, 0, 64, Ipv4Packet.PROTO_ICMP,
                net.guestAddress(), net.gateway());
        Icmpv4Packet.writeEchoHeader(template, 34, Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1, 0);
        for (int i = 0; i < payload; i++) {
            template.setByte(42 + i, i);
        }
        Icmpv4Packet.writeChecksum(template, 34, icmpLength);
        template.writerIndex(frameLength);
        Clock clock = System::nanoTime;
        stack = new Stack(net, clock, frame -> {
            sent++;
            frame.release();
        }, alloc);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        // Only the echo benchmark feeds the stack; for it, every request must have produced a reply.
        boolean echoRan = stack.counters().framesIn > 0;
        if (echoRan && (stack.counters().icmpEchoRepliesOut != stack.counters().icmpEchoRequestsIn
                || stack.counters().drops() != 0)) {
            throw new IllegalStateException("echo path did not work: " + stack.counters());
        }
        stack.close();
        template.release();
    }

    /** Ethernet + IPv4 (with header checksum) + ICMP (with full checksum) views over one frame. */
    @Benchmark
    public int parse() {
        if (!eth.wrap(template, 0, template.readableBytes())
                || !ip.wrap(template, eth.payloadOffset(), eth.payloadLength())
                || !icmp.wrap(template, ip.payloadOffset(), ip.payloadLength())) {
            throw new IllegalStateException();
        }
        return icmp.sequence();
    }

    @Benchmark
    public int ipv4HeaderChecksum() {
        return Checksum.compute(template, 14, 20);
    }

    /** Copy in (as from the TAP), demux, validate, build and emit the echo reply, release both. */
    @Benchmark
    public long icmpEcho() {
        ByteBuf frame = alloc.directBuffer(template.readableBytes());
        frame.writeBytes(template, 0, template.readableBytes());
        stack.receiveFrame(frame);
        return sent;
    }
}
