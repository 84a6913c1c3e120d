package io.jslirp.tap.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --netns-type=tapfd FD}: jslirp is handed an open, attached TAP fd and only serves it.
 *
 * <p>How the fd is made without exec() in Java and without python: bash, run inside the namespace by
 * {@code ip netns exec}, opens {@code /dev/net/tun} on fd 5 (which fixes the TAP's namespace) and waits
 * on a FIFO. The test borrows a duplicate of that fd with pidfd_open + pidfd_getfd and does TUNSETIFF
 * on it; the duplicate shares the open file description, so bash's fd 5 is now attached to {@code tap0}.
 * The test configures tap0 as RootlessKit would, then releases the FIFO and bash execs jslirp with fd 5
 * inherited.
 */
@Tag("e2e")
@Timeout(60)
class TapFdIT {

    /** Also confined: the restart into the sandbox's mount namespace must keep the fd it was given. */
    @org.junit.jupiter.params.ParameterizedTest(name = "flags [{0}]")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "--enable-sandbox --enable-seccomp"})
    void servesATapFdItIsGiven(String flags) throws Exception {
        assumeTrue(E2e.isJslirp(), "slirp4netns 1.2 has no --netns-type=tapfd");
        Path dir = Files.createTempDirectory("jsl-tapfd");
        Path gate = dir.resolve("gate");
        Cmd.ok(E2e.SHORT, "mkfifo", gate.toString());
        try (Netns ns = Netns.create()) {
            String gateScript = "exec 5<>/dev/net/tun || exit 97; read -r _ <\"$0\" || exit 98; exec \"$@\"";
            List<String> prefix = ns.exec("bash", "-c", gateScript, gate.toString());
            List<String> args = new java.util.ArrayList<>(flags.isEmpty() ? List.of() : List.of(flags.split(" ")));
            args.addAll(List.of("--netns-type=tapfd", "5"));
            try (Jslirp j = Jslirp.builder().prefix(prefix).ready3().args(args).start()) {
                Path fd5 = Path.of("/proc", Long.toString(j.pid), "fd", "5");
                long deadline = System.currentTimeMillis() + 5000;
                while (!(Files.isSymbolicLink(fd5) && Files.readSymbolicLink(fd5).toString().equals("/dev/net/tun"))) {
                    assertTrue(System.currentTimeMillis() < deadline && j.process.isAlive(),
                            "bash never opened /dev/net/tun on fd 5" + j.diagnostics());
                    Procs.sleep(20);
                }
                int borrowed = Native.borrowFd(j.pid, 5);
                try {
                    Native.tunSetIff(borrowed, "tap0");
                } finally {
                    Native.C.close(borrowed);
                }
                Guest g = Guest.of(ns, j);
                g.configureTapYourself("tap0");
                try (RandomAccessFile w = new RandomAccessFile(gate.toFile(), "rw")) { // O_RDWR: never blocks
                    w.write('\n');
                }
                j.awaitReady();
                g.ping("10.0.2.2");
                g.ping("10.0.2.3");
            }
        } finally {
            Cmd.deleteQuietly(gate);
            Cmd.deleteQuietly(dir);
        }
    }
}
