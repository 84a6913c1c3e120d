package io.jslirp.tap;

import java.nio.file.Path;

/** The network namespace jslirp serves, named the three ways slirp4netns accepts. */
public sealed interface Target {

    /** {@code --netns-type=pid} (the default): the namespace of a process, {@code /proc/PID/ns/net}. */
    record Pid(int pid) implements Target {
        public Path netnsPath() {
            return Path.of("/proc", Integer.toString(pid), "ns", "net");
        }

        @Override
        public String toString() {
            return "PID " + pid;
        }
    }

    /** {@code --netns-type=path}: a bind-mounted namespace file such as {@code /run/netns/NAME}. */
    record NetnsPath(Path path) implements Target {
        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** {@code --netns-type=tapfd}: an already-open TAP file descriptor inherited from the parent. */
    record TapFd(int fd) implements Target {
        @Override
        public String toString() {
            return "TAP fd " + fd;
        }
    }
}
