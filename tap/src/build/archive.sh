#!/usr/bin/env bash
# Builds the class-data archives the ./jslirp launcher starts with, one per JDK, from a training run of the
# freshly packaged jar (run by tap/pom.xml at package time; `-Djslirp.archive.skip` skips it):
#
#   tap/src/build/archive.sh ROOT JAVA_HOME [JAVA_HOME...]
#
# For each JDK (17 or later; a directory that is not one is skipped) it starts jslirp through the launcher,
# with the launcher's own options, against a namespace made for it, exactly as a runtime would (-c -r 3 PID
# tap0, with or without --api-socket), sends the guest's first packets (ARP, ICMP echo to the gateway, a TCP
# connect, a UDP datagram to the DNS address), and ends it with SIGTERM. What it loaded becomes, in tap/target/:
#  - JDK 25 and later: AOT caches (JEP 483/514, -XX:AOTCacheOutput, written by the training run itself as it
#    exits): their classes are loaded and linked before main, and the lambdas and constant pool entries the
#    training resolved stay resolved. Every class in the cache is loaded at every start, used or not (JDK 17
#    loads an archived class when it is first used), so there are two: jslirp-<JAVA_RUNTIME_VERSION>.aot from a
#    start without an API socket and jslirp-<JAVA_RUNTIME_VERSION>-api.aot from one with it (the API server's
#    classes; jackson-core loads at its first connection, which the training makes none of). The launcher
#    picks by its arguments. Before databind left, one cache from the API start made JDK 25 load 2,330 classes
#    where JDK 17 loads 1,303 (idle RSS 51.7 against 45.4 MiB); now the API cache costs a start without the
#    socket 0.5 MiB (44.35 against 43.85 MiB, 6 interleaved starts, busy machine). Neither holds training
#    profiles (-XX:-AOTRecordTraining, JEP 515): they serve C2, and the training run carries no traffic;
#  - older JDKs: jslirp-<JAVA_RUNTIME_VERSION>.jsa, a static CDS archive (-Xshare:dump from the class list of
#    the API start). JDK 17 loads an archived class only when it is used, yet every class in the archive
#    costs RSS (its pages come in with their neighbours', the kernel maps file pages 64 KiB around a fault):
#    600 classes no start used (databind's, and streams from the exit) cost 3.5 MiB idle. The API start adds
#    about 20 classes now, and an archive without them measured the same (39.4 against 39.5 MiB, 3 starts).
# The jar holds no class file older than Java 6 (StartupIT checks): JDK 25 leaves an old class it linked out of
# either kind of archive and loads and verifies it from the jar at every start. Busy machine, 15 interleaved
# starts, exec->ready median (CPU): JDK 25 with the AOT cache 377 ms (270), with a static archive 448 (310),
# JDK 17 with its static archive 369 (320).
# The launcher picks the one for the JDK it runs, when it is newer than the jar. Needs a network namespace:
# as root `unshare -n`, otherwise `unshare -rn` (an unprivileged user namespace). Anything that fails leaves
# no archive and a line on stderr, never a failed build: the archive only makes start-up faster.
set -uo pipefail

root=$1
shift
jar=$root/tap/target/jslirp.jar
work=$(mktemp -d "${TMPDIR:-/tmp}/jslirp-archive.XXXXXX") || { echo "jslirp archive: no temporary directory" >&2; exit 0; }
holder= tool=
# The training start's output, one file per start (set before each).
log=
cleanup() {
  [[ -n $tool ]] && kill -9 "$tool" 2>/dev/null
  [[ -n $holder ]] && kill "$holder" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say() { echo "jslirp archive: $*" >&2; }

release_value() { # JAVA_HOME KEY
  sed -n "s/^$2=\"\(.*\)\"$/\1/p" "$1/release" 2>/dev/null | head -1
}

# Runs "$@" inside the holder's network namespace.
in_guest() {
  if ((EUID == 0)); then
    nsenter --net="/proc/$holder/ns/net" -- "$@"
  else
    nsenter --user="/proc/$holder/ns/user" --net="/proc/$holder/ns/net" --preserve-credentials -- "$@"
  fi
}

# Ends a training start that failed halfway, so that the next one starts from nothing.
abandon() {
  [[ -n $tool ]] && kill -9 "$tool" 2>/dev/null && wait "$tool" 2>/dev/null
  [[ -n $holder ]] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
  tool= holder=
  return 1
}

# One training start of the launcher in a namespace of its own: "$@" are the launcher's arguments before the
# PID (the API socket or none); JSLIRP_JAVA_OPTS says what the JVM records. Returns non-zero, with a line on
# stderr, when the start did not become ready.
training_start() { # JAVA_HOME RUNTIME RECORD ARGS...
  local jh=$1 runtime=$2 record=$3
  shift 3
  if ((EUID == 0)); then unshare -n sleep 120 & else unshare -rn sleep 120 & fi
  holder=$!
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(readlink "/proc/$holder/ns/net" 2>/dev/null) != "$(readlink /proc/self/ns/net)" ]] && break
    sleep 0.1
  done
  ((i < 50)) || { say "skipping JDK $runtime: no network namespace (unshare failed)"; abandon; return; }

  rm -f "$work/ready" "$work/api.sock" && mkfifo "$work/ready"
  JAVA_HOME=$jh JSLIRP_NO_ARCHIVE=1 JSLIRP_JAVA_OPTS="$record" \
    "$root/jslirp" -c -r 3 "$@" "$holder" tap0 3>"$work/ready" >"$log" 2>&1 &
  tool=$!
  if [[ $(timeout 30 head -c1 "$work/ready") != 1 ]]; then
    say "skipping JDK $runtime: the training run did not become ready: $(tail -3 "$log")"
    abandon
    return
  fi
  # The guest's first packets, so that their classes are in the archive.
  in_guest ping -c 3 -i 0.2 -W 1 10.0.2.2 >/dev/null 2>&1
  in_guest timeout 3 bash -c 'exec 3<>/dev/tcp/10.0.2.2/9' >/dev/null 2>&1
  in_guest timeout 3 bash -c 'printf x >/dev/udp/10.0.2.3/53' >/dev/null 2>&1
  # A datagram relayed to the host (127.0.0.1:9 in the training's own namespace, where nothing listens): the
  # relay's classes, which the UDP warm-up loaded while the launcher ran it.
  in_guest timeout 3 bash -c 'printf x >/dev/udp/10.0.2.2/9' >/dev/null 2>&1
  # The loop takes the last datagram before the SIGTERM that ends the training.
  sleep 0.5
  kill -TERM "$tool"
  if ! timeout 120 tail --pid="$tool" -f /dev/null; then
    say "skipping JDK $runtime: the training run did not exit within 120 s of SIGTERM"
    abandon
    return
  fi
  wait "$tool" 2>/dev/null
  tool=
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  holder=
}

# JDK 25+: an AOT cache from one training start with ARGS, at OUT.
aot_cache() { # JAVA_HOME RUNTIME OUT ARGS...
  local jh=$1 runtime=$2 out=$3
  shift 3
  # Each cache its own file and log: a training JVM abandoned while its cache was being written cannot write
  # the next one's.
  local cache="$work/${out##*/}"
  log="$cache.log"
  rm -f "$cache"
  # The training profiles (MethodTrainingData, JEP 515) are C2's, and a start without traffic profiles only
  # start-up code, which the launcher's compiler directives keep from C2.
  # Busy machine, 6 interleaved starts each: CPU to ready 165 -> 130 ms with the launcher's
  # -XX:-AOTReplayTraining too, idle RSS 45.4 -> 44.8 MiB, the cache 0.35 MiB smaller.
  training_start "$jh" "$runtime" \
    "-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:AOTCacheOutput=$cache" "$@" || return 0
  # Written by a JVM the training run starts as it exits (the one-step workflow, JEP 514), waited for.
  if [[ ! -s $cache ]] || ! grep -q "AOTCache creation is complete" "$log"; then
    say "JDK $runtime: no AOT cache written: $(grep -v '^jslirp:' "$log" | tail -3)"
    return 0
  fi
  mv "$cache" "$out"
  say "JDK $runtime: $(basename "$out")"
}

train() {
  local jh=$1 runtime major base
  [[ -x $jh/bin/java ]] || { say "skipping $jh: no bin/java"; return 0; }
  runtime=$(release_value "$jh" JAVA_RUNTIME_VERSION)
  major=$(release_value "$jh" JAVA_VERSION)
  major=${major%%.*}
  [[ -n $runtime && $major =~ ^[0-9]+$ ]] || { say "skipping $jh: no JAVA_RUNTIME_VERSION in its release file"; return 0; }
  ((major >= 17)) || { say "skipping $jh: JDK $major is older than 17"; return 0; }
  base="$root/tap/target/jslirp-${runtime//[^A-Za-z0-9._-]/_}"
  # Every kind goes, whichever this build makes: the launcher prefers an .aot, so a stale one must not stay.
  rm -f "$base.jsa" "$base.aot" "$base-api.aot"

  if ((major >= 25)); then
    aot_cache "$jh" "$runtime" "$base.aot"
    aot_cache "$jh" "$runtime" "$base-api.aot" --api-socket "$work/api.sock"
    return 0
  fi
  rm -f "$work/classes.lst"
  log="$work/classes.log"
  training_start "$jh" "$runtime" "-XX:DumpLoadedClassList=$work/classes.lst" --api-socket "$work/api.sock" || return 0
  [[ -s $work/classes.lst ]] || { say "JDK $runtime: no class list written"; return 0; }
  # The dump's own options must agree with the launcher's where CDS checks them: the collector, compressed
  # oops and class pointers (any heap under 32 GiB) and the module properties (--enable-native-access, JDK
  # 24: a mismatch costs the archived module graph). (The AOT cache above is made with the launcher's own.)
  local -a dump=(-XX:+UseSerialGC -Xmx64m)
  ((major >= 24)) && dump+=(--enable-native-access=ALL-UNNAMED)
  if ! "$jh/bin/java" -Xshare:dump "${dump[@]}" -XX:SharedClassListFile="$work/classes.lst" \
      -XX:SharedArchiveFile="$work/jslirp.jsa" -Xlog:disable -Xlog:all=error:stderr -cp "$jar" >"$work/dump.log" 2>&1; then
    say "JDK $runtime: -Xshare:dump failed: $(tail -3 "$work/dump.log")"
    return 0
  fi
  mv "$work/jslirp.jsa" "$base.jsa"
  say "JDK $runtime: $(basename "$base.jsa")"
}

[[ -f $jar ]] || { say "no $jar"; exit 0; }
declare -A seen=()
for jh in "$@"; do
  [[ -n $jh ]] || continue
  jh=$(readlink -f "$jh" 2>/dev/null) || continue
  [[ -d $jh && -z ${seen[$jh]:-} ]] || continue
  seen[$jh]=1
  train "$jh"
done
exit 0
