/**
 * A running jslirp session: the glue between the Linux side and the stack.
 *
 * <h2>Theory of operation</h2>
 * {@link io.jslirp.tap.Jslirp#start} does every step that can fail before anything is promised to the
 * caller: it resolves the target (PID, namespace path or TAP fd), enters the namespace
 * ({@link io.jslirp.tap.netns}), attaches the TAP ({@link io.jslirp.tap.dev}), configures the interface when
 * asked, opens the capture, and only then writes the ready byte. A runtime waiting on the ready fd therefore
 * never sees a network that is half there.
 *
 * <p>{@link io.jslirp.tap.Jslirp#run} hands the calling thread to the epoll loop
 * ({@link io.jslirp.tap.loop}), which from then on owns the TAP and all stack state. Frames are read until
 * EAGAIN into pooled direct buffers whose ownership passes to the stack; frames the stack emits are written
 * and released in the sink. The exit fd, SIGTERM/SIGINT (through {@link io.jslirp.tap.Jslirp#end}) and the
 * namespace watch ({@link io.jslirp.tap.NamespaceWatch}) all end the loop the same way, and closing happens
 * on the loop thread as it leaves, so the TAP, the capture and every buffer are released together.
 *
 * <p>The buffers come from {@link io.jslirp.tap.PacketAllocator}: small ones from a pool of 64 KiB chunks, the
 * rest from Netty's default pool, so that the empty runs Netty keeps after a burst pin no 1 MiB chunk. Three
 * helpers only serve the footprint and start-up: {@link io.jslirp.tap.Warmup} compiles the UDP path beside
 * the loop right after ready (unless {@code -Djslirp.warmup=false}, as the launcher runs jslirp);
 * {@link io.jslirp.tap.HeapTrim}, a timer on the loop, asks for one full
 * collection once a burst is over, so that the heap the burst grew goes back to the system; and
 * {@link io.jslirp.tap.BufferTrim}, another, has the stack and the TAP's reader give back the buffers they
 * keep for reuse once no frame has moved for a while.
 */
package io.jslirp.tap;
