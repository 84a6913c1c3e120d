package io.jslirp.tap.sandbox;

import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.Native;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a JVM of its own by {@link SeccompForkTest}: installs the real filter, then either shows that what
 * jslirp and the JVM need still works ({@code works}), or makes one denied call ({@code call NAME}) and, if
 * it is still alive afterwards, says so. {@code control NAME} makes the same call without the filter.
 */
public final class SeccompProbe {
    private SeccompProbe() {
    }

    public static void main(String[] args) throws Exception {
        SyscallArch arch = SyscallArch.current();
        switch (args[0]) {
            case "works" -> {
                // Threads that exist before the filter: TSYNC must reach them too.
                List<Thread> sleepers = startSleepers(3);
                SeccompFilter.build(arch).installOnAllThreads();
                works(arch);
                sleepers.forEach(Thread::interrupt);
            }
            case "call" -> {
                SeccompFilter.build(arch).installOnAllThreads();
                denied(arch, args[1]);
            }
            case "control" -> denied(arch, args[1]);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }

    private static void denied(SyscallArch arch, String name) {
        LibC c = Native.libc();
        // Harmless arguments: unshare(0) changes nothing, the others fail on a NULL pointer or a bad pid.
        long r = switch (name) {
            case "execve" -> c.syscall(arch.number("execve"), 0, 0, 0);
            case "mount" -> c.syscall(arch.number("mount"), 0, 0, 0);
            case "ptrace" -> c.syscall(arch.number("ptrace"), 2 /* PEEKDATA */, 0x7fffffff, 0);
            case "unshare" -> c.syscall(arch.number("unshare"), 0, 0, 0);
            case "bpf" -> c.syscall(arch.number("bpf"), 0, 0, 0);
            default -> throw new IllegalArgumentException(name);
        };
        System.out.println("survived " + name + " = " + r + " errno " + Native.errno());
    }

    private static List<Thread> startSleepers(int n) {
        List<Thread> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // Done.
                }
            }, "sleeper-" + i);
            t.setDaemon(true);
            t.start();
            list.add(t);
        }
        return list;
    }

    private static void works(SyscallArch arch) throws Exception {
        LibC c = Native.libc();
        checkAllThreadsFiltered("before");

        // Sockets: a TCP exchange over loopback.
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            OutputStream out = client.getOutputStream();
            out.write("ping".getBytes());
            out.flush();
            InputStream in = accepted.getInputStream();
            byte[] got = in.readNBytes(4);
            System.out.println("socket " + new String(got));
        }

        // epoll with an eventfd, as the event loop uses them.
        int ep = c.epoll_create1(0x80000);
        int ev = c.eventfd(0, 0x80000);
        NativeBlock event = keep(Native.allocate(16));
        event.putInt(0, 1 /* EPOLLIN */);
        event.putLong(4, 42);
        if (ep < 0 || ev < 0 || c.epoll_ctl(ep, 1 /* ADD */, ev, event.address()) != 0
                || c.eventfd_write(ev, 1) != 0) {
            throw new IllegalStateException("epoll setup failed, errno " + Native.errno());
        }
        NativeBlock events = keep(Native.allocate(64));
        System.out.println("epoll " + c.epoll_wait(ep, events.address(), 4, 1000));
        c.close(ev);
        c.close(ep);

        // mmap: a large direct buffer and a mapped file.
        ByteBuffer big = ByteBuffer.allocateDirect(64 << 20);
        big.put(big.capacity() - 1, (byte) 7);
        Path file = Files.createTempFile("seccomp-probe", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 1 << 20);
            map.put(0, (byte) 1);
            System.out.println("mmap " + (big.get(big.capacity() - 1) + map.get(0)));
        } finally {
            Files.delete(file);
        }

        // Thread creation (clone3 is ENOSYS, glibc falls back to clone) and naming (prctl PR_SET_NAME).
        List<Thread> threads = new ArrayList<>();
        int[] ran = new int[1];
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                synchronized (ran) {
                    ran[0]++;
                }
            }, "probe-worker-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("threads " + ran[0]);
        long clone3 = c.syscall(arch.number("clone3"), 0, 0, 0);
        System.out.println("clone3 " + clone3 + " errno " + Native.errno());
        Thread named = new Thread(() -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                // Done.
            }
        }, "named-after");
        named.start();
        System.out.println("prctl PR_SET_NAME " + c.prctl(15, memoryString("jslirp-probe"), 0, 0, 0));
        int dumpable = c.prctl(4 /* PR_SET_DUMPABLE */, 1, 0, 0, 0);
        System.out.println("prctl PR_SET_DUMPABLE " + dumpable + " errno " + Native.errno());
        checkAllThreadsFiltered("after");
        named.interrupt();
    }

    private static long memoryString(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        NativeBlock p = keep(Native.allocate(32));
        p.put(0, b, 0, Math.min(b.length, 31));
        return p.address();
    }

    /** Blocks the probe uses until it exits: it is a short-lived process of its own. */
    private static NativeBlock keep(NativeBlock block) {
        KEEP.add(block);
        return block;
    }

    private static final List<NativeBlock> KEEP = new ArrayList<>();

    /** Every task of this process: Seccomp 2 (filter mode) and NoNewPrivs 1. */
    private static void checkAllThreadsFiltered(String when) throws Exception {
        int tasks = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : dir) {
                String status;
                try {
                    status = Files.readString(task.resolve("status"));
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue;
                }
                if (!status.contains("\nSeccomp:\t2\n") || !status.contains("\nNoNewPrivs:\t1\n")) {
                    throw new IllegalStateException("task " + task.getFileName() + " not filtered:\n" + status);
                }
                tasks++;
            }
        }
        System.out.println("filtered tasks " + when + " " + tasks);
    }
}
