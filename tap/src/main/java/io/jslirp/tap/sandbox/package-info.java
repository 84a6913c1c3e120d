/**
 * Confining jslirp once it is set up: {@code --enable-seccomp} (a system-call filter on every thread) and
 * {@code --enable-sandbox} (a mount namespace with almost nothing in it, and no capabilities but
 * CAP_NET_BIND_SERVICE on any thread).
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
 *
 * <h2>sandbox</h2>
 * <p>Three kernel facts shape it, each of them about threads, of which a JVM has many before {@code main}:
 * <ol>
 *   <li>{@code unshare(CLONE_NEWNS)} moves the calling thread only, and {@code setns} into a user namespace
 *       is refused in a multi-threaded process. But {@code execve} keeps the calling thread's namespaces and
 *       ends the others. So {@link io.jslirp.tap.sandbox.SandboxExec} restarts the JVM, first thing, already
 *       in a mount namespace of its own (after entering the user namespace with {@code nsenter} when rootless
 *       from outside). PID, inherited fds and command line stay; the environment marks the second start.
 *       The first JVM is pure start-up cost, so it makes its four C calls through jffi
 *       ({@link io.jslirp.tap.sandbox.RestartCalls}) instead of binding all of LibC, which the restarted
 *       JVM does anyway.</li>
 *   <li>{@code pivot_root} moves the root and cwd of every thread whose root was the old one, and all JVM
 *       threads share one fs_struct; so {@link io.jslirp.tap.sandbox.MountSandbox} builds the new root once
 *       setup is done and pivots the whole process from one thread. Every mount is made a slave first, so
 *       nothing done here reaches the caller's namespace while the caller's changes still arrive.</li>
 *   <li>{@code capset}, the bounding set, the ambient set and no_new_privs are per thread, and there is no
 *       call that changes them for a whole process. {@link io.jslirp.tap.sandbox.CapabilityDrop} therefore
 *       runs the drop on each thread from a signal handler (a few dozen bytes of x86-64 machine code making
 *       raw system calls, the technique glibc uses for setuid), one thread at a time, acknowledged, until no
 *       new thread appears, and then checks every thread with {@code capget}. Doing the drop before other
 *       threads exist is impossible (setup needs the capabilities, and the JVM has threads from the start);
 *       a further restart after setup would have to hand over every open fd and the stack's state.</li>
 * </ol>
 * The order after setup is fixed by what each step needs: the filesystem first (pivot_root needs
 * CAP_SYS_ADMIN), then the capabilities, then the seccomp filter (it denies mount, pivot_root and umount2).
 * /proc is not in the sandbox: a /proc leads, through {@code /proc/PID/root} of any process the user may
 * inspect, back to the whole filesystem.
 */
package io.jslirp.tap.sandbox;
