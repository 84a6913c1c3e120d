package io.jslirp.tap.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a seccomp program the way the kernel's classic-BPF interpreter does, on the encoded bytes (so the
 * encoding is tested too), for the instructions a seccomp filter may use here. Anything else, a jump past
 * the end or running off the end, throws: the kernel's checker would have refused the program.
 */
final class BpfInterpreter {
    private final ByteBuffer code;
    private final int length;
    /** How many instructions the last run executed; a test uses it to see which path was taken. */
    int executed;

    BpfInterpreter(byte[] program) {
        if (program.length % 8 != 0 || program.length == 0 || program.length / 8 > 4096) {
            throw new IllegalArgumentException("not a BPF program: " + program.length + " bytes");
        }
        this.code = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        this.length = program.length / 8;
    }

    /** The filter's return value for one call. {@code args} are the low 32 bits of args[0..]. */
    int run(int arch, int nr, int... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(8, 0x7f00_0000_1000L);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i] & 0xffffffffL);
        }
        int a = 0;
        executed = 0;
        for (int pc = 0; ; pc++) {
            if (pc >= length) {
                throw new IllegalStateException("ran off the end of the program");
            }
            executed++;
            int op = code.getShort(pc * 8) & 0xffff;
            int jt = code.get(pc * 8 + 2) & 0xff;
            int jf = code.get(pc * 8 + 3) & 0xff;
            int k = code.getInt(pc * 8 + 4);
            switch (op) {
                case Bpf.BPF_LD | Bpf.BPF_W | Bpf.BPF_ABS -> {
                    if (k < 0 || k > 60 || (k & 3) != 0) {
                        throw new IllegalStateException("load outside seccomp_data: " + k);
                    }
                    a = data.getInt(k);
                }
                case Bpf.BPF_JMP | Bpf.BPF_JA -> pc = jump(pc, k);
                case Bpf.BPF_JMP | Bpf.BPF_JEQ | Bpf.BPF_K -> pc = jump(pc, a == k ? jt : jf);
                case Bpf.BPF_JMP | Bpf.BPF_JGT | Bpf.BPF_K -> pc = jump(pc, Integer.compareUnsigned(a, k) > 0 ? jt : jf);
                case Bpf.BPF_JMP | Bpf.BPF_JGE | Bpf.BPF_K -> pc = jump(pc, Integer.compareUnsigned(a, k) >= 0 ? jt : jf);
                case Bpf.BPF_JMP | Bpf.BPF_JSET | Bpf.BPF_K -> pc = jump(pc, (a & k) != 0 ? jt : jf);
                case Bpf.BPF_RET | Bpf.BPF_K -> {
                    return k;
                }
                default -> throw new IllegalStateException(String.format("unsupported opcode 0x%x at %d", op, pc));
            }
        }
    }

    private int jump(int pc, int offset) {
        int target = pc + offset;
        if (target + 1 >= length) {
            throw new IllegalStateException("jump past the end at " + pc);
        }
        return target;
    }
}
