package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --pcap FILE} writes a capture an independent reader (tshark) decodes, during the run and after it. */
@Tag("e2e")
@Timeout(60)
class PcapIT {

    @Test
    void captureHoldsTheEchoRequestsAndReplies() throws Exception {
        assumeTrue(E2e.isJslirp(), "--pcap is a jslirp option");
        Path dir = Files.createTempDirectory("jsl-pcap");
        Path pcap = dir.resolve("cap.pcap");
        try (NsHolder h = NsHolder.netns();
             Jslirp j = Jslirp.builder().ready3().exitFd(4)
                     .args("-e", "4", "--pcap", pcap.toString(), "-c", Long.toString(h.pid), "tap0").start().awaitReady()) {
            Guest.of(h, j).ping("10.0.2.2"); // 3 requests, 3 replies
            // Readable while jslirp still runs: the loop flushed when the pings stopped (at the latest a second on).
            long live = 0;
            String liveOut = "";
            for (long end = System.nanoTime() + Duration.ofSeconds(5).toNanos(); live < 6 && System.nanoTime() < end;) {
                Thread.sleep(100);
                Cmd.Result r = Cmd.run(Duration.ofSeconds(30), "tshark", "-n", "-r", pcap.toString(), "-Y",
                        "icmp && ip.addr==10.0.2.2", "-T", "fields", "-e", "icmp.type");
                liveOut = r.describe();
                live = r.out().lines().filter(l -> l.trim().equals("8") || l.trim().equals("0")).count();
            }
            assertTrue(j.process.isAlive(), j.diagnostics());
            assertEquals(6, live, "echo requests and replies readable during the run: " + liveOut);
            j.closeExitFd(); // a clean stop: the capture is complete and flushed
            Integer status = j.waitFor(Duration.ofSeconds(5));
            assertNotNull(status, j.diagnostics());
            assertEquals(0, status, j.diagnostics());

            assertTrue(Files.size(pcap) > 24, "capture is empty (" + Files.size(pcap) + " bytes)" + j.diagnostics());
            Cmd.Result all = Cmd.run(Duration.ofSeconds(30), "tshark", "-n", "-r", pcap.toString());
            assertEquals(0, all.exit(), "tshark cannot read the capture: " + all.describe());
            Cmd.Result icmp = Cmd.run(Duration.ofSeconds(30), "tshark", "-n", "-r", pcap.toString(), "-Y",
                    "icmp && ip.addr==10.0.2.2", "-T", "fields", "-e", "icmp.type");
            assertEquals(0, icmp.exit(), icmp.describe());
            long requests = icmp.out().lines().filter(l -> l.trim().equals("8")).count();
            long replies = icmp.out().lines().filter(l -> l.trim().equals("0")).count();
            assertEquals(3, requests, "echo requests in the capture: " + icmp.describe() + all.out());
            assertEquals(3, replies, "echo replies in the capture: " + icmp.describe() + all.out());
            Cmd.Result arp = Cmd.run(Duration.ofSeconds(30), "tshark", "-n", "-r", pcap.toString(), "-Y", "arp");
            assertTrue(arp.out().lines().count() >= 1, "the guest ARPs for the gateway first: " + all.out());
        } finally {
            Cmd.deleteQuietly(pcap);
            Cmd.deleteQuietly(dir);
        }
    }
}
