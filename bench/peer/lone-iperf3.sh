#!/usr/bin/env bash
# The control for peer-bench.sh's host->guest cell: one fresh jslirp per run and nothing but a lone
# `iperf3 -R` through it, no guest->host run before it, no PeerLoad, no probe. If peer-bench's host->guest
# median falls far below this one's, the benchmark's sequence is measuring something other than the stack
# (issue 13 asked for the two to stay within 25%). Not a test; CI does not run it. Needs root. Everything
# stays on this machine: the iperf3 server listens on host 127.0.0.1 only.
#
#   bench/peer/lone-iperf3.sh                 # jslirp, MTU 1500 and 65520, 5 runs each, 5 s after 2 s
#   RUNS=9 MTUS=1500 bench/peer/lone-iperf3.sh
#
# Settings (environment): TOOL (default jslirp; any tool lib.sh can start), MTUS (default "1500 65520"),
# RUNS (default 5), DURATION (default 5), OMIT (default 2), BUILD=0 (do not run Maven).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=${TOOL:-jslirp}
MTUS=${MTUS:-"1500 65520"}
RUNS=${RUNS:-5}
DURATION=${DURATION:-5}
OMIT=${OMIT:-2}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
REPEAT=$RUNS
CMDLINE="TOOL=$TOOL MTUS=\"$MTUS\" RUNS=$RUNS DURATION=$DURATION OMIT=$OMIT bench/peer/lone-iperf3.sh"

NAME=lone-iperf3
source "$ROOT/bench/peer/lib.sh"

prologue "$([[ $TOOL == jslirp* ]] && echo stack,tap)" iperf3 unshare nsenter ip ss timeout "$JAVA"
init_run
start_iperf3_server

for ((run = 1; run <= RUNS; run++)); do
  for mtu in $(in_rep_order "$run" "$MTUS"); do
    log "run $run/$RUNS: $TOOL, MTU $mtu"
    if ! start_tool "$TOOL" "$mtu"; then
      record "$mtu" h2g fail
      stop_tool
      continue
    fi
    : >"$TMP/bounded.err"
    out=$(bounded timeout $((OMIT + DURATION + 30)) "${GUEST[@]}" iperf3 -c "$GW" -p "$IPORT" -R -t "$DURATION" \
          -O "$OMIT" -f g --connect-timeout 5000)
    v=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' <<<"$out" | tail -1)
    [[ -n $v ]] || { log "iperf3 -R failed: $(tail -1 <<<"$out") $(tail -1 "$TMP/bounded.err")"; v=fail; }
    record "$mtu" h2g "$v"
    stop_tool
  done
done

echo
echo "| tool | MTU | lone host→guest Gbit/s |"
echo "|---|---|---|"
for r in "${ROW_ORDER[@]}"; do
  echo "| $TOOL | $r | $(cell "$r" h2g) |"
done
echo
echo "Each run: a fresh $TOOL, then only \`iperf3 -c $GW -R -t $DURATION -O $OMIT\` from the guest."
machine_line
echo "Command: $CMDLINE"
