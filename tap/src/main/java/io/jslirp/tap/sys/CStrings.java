package io.jslirp.tap.sys;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Java strings copied into memory from malloc, as C calls made through jffi take them: {@link Glibc}'s, and the
 * sandbox's restart calls, which bind jffi without {@link LibC}. Each copy is the caller's to free.
 */
public final class CStrings {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private CStrings() {
    }

    /** {@code s} as a NUL-terminated UTF-8 string, or 0 (NULL) for null; free it with {@link #free}. */
    public static long copy(String s) {
        if (s == null) {
            return 0;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        long p = MEMORY.allocateMemory(bytes.length + 1, true); // zeroed: the terminating NUL
        if (p == 0) {
            throw new OutOfMemoryError("malloc(" + (bytes.length + 1) + ")");
        }
        MEMORY.putByteArray(p, bytes, 0, bytes.length);
        return p;
    }

    /**
     * A NULL-terminated array of C strings, as execve takes argv and envp, or 0 for null; free it with
     * {@link #freeArray}.
     */
    public static long copyArray(String[] strings) {
        if (strings == null) {
            return 0;
        }
        for (String s : strings) {
            Objects.requireNonNull(s, "a null in a string array"); // checked first, so nothing leaks
        }
        long array = MEMORY.allocateMemory(8L * (strings.length + 1), true);
        if (array == 0) {
            throw new OutOfMemoryError("malloc(" + 8L * (strings.length + 1) + ")");
        }
        try {
            for (int i = 0; i < strings.length; i++) {
                MEMORY.putAddress(array + 8L * i, copy(strings[i]));
            }
        } catch (OutOfMemoryError e) {
            freeArray(array); // zeroed: it frees the strings copied so far and stops at the first empty entry
            throw e;
        }
        return array;
    }

    /** Frees an array from {@link #copyArray} and its strings; nothing for 0. */
    public static void freeArray(long array) {
        if (array != 0) {
            for (long at = array, s; (s = MEMORY.getAddress(at)) != 0; at += 8) {
                MEMORY.freeMemory(s);
            }
            MEMORY.freeMemory(array);
        }
    }

    /** Frees a string from {@link #copy}; nothing for 0. */
    public static void free(long p) {
        if (p != 0) {
            MEMORY.freeMemory(p);
        }
    }
}
