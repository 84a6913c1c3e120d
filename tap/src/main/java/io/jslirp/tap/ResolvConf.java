package io.jslirp.tap;

import io.jslirp.stack.NetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;

/**
 * The host's DNS servers, from a resolv.conf(5): the {@code nameserver} lines, in order, that hold an IPv4
 * address (IPv6 ones are left for when the relay has IPv6; anything malformed is skipped, as the resolver
 * skips it). The DNS forwarder at network+3 sends the guest's queries to these.
 *
 * <p>Hosts rewrite the file (DHCP renewals, VPNs, systemd-resolved); {@link Watch} notices when it changed
 * by its identity, size and modification time, which costs one stat, and reads it again only then.
 */
public final class ResolvConf {
    public static final Path DEFAULT = Path.of("/etc/resolv.conf");
    /** glibc uses 3 (MAXNS); more are kept, up to this bound, since a forwarder can try them all. */
    static final int MAX_SERVERS = 16;
    /** resolv.conf is a few lines; a file bigger than this is not one, and only its start is read. */
    static final int MAX_BYTES = 64 * 1024;

    private ResolvConf() {
    }

    /** The IPv4 nameservers in {@code text}, in order, without repeats. */
    public static int[] parse(String text) {
        int[] servers = new int[MAX_SERVERS];
        int count = 0;
        for (String line : text.split("\n", -1)) {
            int comment = indexOfComment(line);
            String[] words = (comment >= 0 ? line.substring(0, comment) : line).trim().split("[ \t]+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            int addr;
            try {
                addr = NetConfig.parseIpv4(words[1]);
            } catch (IllegalArgumentException notIpv4) {
                continue; // IPv6, a scoped address, or garbage
            }
            if (addr == 0 || contains(servers, count, addr)) {
                continue; // 0.0.0.0 is "no server", not one
            }
            servers[count++] = addr;
            if (count == MAX_SERVERS) {
                break;
            }
        }
        return Arrays.copyOf(servers, count);
    }

    private static int indexOfComment(String line) {
        int hash = line.indexOf('#');
        int semi = line.indexOf(';');
        return hash < 0 ? semi : semi < 0 ? hash : Math.min(hash, semi);
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    /** The IPv4 nameservers in the file at {@code path}; none when it is missing or unreadable. */
    public static int[] read(Path path) {
        try {
            byte[] bytes;
            try (var in = Files.newInputStream(path)) {
                bytes = in.readNBytes(MAX_BYTES);
            }
            return parse(new String(bytes, StandardCharsets.ISO_8859_1));
        } catch (IOException | SecurityException e) {
            return new int[0];
        }
    }

    /** Dotted quads, comma-separated, for messages. */
    public static String format(int[] servers) {
        StringBuilder s = new StringBuilder();
        for (int addr : servers) {
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(NetConfig.formatIpv4(addr));
        }
        return s.toString();
    }

    /**
     * One resolv.conf watched for change. Not thread-safe: the session's loop thread asks once a second.
     * Symbolic links are followed, so a /etc/resolv.conf that links into /run/systemd/resolve is watched
     * where the content is.
     */
    public static final class Watch {
        private final Path path;
        private Object key;
        private long size = -1;
        private long modifiedNanos;
        private int[] servers;

        /** Reads the file now; {@link #servers()} has its nameservers. */
        public Watch(Path path) {
            this.path = Objects.requireNonNull(path, "path");
            changed();
            this.servers = read(path);
        }

        /** The nameservers as last read. */
        public int[] servers() {
            return servers.clone();
        }

        /**
         * Looks at the file: when it changed and its nameservers with it, returns the new ones (possibly none),
         * otherwise null.
         */
        public int[] poll() {
            if (!changed()) {
                return null;
            }
            int[] now = read(path);
            if (Arrays.equals(now, servers)) {
                return null;
            }
            servers = now;
            return now.clone();
        }

        /** Whether identity, size or modification time differ from the last look (which this records). */
        private boolean changed() {
            Object k;
            long s;
            long m;
            try {
                BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
                k = a.fileKey(); // device and inode on Linux: a file replaced by rename is a new key
                s = a.size();
                m = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (IOException | SecurityException e) {
                k = null;
                s = -1;
                m = 0;
            }
            boolean changed = !Objects.equals(k, key) || s != size || m != modifiedNanos;
            key = k;
            size = s;
            modifiedNanos = m;
            return changed;
        }
    }
}
