package io.jslirp.bench;

import io.jslirp.stack.Clock;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.UdpDatagram;
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

/**
 * The UDP relay's per-datagram path through {@link Stack}: a guest datagram copied in (as from the TAP),
 * demuxed, checksum-verified, its flow found and handed to the host socket straight from the frame
 * ({@code guestToHost}); and a host datagram read into a pooled frame buffer, headers and checksum written
 * around it, sent to the guest ({@code hostToGuest}). Run with {@code -prof gc}: both should allocate
 * about 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class UdpBenchmark {
    @Param({"64", "1400"})
    public int payload;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final NetConfig net = NetConfig.defaults();
    private final int remote = NetConfig.parseIpv4("192.0.2.10");
    private Stack stack;
    private DiscardingHostDatagrams datagrams;
    private ByteBuf template;
    private long framesToGuest;

    @Setup(Level.Trial)
    public void setUp() {
        int udpLength = UdpDatagram.HEADER_LENGTH + payload;
        int frameLength = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + udpLength;
        template = alloc.directBuffer(frameLength);
        EthernetFrame.writeHeader(template, 0, net.gatewayMac(), 0x0242_ac11_0002L, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(template, 14, 0, 20 + udpLength, 1, 0, 64, Ipv4Packet.PROTO_UDP,
                net.guestAddress(), remote);
        UdpDatagram.writeHeader(template, 34, 40000, 7000, udpLength);
        for (int i = 0; i < payload; i++) {
            template.setByte(42 + i, i);
        }
        UdpDatagram.writeChecksum(template, 34, udpLength,
                Checksum.addressSum(net.guestAddress(), remote));
        template.writerIndex(frameLength);
        Clock clock = System::nanoTime;
        stack = new Stack(net, clock, frame -> {
            framesToGuest++;
            frame.release();
        }, alloc, null, RelayOptions.defaults());
        datagrams = new DiscardingHostDatagrams();
        datagrams.length = payload;
        datagrams.fromAddr = remote;
        datagrams.fromPort = 7000;
        stack.setHostDatagrams(datagrams);
        // Open the flow once, so both benchmarks measure the steady state.
        guestToHost();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (stack.counters().drops() != 0 || stack.counters().udpToHost == 0) {
            throw new IllegalStateException("UDP path did not work: " + stack.counters());
        }
        stack.close();
        template.release();
    }

    @Benchmark
    public long guestToHost() {
        ByteBuf frame = alloc.directBuffer(template.readableBytes());
        frame.writeBytes(template, 0, template.readableBytes());
        stack.receiveFrame(frame);
        return datagrams.sent;
    }

    @Benchmark
    public long hostToGuest() {
        datagrams.pending = 1;
        datagrams.handler.onSocketEvent(datagrams.lastHandle, HostSockets.READABLE);
        return framesToGuest;
    }
}
