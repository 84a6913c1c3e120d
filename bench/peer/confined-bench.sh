#!/usr/bin/env bash
# Confined against plain jslirp, in pairs: does `--enable-sandbox --enable-seccomp` cost throughput, rate or
# CPU? Not a test; CI does not run it. Needs root. Everything stays on this machine (as peer-bench.sh: host
# servers on 127.0.0.1, the guest reaches them through 10.0.2.2).
#
#   bench/peer/confined-bench.sh                          # 4 pairs, MTU 1500 and 65520
#   PAIRS=6 MTUS=65520 bench/peer/confined-bench.sh
#
# Why a script of its own: peer-bench.sh runs each tool's rows back to back, minutes apart, and until it
# rotated the tool order it reversed it between repetitions (as listed, then reversed). With its usual TOOLS="jslirp jslirp-confined slirp4netns"
# the confined rows always ran second of three, while plain jslirp ran first in two of three repetitions,
# so a 3-run median compared an early position with a late one; on this 2-core machine what runs later in a
# run measures 10-20% lower (README, Benchmarks). Here the two variants of one cell run next to each other,
# fresh processes each, in the order plain-confined in odd pairs and confined-plain in even ones (ABBA over
# two pairs: drift in the machine's load cancels), and every pair gives a ratio confined/plain. PAIRS should
# be even.
#
# Beside each rate, the jslirp process's CPU (utime+stime from /proc/PID/stat) per GiB received or per
# transaction, over a counted run that follows an uncounted warm-up run (OMIT seconds) on the same process.
# It moves with the machine's load too (busy polling spends CPU while it waits, a shared core slows
# everything), but it says whether a rate fell because the work grew or because the process waited.
#
# Settings (environment): PAIRS (default 4), MTUS (default "1500 65520"), DURATION (seconds per iperf3
# direction, default 5), RR_SECONDS and CRR_SECONDS (default 4), OMIT (warm-up seconds before each, default 2),
# BUILD=0 (use the jars as they are).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAIRS=${PAIRS:-4}
MTUS=${MTUS-"1500 65520"}
DURATION=${DURATION:-5}
RR_SECONDS=${RR_SECONDS:-4}
CRR_SECONDS=${CRR_SECONDS:-4}
OMIT=${OMIT:-2}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || { echo "PAIRS must be a positive integer, not '$PAIRS'" >&2; exit 1; }
CMDLINE="PAIRS=$PAIRS MTUS=\"$MTUS\" DURATION=$DURATION RR_SECONDS=$RR_SECONDS CRR_SECONDS=$CRR_SECONDS OMIT=$OMIT bench/peer/confined-bench.sh"

NAME=confined-bench
REPEAT=$PAIRS
source "$ROOT/bench/peer/lib.sh"

prologue tap,bench iperf3 unshare nsenter ip ss timeout "$JAVA"
BENCH=$ROOT/bench/target/benchmarks.jar
[[ -f $BENCH ]] || die "no $BENCH"

init_run
start_iperf3_server
start_peerload_server

# iperf3 for $1 seconds ($2: "" guest->host, -R host->guest); prints "Gbit/s MiB" of the receiver, or "fail".
iperf_run() {
  local out
  : >"$TMP/bounded.err"
  out=$(bounded timeout $(($1 + 30)) "${GUEST[@]}" iperf3 -c "$GW" -p "$IPORT" -t "$1" -f m --connect-timeout 5000 $2)
  awk '/receiver/ { for (i = 2; i <= NF; i++) { if ($i == "MBytes") mb = $(i - 1); if ($i == "GBytes") mb = $(i - 1) * 1024;
                                                if ($i == "Mbits/sec") r = $(i - 1) / 1000 } }
       END { if (r != "" && mb > 0) print r, mb; else print "fail" }' <<<"$out"
}
# PeerLoad rr|crr for $2 seconds, no warm-up of its own; prints "RATE N", or "fail".
load_run() {
  local out
  : >"$TMP/bounded.err"
  if [[ $1 == rr ]]; then
    out=$(bounded timeout $(($2 + 60)) "${GUEST[@]}" "$JAVA" -XX:+UseSerialGC -cp "$BENCH" io.jslirp.bench.peer.PeerLoad rr "$GW" "$LPORT" "$2" 0)
  else
    out=$(bounded timeout $(($2 + 60)) "${GUEST[@]}" "$JAVA" -XX:+UseSerialGC -cp "$BENCH" io.jslirp.bench.peer.PeerLoad crr "$GW" "$LPORT" "$2" - 0)
  fi
  if [[ $out == "$1 "* ]] && (($(awk '{print $3}' <<<"$out") > 0)); then awk '{print $2, $3}' <<<"$out"; else echo fail; fi
}

# One cell pair's measurements on the started tool, recorded under "MTU m | metric" and column $1 (the tool).
measure() {
  local tool=$1 mtu=$2 d name t0 t1 got
  for d in "" -R; do
    name="guest→host"
    [[ $d == -R ]] && name="host→guest"
    iperf_run "$OMIT" "$d" >/dev/null
    t0=$(cpu_ticks "$TOOL_PID")
    got=$(iperf_run "$DURATION" "$d")
    t1=$(cpu_ticks "$TOOL_PID")
    if [[ $got == fail ]]; then
      record "MTU $mtu | $name Gbit/s" "$tool" fail
      record "MTU $mtu | $name CPU ms per GiB" "$tool" fail
      continue
    fi
    read -r gbps mib <<<"$got"
    record "MTU $mtu | $name Gbit/s" "$tool" "$gbps"
    record "MTU $mtu | $name CPU ms per GiB" "$tool" "$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v m="$mib" 'BEGIN {printf "%.0f", t * 1000 / hz / (m / 1024)}')"
  done
  for d in rr crr; do
    name="1-byte RR tx/s" per="CPU µs per transaction"
    [[ $d == crr ]] && name="connect+close conn/s" per="CPU µs per connection"
    load_run "$d" "$OMIT" >/dev/null
    t0=$(cpu_ticks "$TOOL_PID")
    got=$(load_run "$d" "$([[ $d == rr ]] && echo "$RR_SECONDS" || echo "$CRR_SECONDS")")
    t1=$(cpu_ticks "$TOOL_PID")
    if [[ $got == fail ]]; then
      record "MTU $mtu | $name" "$tool" fail
      record "MTU $mtu | $per" "$tool" fail
      continue
    fi
    read -r rate n <<<"$got"
    record "MTU $mtu | $name" "$tool" "$rate"
    record "MTU $mtu | $per" "$tool" \
      "$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$n" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')"
  done
}

# One transaction through the gateway, at most 10 s: does the tool relay at all?
relays_once() {
  bounded timeout 10 "${GUEST[@]}" bash -c \
    "exec 3<>/dev/tcp/$GW/$LPORT && printf c >&3 && [[ \$(head -c1 <&3) == c ]]" >/dev/null
}

# The value a cell got in pair $3 ($1 row, $2 tool): the $3-th word recorded.
nth() { local -a v; read -r -a v <<<"${CELLS["$1|$2"]:-}"; echo "${v[$3 - 1]:-fail}"; }

TOOLS="jslirp jslirp-confined"
for ((pair = 1; pair <= PAIRS; pair++)); do
  for mtu in $(in_rep_order "$pair" "$MTUS"); do
    for tool in $(tools_for_rep "$pair"); do
      log "pair $pair/$PAIRS, MTU $mtu: $tool"
      if ! start_tool "$tool" "$mtu" || ! relays_once; then
        log "$tool did not start or relay; its cells of this pair say fail"
        for r in "guest→host Gbit/s" "guest→host CPU ms per GiB" "host→guest Gbit/s" "host→guest CPU ms per GiB" \
          "1-byte RR tx/s" "CPU µs per transaction" "connect+close conn/s" "CPU µs per connection"; do
          record "MTU $mtu | $r" "$tool" fail
        done
        stop_tool
        continue
      fi
      measure "$tool" "$mtu"
      stop_tool
    done
  done
done

echo
echo "| MTU | measurement | jslirp | jslirp-confined | confined / plain, per pair |"
echo "|---|---|---|---|---|"
for r in "${ROW_ORDER[@]}"; do
  for ((pair = 1; pair <= PAIRS; pair++)); do
    a=$(nth "$r" jslirp "$pair") b=$(nth "$r" jslirp-confined "$pair")
    if [[ $a =~ ^[0-9.]+$ && $b =~ ^[0-9.]+$ ]] && awk -v a="$a" 'BEGIN {exit !(a > 0)}'; then
      record "$r" ratio "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')"
    else
      record "$r" ratio fail
    fi
  done
  echo "| ${r%% | *} | ${r#* | } | $(cell "$r" jslirp) | $(cell "$r" jslirp-confined) | $(cell "$r" ratio) |"
done
echo
echo "Pairs: $PAIRS (plain first in odd pairs, confined first in even ones). iperf3 ${DURATION} s per direction,"
echo "RR ${RR_SECONDS} s, connect+close ${CRR_SECONDS} s, each after an uncounted ${OMIT} s run on the same process."
echo "CPU: utime+stime of the jslirp process over the counted run, per GiB received or per transaction."
echo "A ratio above 1 means confined is higher: better for Gbit/s and rates, worse for CPU."
machine_line
echo "Command: $CMDLINE"
