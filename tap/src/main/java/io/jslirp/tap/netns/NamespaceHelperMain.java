package io.jslirp.tap.netns;

import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.Native;
import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.net.StandardProtocolFamily;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The helper {@link NamespaceEntry#openViaHelper} runs under {@code nsenter}, already inside the target user
 * and network namespaces. It opens {@code /dev/net/tun} and an AF_INET datagram socket, prints
 * {@code ok PID TUNFD SOCKFD}, and waits for stdin to close (or a deadline) so that the fds stay open while
 * the parent duplicates them. On failure it prints {@code error MESSAGE} and exits 1.
 *
 * <p>Pure JDK by default: no jffi means a faster start (no JNI library to load, no functions to look up). The
 * JDK hides fd numbers, so they are found by diffing {@code /proc/self/fd} around each open and checking
 * what the new entry points at.
 *
 * <p>With the argument {@value #NETLINK} ({@code -c -6}) it also opens a NETLINK_ROUTE socket and reports
 * its fd as a fifth field. The JDK cannot make an AF_NETLINK socket, so only then does the helper load the
 * C library's binding ({@link NetlinkOpener}). jffi takes its JNI library from beside the jar, or unpacks it
 * into java.io.tmpdir: nsenter changes neither the mount namespace nor the filesystem credentials, so the
 * helper can write there exactly when its parent could.
 */
public final class NamespaceHelperMain {
    static final String OK = "ok ";
    /** The argument that asks for the NETLINK_ROUTE socket too. */
    static final String NETLINK = "netlink";
    /** If the parent neither closes stdin nor dies (which also closes it), give up rather than linger. */
    static final long SELF_DEADLINE_MS = 60_000;

    private NamespaceHelperMain() {
    }

    public static void main(String[] args) {
        // Keep references so the channels (and their fds) stay open until this process exits.
        FileChannel tun;
        DatagramChannel sock;
        int tunFd;
        int sockFd;
        String netlinkField = "";
        try {
            boolean withNetlink = args.length == 1 && args[0].equals(NETLINK);
            if (args.length != 0 && !withNetlink) {
                throw new IOException("unknown arguments " + String.join(" ", args));
            }
            Map<Integer, String> before = fds();
            try {
                tun = FileChannel.open(Path.of("/dev/net/tun"), StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (AccessDeniedException e) {
                throw new IOException("open /dev/net/tun: Permission denied");
            } catch (NoSuchFileException e) {
                throw new IOException("open /dev/net/tun: No such file or directory");
            }
            tunFd = newFd(before, "/dev/net/tun");
            before = fds();
            sock = DatagramChannel.open(StandardProtocolFamily.INET);
            sockFd = newFd(before, "socket:");
            if (withNetlink) {
                netlinkField = " " + NetlinkOpener.open();
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            System.out.println("error " + e.getMessage());
            System.out.flush();
            System.exit(1);
            return;
        }
        System.out.println(OK + ProcessHandle.current().pid() + " " + tunFd + " " + sockFd + netlinkField);
        System.out.flush();
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(SELF_DEADLINE_MS);
            } catch (InterruptedException ignored) {
                return;
            }
            System.exit(2);
        }, "deadline");
        deadline.setDaemon(true);
        deadline.start();
        try {
            byte[] buf = new byte[64];
            while (System.in.read(buf) >= 0) {
                // Anything the parent writes is ignored; only EOF matters.
            }
        } catch (IOException ignored) {
            // A broken stdin means the parent is gone: exit as for EOF.
        }
        // Reachability fences keep the channels (and their fds) open until this point, whatever the JIT does.
        java.lang.ref.Reference.reachabilityFence(tun);
        java.lang.ref.Reference.reachabilityFence(sock);
        System.exit(0);
    }

    /**
     * {@code socket(2)} through {@link Native}, in a class of its own so that the pure-JDK path never loads jffi.
     * The fd stays open (it is close-on-exec, and this process never execs) until the helper exits.
     */
    static final class NetlinkOpener {
        private NetlinkOpener() {
        }

        static int open() throws IOException {
            int fd = Native.libc().socket(Flags.AF_NETLINK, Flags.SOCK_RAW | Flags.SOCK_CLOEXEC, Flags.NETLINK_ROUTE);
            if (fd < 0) {
                throw new IOException("socket(AF_NETLINK, NETLINK_ROUTE): " + Native.strerror(Native.errno()));
            }
            return fd;
        }
    }

    /** fd -> link target, for every fd whose link can be read (the listing's own fd is gone by then). */
    private static Map<Integer, String> fds() throws IOException {
        List<Path> entries;
        try (Stream<Path> st = Files.list(Path.of("/proc/self/fd"))) {
            entries = st.toList();
        }
        Map<Integer, String> m = new HashMap<>();
        for (Path p : entries) {
            try {
                m.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
            } catch (IOException e) {
                // the directory fd of the listing itself, closed by now
            }
        }
        return m;
    }

    /**
     * The one fd whose link target starts with {@code target} and that is new since {@code before}. Compared by
     * target, not by number: the listing's own directory fd may have had the number the open reused.
     * Socket targets carry the inode ({@code socket:[123]}), so a new socket never matches an old one.
     */
    private static int newFd(Map<Integer, String> before, String target) throws IOException {
        int found = -1;
        for (Map.Entry<Integer, String> e : fds().entrySet()) {
            String link = e.getValue();
            int fd = e.getKey();
            if (!link.startsWith(target) || link.equals(before.get(fd))) {
                continue;
            }
            if (found >= 0) {
                throw new IOException("cannot tell which fd is " + target + ": both " + found + " and " + fd);
            }
            found = fd;
        }
        if (found < 0) {
            throw new IOException("cannot find the fd of " + target + " in /proc/self/fd");
        }
        return found;
    }
}
