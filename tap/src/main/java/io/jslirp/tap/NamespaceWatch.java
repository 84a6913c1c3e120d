package io.jslirp.tap;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Notices when the network namespace jslirp serves has gone, which slirp4netns never does.
 *
 * <p>The kernel cannot tell us: the TAP file jslirp holds keeps the namespace object alive, so reads never
 * fail. What a person means by "gone" is that nothing else holds it: no process is inside and no bind mount
 * (such as {@code /run/netns/NAME}) names it. The check is cheap in the steady state: one {@code stat} of the
 * path we were given, or one {@code readlink} of the last process seen inside. Only when both miss does it
 * scan {@code /proc} and the mount table, and where it cannot look it errs toward "still there", because
 * exiting under a live container is the worse mistake.
 */
final class NamespaceWatch {
    private final long inode;
    private final String link;
    private final Path givenPath;
    private int lastHolderPid;

    private NamespaceWatch(long inode, Path givenPath, int holderPid) {
        this.inode = inode;
        this.link = "net:[" + inode + "]";
        this.givenPath = givenPath;
        this.lastHolderPid = holderPid;
    }

    /**
     * @param netnsPath the namespace file as given ({@code /proc/PID/ns/net} or a bind mount)
     * @param holderPid a process known to be inside, or 0
     */
    static NamespaceWatch of(Path netnsPath, int holderPid) throws IOException {
        long inode = inodeOf(netnsPath);
        boolean isProcLink = netnsPath.startsWith("/proc");
        return new NamespaceWatch(inode, isProcLink ? null : netnsPath, holderPid);
    }

    static long inodeOf(Path nsFile) throws IOException {
        Object ino = Files.getAttribute(nsFile, "unix:ino");
        return ((Number) ino).longValue();
    }

    /** True once no process is inside and no mount names the namespace. */
    boolean gone() {
        if (givenPath != null && pathStillNames()) {
            return false;
        }
        if (lastHolderPid > 0 && processInside(lastHolderPid)) {
            return false;
        }
        int pid = findProcessInside();
        if (pid != 0) {
            // -1: /proc could not be listed at all; without proof of absence, assume held.
            lastHolderPid = Math.max(pid, 0);
            return false;
        }
        return !mountedAnywhere();
    }

    private boolean pathStillNames() {
        try {
            return inodeOf(givenPath) == inode;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private boolean processInside(int pid) {
        try {
            return link.equals(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "net")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private int findProcessInside() {
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path proc : procs) {
                String name = proc.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                try {
                    if (link.equals(Files.readSymbolicLink(proc.resolve("ns/net")).toString())) {
                        return Integer.parseInt(name);
                    }
                } catch (IOException | NumberFormatException e) {
                    // Exited while we looked, or not ours to inspect. Root may inspect every process; a
                    // rootless jslirp owns the user namespace of the container, which lets it inspect every
                    // process inside. So an unreadable process is never one that holds our namespace.
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return 0;
    }

    private boolean mountedAnywhere() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(link)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
