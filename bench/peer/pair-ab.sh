#!/usr/bin/env bash
# Two tools on one load, in pairs: a quick, paired A/B for one question ("does this option cost host->guest?").
# Each pair starts a fresh A and a fresh B one after the other, measures the same load through each, and
# prints B's change over A; the order alternates (A first in odd pairs, B first in even ones), since on this
# kind of machine whatever runs second in a pair can land higher or lower for that reason alone. The summary is
# the median (min to max) of the per-pair changes: the two values of a pair are seconds apart, so whatever
# the machine does between pairs drops out. Not a test; needs root (namespaces, TAP). Traffic stays on this
# machine (guest -> 10.0.2.2 -> host 127.0.0.1).
#
#   JSLIRP_VARIANT_OPTS="-XX:TieredStopAtLevel=1" bench/peer/pair-ab.sh        # launcher vs C1 alone
#   B=jslirp-defaults LOAD=rr MTU=1500 PAIRS=8 bench/peer/pair-ab.sh            # launcher vs default sizing
#   B=jslirp-twin bench/peer/pair-ab.sh                                          # A/A: the noise of one pair
#   B=jslirp-defaults BEFORE=g2h bench/peer/pair-ab.sh                           # h2g after g2h, as in peer-bench
#
# Settings: A (default jslirp), B (default jslirp-variant; any tool of lib.sh's start_tool), LOAD (h2g:
# iperf3 -R, the default; g2h: iperf3; rr: 1-byte request/response; crr: connect+close), PAIRS (default 6),
# MTU (default 65520), DURATION (seconds measured, default 5), OMIT (run first and not counted, default 2),
# BEFORE (a load run through each fresh tool first, not counted, as peer-bench's rows run g2h before h2g;
# default none),
# JSLIRP_VARIANT_OPTS (jslirp-variant's options), BUILD=0 (no Maven).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
A=${A:-jslirp}
B=${B:-jslirp-variant}
LOAD=${LOAD:-h2g}
BEFORE=${BEFORE:-}
PAIRS=${PAIRS:-6}
MTU=${MTU:-65520}
DURATION=${DURATION:-5}
OMIT=${OMIT:-2}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
NAME=pair-ab
source "$ROOT/bench/peer/lib.sh"
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || die "PAIRS must be a positive integer, not '$PAIRS'"
[[ $LOAD =~ ^(h2g|g2h|rr|crr)$ ]] || die "LOAD must be h2g, g2h, rr or crr, not '$LOAD'"
[[ $BEFORE =~ ^(h2g|g2h|rr|crr|)$ ]] || die "BEFORE must be h2g, g2h, rr, crr or empty, not '$BEFORE'"
[[ $A != "$B" ]] || die "A and B are both $A: for an A/A pair, B=jslirp-twin"
for t in "$A" "$B"; do have_tool "$t" || die "$t is not available (jslirp-variant needs JSLIRP_VARIANT_OPTS)"; done
prologue tap,bench iperf3 unshare nsenter ip ss timeout "$JAVA"
BENCH=$ROOT/bench/target/benchmarks.jar
[[ -f $BENCH ]] || die "no $BENCH"
init_run
[[ "$LOAD $BEFORE" =~ h2g|g2h ]] && start_iperf3_server
[[ "$LOAD $BEFORE" =~ rr ]] && start_peerload_server

# One measurement of load $2 (default LOAD) through the started tool: Gbit/s or transactions/connections per
# second, or "fail" (lib.sh's measurements).
measure() {
  case ${2:-$LOAD} in
    h2g) iperf -R ;;
    g2h) iperf "" ;;
    rr) rr "$DURATION" ;;
    crr) crr "$DURATION" ;;
  esac
}

echo "| pair | order | $A | $B | change |"
echo "|---|---|---|---|---|"
for ((i = 1; i <= PAIRS; i++)); do
  order="$A $B"
  ((i % 2 == 0)) && order="$B $A"
  declare -A v=()
  for t in $order; do
    if ! start_tool "$t" "$MTU"; then
      v[$t]=fail
    elif [[ -n $BEFORE && $(measure "$t" "$BEFORE") == fail ]]; then
      v[$t]=fail
    else
      v[$t]=$(measure "$t")
    fi
    stop_tool
  done
  record A v "${v[$A]}"
  record B v "${v[$B]}"
  change=$(awk -v a="${v[$A]}" -v b="${v[$B]}" 'BEGIN { if (a + 0 > 0 && b ~ /^[0-9.]+$/) printf "%+.1f%%", 100 * (b / a - 1); else print "fail" }' | sed 's/^-/−/')
  echo "| $i | ${order// / first, } second | ${v[$A]} | ${v[$B]} | $change |"
done
echo
unit=Gbit/s
[[ $LOAD == rr ]] && unit="transactions/s"
[[ $LOAD == crr ]] && unit="connections/s"
echo "$LOAD${BEFORE:+ (after $BEFORE in the same process)} at MTU $MTU, $unit, median (min–max) of $PAIRS: $A $(cell A v), $B $(cell B v)."
echo "$B against $A, pair by pair: $(paired_cell B A v) (median, min to max)."
machine_line | head -1
[[ $A == jslirp-variant || $B == jslirp-variant ]] && echo "jslirp-variant: the launcher with $JSLIRP_VARIANT_OPTS appended."
echo "Command: ${JSLIRP_VARIANT_OPTS:+JSLIRP_VARIANT_OPTS=\"$JSLIRP_VARIANT_OPTS\" }A=$A B=$B LOAD=$LOAD${BEFORE:+ BEFORE=$BEFORE} PAIRS=$PAIRS MTU=$MTU DURATION=$DURATION OMIT=$OMIT bench/peer/pair-ab.sh"
