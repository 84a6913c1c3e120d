package io.jslirp.tap.netns;

import io.jslirp.tap.sys.Fds;
import io.jslirp.tap.sys.Sh;
import java.nio.file.Path;

/**
 * A network namespace a root test makes for itself, with the tun fd and control socket opened inside it
 * ({@link NamespaceEntry#openViaSetns}); {@link #close} closes what the test still owns and deletes the namespace.
 * A {@code TapDevice} that attaches takes the tun fd: the test says so ({@link #tunFdTaken}), so that the fd
 * number, which the kernel may hand out again, is not closed twice.
 */
public final class ScratchNamespace implements AutoCloseable {
    private final String name;
    private final int controlSocketFd;
    private int tunFd;

    private ScratchNamespace(String name, NamespaceHandles h) {
        this.name = name;
        this.tunFd = h.tunFd();
        this.controlSocketFd = h.controlSocketFd();
    }

    /** A new namespace named from {@code prefix} ({@code Sh.addNetns}), and its handles. */
    public static ScratchNamespace open(String prefix) throws Exception {
        String name = Sh.addNetns(prefix);
        try {
            return new ScratchNamespace(name, NamespaceEntry.openViaSetns(Path.of("/run/netns", name)));
        } catch (Exception | Error e) {
            Sh.deleteNetns(name);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public int tunFd() {
        return tunFd;
    }

    public int controlSocketFd() {
        return controlSocketFd;
    }

    /** A device attached with the tun fd and owns it now. */
    public void tunFdTaken() {
        tunFd = -1;
    }

    @Override
    public void close() {
        if (tunFd >= 0) {
            Fds.close(tunFd);
        }
        Fds.close(controlSocketFd);
        Sh.deleteNetns(name);
    }
}
