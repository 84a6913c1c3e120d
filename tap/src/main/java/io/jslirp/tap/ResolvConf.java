package io.jslirp.tap;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.wire.IpAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;

/**
 * The host's DNS servers, from a resolv.conf(5): the {@code nameserver} lines, in order, that hold an IPv4 or
 * an IPv6 address, as family-neutral {@code hi, lo} pairs ({@link IpAddress}); a scoped (link-local) IPv6
 * address, which would need its interface, the unspecified addresses and anything malformed are skipped, as the
 * resolver skips them. The DNS forwarder at network+3 and prefix::3 sends the guest's queries to these.
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

    /**
     * The first two words of {@code line}, which separate blanks and tabs: fewer when it has fewer. By hand, not
     * with {@code split("[ \t]+")}: resolv.conf is read at every start, and that regular expression loaded
     * java.util.regex for nothing else.
     */
    static String[] words(String line) {
        String[] words = new String[2];
        int count = 0;
        int i = 0;
        while (count < 2 && i < line.length()) {
            while (i < line.length() && isBlank(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < line.length() && !isBlank(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                words[count++] = line.substring(start, i);
            }
        }
        return count == 2 ? words : Arrays.copyOf(words, count);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** The nameservers in {@code text}, in order, without repeats: {@code hi, lo} pairs. */
    public static long[] parse(String text) {
        long[] servers = new long[2 * MAX_SERVERS];
        int count = 0;
        for (String line : text.split("\n", -1)) {
            int comment = indexOfComment(line);
            String[] words = words((comment >= 0 ? line.substring(0, comment) : line).trim());
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            long hi;
            long lo;
            try {
                if (words[1].indexOf(':') < 0) {
                    hi = IpAddress.V4_HI;
                    lo = IpAddress.v4Lo(NetConfig.parseIpv4(words[1]));
                } else {
                    long[] a = Ipv6Config.parseIpv6(words[1]);
                    hi = a[0];
                    lo = a[1];
                    if ((hi >>> 54) == (0xfe80L >>> 6)) {
                        continue; // link-local: meaningless without its interface
                    }
                }
            } catch (IllegalArgumentException malformed) {
                continue; // a scoped address, or garbage
            }
            if (IpAddress.isUnspecified(hi, lo) || contains(servers, count, hi, lo)) {
                continue; // 0.0.0.0 and :: are "no server", not one
            }
            servers[2 * count] = hi;
            servers[2 * count + 1] = lo;
            count++;
            if (count == MAX_SERVERS) {
                break;
            }
        }
        return Arrays.copyOf(servers, 2 * count);
    }

    private static int indexOfComment(String line) {
        int hash = line.indexOf('#');
        int semi = line.indexOf(';');
        return hash < 0 ? semi : semi < 0 ? hash : Math.min(hash, semi);
    }

    private static boolean contains(long[] a, int n, long hi, long lo) {
        for (int i = 0; i < n; i++) {
            if (a[2 * i] == hi && a[2 * i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    /** The nameservers in the file at {@code path} ({@code hi, lo} pairs); none when it is missing or unreadable. */
    public static long[] read(Path path) {
        try {
            byte[] bytes;
            try (var in = Files.newInputStream(path)) {
                bytes = in.readNBytes(MAX_BYTES);
            }
            return parse(new String(bytes, StandardCharsets.ISO_8859_1));
        } catch (IOException | SecurityException e) {
            return new long[0];
        }
    }

    /** Dotted quads and IPv6 text, comma-separated, for messages. */
    public static String format(long[] servers) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i + 1 < servers.length; i += 2) {
            if (s.length() > 0) {
                s.append(',');
            }
            long hi = servers[i];
            long lo = servers[i + 1];
            s.append(IpAddress.isV4(hi, lo) ? NetConfig.formatIpv4(IpAddress.v4(lo)) : Ipv6Config.format(hi, lo));
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
        private long[] servers;

        /** Reads the file now; {@link #servers()} has its nameservers. */
        public Watch(Path path) {
            this.path = Objects.requireNonNull(path, "path");
            changed();
            this.servers = read(path);
        }

        /** The nameservers as last read. */
        public long[] servers() {
            return servers.clone();
        }

        /**
         * Looks at the file: when it changed and its nameservers with it, returns the new ones (possibly none),
         * otherwise null.
         */
        public long[] poll() {
            if (!changed()) {
                return null;
            }
            long[] now = read(path);
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
