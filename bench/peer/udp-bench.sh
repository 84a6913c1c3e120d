#!/usr/bin/env bash
# UDP side of the peer benchmark: iperf3 UDP from the guest (container) to the host, through each tool's
# gateway 10.0.2.2 -> host 127.0.0.1, at fixed offered rates; prints one Markdown table of received rate and
# loss. Not a test; CI does not run it. Needs root (namespaces, TAP). Everything stays on this machine: the
# iperf3 server listens on host 127.0.0.1 only.
#
#   bench/peer/udp-bench.sh                                  # jslirp and slirp4netns, 500M and 1G, MTU 1500 and 65520
#   TOOLS=slirp4netns RATES="500M" DURATION=5 bench/peer/udp-bench.sh
#
# Settings (environment):
#   TOOLS     default "jslirp slirp4netns" ("pasta" also works; a missing binary is reported, not fatal)
#   MTUS      default "1500 65520"
#   RATES     iperf3 -b values, default "500M 1G"
#   LEN       datagram payload (iperf3 -l), default 1400
#   DURATION  seconds per measurement, default 10
#   WARMUP    seconds of uncounted traffic (the first rate) on each fresh tool before its cells, default 3; 0
#             skips it. A fresh jslirp compiles its datagram path during its first seconds, and its compiler
#             threads' CPU and the slower code until then fell on whichever cell ran first
#   REPEAT    runs of the whole sequence, rotating the tool order; cells give median (min–max), default 3
#   BUILD=0   do not run Maven (use tap/target/jslirp.jar as it is)
#
# Each cell: `iperf3 -c 10.0.2.2 -u -b RATE -l LEN -t DURATION -f m` run in the guest against
# `iperf3 -s -B 127.0.0.1` on the host; the receiver's rate (Mbit/s) and loss (lost/total datagrams, %) from
# iperf3's "receiver" line, and the CPU seconds (utime+stime) the tool used during that measurement. Tools
# are attached exactly as in peer-bench.sh (`TOOL -c -m MTU -r 3 PID tap0`; pasta with --config-net and
# its gateway mapping), one fresh guest per MTU. iperf3's control connection is TCP, so a tool must relay
# TCP too. A cell says "fail" when iperf3 failed (a tool that does not relay UDP yet: the script goes on).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TOOLS:-"jslirp slirp4netns"}
MTUS=${MTUS:-"1500 65520"}
RATES=${RATES:-"500M 1G"}
LEN=${LEN:-1400}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
CMDLINE="TOOLS=\"$TOOLS\" MTUS=\"$MTUS\" RATES=\"$RATES\" LEN=$LEN DURATION=$DURATION WARMUP=$WARMUP REPEAT=${REPEAT:-3} bench/peer/udp-bench.sh"

NAME=udp-bench
source "$ROOT/bench/peer/lib.sh"

prologue "$([[ $TOOLS == *jslirp* ]] && echo stack,tap)" iperf3 unshare nsenter ip ss timeout "$JAVA"
init_run
start_iperf3_server

# Prints "RATE LOSS CPU" (Mbit/s, %, s) or "fail fail CPU"; $2 the seconds, default DURATION.
udp_iperf() {
  local rate=$1 secs=${2:-$DURATION} out t0 t1 cpu line mbps loss
  : >"$TMP/bounded.err"
  t0=$(cpu_ticks "$TOOL_PID")
  out=$(bounded timeout $((secs + 30)) "${GUEST[@]}" iperf3 -c "$GW" -p "$IPORT" -u -b "$rate" -l "$LEN" \
        -t "$secs" -f m --connect-timeout 5000)
  t1=$(cpu_ticks "$TOOL_PID")
  cpu=fail
  [[ -n $t0 && -n $t1 ]] && cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN {printf "%.1f", (b - a) / hz}')
  line=$(grep receiver <<<"$out" | tail -1)
  mbps=$(awk '{for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1)}' <<<"$line")
  loss=$(sed -n 's/.*(\([0-9.e+-]*\)%).*/\1/p' <<<"$line")
  if [[ -n $mbps && -n $loss ]]; then
    echo "$mbps $loss $cpu"
  else
    log "iperf3 -u -b $rate failed: $(tail -1 <<<"$out") $(tail -1 "$TMP/bounded.err")"
    echo "fail fail $cpu"
  fi
}

for ((rep = 1; rep <= REPEAT; rep++)); do
  for tool in $(tools_for_rep "$rep"); do
    if ! have_tool "$tool"; then
      record "$tool | - | -" mbps not_installed
      continue
    fi
    for mtu in $(in_rep_order "$rep" "$MTUS"); do
      log "run $rep/$REPEAT: $tool, MTU $mtu"
      if ! start_tool "$tool" "$mtu"; then
        for rate in $RATES; do record "$tool | $mtu | $rate" mbps fail; done
        stop_tool
        continue
      fi
      rates=$(in_rep_order "$rep" "$RATES")
      ((WARMUP > 0)) && udp_iperf "${rates%% *}" "$WARMUP" >/dev/null
      for rate in $rates; do
        read -r mbps loss cpu < <(udp_iperf "$rate")
        record "$tool | $mtu | $rate" mbps "$mbps"
        record "$tool | $mtu | $rate" loss "$loss"
        record "$tool | $mtu | $rate" cpu "$cpu"
        kill -0 "$TOOL_PID" 2>/dev/null || { log "$tool exited during the run"; break; }
      done
      stop_tool
    done
  done
done

echo
echo "| tool | MTU | offered (iperf3 -b) | received Mbit/s | loss % | stack CPU s |"
echo "|---|---|---|---|---|---|"
for r in "${ROW_ORDER[@]}"; do
  echo "| $r | $(cell "$r" mbps) | $(cell "$r" loss) | $(cell "$r" cpu) |"
done
echo
echo "iperf3 -u -l $LEN, ${DURATION} s per cell after ${WARMUP} s uncounted on each fresh tool, rates in rotating order, guest -> 10.0.2.2 -> host 127.0.0.1; $(iperf3 --version | head -1 | awk '{print $1, $2}')"
machine_line
echo "Command: $CMDLINE"
