#!/usr/bin/env bash
# Where jslirp's memory goes: one ./jslirp launcher process under the peer benchmark's footprint load, with
# the JVM's native memory tracking on, printing at three moments (3 s after ready, right after the load,
# 10 s after it) the RSS split (anonymous / file-backed, /proc/PID/status), the thread count, and
# `jcmd PID VM.native_memory summary`. Not a test; needs root (namespace, TAP). Traffic stays on this
# machine (guest -> 10.0.2.2 -> host 127.0.0.1).
#
#   bench/peer/footprint-probe.sh                       # launcher options + NMT
#   EXTRA="-XX:TieredStopAtLevel=1" bench/peer/footprint-probe.sh   # one more JVM option to try
#   NMT=0 bench/peer/footprint-probe.sh                 # RSS only (NMT's own malloc headers cost ~1 MiB)
#
# Settings: DURATION (iperf3 seconds each way, default 5), CONNS (short connections, default 100000),
# MTU (default 65520), EXTRA (appended to JSLIRP_JAVA_OPTS), NMT (1: summary, 0: off), LATE (seconds after the
# load of one more snapshot, past the 10 s one; default none), TOOL (jslirp, or jslirp-jdk25: the launcher
# with Temurin 25), BUILD=0 (no Maven). Exploring: GC_AFTER=S runs
# `jcmd PID GC.run` S seconds after the load (HISTO=1 also prints the heap's top classes then).
# RSS with NMT on is a little higher than without: compare options with the same NMT setting.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-5}
CONNS=${CONNS:-100000}
MTU=${MTU:-65520}
EXTRA=${EXTRA:-}
NMT=${NMT:-1}
LATE=${LATE:-0}
TOOL=${TOOL:-jslirp}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
NAME=footprint-probe
source "$ROOT/bench/peer/lib.sh"
prologue tap,bench iperf3 unshare nsenter ip ss timeout jcmd "$JAVA"
BENCH=$ROOT/bench/target/benchmarks.jar
[[ -f $BENCH ]] || die "no $BENCH"
init_run

start_iperf3_server
start_peerload_server

opts="${JSLIRP_JAVA_OPTS:-} $EXTRA"
((NMT)) && opts="-XX:NativeMemoryTracking=summary $opts"
export JSLIRP_JAVA_OPTS="$opts"
start_tool "$TOOL" "$MTU" || die "$TOOL did not start"
echo "jslirp started in $START_MS ms; JSLIRP_JAVA_OPTS=$JSLIRP_JAVA_OPTS"

snapshot() { # label
  local p=/proc/$TOOL_PID
  echo "=== $1"
  awk '/^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Threads)/ {printf "%s %s %s  ", $1, $2, $3} END {print ""}' "$p/status"
  ((NMT)) && jcmd "$TOOL_PID" VM.native_memory summary | sed -n '/^Total/,$p' | grep -v '^ *$' \
    | grep -E '^(Total|-|  *\(malloc|  *\(mmap)' | grep -vE '\(mmap: reserved=[0-9]+KB, committed=0KB\)'
}

sleep 3
snapshot "idle, 3 s after ready"
GUEST_RUN=("${GUEST[@]}")
bounded timeout $((DURATION + 30)) "${GUEST_RUN[@]}" iperf3 -c "$GW" -p "$IPORT" -t "$DURATION" -f g | awk '/receiver/'
bounded timeout $((DURATION + 30)) "${GUEST_RUN[@]}" iperf3 -c "$GW" -p "$IPORT" -t "$DURATION" -f g -R | awk '/receiver/'
if ((CONNS > 0)); then
  bounded timeout 300 "${GUEST_RUN[@]}" "$JAVA" -XX:+UseSerialGC -cp "$BENCH" io.jslirp.bench.peer.PeerLoad \
    crr "$GW" "$LPORT" 300 "$CONNS"
fi
snapshot "right after the load"
[[ -n ${GC_AFTER:-} ]] && { sleep "$GC_AFTER"; jcmd "$TOOL_PID" GC.run >/dev/null; [[ -n ${HISTO:-} ]] && jcmd "$TOOL_PID" GC.class_histogram | head -14; echo "(jcmd GC.run $GC_AFTER s after the load)"; }
sleep 10
snapshot "10 s after the load"
if ((LATE > 10)); then
  sleep $((LATE - 10))
  snapshot "$LATE s after the load"
fi
stop_tool
