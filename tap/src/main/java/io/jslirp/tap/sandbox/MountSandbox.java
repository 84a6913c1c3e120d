package io.jslirp.tap.sandbox;

import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import io.jslirp.tap.sys.NativeBlock;
import io.jslirp.tap.sys.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filesystem view of {@code --enable-sandbox}: in the mount namespace the process already has of its own
 * ({@link SandboxExec}), a new root that holds only {@code /etc} and {@code /run} (read-only, as slirp4netns
 * binds them, so resolv.conf changes are still seen), the directories of the resolv.conf file and of its
 * symlink target when they lie elsewhere (read-only), and a tiny writable {@code /tmp}; the old root is
 * detached.
 *
 * <p>Steps, each named in the error if the kernel refuses it:
 * <ol>
 *   <li>Every mount becomes a slave ({@code MS_REC|MS_SLAVE} on {@code /}): changes made outside still
 *       arrive (a resolv.conf bind-mounted anew, a {@code /run/netns/NAME} removed), ours never leave.
 *       slirp4netns made only {@code /} private, so detaching its old root unmounted the caller's
 *       {@code /run/netns/NAME} where {@code /run} is not a mount of its own; here nothing propagates back.</li>
 *   <li>Handles ({@code O_PATH}) on the directories to bind, taken before anything is mounted over them.</li>
 *   <li>A tmpfs over {@code /tmp} becomes the new root; a second, writable one of 1 MiB its {@code /tmp}.</li>
 *   <li>Each directory is bound recursively from its handle ({@code /proc/self/fd/N}) at its own path, then
 *       made read-only, nosuid, nodev and noexec, recursively ({@code mount_setattr}, or a remount of the
 *       top mount on kernels before 5.12).</li>
 *   <li>{@code pivot_root} into it (every thread moves: they share one root), the old root is detached
 *       ({@code MNT_DETACH}) and its mount point removed, and the new root is made read-only.</li>
 * </ol>
 */
final class MountSandbox {
    private static final long MS_RDONLY = 1;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final long MS_NOEXEC = 8;
    private static final long MS_REMOUNT = 32;
    private static final long MS_BIND = 4096;
    private static final long MS_REC = 16384;
    private static final long MS_SLAVE = 1 << 19;
    private static final int MNT_DETACH = 2;
    private static final int O_PATH = 0x200000;
    private static final int O_CLOEXEC = 0x80000;
    private static final int AT_FDCWD = -100;
    private static final int AT_RECURSIVE = 0x8000;
    private static final long MOUNT_ATTR_RDONLY = 1;
    private static final long MOUNT_ATTR_NOSUID = 2;
    private static final long MOUNT_ATTR_NODEV = 4;
    private static final long MOUNT_ATTR_NOEXEC = 8;
    private static final int SYS_MOUNT_SETATTR = 442; // unified table: x86-64 and aarch64 alike
    /** Where the new root is built: /tmp of this namespace, which the sandbox hides anyway. */
    private static final String NEW_ROOT = "/tmp";
    private static final String OLD_ROOT = "/.old-root";

    private MountSandbox() {
    }

    /**
     * The directories bound into the sandbox: /etc and /run always, and the directory of {@code resolvConf}
     * and of its symlink target when neither is inside those. Null {@code resolvConf}: no DNS forwarding.
     */
    static List<Path> directoriesFor(Path resolvConf) throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/etc"), Path.of("/run")));
        if (resolvConf != null) {
            Path given = resolvConf.toAbsolutePath().normalize();
            addCovered(dirs, given.getParent() == null ? null : given.getParent().toRealPath(), resolvConf);
            if (Files.exists(given)) {
                Path target = given.toRealPath();
                addCovered(dirs, target.getParent(), resolvConf);
            }
        }
        return dirs;
    }

    private static void addCovered(List<Path> dirs, Path dir, Path resolvConf) throws NativeException {
        if (dir == null || dir.getParent() == null) {
            throw NativeException.withMessage("sandbox: " + resolvConf + " lies directly under /; its directory would be "
                    + "bound into the sandbox, which is the whole filesystem", Errno.EINVAL);
        }
        for (Path d : dirs) {
            if (dir.startsWith(d)) {
                return;
            }
        }
        dirs.removeIf(d -> d.startsWith(dir));
        dirs.add(dir);
    }

    /** Builds the view and pivots into it. Needs CAP_SYS_ADMIN over this mount namespace. */
    static void enter(List<Path> directories) throws IOException {
        LibC c = Native.libc();
        check(c.mount(null, "/", null, MS_REC | MS_SLAVE, null), "making every mount a slave (MS_REC|MS_SLAVE on /)");
        Map<Path, Integer> handles = new LinkedHashMap<>();
        try {
            for (Path dir : directories) {
                int fd = c.open(dir.toString(), O_PATH | O_CLOEXEC, 0);
                if (fd < 0) {
                    throw NativeException.last("sandbox: open " + dir);
                }
                handles.put(dir, fd);
            }
            check(c.mount("tmpfs", NEW_ROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=755"),
                    "mounting a tmpfs for the new root on " + NEW_ROOT);
            mkdirs(NEW_ROOT + "/tmp");
            check(c.mount("tmpfs", NEW_ROOT + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=1777"),
                    "mounting the sandbox's /tmp");
            for (Map.Entry<Path, Integer> h : handles.entrySet()) {
                String target = NEW_ROOT + h.getKey();
                mkdirs(target);
                check(c.mount("/proc/self/fd/" + h.getValue(), target, null, MS_BIND | MS_REC, null),
                        "binding " + h.getKey() + " into the new root");
                readOnly(target, h.getKey());
            }
            mkdirs(NEW_ROOT + OLD_ROOT);
            check(c.chdir(NEW_ROOT), "chdir to the new root");
            pivotRoot(".", "." + OLD_ROOT);
            check(c.umount2(OLD_ROOT, MNT_DETACH), "detaching the old root");
            check(c.rmdir(OLD_ROOT), "removing the old root's mount point");
            check(c.chdir("/"), "chdir /");
            check(c.mount(null, "/", null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null),
                    "making the new root read-only");
        } finally {
            handles.values().forEach(Fds::close);
        }
    }

    private static void readOnly(String target, Path what) throws NativeException {
        // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
        try (NativeBlock attr = Native.allocate(32)) {
            attr.putLong(0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
            try (NativeBlock path = cString(target)) {
                LibC c = Native.libc();
                long r = syscall5(SYS_MOUNT_SETATTR, AT_FDCWD, path.address(), AT_RECURSIVE, attr.address(), 32);
                if (r == 0) {
                    return;
                }
                if (Native.errno() != Errno.ENOSYS) {
                    throw NativeException.last("sandbox: making " + what + " read-only (mount_setattr)");
                }
                check(c.mount(null, target, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null),
                        "making " + what + " read-only");
            }
        }
    }

    private static void pivotRoot(String newRoot, String putOld) throws NativeException {
        try (NativeBlock a = cString(newRoot); NativeBlock b = cString(putOld)) {
            long r = Native.libc().syscall(SyscallArch.current().number("pivot_root"), a.address(), b.address(), 0);
            if (r != 0) {
                throw NativeException.last("sandbox: pivot_root");
            }
        }
    }

    /** syscall(2) with five arguments, through glibc's variadic wrapper. */
    private static long syscall5(long nr, long a, long b, long c, long d, long e) {
        return Native.libc().syscall(nr, a, b, c, d, e);
    }

    private static NativeBlock cString(String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        NativeBlock p = Native.allocate(bytes.length + 1); // zeroed: the terminating NUL
        p.put(0, bytes, 0, bytes.length);
        return p;
    }

    private static void mkdirs(String dir) throws NativeException {
        StringBuilder at = new StringBuilder();
        for (String part : dir.substring(1).split("/")) {
            at.append('/').append(part);
            if (Native.libc().mkdir(at.toString(), 0755) != 0 && Native.errno() != Errno.EEXIST) {
                throw NativeException.last("sandbox: mkdir " + at);
            }
        }
    }

    private static void check(int result, String step) throws NativeException {
        if (result != 0) {
            throw NativeException.last("sandbox: " + step);
        }
    }
}
