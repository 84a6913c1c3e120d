package io.jslirp.stack.pcap;

import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(LeakCheckExtension.class)
class PcapWriterTest {
    private static final long T0 = 1_700_000_000_123_456L;

    private record Rec(long sec, long usec, int incl, int orig, byte[] data) {
    }

    /** Parses the file by hand against the libpcap format, independently of the writer. */
    private static List<Rec> parse(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(), "magic");
        assertEquals(2, b.getShort());
        assertEquals(4, b.getShort());
        assertEquals(0, b.getInt(), "thiszone");
        assertEquals(0, b.getInt(), "sigfigs");
        assertEquals(65535, b.getInt(), "snaplen");
        assertEquals(1, b.getInt(), "linktype Ethernet");
        List<Rec> recs = new ArrayList<>();
        while (b.hasRemaining()) {
            long sec = b.getInt() & 0xffffffffL;
            long usec = b.getInt() & 0xffffffffL;
            int incl = b.getInt();
            int orig = b.getInt();
            byte[] data = new byte[incl];
            b.get(data);
            recs.add(new Rec(sec, usec, incl, orig, data));
        }
        return recs;
    }

    private static void write(PcapWriter w, byte[] frame, long micros) throws Exception {
        ByteBuf b = Frames.buf(frame);
        try {
            int reader = b.readerIndex();
            int writer = b.writerIndex();
            w.writeFrame(b, micros);
            assertEquals(reader, b.readerIndex(), "indices untouched");
            assertEquals(writer, b.writerIndex());
            assertEquals(1, b.refCnt(), "not taken over");
        } finally {
            b.release();
        }
    }

    @Test
    void writesClassicPcap() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[][] frames = {arpRequestFrame(GATEWAY_IP), pingFrame(GATEWAY_IP, 1, 1, pattern(56)), new byte[0]};
        try (PcapWriter w = new PcapWriter(Channels.newChannel(out))) {
            for (int i = 0; i < frames.length; i++) {
                write(w, frames[i], T0 + i * 1_000_001L);
            }
        }
        List<Rec> recs = parse(out.toByteArray());
        assertEquals(3, recs.size());
        for (int i = 0; i < frames.length; i++) {
            long micros = T0 + i * 1_000_001L;
            assertEquals(micros / 1_000_000, recs.get(i).sec());
            assertEquals(micros % 1_000_000, recs.get(i).usec());
            assertEquals(frames[i].length, recs.get(i).incl());
            assertEquals(frames[i].length, recs.get(i).orig());
            assertArrayEquals(frames[i], recs.get(i).data());
        }
    }

    @Test
    void hasBufferedSaysWhetherAFlushWouldWriteAnything() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(Channels.newChannel(out))) {
            assertTrue(w.hasBuffered(), "the global header waits for the first flush");
            w.flush();
            assertEquals(24, out.size(), "a flushed capture is a readable, empty pcap");
            assertFalse(w.hasBuffered());
            write(w, arpRequestFrame(GATEWAY_IP), T0);
            assertTrue(w.hasBuffered());
            assertEquals(24, out.size(), "no write per frame");
            w.flush();
            assertFalse(w.hasBuffered());
            assertEquals(1, parse(out.toByteArray()).size());
        }
    }

    @Test
    void cutsAtSnaplenAndFlushesAcrossTheBuffer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] huge = pattern(70_000);
        byte[] big = pattern(60_000);
        try (PcapWriter w = new PcapWriter(Channels.newChannel(out))) {
            write(w, huge, T0);
            for (int i = 0; i < 10; i++) {
                write(w, big, T0 + i);
            }
            w.flush();
            assertTrue(out.size() > 600_000, "flush wrote everything so far");
        }
        List<Rec> recs = parse(out.toByteArray());
        assertEquals(11, recs.size());
        assertEquals(65535, recs.get(0).incl());
        assertEquals(70_000, recs.get(0).orig());
        assertArrayEquals(Arrays.copyOf(huge, 65535), recs.get(0).data());
        for (int i = 1; i < 11; i++) {
            assertArrayEquals(big, recs.get(i).data());
        }
    }

    @Test
    void tsharkReadsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.pcap");
        try (PcapWriter w = new PcapWriter(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE))) {
            write(w, arpRequestFrame(GATEWAY_IP), T0);
            write(w, pingFrame(GATEWAY_IP, 1, 1, pattern(56)), T0 + 10);
        }
        assertEquals(2, parse(Files.readAllBytes(file)).size());
        boolean haveTshark = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(p -> Files.isExecutable(Path.of(p, "tshark")));
        assumeTrue(haveTshark, "tshark not on PATH");
        Process p = new ProcessBuilder("tshark", "-n", "-r", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, p.exitValue(), text);
        String[] lines = text.strip().split("\n");
        assertEquals(2, lines.length, text);
        assertTrue(lines[0].contains("ARP"), text);
        assertTrue(lines[1].contains("ICMP") && lines[1].contains("10.0.2.100") && lines[1].contains("10.0.2.2"), text);
    }
}
