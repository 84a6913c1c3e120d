/**
 * Packet capture in the classic libpcap file format, for debugging the stack with Wireshark/tcpdump.
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.stack.pcap.PcapWriter} appends records to a fixed, reused {@link java.nio.ByteBuffer}
 * and writes it to a {@link java.nio.channels.WritableByteChannel} when the next record would not fit, on
 * {@code flush()} and on {@code close()}; so capturing costs a copy per frame and a write per buffer-full,
 * never an allocation. Timestamps are arguments: the stack reads no clock, and the caller (the event loop)
 * already has one. The caller keeps ownership of each frame; the writer reads it without moving indices,
 * so the same frame can then be sent on.
 *
 * <p>Format (https://wiki.wireshark.org/Development/LibpcapFileFormat): a 24-byte global header (magic
 * 0xa1b2c3d4, version 2.4, thiszone 0, sigfigs 0, snaplen 65535, network 1 = Ethernet) followed by records
 * of a 16-byte header (ts_sec, ts_usec, incl_len, orig_len) and incl_len bytes. We write little-endian,
 * the byte order readers detect from the magic and the one libpcap produces on x86 and arm64.
 */
package io.jslirp.stack.pcap;
