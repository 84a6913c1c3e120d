/**
 * JMH benchmarks of the stack's packet path.
 *
 * <h2>Theory of operation</h2>
 * Benchmarks feed prebuilt frames through the same code the event loop runs, with a {@code FrameSink}
 * that only releases, so they measure parsing, checksums and reply building without any I/O. They are
 * not timed tests: run {@code java -jar bench/target/benchmarks.jar} and compare numbers between commits.
 * Input frames are copied from a template into pooled direct buffers each invocation because
 * {@code Stack.receiveFrame} takes ownership; that copy is part of what the TAP read costs anyway.
 */
package io.jslirp.bench;
