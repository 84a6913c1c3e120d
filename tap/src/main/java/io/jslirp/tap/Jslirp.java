package io.jslirp.tap;

import io.jslirp.stack.Clock;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards;
import io.jslirp.stack.Stack;
import io.jslirp.stack.pcap.PcapWriter;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.services.DhcpServer;
import io.jslirp.stack.wire.DhcpMessage;
import io.jslirp.tap.api.ApiProtocol;
import io.jslirp.tap.api.ApiServer;
import io.jslirp.tap.api.ForwardTable;
import io.jslirp.tap.dev.TapDevice;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.netns.NamespaceEntry;
import io.jslirp.tap.netns.NamespaceHandles;
import io.jslirp.tap.relay.NativeHostDatagrams;
import io.jslirp.tap.relay.NativeHostSockets;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.NativeException;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.jslirp.tap.StartupSteps.*;

/**
 * One running jslirp: a TAP device in the target namespace, the stack behind it, and the event loop that
 * owns both.
 *
 * <p>Start-up order follows what runtimes observe from slirp4netns: enter the namespace and attach the TAP,
 * configure the interface when asked, and only then write the ready byte, so a runtime that waits for it
 * finds the network usable. Everything after start-up happens on the loop thread; other threads talk to it
 * only through {@link EventLoop#execute}. Closing releases the TAP, the control socket and the capture in the
 * same moment the loop ends, so nothing is left behind.
 *
 * <p>The stack relays the guest's connections through {@link NativeHostSockets} and its UDP, DNS and ICMP echo
 * through {@link NativeHostDatagrams}, both on the same loop. The DNS forwarder's nameservers come from
 * {@code --resolv-conf} (/etc/resolv.conf), looked at once a second and handed to the stack when they change.
 * The stack sends what a whole turn of events produced (coalesced ACKs) from the loop's after-dispatch hook. At the end the
 * stack closes its flows, aborting their host sockets; any host socket still open after that is aborted too,
 * and counted, because it means a flow the stack lost.
 *
 * <p>Split by job: {@link StartupSteps} holds the steps of {@link #start} that need no session (entering the
 * namespace, {@code --configure}, the ready byte), {@link TapPump} the guest's frames (the TAP read loop, the
 * writes toward the guest, the capture); this class wires the session together and owns its timers, the
 * forwards' Java API, the counters and the end.
 */
public final class Jslirp implements AutoCloseable {
    /** How often to look for the namespace having gone. */
    private static final long WATCH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Attach our own TAP with virtio-net headers and TSO/checksum offload (see TapDevice). On by default;
     * {@code -Djslirp.offload=false} runs with plain frames, as a --netns-type=tapfd fd without IFF_VNET_HDR does.
     */
    static final boolean OFFLOAD = !"false".equals(System.getProperty("jslirp.offload"));

    /** Exit status when the loop ended because the exit fd fired or the namespace went away. */
    public static final int EXIT_NORMAL = 0;
    /** Exit status of a fatal I/O error on the TAP after start-up. */
    public static final int EXIT_FAILURE = 1;
    /** Exit status when memory ran out, as HotSpot's own -XX:+ExitOnOutOfMemoryError exits. */
    public static final int EXIT_OUT_OF_MEMORY = 3;

    private final Settings settings;
    private final TapDevice tap;
    private final Stack stack;
    private final EventLoop loop;
    private final NativeHostSockets hostSockets;
    private final NativeHostDatagrams hostDatagrams;
    /** Null with --disable-dns: nothing forwards queries, so nothing needs the host's nameservers. */
    private ResolvConf.Watch resolvConf;
    private final List<String> startupWarnings = new ArrayList<>();
    /** The guest's frames: TAP reads into the stack, the stack's frames onto the TAP, and the capture. */
    private final TapPump pump;
    private final NamespaceWatch watch;
    private final PacketAllocator alloc;
    private final CountDownLatch ended = new CountDownLatch(1);

    private volatile int exitStatus = EXIT_NORMAL;
    private volatile String exitReason = "stopped";
    private boolean endRequested;
    private volatile boolean running;
    private volatile Thread loopThread;
    /** Held while a thread other than the loop touches stack state before the loop runs (see onLoop). */
    private final Object handOver = new Object();
    /** Null without --api-socket. */
    private ApiServer apiServer;
    private long nextWatchNanos;
    private long nextResolvConfNanos;
    private volatile boolean closed;
    private volatile long activeFlowsAtExit;
    private volatile int hostSocketsAtExit;
    private volatile int hostSocketsLeaked;
    private volatile int hostDatagramsAtExit;
    private volatile int hostDatagramsLeaked;

    private Jslirp(Settings settings, TapDevice tap, NamespaceWatch watch, PcapWriter pcap) throws IOException {
        // First: a failed read of the kernel's randomness then leaves no loop fd or native block behind, which
        // only release() frees and a constructor that throws never gets to.
        RelayOptions relay = sessionRelayOptions(settings);
        this.settings = settings;
        this.tap = tap;
        this.watch = watch;
        this.alloc = PacketAllocator.DEFAULT;
        this.loop = new EventLoop();
        this.pump = new TapPump(tap, alloc, pcap, loop::markHeavyTurn, this::end);
        this.hostSockets = new NativeHostSockets(loop);
        this.hostDatagrams = new NativeHostDatagrams(loop);
        this.stack = new Stack(settings.net(), Clock.SYSTEM, pump, alloc, hostSockets,
                relay, tap.vnetHeader() ? Stack.DeviceFormat.VNET_HDR : Stack.DeviceFormat.ETHERNET);
        pump.feed(stack);
        stack.setHostDatagrams(hostDatagrams);
    }

    /**
     * The services and start-up checks. Apart from the constructor, which only builds what {@link #release()}
     * tears down, so that a failure here (from start()) still releases the loop's fds and the host sockets.
     */
    private void startServices(Settings settings) throws IOException {
        // A guest started without --configure asks for its address with DHCP, as under slirp4netns.
        stack.registerUdpService(DhcpMessage.SERVER_PORT, new DhcpServer(settings.net(), Clock.SYSTEM, alloc));
        if (settings.disableDns()) {
            this.resolvConf = null;
        } else {
            this.resolvConf = new ResolvConf.Watch(settings.resolvConf());
            long[] servers = resolvConf.servers();
            stack.setDnsServerAddresses(servers);
            if (servers.length == 0) {
                startupWarnings.add("jslirp: warning: no nameserver in " + settings.resolvConf() + "; DNS queries to "
                        + NetConfig.formatIpv4(settings.net().dns()) + " go unanswered until one appears there");
            }
        }
        probePing(settings.net());
        checkPoolChunks();
    }

    /**
     * The launcher asks Netty for chunks from malloc (unzeroed, so an idle jslirp holds only the pages it used),
     * which works only when java.nio is open to it (the jar's manifest, for {@code java -jar}); said once at
     * start-up when asked for and not so, rather than quietly holding every chunk's whole size.
     */
    private void checkPoolChunks() {
        if (Boolean.getBoolean("io.netty.tryReflectionSetAccessible") && !PlatformDependent.useDirectBufferNoCleaner()) {
            startupWarnings.add("jslirp: warning: the packet pool's chunks are zeroed whole (java.nio is not open to "
                    + "Netty: run the jar with -jar, or add --add-opens=java.base/java.nio=ALL-UNNAMED)");
        }
    }

    /**
     * Whether this host lets jslirp send ICMP echo at all (a ping socket or a raw one), asked once so that the
     * answer is one line at start-up rather than a silent drop of every ping the guest sends.
     */
    private void probePing(NetConfig net) {
        int probe = hostDatagrams.openPing((handle, events) -> { });
        if (probe >= 0) {
            hostDatagrams.close(probe);
            return;
        }
        startupWarnings.add("jslirp: warning: ICMP echo to hosts other than " + NetConfig.formatIpv4(net.gateway()) + "/"
                + NetConfig.formatIpv4(net.dns()) + " is unavailable: no ping socket (net.ipv4.ping_group_range) "
                + "and not privileged for a raw socket");
    }

    /**
     * Optional, before {@link #start}: does on the calling thread what start() will need and that needs no native
     * call, for a caller with time to spare (the CLI, while the libc binding loads on another thread).
     */
    public static void prepare(Settings settings) {
        StartupSteps.prepare(settings);
    }

    /** Warnings about what this host cannot give the guest, for the caller to print once, at start-up. */
    public List<String> startupWarnings() {
        return List.copyOf(startupWarnings);
    }

    /**
     * Enters the namespace, attaches (and optionally configures) the TAP, and signals the ready fd. The
     * session is not yet serving: call {@link #run()} on the thread that will own it.
     */
    public static Jslirp start(Settings settings) throws IOException {
        return start(settings, () -> { });
    }

    /** What runs once setup is complete and before the ready byte (the CLI confines the process there). */
    @FunctionalInterface
    public interface BeforeReady {
        void run() throws IOException;
    }

    /**
     * {@link #start(Settings)}, running {@code beforeReady} after everything that needs the process's full
     * rights (namespace entry, TAP, configuration, capture file, forwards, API socket) and before the ready
     * byte, so a runtime never talks to a process that is not yet confined; its failure fails the start.
     */
    public static Jslirp start(Settings settings, BeforeReady beforeReady) throws IOException {
        Target target = settings.target();
        TapDevice tap = null;
        Jslirp session = null;
        NamespaceWatch watch = null;
        PcapWriter pcap = null;
        int controlFd = -1;
        int netlinkFd = -1;
        String configureWarning = null;
        try {
            if (target instanceof Target.TapFd tapFd) {
                tap = TapDevice.fromFd(tapFd.fd(), settings.tapName());
                if (settings.configure()) {
                    NamespaceHandles control = NamespaceEntry.openControlSocketsForTap(tap.fd(), wantsNetlink(settings));
                    controlFd = control.controlSocketFd();
                    netlinkFd = control.netlinkFd();
                }
            } else {
                Path netnsPath = netnsPathOf(target);
                requireNamespaceFile(target, netnsPath);
                NamespaceHandles handles = enter(settings, netnsPath);
                controlFd = handles.controlSocketFd();
                netlinkFd = handles.netlinkFd();
                try {
                    tap = TapDevice.attach(handles.tunFd(), settings.tapName(), OFFLOAD);
                } catch (IOException e) {
                    Fds.close(handles.tunFd());
                    throw e;
                }
                watch = NamespaceWatch.of(netnsPath, holderPidOf(target, netnsPath));
            }
            int control = controlFd;
            int netlink = netlinkFd;
            controlFd = -1; // from here configure() owns both and closes them on every path
            netlinkFd = -1;
            if (settings.configure()) {
                configureWarning = configure(control, netlink, tap.name(), settings);
            } else {
                Fds.close(control);
                Fds.close(netlink);
            }
            if (settings.pcapPath() != null) {
                pcap = new PcapWriter(FileChannel.open(settings.pcapPath(), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
            }
            session = new Jslirp(settings, tap, watch, pcap);
            if (configureWarning != null) {
                session.startupWarnings.add(configureWarning);
            } else if (wantsNetlink(settings)) {
                // -c -6 put prefix::100 on the TAP: forwards that name no guest address may send IPv6 clients
                // there at once, rather than only after the guest's NDP traffic has shown an address.
                session.stack.setGuestAddress6(guestAddress6(settings.net().ipv6()));
            }
            session.startServices(settings);
            session.wire();
            session.publish();
            session.openApiSocket();
            beforeReady.run();
            // Like slirp4netns: ready only once the API socket listens (and, ours, once --publish holds).
            signalReady(settings.readyFd());
            if (Warmup.ENABLED) {
                // Beside the loop, after ready: optional work never delays the guest (see Warmup).
                Warmup.startInBackground(settings.net(), session.stack.format(), session.alloc);
            }
            return session;
        } catch (OutOfMemoryError e) {
            // A bound too small for even the first buffers: the caller's usual "jslirp: <reason>", status 1,
            // and no ready byte, rather than a stack trace from the main thread.
            IOException failure = new IOException("out of memory while starting: " + e.getMessage()
                    + " (the launcher's bounds can be raised in JSLIRP_JAVA_OPTS, e.g. -XX:MaxDirectMemorySize=256m)", e);
            if (controlFd >= 0) {
                Fds.close(controlFd);
            }
            if (session != null) {
                session.release();
            } else {
                if (tap != null) {
                    tap.close();
                }
                if (pcap != null) {
                    try {
                        pcap.close();
                    } catch (IOException suppressed) {
                        failure.addSuppressed(suppressed);
                    }
                }
            }
            throw failure;
        } catch (IOException | RuntimeException e) {
            Fds.close(controlFd);
            Fds.close(netlinkFd);
            if (session != null) {
                // A bad exit fd or ready fd fails after the session exists: it owns the TAP, the capture,
                // the event loop's fds and the host sockets now, and releases them all.
                session.release();
                throw e;
            }
            if (tap != null) {
                tap.close();
            }
            if (pcap != null) {
                try {
                    pcap.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** {@code -p/--publish}: every forward in place before the ready byte, or start-up fails with its reason. */
    private void publish() throws IOException {
        for (Settings.Publish p : settings.publish()) {
            try {
                PortForwards.Forward f = stack.forwards().add(p.protocol(), p.hostAddr(), p.hostPort(), p.guestAddr(),
                        p.guestPort());
                if (p.hostPort() == 0) {
                    startupWarnings.add("jslirp: --publish " + p + ": host port " + f.hostPort());
                }
            } catch (PortForwards.ForwardException e) {
                throw new IOException("cannot publish " + p + ": " + describeErrno(e.errno(), e.getMessage()), e);
            }
        }
    }

    private void openApiSocket() throws IOException {
        if (settings.apiSocket() != null) {
            apiServer = ApiServer.open(settings.apiSocket(), loop,
                    new ApiProtocol(ForwardTable.of(stack.forwards()), settings.net()));
        }
    }

    private void wire() throws IOException {
        loop.register(tap.fd(), EventLoop.EPOLLIN, (fd, events) -> pump.onTapReady(events));
        if (settings.exitFd() >= 0) {
            try {
                loop.register(settings.exitFd(), EventLoop.EPOLLIN | EventLoop.EPOLLRDHUP,
                        (fd, events) -> end(EXIT_NORMAL, "exit fd " + fd + " fired"));
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof NativeException ne) || ne.errno() != Errno.EPERM) {
                    // EPERM means a regular file, which poll(2) (slirp4netns) would call always readable.
                    throw e.getCause();
                }
                loop.execute(() -> end(EXIT_NORMAL, "exit fd " + settings.exitFd() + " is a regular file"));
            }
        }
        nextWatchNanos = System.nanoTime() + WATCH_INTERVAL_NANOS;
        nextResolvConfNanos = System.nanoTime() + WATCH_INTERVAL_NANOS;
        loop.addTimerSource(this::nextDeadline, this::runTimers);
        HeapTrim.install(loop);
        BufferTrim.install(loop, stack, pump, alloc);
        loop.setAfterDispatch(stack::flush);
        if (pump.capturing()) {
            // A capture is for reading while jslirp runs (tshark -r, or after a SIGKILL): it reaches the file
            // whenever the loop pauses, and at least once a second, never with a write per frame.
            loop.setBeforeSleep(pump::flushCapture);
        }
        loop.setBusyPoll(settings.busyPollMicros());
    }

    private long nextDeadline() {
        long next = stack.nextDeadlineNanos();
        if (resolvConf != null) {
            next = Clock.earlier(next, nextResolvConfNanos);
        }
        next = Clock.earlier(next, pump.captureFlushDueNanos());
        return watch == null ? next : Clock.earlier(next, nextWatchNanos);
    }

    private void runTimers() {
        stack.runTimers();
        if (System.nanoTime() - pump.captureFlushDueNanos() >= 0) {
            pump.flushCapture();
        }
        if (watch != null && System.nanoTime() - nextWatchNanos >= 0) {
            nextWatchNanos = System.nanoTime() + WATCH_INTERVAL_NANOS;
            if (watch.gone()) {
                end(EXIT_NORMAL, "the network namespace has gone");
            }
        }
        if (resolvConf != null && System.nanoTime() - nextResolvConfNanos >= 0) {
            nextResolvConfNanos = System.nanoTime() + WATCH_INTERVAL_NANOS;
            long[] servers = resolvConf.poll(); // one stat; the file is read again only when it changed
            if (servers != null) {
                stack.setDnsServerAddresses(servers);
            }
        }
    }


    /** For a test: counts the yields of the TAP read loop instead of yielding. Call before {@link #run()}. */
    void yieldWith(Runnable yielder) {
        pump.yieldWith(yielder);
    }

    /** For a test: counts the turns the TAP read loop marks heavy instead of telling the loop. Call before {@link #run()}. */
    void markHeavyWith(Runnable marker) {
        pump.markHeavyWith(marker);
    }

    /** Ends the session from any thread; the first reason wins. */
    public void end(int status, String reason) {
        if (ended.getCount() == 0) {
            return;
        }
        loop.execute(() -> {
            if (!endRequested) {
                endRequested = true;
                exitStatus = status;
                exitReason = reason;
            }
            loop.stop();
        });
    }

    /** Serves on the calling thread until {@link #end} or the exit fd; returns the exit status. */
    public int run() {
        synchronized (handOver) {
            // After any onLoop call the starting thread is making (it holds the lock), and so after its writes.
            loopThread = Thread.currentThread();
            running = true;
        }
        try {
            loop.run();
        } catch (OutOfMemoryError e) {
            // The launcher bounds every pool; a burst past the packet pool's bound (direct memory) arrives here
            // from the loop. Going on would leave some flow with a frame half handled: end, say why, and let the
            // runtime see a failed network rather than a hung one. (The heap's own OutOfMemoryError ends the JVM
            // at once: -XX:+ExitOnOutOfMemoryError.)
            exitStatus = EXIT_OUT_OF_MEMORY;
            exitReason = "out of memory: " + e.getMessage()
                    + " (the launcher's bounds can be raised in JSLIRP_JAVA_OPTS, e.g. -XX:MaxDirectMemorySize=256m)";
        } finally {
            release();
            ended.countDown();
        }
        return exitStatus;
    }

    public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        return ended.await(timeout, unit);
    }

    public String exitReason() {
        return exitReason;
    }

    public String tapName() {
        return tap.name();
    }

    // ---------------------------------------------------------------- port forwards (Java API)

    /**
     * Forwards {@code hostAddr:hostPort} on the host into the guest's {@code guestAddr:guestPort}, as
     * {@code --publish} and the API socket's {@code add_hostfwd} do. Safe from any thread: the forward is
     * added on the event loop, and this waits (at most 5 s) for it.
     *
     * @param hostAddr  an IPv4 or IPv6 address of the host ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}...)
     * @param hostPort  0 picks a free port; the returned forward carries the one bound
     * @param guestAddr null names no guest address: an IPv6 client reaches the guest over IPv6 when IPv6 is on
     *                  and the guest has an address, every other client network+100 (the family rule of
     *                  {@link PortForwards}); an IPv4 address of the network, or an IPv6 one of the guest's
     *                  prefix (needs IPv6 on), is used for clients of both families
     * @throws PortForwards.ForwardException when the host refuses (port in use, privileged port) or the
     *                                       forward duplicates one, or the guest address is not the guest's
     */
    public PortForwards.Forward addForward(PortForwards.Protocol protocol, java.net.InetAddress hostAddr, int hostPort,
                                           java.net.InetAddress guestAddr, int guestPort)
            throws PortForwards.ForwardException {
        return onLoop(() -> stack.forwards().add(protocol, hostAddr, hostPort, guestAddr, guestPort));
    }

    /**
     * The IPv4-typed form of {@link #addForward(PortForwards.Protocol, java.net.InetAddress, int, java.net.InetAddress, int)},
     * kept for callers compiled against it; a literal {@code null} lands here and means the same: no guest
     * address named.
     */
    public PortForwards.Forward addForward(PortForwards.Protocol protocol, java.net.InetAddress hostAddr, int hostPort,
                                           java.net.Inet4Address guestAddr, int guestPort)
            throws PortForwards.ForwardException {
        return addForward(protocol, hostAddr, hostPort, (java.net.InetAddress) guestAddr, guestPort);
    }

    /** Withdraws forward {@code id}; connections it already carried go on. False when no such forward exists. */
    public boolean removeForward(int id) {
        try {
            return onLoop(() -> stack.forwards().remove(id));
        } catch (PortForwards.ForwardException e) {
            throw new AssertionError(e);
        }
    }

    /** The forwards in place, in the order they were added. */
    public List<PortForwards.Forward> forwards() {
        try {
            return onLoop(() -> stack.forwards().list());
        } catch (PortForwards.ForwardException e) {
            throw new AssertionError(e);
        }
    }

    @FunctionalInterface
    private interface LoopCall<T> {
        T call() throws PortForwards.ForwardException;
    }

    /**
     * Runs {@code call} where stack state may be touched: right here on the loop thread, or before the loop
     * runs (the starting thread still owns the session then); otherwise as a loop task, waiting for it.
     */
    private <T> T onLoop(LoopCall<T> call) throws PortForwards.ForwardException {
        if (closed || ended.getCount() == 0) {
            throw new IllegalStateException("the session has ended");
        }
        if (Thread.currentThread() == loopThread) {
            return call.call();
        }
        synchronized (handOver) {
            if (!running) {
                // The loop has not started: run() and release() wait for this lock, so nothing else touches
                // the stack, and a close() from another thread cannot tear it down under the call.
                if (closed) {
                    throw new IllegalStateException("the session has ended");
                }
                return call.call();
            }
        }
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        // Whoever sets it first decides: the loop task runs the call, or the caller gave up and it never runs.
        java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        loop.execute(() -> {
            if (!claimed.compareAndSet(false, true)) {
                return;
            }
            try {
                result.complete(call.call());
            } catch (PortForwards.ForwardException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            try {
                return result.get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                if (claimed.compareAndSet(false, true)) {
                    // Never ran and never will: the caller is told, and no forward appears behind its back.
                    throw new IllegalStateException("the event loop did not answer (has the session ended?)", e);
                }
                // Running right now on the loop: its outcome is the answer.
                return result.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof PortForwards.ForwardException fe) {
                throw fe;
            }
            throw (RuntimeException) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the event loop", e);
        }
    }

    /** Counter names for the relay's state in {@link #counters()}; always present, even when 0. */
    public static final String ACTIVE_FLOWS = "activeFlows";
    public static final String HOST_SOCKETS = "hostSockets";
    public static final String HOST_DATAGRAMS = "hostDatagrams";

    /**
     * The counters as one line, {@code jslirp: counters: k=v ...}: the non-zero ones, and the relay's
     * {@code activeFlows}, {@code hostSockets} and {@code hostDatagrams} always (tests read those to see the
     * flow table drain).
     */
    public String countersLine() throws InterruptedException {
        StringBuilder line = new StringBuilder("jslirp: counters:");
        counters().forEach((name, value) -> {
            if (value != 0 || name.equals(ACTIVE_FLOWS) || name.equals(HOST_SOCKETS) || name.equals(HOST_DATAGRAMS)) {
                line.append(' ').append(name).append('=').append(value);
            }
        });
        return line.toString();
    }

    /**
     * What the relay held when the session ended: {@code activeFlows=N hostSockets=M hostDatagrams=D}, plus
     * {@code leakedHostSockets=K} and {@code leakedHostDatagrams=L} when host sockets outlived the stack's close
     * (a stack bug; they were closed).
     */
    public String exitSummary() {
        String s = ACTIVE_FLOWS + "=" + activeFlowsAtExit + " " + HOST_SOCKETS + "=" + hostSocketsAtExit
                + " " + HOST_DATAGRAMS + "=" + hostDatagramsAtExit;
        if (hostSocketsLeaked != 0) {
            s += " leakedHostSockets=" + hostSocketsLeaked;
        }
        if (hostDatagramsLeaked != 0) {
            s += " leakedHostDatagrams=" + hostDatagramsLeaked;
        }
        return s;
    }

    /** {@link #exitSummary()} when the relay held nothing at the end. */
    public static final String CLEAN_EXIT_SUMMARY = ACTIVE_FLOWS + "=0 " + HOST_SOCKETS + "=0 " + HOST_DATAGRAMS + "=0";

    /** Counter snapshot, read on the loop thread so it is consistent. */
    public Map<String, Long> counters() throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<Map<String, Long>> result = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            Map<String, Long> snapshot = new java.util.LinkedHashMap<>(stack.counters().snapshot());
            snapshot.put("tapWriteDrops", pump.framesDroppedOnWrite());
            snapshot.put(ACTIVE_FLOWS, (long) stack.activeFlows());
            snapshot.put(HOST_SOCKETS, (long) hostSockets.openCount());
            snapshot.put(HOST_DATAGRAMS, (long) hostDatagrams.openCount());
            result.set(snapshot);
            done.countDown();
        });
        if (!done.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("event loop did not answer");
        }
        return result.get();
    }

    /**
     * Ends a running session and waits (bounded) for the loop to let go, or releases a session that was
     * started but never run. Safe from any thread: stack state is only ever touched by the loop thread.
     */
    @Override
    public void close() {
        if (running) {
            end(EXIT_NORMAL, "closed");
            try {
                awaitEnd(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        release();
    }

    private void release() {
        synchronized (handOver) {
            releaseHeld();
        }
    }

    /** release() with {@link #handOver} held (see onLoop). */
    private void releaseHeld() {
        if (closed) {
            return;
        }
        closed = true;
        pump.releaseSpare();
        if (apiServer != null) {
            // Removes the socket file; a runtime must not find a path that nothing answers on.
            apiServer.close();
            apiServer = null;
        }
        // Listeners are configuration, not traffic: closed first, so the summary counts what flows held.
        stack.forwards().close();
        activeFlowsAtExit = stack.activeFlows();
        hostSocketsAtExit = hostSockets.openCount();
        hostDatagramsAtExit = hostDatagrams.openCount();
        stack.close();
        // The stack aborts its flows' sockets; whatever is left it lost track of, and its peer gets a reset
        // now rather than a connection that hangs until the process is gone.
        hostSocketsLeaked = hostSockets.closeAll();
        hostDatagramsLeaked = hostDatagrams.closeAll();
        pump.closeCapture();
        tap.close();
        loop.close();
    }
}
