package io.jslirp.tap;

import io.jslirp.stack.Clock;
import io.jslirp.stack.FrameSink;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.HostDatagrams;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.wire.Checksum;
import io.jslirp.stack.wire.EthernetFrame;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.stack.wire.Ipv4Packet;
import io.jslirp.stack.wire.UdpDatagram;
import io.jslirp.stack.wire.VirtioNetHeader;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.relay.NativeHostDatagrams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * Runs the guest-to-host UDP path a few thousand times as the session starts, so that the JIT has compiled
 * it when the guest's first burst arrives.
 *
 * <p>Why: a fresh JVM interprets the path for its first tens of thousands of datagrams. A guest that starts
 * sending at once (a benchmark, a DNS storm, a media stream) meets a relay several times slower than its
 * steady state for the first fraction of a second; its datagrams pile up in the TAP queue, and the catch-up
 * burst then overflows the receiver's socket buffer on the host. Measured: most of a 10-second iperf3 UDP
 * run's loss fell in its first second. Datagrams are the only traffic with no retransmission to hide this;
 * TCP's first second is merely slower.
 *
 * <p>When: on a thread of its own, started right after the ready byte ({@link #startInBackground}), so it
 * costs start-up nothing: the TAP is attached and the guest is answered while it runs. Compiled code is
 * shared by every thread, so the loop gets the warm-up's compilations all the same; on two cores the loop
 * and the warm-up each have one for its at most 400 ms.
 *
 * <p>How: a throwaway {@link Stack} of the same device format, using a {@link NativeHostDatagrams} of its
 * own on an event loop that never runs (the same class as the session's, so the native send path and its
 * call sites are the ones that get compiled; not the session's, which only the loop thread may touch), relays
 * synthetic datagrams from the guest's address to network+2, that is to a UDP socket of ours on 127.0.0.1
 * whose buffer simply fills; the kernel drops the rest. Each frame is written into one reused buffer that the
 * stack works on in place, as the TAP read loop's is. Bounded by count and time; everything it opened is closed before it
 * returns, and the session's stack never sees any of it. {@code -Djslirp.warmup=false} skips it.
 *
 * <p>The launcher passes that: beside the loop, the warm-up no longer spared a guest that bursts at once
 * anything measurable, and where C2 compiles jslirp's methods it takes the path past C2's thresholds at once,
 * which costs idle memory (README, "Footprint": the compilers). {@code java -jar} and the Java API run it.
 */
final class Warmup {
    static final boolean ENABLED = !"false".equals(System.getProperty("jslirp.warmup"));
    static final int DATAGRAMS = 30_000;
    static final long BUDGET_NANOS = 400_000_000L;
    private static final int LOOPBACK = 0x7f00_0001;

    private Warmup() {
    }

    /**
     * Starts {@link #udp} on a daemon thread with an event loop and host datagrams of its own, all closed when
     * it ends, as is the thread's cache of pooled buffers (the session's loop thread has its own). A failure
     * only means no warm-up: it is never reported as the session's.
     */
    static Thread startInBackground(NetConfig net, Stack.DeviceFormat format, ByteBufAllocator alloc) {
        Thread t = new Thread(() -> {
            try (EventLoop loop = new EventLoop()) {
                udp(net, format, new NativeHostDatagrams(loop), alloc);
            } catch (RuntimeException | OutOfMemoryError e) {
                // Optional by nature: the guest's first datagrams are merely slower. (A memory bound too small
                // for the warm-up is too small for the loop too, which says so and ends jslirp.)
            } finally {
                if (alloc instanceof PacketAllocator packets) {
                    packets.freeThreadLocalCache();
                } else if (alloc instanceof PooledByteBufAllocator pooled) {
                    pooled.freeThreadLocalCache();
                }
            }
        }, "jslirp-warmup");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Returns how many datagrams the throwaway stack relayed to the host (0 when the host refused a socket). */
    static int udp(NetConfig net, Stack.DeviceFormat format, HostDatagrams datagrams, ByteBufAllocator alloc) {
        int sink = datagrams.openUdp(IpAddress.V4_HI, IpAddress.v4Lo(LOOPBACK), 0, (handle, events) -> { });
        if (sink < 0) {
            return 0;
        }
        Stack stack = null;
        ByteBuf template = null;
        ByteBuf frame = null;
        int sent = 0;
        try {
            int sinkPort = datagrams.localPort(sink);
            if (sinkPort <= 0) {
                return 0;
            }
            stack = new Stack(net, Clock.SYSTEM, new Discard(), alloc, null, RelayOptions.defaults(), format);
            stack.setHostDatagrams(datagrams);
            template = template(net, format, sinkPort, alloc);
            long deadline = System.nanoTime() + BUDGET_NANOS;
            int length = template.readableBytes();
            frame = alloc.directBuffer(length, length);
            while (sent < DATAGRAMS) {
                frame.clear().writeBytes(template, template.readerIndex(), length);
                frame.retain();
                stack.receiveFrame(frame);
                if (frame.refCnt() != 1) {
                    // Kept by the stack (it never is on this path): leave it there and use a new one.
                    frame.release();
                    frame = alloc.directBuffer(length, length);
                }
                sent++;
                if ((sent & 63) == 0) {
                    stack.flush();
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                }
            }
            stack.flush();
            return (int) stack.counters().udpToHost;
        } finally {
            if (stack != null) {
                stack.close();
            }
            if (template != null) {
                template.release();
            }
            if (frame != null) {
                frame.release();
            }
            datagrams.close(sink);
        }
    }

    /**
     * A datagram of up to 1400 bytes from the guest (network+100:40000) to network+2:port, as the TAP delivers
     * it. It carries DF, so it must fit the MTU: a larger one would be answered with "fragmentation needed"
     * and never reach the host path the warm-up is for.
     */
    private static ByteBuf template(NetConfig net, Stack.DeviceFormat format, int port, ByteBufAllocator alloc) {
        int payload = Math.min(1400, net.mtu() - Ipv4Packet.MIN_HEADER_LENGTH - UdpDatagram.HEADER_LENGTH);
        int udpLength = UdpDatagram.HEADER_LENGTH + payload;
        int vnet = format == Stack.DeviceFormat.VNET_HDR ? VirtioNetHeader.LENGTH : 0;
        int eth = vnet;
        int ip = eth + EthernetFrame.HEADER_LENGTH;
        int udp = ip + Ipv4Packet.MIN_HEADER_LENGTH;
        int length = udp + udpLength;
        ByteBuf b = alloc.directBuffer(length, length);
        b.setZero(0, length);
        int guest = net.guestAddress();
        int gateway = net.gateway();
        EthernetFrame.writeHeader(b, eth, net.gatewayMac(), 0x0242_ac11_0002L, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(b, ip, 0, Ipv4Packet.MIN_HEADER_LENGTH + udpLength, 1, Ipv4Packet.FLAG_DF, 64,
                Ipv4Packet.PROTO_UDP, guest, gateway);
        UdpDatagram.writeHeader(b, udp, 40000, port, udpLength);
        for (int i = 0; i < payload; i++) {
            b.setByte(udp + UdpDatagram.HEADER_LENGTH + i, i);
        }
        UdpDatagram.writeChecksum(b, udp, udpLength, Checksum.addressSum(guest, gateway));
        if (vnet != 0) {
            // What a guest with checksum offload sends: the device vouches for the checksum.
            VirtioNetHeader.write(b, 0, VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.GSO_NONE, 0, 0, 0, 0);
        }
        b.writerIndex(length);
        return b;
    }

    private static final class Discard implements FrameSink {
        @Override
        public void sendFrame(ByteBuf frame) {
            frame.release();
        }
    }
}
