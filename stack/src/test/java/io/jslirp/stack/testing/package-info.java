/**
 * Test support shared with the tap module through the test-jar: leak checking, frame builders, a
 * capturing sink and a hand-stepped clock.
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.stack.testing.LeakCheckExtension} makes Netty's leak detector a test assertion instead
 * of a log line. {@link io.jslirp.stack.testing.Frames} builds frames from plain byte arrays with its own
 * checksum code, so that a test never uses the code under test to make its input.
 * {@link io.jslirp.stack.testing.CapturingSink} copies what the stack emits to {@code byte[]} and releases
 * the buffer, as the real sink would, so ownership bugs show up as leaks or double releases.
 */
package io.jslirp.stack.testing;
