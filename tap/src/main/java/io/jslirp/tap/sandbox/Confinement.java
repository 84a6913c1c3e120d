package io.jslirp.tap.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What {@code --enable-sandbox} and {@code --enable-seccomp} ask for, carried out once setup is done. */
public final class Confinement {
    private final boolean sandbox;
    private final boolean seccomp;
    private final Path resolvConf;

    private Confinement(boolean sandbox, boolean seccomp, Path resolvConf) {
        this.sandbox = sandbox;
        this.seccomp = seccomp;
        this.resolvConf = resolvConf;
    }

    /**
     * @param resolvConf the file DNS forwarding follows (its directories stay visible in the sandbox), or
     *                   null when nothing is forwarded
     */
    public static Confinement of(boolean sandbox, boolean seccomp, Path resolvConf) {
        return new Confinement(sandbox, seccomp, resolvConf);
    }

    /**
     * Confines the whole process; called after setup and before the ready byte. The sandbox's mount
     * namespace was made before setup ({@link SandboxExec}); here the filesystem is narrowed
     * ({@link MountSandbox}), then the capabilities of every thread dropped ({@link CapabilityDrop}: pivot_root
     * needs CAP_SYS_ADMIN), and the seccomp filter comes last because it denies the calls both are made with.
     *
     * @throws IOException naming the step the kernel refused; the process must then not serve
     */
    public void apply() throws IOException {
        if (sandbox) {
            List<Path> directories = MountSandbox.directoriesFor(resolvConf);
            CapabilityDrop drop = CapabilityDrop.prepare();
            MountSandbox.enter(directories);
            drop.run();
        }
        if (seccomp) {
            SeccompFilter.build(SyscallArch.current()).installOnAllThreads();
        }
    }
}
