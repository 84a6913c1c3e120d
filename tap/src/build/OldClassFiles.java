import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.JSRInlinerAdapter;

/**
 * Rewrites the shaded jar's class files older than Java 6 (class-file major version below 50: picocli's; jffi's
 * are Java 8, jnr-ffi's ASM and x86 assembler, once in the jar, were Java 5) as Java 6 class files with the
 * stack map frames ASM computes, in place (run by tap/pom.xml at package time, after the shade and before the
 * class-data archives, with ASM from the local Maven repository, which the jar itself no longer carries):
 *
 * <pre>  java -cp tap/target/build-asm/asm.jar:tap/target/build-asm/asm-tree.jar:tap/target/build-asm/asm-commons.jar \
 *      tap/src/build/OldClassFiles.java tap/target/jslirp.jar</pre>
 *
 * Why: JDK 25's class-data archive (static, like its AOT cache) leaves out an old class it has linked, and
 * every class that extends or implements one; JDK 17's keeps them unlinked. Either way the JVM verifies
 * them at every start with the old type-inferencing verifier, from the jar on JDK 25. With frames they are
 * verified once, when the archive is made, on both. Version 50 and nothing newer: 50 changes nothing but
 * the verifier (a 50 class whose frames the verifier rejects is verified the old way, as before), while 51
 * would change what JSR, a non-static {@code <clinit>} and the verifier's failure mean.
 *
 * Every other entry is copied byte for byte, in the same order with the same times. A class whose frames
 * cannot be computed (a type it needs is in neither the jar nor the JDK) stays as it was, named on stderr.
 * Any other failure leaves the jar untouched and ends with status 3 ({@link #NOT_REWRITTEN}); the build goes on
 * with the old jar, while a status of 1 (this file did not compile, say) fails it.
 */
public final class OldClassFiles {
  private static final int JAVA_6 = 50;
  /** Exit status when the jar could not be rewritten and was left as it was (tap/pom.xml accepts it). */
  static final int NOT_REWRITTEN = 3;

  /** What getCommonSuperClass needs of a class: its super class, interfaces and whether it is one. */
  private record Shape(String superName, String[] interfaces, boolean isInterface) {}

  private final ZipFile jar;
  private final Map<String, Shape> shapes = new HashMap<>();

  private OldClassFiles(ZipFile jar) {
    this.jar = jar;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: OldClassFiles JAR");
      System.exit(2);
    }
    Path path = Path.of(args[0]);
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    int[] counts;
    try (ZipFile jar = new ZipFile(path.toFile());
        OutputStream out = Files.newOutputStream(tmp)) {
      counts = new OldClassFiles(jar).rewrite(out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      // Its own status, which the build accepts: 1 is also what `java` gives a source file that does not
      // compile, and that must fail the build instead of passing for a rewrite that merely did not happen.
      System.err.println("jslirp old class files: jar left as shaded: " + e);
      System.exit(NOT_REWRITTEN);
      return;
    }
    if (counts[0] > 0) {
      // The jar's time moves on only when it changed: the launcher compares it with its sources and archive.
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } else {
      Files.delete(tmp);
    }
    System.err.printf("jslirp old class files: %d rewritten as Java 6 with stack map frames, %d left as they were%n",
        counts[0], counts[1]);
  }

  /** Writes the jar with its old class files rewritten; returns {rewritten, left}. */
  private int[] rewrite(OutputStream sink) throws IOException {
    int rewritten = 0;
    int left = 0;
    Map<String, String> failures = new TreeMap<>();
    try (ZipOutputStream out = new ZipOutputStream(sink)) {
      for (ZipEntry entry : java.util.Collections.list(jar.entries())) {
        byte[] bytes = read(entry);
        String name = entry.getName();
        if (name.endsWith(".class") && !name.startsWith("META-INF/") && majorVersion(bytes) < JAVA_6) {
          try {
            bytes = withFrames(bytes);
            rewritten++;
          } catch (RuntimeException e) {
            failures.put(name, String.valueOf(e));
            left++;
          }
        }
        out.putNextEntry(copyOf(entry, bytes));
        out.write(bytes);
        out.closeEntry();
      }
    }
    failures.forEach((name, why) -> System.err.println("jslirp old class files: left " + name + ": " + why));
    return new int[] {rewritten, left};
  }

  /** A new entry with the old one's name, time and comment; stored entries stay stored (sizes and CRC new). */
  private static ZipEntry copyOf(ZipEntry entry, byte[] bytes) {
    ZipEntry copy = new ZipEntry(entry.getName());
    copy.setTime(entry.getTime());
    if (entry.getComment() != null) {
      copy.setComment(entry.getComment());
    }
    if (entry.getExtra() != null) {
      copy.setExtra(entry.getExtra());
    }
    copy.setMethod(entry.getMethod());
    if (entry.getMethod() == ZipEntry.STORED) {
      CRC32 crc = new CRC32();
      crc.update(bytes);
      copy.setSize(bytes.length);
      copy.setCompressedSize(bytes.length);
      copy.setCrc(crc.getValue());
    }
    return copy;
  }

  private static int majorVersion(byte[] bytes) {
    if (bytes.length < 8 || (bytes[0] & 0xff) != 0xca || (bytes[1] & 0xff) != 0xfe) {
      return Integer.MAX_VALUE;
    }
    return ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
  }

  private byte[] withFrames(byte[] bytes) {
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
      @Override
      protected String getCommonSuperClass(String a, String b) {
        return commonSuperClass(a, b);
      }
    };
    ClassVisitor version = new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public void visit(int ver, int access, String name, String signature, String superName, String[] interfaces) {
        super.visit(Opcodes.V1_6, access, name, signature, superName, interfaces);
      }

      // javac stopped emitting JSR/RET with 1.4.2, but frames cannot describe them: inline any there are.
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
          String[] exceptions) {
        MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
        return new JSRInlinerAdapter(next, access, name, descriptor, signature, exceptions);
      }
    };
    // The old files have no frames to expand or keep; the writer computes them and the maximums anew.
    reader.accept(version, 0);
    return writer.toByteArray();
  }

  /** ASM's own rule (ClassWriter.getCommonSuperClass), from class files instead of loaded classes. */
  private String commonSuperClass(String a, String b) {
    if (isAssignableFrom(a, b)) {
      return a;
    }
    if (isAssignableFrom(b, a)) {
      return b;
    }
    if (shape(a).isInterface() || shape(b).isInterface()) {
      return "java/lang/Object";
    }
    String common = a;
    do {
      common = shape(common).superName();
    } while (!isAssignableFrom(common, b));
    return common;
  }

  private boolean isAssignableFrom(String to, String from) {
    if (to.equals(from)) {
      return true;
    }
    Shape shape = shape(from);
    if (shape.superName() != null && isAssignableFrom(to, shape.superName())) {
      return true;
    }
    for (String each : shape.interfaces()) {
      if (isAssignableFrom(to, each)) {
        return true;
      }
    }
    return false;
  }

  /** The class's shape from the jar, else from the JDK running this; a class in neither is an error. */
  private Shape shape(String name) {
    Shape known = shapes.get(name);
    if (known != null) {
      return known;
    }
    byte[] bytes;
    try {
      ZipEntry entry = jar.getEntry(name + ".class");
      if (entry != null) {
        bytes = read(entry);
      } else {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(name + ".class")) {
          if (in == null) {
            throw new TypeNotPresentException(name.replace('/', '.'), null);
          }
          bytes = in.readAllBytes();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ClassReader reader = new ClassReader(bytes);
    Shape shape = new Shape(reader.getSuperName(), reader.getInterfaces(),
        (reader.getAccess() & Opcodes.ACC_INTERFACE) != 0);
    shapes.put(name, shape);
    return shape;
  }

  private byte[] read(ZipEntry entry) throws IOException {
    try (InputStream in = jar.getInputStream(entry)) {
      return in.readAllBytes();
    }
  }
}
