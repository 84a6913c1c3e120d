package io.jslirp.tap.sandbox;

import java.io.IOException;

/** What {@code --enable-sandbox} and {@code --enable-seccomp} ask for, carried out once setup is done. */
public final class Confinement {
    private final boolean sandbox;
    private final boolean seccomp;

    private Confinement(boolean sandbox, boolean seccomp) {
        this.sandbox = sandbox;
        this.seccomp = seccomp;
    }

    public static Confinement of(boolean sandbox, boolean seccomp) {
        return new Confinement(sandbox, seccomp);
    }

    /**
     * Confines the whole process; called after setup and before the ready byte. The seccomp filter comes
     * last because it denies the calls the sandbox is built with (mount, pivot_root, umount2).
     *
     * @throws IOException naming the step the kernel refused; the process must then not serve
     */
    public void apply() throws IOException {
        if (seccomp) {
            SeccompFilter.build(SyscallArch.current()).installOnAllThreads();
        }
    }
}
