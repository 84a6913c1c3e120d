#!/usr/bin/env bash
# Port-forward benchmark: iperf3 through a forwarded host port into the guest, jslirp next to slirp4netns
# (and pasta), one Markdown table. Not a test; CI does not run it. Needs root. Everything stays on this
# machine: the iperf3 server runs in the guest on port 5201, the client on the host connects to
# 127.0.0.1:PORT, which the tool forwards to 10.0.2.100:5201.
#
#   bench/peer/fwd-bench.sh                              # all tools, MTU 1500 and 65520, 10 s each way
#   TOOLS="jslirp jslirp-ipv6" MTUS=65520 DURATION=5 bench/peer/fwd-bench.sh
#
# Settings (environment): TOOLS (default "jslirp jslirp-ipv6 slirp4netns pasta"), MTUS (default "1500 65520"),
# DURATION (seconds per direction, default 10), REPEAT (runs of the whole sequence in rotating tool
# order, default 3; each cell prints median (min–max)), BUILD=0 (use the jars as they are).
#
# How each tool forwards the port:
#   jslirp, slirp4netns: started as in peer-bench.sh plus `--api-socket SOCK`; then the request
#     {"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":PORT,
#     "guest_port":5201}} over the socket (what RootlessKit's slirp4netns port driver sends).
#   jslirp-ipv6: jslirp with -6 (so -c puts fd00::100 on tap0) and an IPv6 forward, host [::1]:PORT to
#     [fd00::100]:5201 ({"host_addr":"::1",...,"guest_addr":"fd00::100"}); the client connects to [::1]:PORT.
#     Its rows sit beside jslirp's IPv4 ones in the same run, so the two forwards compare on equal terms.
#   pasta: `-t 127.0.0.1/PORT:5201` on its command line. pasta "splices" a connection from a host loopback
#     address straight to the namespace's loopback (two sockets and splice(2), no TAP and no TCP stack of its
#     own), so its row measures that path, not its TAP path; jslirp and slirp4netns go through the TAP.
# Columns: iperf3 receiver throughput host->guest (client on the host sends) and guest->host (-R); the
# stack process's CPU seconds over both; its peak RSS.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TOOLS:-"jslirp jslirp-ipv6 slirp4netns pasta"}
MTUS=${MTUS-"1500 65520"}
DURATION=${DURATION:-10}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
CMDLINE="TOOLS=\"$TOOLS\" MTUS=\"$MTUS\" DURATION=$DURATION REPEAT=${REPEAT:-3} bench/peer/fwd-bench.sh"

NAME=fwd-bench
source "$ROOT/bench/peer/lib.sh"

prologue tap iperf3 unshare nsenter ip ss socat timeout "$JAVA"

init_run

iperf() { # $1: "" (host->guest) or -R (guest->host)
  local out v
  : >"$TMP/bounded.err"
  out=$(bounded timeout $((DURATION + 30)) iperf3 -c "$CLIENT_TO" -p "$HPORT" -t "$DURATION" -f g --connect-timeout 5000 $1)
  v=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' <<<"$out" | tail -1)
  if [[ -n $v ]]; then echo "$v"; else log "iperf3 $1 failed: $(tail -1 <<<"$out") $(tail -1 "$TMP/bounded.err")"; echo fail; fi
}

for ((rep = 1; rep <= REPEAT; rep++)); do
  for tool in $(tools_for_rep "$rep"); do
    base=$tool
    [[ $tool == jslirp-ipv6 ]] && base=jslirp
    if ! have_tool "$base"; then
      record "$tool | -" h2g not_installed
      continue
    fi
    for mtu in $(in_rep_order "$rep" "$MTUS"); do
      log "run $rep/$REPEAT: $tool, MTU $mtu"
      r="$tool | MTU $mtu"
      HPORT=$(free_port) || die "no free port"
      API=$TMP/api-$tool-$mtu-$rep.sock
      TOOL_ARGS=(--api-socket "$API")
      CLIENT_TO=127.0.0.1
      FWD_ADDRS='"host_addr":"127.0.0.1"'
      if [[ $tool == jslirp-ipv6 ]]; then
        TOOL_ARGS+=(-6)
        CLIENT_TO=::1
        FWD_ADDRS='"host_addr":"::1","guest_addr":"fd00::100"'
      fi
      PASTA_FWD="-t 127.0.0.1/$HPORT:5201"
      if ! start_tool "$base" "$mtu"; then
        for c in h2g g2h cpu rss; do record "$r" "$c" fail; done
        stop_tool
        continue
      fi
      if [[ $tool != pasta ]]; then
        reply=$(printf '{"execute":"add_hostfwd","arguments":{"proto":"tcp",%s,"host_port":%d,"guest_port":5201}}\n' "$FWD_ADDRS" "$HPORT" \
          | timeout 10 socat -t 5 - "UNIX-CONNECT:$API")
        [[ $reply == '{"return":{"id":1}}' ]] || log "$tool: add_hostfwd answered '$reply'"
      fi
      "${GUEST[@]}" iperf3 -s -p 5201 >"$TMP/iperf3-server-$tool-$mtu-$rep.log" 2>&1 &
      SPID=$!
      PIDS+=("$SPID")
      wait_for 50 "${GUEST[@]}" bash -c "ss -Hltn 'sport = :5201' | grep -q ." || log "iperf3 server in the guest did not listen"
      t0=$(cpu_ticks "$TOOL_PID")
      record "$r" h2g "$(iperf "")"
      record "$r" g2h "$(iperf -R)"
      t1=$(cpu_ticks "$TOOL_PID")
      record "$r" rss "$(hwm_mib "$TOOL_PID")"
      cpu=fail
      [[ -n $t0 && -n $t1 ]] && cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN {printf "%.1f", (b - a) / hz}')
      record "$r" cpu "$cpu"
      kill "$SPID" 2>/dev/null
      wait "$SPID" 2>/dev/null
      forget "$SPID"
      stop_tool
    done
  done
done

echo
echo "| tool | run | host→guest Gbit/s (forward) | guest→host Gbit/s (forward, -R) | stack CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
for r in "${ROW_ORDER[@]}"; do
  echo "| $r | $(cell "$r" h2g) | $(cell "$r" g2h) | $(cell "$r" cpu) | $(cell "$r" rss) |"
done
echo
echo "iperf3 ${DURATION} s per direction through a forwarded 127.0.0.1 port ([::1] to [fd00::100] for jslirp-ipv6)"
machine_line
echo "Command: $CMDLINE"
