package io.jslirp.tap.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Classic BPF, the instruction set seccomp filters are written in, as far as a filter needs it.
 *
 * <pre>
 *  struct sock_filter {        8 bytes, native byte order
 *      __u16 code;             class | size | mode (loads), class | op | source (jumps, returns)
 *      __u8  jt;               forward offset when the condition holds
 *      __u8  jf;               forward offset when it does not
 *      __u32 k;                the constant operand
 *  };
 *
 *  struct seccomp_data {       what an absolute load (BPF_LD|BPF_W|BPF_ABS) reads, at offset k
 *      int   nr;               0   system-call number
 *      __u32 arch;             4   AUDIT_ARCH_*
 *      __u64 instruction_pointer;  8
 *      __u64 args[6];          16  args[i] at 16 + 8*i; its low 32 bits there on little-endian
 *  };
 * </pre>
 * Jumps only go forward (offsets 0..255), so a program cannot loop, and it must end in a return.
 */
public final class Bpf {
    private Bpf() {
    }

    public static final int BPF_LD = 0x00;
    public static final int BPF_JMP = 0x05;
    public static final int BPF_RET = 0x06;
    public static final int BPF_W = 0x00;
    public static final int BPF_ABS = 0x20;
    public static final int BPF_JA = 0x00;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGT = 0x20;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_JSET = 0x40;
    public static final int BPF_K = 0x00;

    /** Offsets into {@code struct seccomp_data}. */
    public static final int OFFSET_NR = 0;
    public static final int OFFSET_ARCH = 4;
    public static final int OFFSET_ARG0_LOW = 16;

    /** One instruction; {@code jt}/{@code jf} are 0..255. */
    public record Insn(int code, int jt, int jf, int k) {
        public Insn {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalArgumentException("BPF jump offset out of range: jt=" + jt + " jf=" + jf);
            }
        }

        @Override
        public String toString() {
            return String.format("{0x%02x, %d, %d, 0x%08x}", code, jt, jf, k);
        }
    }

    /** A = the 32-bit word at {@code offset} of seccomp_data. */
    public static Insn load(int offset) {
        return new Insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, offset);
    }

    /** if (A == k) skip jt else skip jf. */
    public static Insn jeq(int k, int jt, int jf) {
        return new Insn(BPF_JMP | BPF_JEQ | BPF_K, jt, jf, k);
    }

    /** if (A >= k), unsigned. */
    public static Insn jge(int k, int jt, int jf) {
        return new Insn(BPF_JMP | BPF_JGE | BPF_K, jt, jf, k);
    }

    /** if (A &amp; k) != 0. */
    public static Insn jset(int k, int jt, int jf) {
        return new Insn(BPF_JMP | BPF_JSET | BPF_K, jt, jf, k);
    }

    public static Insn ret(int value) {
        return new Insn(BPF_RET | BPF_K, 0, 0, value);
    }

    /** The program as the kernel reads it: an array of {@code struct sock_filter} in native byte order. */
    public static byte[] encode(List<Insn> program) {
        ByteBuffer b = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.nativeOrder());
        for (Insn i : program) {
            b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        }
        return b.array();
    }
}
