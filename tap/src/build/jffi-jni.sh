#!/usr/bin/env bash
# Unpacks jffi's JNI library for Linux on x86-64 and aarch64 from the freshly packaged jar into TARGET/jni/
# (run by tap/pom.xml at package time, before the class-data archives):
#
#   tap/src/build/jffi-jni.sh TARGET JAVA_HOME
#
# io.jslirp.tap.sys.Native sets jffi.boot.library.path to the jar's directory's jni/ when it holds this platform's
# subdirectory, so that jffi loads jni/x86_64-Linux/libjffi-M.N.so from there instead of unpacking its copy from
# the jar into a new temporary file at every start. Taken from the jar itself, so it is always the version the jar
# carries. Anything that fails leaves no jni/ and a line on stderr, never a failed build: jffi then unpacks its
# own as before.
set -uo pipefail

target=$1
java_home=$2
jar=$target/jslirp.jar
say() { echo "jslirp jffi: $*" >&2; }

rm -rf "$target/jni" "$target/jni.tmp"
[[ -f $jar ]] || { say "no $jar"; exit 0; }
mkdir -p "$target/jni.tmp"
if ! (cd "$target/jni.tmp" && "$java_home/bin/jar" xf "$jar" jni/x86_64-Linux jni/aarch64-Linux) \
    || [[ ! -d $target/jni.tmp/jni ]]; then
  say "could not unpack jni/ from $jar; jffi will unpack its library at every start"
  rm -rf "$target/jni.tmp"
  exit 0
fi
mv "$target/jni.tmp/jni" "$target/jni"
rm -rf "$target/jni.tmp"
exit 0
