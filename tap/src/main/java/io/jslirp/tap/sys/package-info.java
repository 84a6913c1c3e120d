/**
 * The Linux system calls jslirp needs, through jffi, and nothing more.
 *
 * <h2>Theory of operation</h2>
 * <p>{@link io.jslirp.tap.sys.LibC} is jslirp's view of glibc, implemented on jffi's JNI invokers by
 * {@link io.jslirp.tap.sys.Glibc}: each function's address and C signature are looked up once, nothing is
 * generated at run time. It is loaded once by {@link io.jslirp.tap.sys.Native}, with errno saved after every
 * call so that {@link io.jslirp.tap.sys.Native#errno()} reads the value the failing call left, not whatever a
 * later JVM-internal call overwrote it with.
 *
 * <p>Arguments are primitives. A pointer is a {@code long} address of memory the caller owns and keeps alive
 * across the call: a pooled direct {@code ByteBuf} or a preallocated region on the per-frame path, so that a
 * call allocates nothing, and a {@link io.jslirp.tap.sys.NativeBlock} (from {@code Native.allocate}, freed by
 * its owner) for setup calls. The few setup calls that take a {@code String} copy it to native memory and free
 * it again, because clarity beats speed for calls made a handful of times per process.
 *
 * <p>Failures become {@link io.jslirp.tap.sys.NativeException}, an {@code IOException} carrying the errno
 * and a message in the shape C tools print ({@code "open /dev/net/tun: Permission denied"}), because
 * these messages reach users through the CLI unchanged.
 *
 * <p>Constants (flags, ioctl numbers, syscall numbers) are written out for Linux on 64-bit x86 and ARM,
 * where they coincide; {@link io.jslirp.tap.sys.Native} refuses to load on anything else rather than
 * issue a wrong ioctl.
 */
package io.jslirp.tap.sys;
