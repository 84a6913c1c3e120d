package io.jslirp.tap.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The numbers in {@link SyscallArch} against the kernel's own UAPI headers (linux-libc-dev, which
 * scripts/install-test-deps.sh installs): a wrong number would deny the wrong call and let the right one
 * through, and no other test would notice for calls the JVM never makes.
 */
class SyscallArchTest {
    private static final Pattern DEFINE = Pattern.compile("^#define __NR(?:3264)?_(\\w+)\\s+(\\d+)", Pattern.MULTILINE);

    private static Map<String, Integer> header(String path) throws IOException {
        Map<String, Integer> m = new HashMap<>();
        Matcher matcher = DEFINE.matcher(Files.readString(Path.of(path)));
        while (matcher.find()) {
            m.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
        }
        return m;
    }

    @Test
    void x8664NumbersMatchTheKernelHeader() throws IOException {
        check(SyscallArch.X86_64, header("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"));
    }

    @Test
    void aarch64NumbersMatchTheGenericHeader() throws IOException {
        // aarch64 uses the asm-generic table; its epoll_pwait etc. are defined there too.
        check(SyscallArch.AARCH64, header("/usr/include/asm-generic/unistd.h"));
    }

    @Test
    void theAuditArchValuesAreTheKernelsOnes() throws IOException {
        String audit = Files.readString(Path.of("/usr/include/linux/audit.h"));
        assertTrue(audit.contains("#define AUDIT_ARCH_X86_64\t(EM_X86_64|__AUDIT_ARCH_64BIT|__AUDIT_ARCH_LE)"));
        // EM_X86_64 = 62, EM_AARCH64 = 183; 64BIT = 0x80000000, LE = 0x40000000.
        assertEquals(0x80000000 | 0x40000000 | 62, SyscallArch.X86_64.auditArch());
        assertEquals(0x80000000 | 0x40000000 | 183, SyscallArch.AARCH64.auditArch());
    }

    private static void check(SyscallArch arch, Map<String, Integer> header) {
        assertTrue(header.size() > 250, "header parsed: " + header.size());
        arch.numbers().forEach((name, nr) -> assertEquals(header.get(name), nr, arch + " " + name));
    }
}
