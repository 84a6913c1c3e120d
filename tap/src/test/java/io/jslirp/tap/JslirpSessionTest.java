package io.jslirp.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.jslirp.tap.sys.OpenFds;
import io.jslirp.tap.sys.Sh;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The session's relay wiring: options from Settings, counters and exit summary with the relay's state. */
@ExtendWith(LeakCheckExtension.class)
class JslirpSessionTest {
    @Test
    void theHoldersPidIsReadFromAProcNetnsPathOnly() {
        assertEquals(4242, StartupSteps.holderPidOf(new Target.Pid(4242), Path.of("/ignored")));
        Target path = new Target.NetnsPath(Path.of("/x"));
        assertEquals(123, StartupSteps.holderPidOf(path, Path.of("/proc/123/ns/net")));
        for (String other : new String[] {"/proc//ns/net", "/proc/12a/ns/net", "/proc/123/ns/net2", "/run/netns/a",
                "/proc/self/ns/net", "/proc/99999999999/ns/net", "/proc/\u0661\u0662/ns/net", "x/proc/1/ns/net"}) {
            assertEquals(0, StartupSteps.holderPidOf(path, Path.of(other)), other);
        }
    }

    @Test
    void relayOptionsComeFromSettings() {
        Settings plain = Settings.builder(new Target.Pid(1)).build();
        RelayOptions d = StartupSteps.relayOptions(plain, 0);
        assertEquals(false, d.disableHostLoopback());
        assertEquals(0, d.outboundAddr());
        assertEquals(RelayOptions.defaults().maxFlows(), d.maxFlows());

        Settings set = Settings.builder(new Target.Pid(1)).disableHostLoopback(true).outboundAddr(0x7f00_0002).build();
        RelayOptions o = StartupSteps.relayOptions(set, 0x5ec2e7L);
        assertTrue(o.disableHostLoopback());
        assertEquals(0x7f00_0002, o.outboundAddr());
        assertEquals(false, d.disableDns());
        assertTrue(StartupSteps.relayOptions(Settings.builder(new Target.Pid(1)).disableDns(true).build(), 0).disableDns());
        assertEquals(0x5ec2e7L, o.isnSecret());
    }

    @Tag("root")
    @org.junit.jupiter.api.Nested
    class Running {
        private String ns;

        @BeforeEach
        void makeNamespace() throws Exception {
            ns = Sh.addNetns("jslirp-session");
        }

        @AfterEach
        void removeNamespace() {
            Sh.deleteNetns(ns);
        }

        @Test
        void javaApiAddsListsAndRemovesForwardsBeforeAndWhileTheLoopRuns() throws Exception {
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).configure(true).build();
            Jslirp session = Jslirp.start(settings);
            java.net.InetAddress lo = java.net.InetAddress.getByName("127.0.0.1");
            // before run(): on this thread, which still owns the session
            io.jslirp.stack.PortForwards.Forward first = session.addForward(
                    io.jslirp.stack.PortForwards.Protocol.TCP, lo, 0, null, 80);
            assertEquals(1, first.id());
            assertTrue(first.hostPort() > 0);
            assertEquals(settings.net().guestAddress(), first.guestAddr());
            Thread loop = new Thread(session::run, "jslirp-loop");
            loop.start();
            try {
                io.jslirp.stack.PortForwards.Forward udp = session.addForward(
                        io.jslirp.stack.PortForwards.Protocol.UDP, lo, 0,
                        (java.net.Inet4Address) java.net.InetAddress.getByName("10.0.2.77"), 53);
                assertEquals(2, udp.id());
                assertEquals(java.util.List.of(1, 2), session.forwards().stream().map(f -> f.id()).toList());
                io.jslirp.stack.PortForwards.ForwardException taken = org.junit.jupiter.api.Assertions.assertThrows(
                        io.jslirp.stack.PortForwards.ForwardException.class,
                        () -> session.addForward(io.jslirp.stack.PortForwards.Protocol.TCP, lo, first.hostPort(), null, 81));
                assertEquals(io.jslirp.stack.relay.HostSockets.EADDRINUSE, taken.errno());
                // nothing listens on the guest's port 80: the guest's kernel refuses, and the client is reset at once
                try (java.net.Socket c = new java.net.Socket("127.0.0.1", first.hostPort())) {
                    c.setSoTimeout(5000);
                    int got;
                    try {
                        got = c.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        got = -1;
                    }
                    assertEquals(-1, got);
                }
                assertEquals(1L, session.counters().get("tcpForwardRefused"));
                assertTrue(session.removeForward(1));
                assertTrue(!session.removeForward(1), "an id is removed once");
                assertEquals(java.util.List.of(2), session.forwards().stream().map(f -> f.id()).toList());
            } finally {
                session.end(Jslirp.EXIT_NORMAL, "test done");
                assertTrue(session.awaitEnd(5, TimeUnit.SECONDS));
                loop.join(5000);
            }
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, session::forwards);
            assertEquals(Jslirp.CLEAN_EXIT_SUMMARY, session.exitSummary());
        }

        @Test
        void javaApiTakesIpv6GuestAddressesAndMinusCSixTellsTheStackTheGuestsAddress() throws Exception {
            io.jslirp.stack.NetConfig net = io.jslirp.stack.NetConfig.defaults()
                    .withIpv6(io.jslirp.stack.Ipv6Config.defaults(io.jslirp.stack.NetConfig.DEFAULT_MTU));
            java.net.InetAddress lo6 = java.net.InetAddress.getByName("::1");
            java.net.InetAddress guest6 = java.net.InetAddress.getByName("fd00::100");
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).net(net).configure(true)
                    .publish(io.jslirp.stack.PortForwards.Protocol.TCP, lo6, 0, guest6, 80)
                    .build();
            Jslirp session = Jslirp.start(settings);
            Thread loop = new Thread(session::run, "jslirp-loop");
            loop.start();
            try {
                io.jslirp.stack.PortForwards.Forward published = session.forwards().get(0);
                assertEquals(guest6, published.guestAddress());
                assertTrue(published.guestAddressNamed());
                io.jslirp.stack.PortForwards.Forward unnamed = session.addForward(
                        io.jslirp.stack.PortForwards.Protocol.TCP, lo6, 0, (java.net.InetAddress) null, 81);
                assertEquals(java.net.InetAddress.getByName("10.0.2.100"), unnamed.guestAddress(), "listed as N+100");
                assertTrue(!unnamed.guestAddressNamed());
                io.jslirp.stack.PortForwards.ForwardException outside = org.junit.jupiter.api.Assertions.assertThrows(
                        io.jslirp.stack.PortForwards.ForwardException.class,
                        () -> session.addForward(io.jslirp.stack.PortForwards.Protocol.TCP, lo6, 0,
                                java.net.InetAddress.getByName("fd01::100"), 80));
                assertEquals(io.jslirp.stack.PortForwards.EINVAL, outside.errno());
                // Nothing listens on the guest's port 81. The guest has sent nothing that shows fd00::100, so only
                // -c -6 telling the stack its address sends this IPv6 client over IPv6 first (refused, then IPv4,
                // refused too): the client is reset, and the fallback counted.
                try (java.net.Socket c = new java.net.Socket("::1", unnamed.hostPort())) {
                    c.setSoTimeout(5000);
                    int got;
                    try {
                        got = c.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        got = -1;
                    }
                    assertEquals(-1, got);
                }
                assertEquals(1L, session.counters().get("tcpForward6Fallbacks"));
            } finally {
                session.end(Jslirp.EXIT_NORMAL, "test done");
                assertTrue(session.awaitEnd(5, TimeUnit.SECONDS));
                loop.join(5000);
            }
        }

        @Test
        void aJavaApiIpv6GuestAddressWithoutIpv6IsRefused() throws Exception {
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).configure(true).build();
            Jslirp session = Jslirp.start(settings);
            Thread loop = new Thread(session::run, "jslirp-loop");
            loop.start();
            try {
                io.jslirp.stack.PortForwards.ForwardException e = org.junit.jupiter.api.Assertions.assertThrows(
                        io.jslirp.stack.PortForwards.ForwardException.class,
                        () -> session.addForward(io.jslirp.stack.PortForwards.Protocol.TCP,
                                java.net.InetAddress.getByName("::1"), 0, java.net.InetAddress.getByName("fd00::100"), 80));
                assertEquals(io.jslirp.stack.PortForwards.EINVAL, e.errno());
                assertTrue(session.forwards().isEmpty());
            } finally {
                session.end(Jslirp.EXIT_NORMAL, "test done");
                assertTrue(session.awaitEnd(5, TimeUnit.SECONDS));
                loop.join(5000);
            }
        }

        @Test
        void aLongTapBatchYieldsEvery32FramesAndAShortOneNever() throws Exception {
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).configure(true).build();
            Jslirp session = Jslirp.start(settings);
            java.util.concurrent.atomic.AtomicInteger yields = new java.util.concurrent.atomic.AtomicInteger();
            session.yieldWith(yields::incrementAndGet);
            // The loop is not running yet, so everything the guest sends now waits in the TAP: 100 echo requests
            // at once (preload), to a gateway whose MAC the guest is told so that no ARP holds them back.
            Sh.inNetns(ns, "ip", "neigh", "replace", "10.0.2.2", "lladdr", "52:55:0a:00:02:02", "dev", "tap0",
                    "nud", "permanent");
            Sh.Result burst = Sh.exec(10_000, "ip", "netns", "exec", ns, "ping", "-n", "-q", "-c", "100", "-l", "100",
                    "-w", "1", "10.0.2.2");
            assertEquals(1, burst.status(), "no replies while the loop is stopped: " + burst.out() + burst.err());
            Thread loop = new Thread(session::run, "jslirp-loop");
            loop.start();
            try {
                // Answered only after the whole backlog (the TAP is FIFO), which the loop read in one batch.
                Sh.inNetns(ns, "ping", "-n", "-q", "-c", "1", "-W", "5", "10.0.2.2");
                int afterBatch = yields.get();
                // tun counts a frame as sent when it is read: at least the 100 requests, and one batch.
                long read = tapTxPackets();
                assertTrue(read >= 101, "frames read " + read);
                assertTrue(afterBatch >= 100 / TapPump.YIELD_EVERY_FRAMES && afterBatch <= read / TapPump.YIELD_EVERY_FRAMES,
                        afterBatch + " yields for " + read + " frames read");
                // One frame per wakeup: never a yield.
                Sh.inNetns(ns, "ping", "-n", "-q", "-c", "5", "-i", "0.05", "-W", "5", "10.0.2.2");
                assertEquals(afterBatch, yields.get());
            } finally {
                session.end(Jslirp.EXIT_NORMAL, "test done");
                assertTrue(session.awaitEnd(5, TimeUnit.SECONDS));
                loop.join(5000);
            }
        }

        @Test
        void aFrameOverOneKibFromTheGuestMarksItsTurnHeavyAndSmallOnesDoNot() throws Exception {
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).configure(true)
                    .net(io.jslirp.stack.NetConfig.of("10.0.2.0/24", 65520)).build();
            Jslirp session = Jslirp.start(settings);
            java.util.concurrent.atomic.AtomicInteger marks = new java.util.concurrent.atomic.AtomicInteger();
            session.markHeavyWith(marks::incrementAndGet);
            Thread loop = new Thread(session::run, "jslirp-loop");
            loop.start();
            try {
                // 56-byte echoes: 98-byte frames, request/response traffic that busy polling is for.
                Sh.inNetns(ns, "ping", "-n", "-q", "-c", "3", "-i", "0.05", "-W", "5", "10.0.2.2");
                // 900-byte echoes: 942-byte frames, still under HEAVY_FRAME_BYTES.
                Sh.inNetns(ns, "ping", "-n", "-q", "-c", "3", "-i", "0.05", "-s", "900", "-W", "5", "10.0.2.2");
                assertEquals(0, marks.get(), "small frames are not bulk");
                // 1400-byte echoes: 1442-byte frames, the size of an MTU-1500 guest's bulk UDP datagrams.
                Sh.inNetns(ns, "ping", "-n", "-q", "-c", "3", "-i", "0.05", "-s", "1400", "-W", "5", "10.0.2.2");
                assertEquals(3, marks.get(), "each full-sized request marks its turn");
                // 8000-byte echoes at MTU 65520: one 8042-byte frame each.
                Sh.inNetns(ns, "ping", "-n", "-q", "-c", "3", "-i", "0.05", "-s", "8000", "-W", "5", "10.0.2.2");
                assertEquals(6, marks.get(), "each big request marks its turn");
            } finally {
                session.end(Jslirp.EXIT_NORMAL, "test done");
                assertTrue(session.awaitEnd(5, TimeUnit.SECONDS));
                loop.join(5000);
            }
        }

        private long tapTxPackets() throws Exception {
            return Long.parseLong(Sh.inNetns(ns, "cat", "/sys/class/net/tap0/statistics/tx_packets").trim());
        }

        @Test
        void countersAndExitSummaryCarryTheRelaysState() throws Exception {
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).configure(true)
                    .disableHostLoopback(true).build();
            Jslirp session = Jslirp.start(settings);
            Thread loop = new Thread(session::run, "jslirp-loop");
            loop.start();
            try {
                Map<String, Long> counters = session.counters();
                assertEquals(0L, counters.get(Jslirp.ACTIVE_FLOWS));
                assertEquals(0L, counters.get(Jslirp.HOST_SOCKETS));
                assertEquals(0L, counters.get(Jslirp.HOST_DATAGRAMS));
                String line = session.countersLine();
                assertTrue(line.startsWith("jslirp: counters: "), line);
                assertTrue(line.contains(" activeFlows=0") && line.contains(" hostSockets=0")
                        && line.contains(" hostDatagrams=0"), line);
                for (String kv : line.substring("jslirp: counters: ".length()).split(" ")) {
                    String[] p = kv.split("=");
                    assertTrue(!p[1].equals("0") || p[0].equals(Jslirp.ACTIVE_FLOWS) || p[0].equals(Jslirp.HOST_SOCKETS)
                            || p[0].equals(Jslirp.HOST_DATAGRAMS),
                            "zero counters other than the relay's are left out: " + line);
                }
            } finally {
                session.end(Jslirp.EXIT_NORMAL, "test done");
                assertTrue(session.awaitEnd(5, TimeUnit.SECONDS));
                loop.join(5000);
            }
            assertEquals("activeFlows=0 hostSockets=0 hostDatagrams=0", session.exitSummary());
            assertEquals(Jslirp.CLEAN_EXIT_SUMMARY, session.exitSummary());
            assertEquals("test done", session.exitReason());
        }

        @Test
        void aStartThatFailsAfterTheSessionExistsLeavesNoFdBehind() throws Exception {
            // An exit fd that is not open fails in wire(), after the loop, the TAP and the host sockets exist.
            int notOpen = 1000;
            while (java.nio.file.Files.exists(Path.of("/proc/self/fd/" + notOpen))) {
                notOpen++;
            }
            Settings settings = Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).configure(true)
                    .exitFd(notOpen).build();
            Jslirp.start(Settings.builder(new Target.NetnsPath(Path.of("/run/netns", ns))).build()).close();
            // That session's UDP warm-up runs on a thread of its own after ready and opens sockets of its own
            // (at most 400 ms): under load it opened one after the snapshot, which was then taken for a leak.
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("jslirp-warmup")) {
                    t.join(10_000);
                }
            }
            java.util.Map<Integer, String> before = OpenFds.snapshot();
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Jslirp.start(settings));
            assertEquals(java.util.Map.of(), OpenFds.openedSince(before), "fds left open by a failed start");
            assertTrue(!Sh.inNetns(ns, "ip", "link", "show").contains("tap0"), "the TAP must be closed");
        }
    }
}
