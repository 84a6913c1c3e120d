/**
 * The single-threaded epoll event loop that owns all of jslirp's I/O and stack state.
 *
 * <h2>Theory of operation</h2>
 * <p>One thread calls {@link io.jslirp.tap.loop.EventLoop#run()} and from then on is the only thread that
 * touches handlers, the stack and the sockets, so none of that needs locks. Each turn of the loop:
 * <ol>
 *   <li>asks the timer sources (the session's stack, the API server) for the earliest deadline and turns
 *       it into an {@code epoll_wait} timeout,
 *       rounded <em>up</em> to whole milliseconds, so a timer never fires early and the loop never spins
 *       on a sub-millisecond remainder; a queued task makes the timeout 0;</li>
 *   <li>waits, then dispatches each ready fd to its handler. Readiness is level-triggered by default, so a
 *       handler that stops reading before EAGAIN (to bound one turn's work) is called again next turn;</li>
 *   <li>runs tasks handed over by other threads through {@link io.jslirp.tap.loop.EventLoop#execute}, then
 *       the timers that are due;</li>
 *   <li>runs the after-dispatch hook, if one is set: work shared by the whole turn (the stack's coalesced
 *       ACKs) happens once here rather than once per event.</li>
 * </ol>
 * A before-sleep hook, if set, runs just before a wait that may block (after any busy polling found
 * nothing): work that can wait for a pause, such as flushing the capture file, costs nothing while events
 * keep coming.
 *
 * <p>An fd number can be closed and reused within one turn (a relay closes a socket and opens another);
 * events collected before the reuse belonged to the old file, so an fd registered during a turn is not
 * given that turn's events.
 *
 * <p>Busy polling ({@code setBusyPoll}, jslirp's {@code --busy-poll}, 50 µs by default): while events keep
 * arriving less than four windows apart, a wait first polls epoll without a timeout, yielding between
 * polls, for one window, and only then sleeps. On this project's 2-core virtual machine a wake-up across
 * CPUs costs tens of microseconds, more than the whole of jslirp's work for a small packet, so a loop that is
 * still awake when a request's answer arrives nearly doubles the request/response rate (about 11k to 21k per
 * second through the peer benchmark's client). Bulk from the guest does not gain: its sender needs the CPU
 * (polling after every turn cost 15% guest→host), so jslirp marks a turn that read a frame over 1 KiB heavy
 * and the next wait sleeps at once. Bulk toward the guest still polls, and was faster for it on this machine
 * (18.4 against 15.7 Gbit/s, for 0.7 s more CPU per 10 s). Idle and sparse traffic never poll, because the
 * wait before was longer than four windows.
 *
 * <p>Other threads reach the loop only through {@code execute} and {@code stop}: they enqueue and, if no
 * wake-up is already pending, write to an eventfd the loop polls. Coalescing keeps a burst of tasks to one
 * system call.
 *
 * <p>The per-turn path allocates nothing: the {@code epoll_event} array is preallocated native memory
 * passed by address, events are read from it in place, and the fd → handler table is an array indexed by
 * fd (fds are small and dense), grown when a larger fd registers. The 12-byte packed {@code epoll_event} of
 * x86-64 and the 16-byte one of aarch64 are both handled.
 *
 * <p>A handler, task or timer that throws an {@code Exception} is reported on stderr and the loop goes
 * on: one bad frame or connection must not take down every container's network. An {@code Error} (out of
 * memory, a failed assertion in a test) propagates out of {@code run()}, because continuing after one is
 * not safe.
 */
package io.jslirp.tap.loop;
