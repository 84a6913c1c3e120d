package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jslirp.stack.relay.DatagramInfo;
import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.stack.wire.IpAddress;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.loop.LoopThread;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.Sh;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The unprivileged ping socket, which this machine's net.ipv4.ping_group_range ("1 0") does not allow: the
 * range is per network namespace, so the test makes one that allows group 0 and runs the loop in it (sockets
 * stay in the namespace of the thread that opened them). Only 127.0.0.1 and ::1 inside that namespace are pinged.
 */
@ExtendWith(LeakCheckExtension.class)
@Tag("root")
class NativeHostDatagramsPingSocketTest {
    private static final int LOCALHOST = 0x7f00_0001;

    @Test
    void pingSocketSendsTheMessageAsIsAndGetsTheReply() throws Exception {
        pingThroughThePingSocket(false);
    }

    /** The ICMPv6 one: the same sysctl governs it (ping_group_range is under net.ipv4 for both families). */
    @Test
    void icmpv6PingSocketSendsTheMessageAsIsAndGetsTheReply() throws Exception {
        pingThroughThePingSocket(true);
    }

    private void pingThroughThePingSocket(boolean v6) throws Exception {
        assumeTrue(Native.libc().getuid() == 0, "root only: makes a network namespace");
        String ns = Sh.addNetns("jslirp-ping");
        try {
            Sh.inNetns(ns, "ip", "link", "set", "lo", "up");
            Sh.inNetns(ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 0");
            CompletableFuture<Integer> entered = new CompletableFuture<>();
            EventLoop eventLoop = new EventLoop();
            NativeHostDatagrams host = new NativeHostDatagrams(eventLoop);
            // A thread that moved runs nothing else, and ends with the test.
            try (LoopThread loop = LoopThread.start(eventLoop, "test-loop-in-netns", () -> {
                LibC c = Native.libc();
                int fd = c.open("/run/netns/" + ns, Flags.O_RDONLY | Flags.O_CLOEXEC, 0);
                int r = fd < 0 ? -1 : c.setns(fd, Flags.CLONE_NEWNET);
                entered.complete(r < 0 ? -Native.errno() : 0);
                if (fd >= 0) {
                    c.close(fd);
                }
                return r == 0;
            })) {
                assertEquals(0, entered.get(5, TimeUnit.SECONDS), "setns");

                BlockingQueue<byte[]> replies = new ArrayBlockingQueue<>(8);
                DatagramInfo from = new DatagramInfo();
                HostSocketHandler onReply = (handle, events) -> {
                    if ((events & HostSockets.READABLE) == 0) {
                        return;
                    }
                    ByteBuf buf = Unpooled.directBuffer(256);
                    try {
                        for (int i = 0; i < 10 && host.receivePing(handle, buf, 256, from) > 0; i++) {
                            byte[] d = new byte[buf.readableBytes()];
                            buf.readBytes(d);
                            replies.offer(d);
                            buf.clear();
                        }
                    } finally {
                        buf.release();
                    }
                };
                int h = loop.call(() -> v6 ? host.openPing6(onReply) : host.openPing(onReply));
                assertTrue(h >= 0, "openPing: " + h);
                assertTrue(loop.call(() -> host.isPingSocket(h)), "the namespace allows a ping socket; no raw fallback");
                byte[] payload = "via the ping socket".getBytes(StandardCharsets.US_ASCII);
                ByteBuf msg = Unpooled.directBuffer(8 + payload.length);
                // Echo request: type 8 for ICMP, 128 for ICMPv6 (RFC 4443 4.1); the kernel sets id and checksum.
                msg.writeByte(v6 ? 128 : 8).writeByte(0).writeShort(0).writeShort(0x4242).writeShort(9).writeBytes(payload);
                try {
                    int sent = loop.call(() -> v6
                            ? host.sendPing(h, 0, 1, msg, 0, msg.readableBytes())
                            : host.sendPing(h, IpAddress.V4_HI, IpAddress.v4Lo(LOCALHOST), msg, 0, msg.readableBytes()));
                    assertEquals(msg.readableBytes(), sent);
                } finally {
                    msg.release();
                }
                byte[] reply = replies.poll(5, TimeUnit.SECONDS);
                assertNotNull(reply, "no echo reply within 5 s");
                assertEquals(8 + payload.length, reply.length);
                assertEquals(v6 ? 129 : 0, reply[0] & 0xff, "echo reply");
                assertEquals(9, (reply[6] & 0xff) << 8 | (reply[7] & 0xff));
                if (v6) {
                    assertEquals(0, from.addrHi, "from ::1");
                    assertEquals(1, from.addrLo, "from ::1");
                } else {
                    assertEquals(LOCALHOST, from.ipv4());
                }
                assertEquals(1, (int) loop.call(host::closeAll));
            }
        } finally {
            Sh.deleteNetns(ns);
        }
    }
}
