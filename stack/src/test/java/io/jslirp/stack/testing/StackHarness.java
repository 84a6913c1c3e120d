package io.jslirp.stack.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.Stack;
import io.jslirp.stack.relay.RelayOptions;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A whole stack on {@link Frames#NET} with in-memory host sockets and datagrams, a capturing sink and a
 * hand-stepped clock, for the relays' tests (TCP, UDP, ICMP echo): frames in with {@link #send}, exactly the frames
 * out with {@link #one}, {@link #frames} or {@link #nothing}. After each test the stack is closed and must have
 * closed every host handle it opened, without an internal error.
 */
@ExtendWith(LeakCheckExtension.class)
public abstract class StackHarness {
    /** A host on the internet, and a router on the way to it (TEST-NET addresses). */
    public static final int REMOTE = NetConfig.parseIpv4("192.0.2.10");
    public static final int ROUTER = NetConfig.parseIpv4("198.51.100.1");

    protected final FakeClock clock = new FakeClock();
    protected final CapturingSink sink = new CapturingSink();
    protected final FakeHostSockets host = new FakeHostSockets();
    protected final FakeHostDatagrams datagrams = new FakeHostDatagrams();
    protected Stack stack;
    /** The virtio-net header each frame in gets when the stack was built for VNET_HDR; else null. */
    protected byte[] vnetIn;

    protected StackHarness() {
        build(RelayOptions.defaults());
    }

    /** Replaces the stack (closing the old one) with one built with {@code options}, Ethernet frames. */
    protected void build(RelayOptions options) {
        build(options, Stack.DeviceFormat.ETHERNET);
    }

    /** The network the stack is built for; a subclass overrides it for IPv6 (a constant: called from the constructor). */
    protected NetConfig net() {
        return Frames.NET;
    }

    /**
     * The allocator the stack takes its buffers from; a test that reads the allocator's metrics returns one of
     * its own. Called from the constructor, so an override must cope with its own fields not yet set.
     */
    protected ByteBufAllocator allocator() {
        return PooledByteBufAllocator.DEFAULT;
    }

    protected void build(RelayOptions options, Stack.DeviceFormat format) {
        if (stack != null) {
            stack.close();
        }
        vnetIn = format == Stack.DeviceFormat.VNET_HDR ? new byte[10] : null;
        stack = new Stack(net(), clock, sink, allocator(), host, options, format);
        stack.setHostDatagrams(datagrams);
    }

    @AfterEach
    void closeStack() {
        stack.close();
        for (FakeHostDatagrams.Sock s : datagrams.sockets()) {
            assertTrue(s.closed, "stack.close() must close datagram handle " + s.handle);
        }
        for (FakeHostSockets.Sock s : host.sockets()) {
            assertTrue(s.released(), "stack.close() must release handle " + s.handle);
        }
        assertEquals(0, stack.counters().internalErrors);
    }

    protected void send(byte[] frame) {
        if (vnetIn != null) {
            byte[] withHeader = new byte[vnetIn.length + frame.length];
            System.arraycopy(vnetIn, 0, withHeader, 0, vnetIn.length);
            System.arraycopy(frame, 0, withHeader, vnetIn.length, frame.length);
            frame = withHeader;
        }
        stack.receiveFrame(Frames.buf(frame));
    }

    /** Everything the stack sent, after the end-of-batch flush. */
    protected List<byte[]> frames() {
        stack.flush();
        return sink.take();
    }

    protected byte[] one() {
        List<byte[]> out = frames();
        if (out.size() != 1) {
            fail("expected one frame, got " + out.size());
        }
        return out.get(0);
    }

    protected void nothing() {
        List<byte[]> out = frames();
        if (!out.isEmpty()) {
            fail("expected nothing, got " + out.size() + " frame(s), first " + Frames.hex(out.get(0)));
        }
    }
}
