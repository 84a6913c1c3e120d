/**
 * The Linux system calls jslirp needs, through jnr-ffi, and nothing more.
 *
 * <h2>Theory of operation</h2>
 * <p>{@link io.jslirp.tap.sys.LibC} is a jnr-ffi view of glibc. It is loaded once by
 * {@link io.jslirp.tap.sys.Native}, with errno saved after every call so that
 * {@link io.jslirp.tap.sys.Native#errno()} reads the value the failing call left, not whatever a later
 * JVM-internal call overwrote it with.
 *
 * <p>Two calling styles, chosen by how often a call runs:
 * <ul>
 *   <li>Hot calls ({@code read}, {@code write}, {@code epoll_wait}, {@code eventfd_write}) take buffer
 *       addresses as plain {@code long}s. jnr-ffi then passes primitives straight through its generated
 *       stub, so a call per frame allocates nothing; the caller owns the memory (a pooled direct
 *       {@code ByteBuf} or a preallocated region) and keeps it alive across the call.</li>
 *   <li>Setup calls ({@code open}, {@code ioctl}, {@code setns}, ...) take {@code String}s and
 *       {@link jnr.ffi.Pointer}s, which allocate, because clarity beats speed for calls made a handful of
 *       times per process.</li>
 * </ul>
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
