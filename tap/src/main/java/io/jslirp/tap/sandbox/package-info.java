/**
 * Confining jslirp once it is set up: {@code --enable-seccomp} (a system-call filter on every thread).
 *
 * <h2>Theory of operation</h2>
 * <p>jslirp is a network-facing process fed by an untrusted container, running with the rights of the user
 * (or root) that started it. Everything that needs those rights happens first (namespace entry, the TAP,
 * interface configuration, the capture file, {@code -p} forwards, the API socket); then, before the ready
 * byte, {@link io.jslirp.tap.sandbox.Confinement} takes away what a relay no longer needs. A runtime that
 * waits for the ready byte therefore never talks to an unconfined process, and a step the kernel refuses
 * fails the start, naming the step, rather than leaving a process that only looks confined.
 *
 * <h2>seccomp</h2>
 * <p>{@link io.jslirp.tap.sandbox.SeccompPolicy} is the decision table (a deny-list; it says why per row),
 * {@link io.jslirp.tap.sandbox.SeccompFilter} turns it into a classic-BPF program for the running
 * architecture ({@link io.jslirp.tap.sandbox.SyscallArch}: x86-64 and aarch64) and installs it:
 * <ul>
 *   <li>A JVM is multi-threaded before {@code main} runs (GC, JIT, signal dispatcher). A filter installed
 *       by one thread binds that thread only, unless it is installed with SECCOMP_FILTER_FLAG_TSYNC, which
 *       puts it, and no_new_privs, on every thread of the process at once. Threads started later inherit
 *       both. (Elasticsearch confines its JVM the same way.)</li>
 *   <li>The architecture is checked first: a call through another ABI (i386's {@code int 0x80}, x32 on
 *       x86-64, which shares the audit arch but sets bit 30 of the number) would be judged against the
 *       wrong numbers, so it kills the process.</li>
 *   <li>Calls the JVM never makes kill the process (SECCOMP_RET_KILL_PROCESS, as slirp4netns); calls it
 *       does make fail with an errno it handles: {@code clone3} with ENOSYS (glibc then uses clone; EPERM
 *       would fail thread creation), {@code prctl} with EPERM except PR_SET_NAME/PR_GET_NAME (thread names),
 *       {@code clone} with EPERM when asked for a new namespace.</li>
 * </ul>
 * The program is unit-tested in a classic-BPF interpreter of the tests' own, and installed for real in a
 * forked JVM that must die on execve, mount, ptrace, unshare and bpf and keep sockets, epoll, mmap and
 * thread creation.
 */
package io.jslirp.tap.sandbox;
