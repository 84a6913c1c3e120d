#!/usr/bin/env bash
# Side-by-side peer benchmark: jslirp, slirp4netns and pasta, each serving a guest namespace this
# script makes, measured with the same clients, printed as one Markdown table. Not a test; CI does not
# run it. Needs root (namespaces, TAP). Everything stays on this machine: servers listen on host
# 127.0.0.1 and the guest reaches them through the gateway 10.0.2.2.
#
#   bench/peer/peer-bench.sh                      # all tools, MTU 1500 and 65520, 10 s per measurement
#   DURATION=5 CONNS=20000 TOOLS="slirp4netns pasta" bench/peer/peer-bench.sh
#
# Settings (environment):
#   TOOLS         tools to measure, default "jslirp jslirp-defaults jslirp-jdk25 slirp4netns pasta" (a missing
#                 one is reported, not fatal): jslirp is the ./jslirp launcher (its JVM options and class-data
#                 archive), jslirp-jdk25 the same with JAVA_HOME=$JDK25 (default Temurin 25's directory),
#                 jslirp-defaults `java -XX:+UseSerialGC -jar` with the JVM's default sizing (the options
#                 before the launcher bounded memory), for the same-run comparison; jslirp-confined the
#                 launcher with --enable-sandbox --enable-seccomp (what podman passes), not in the default list
#                 (for confined against plain, confined-bench.sh runs the two in pairs, in ABBA order: here
#                 a tool in the middle of TOOLS always runs second, an edge one first in two runs of three);
#                 jslirp-variant the launcher with JSLIRP_VARIANT_OPTS appended to JSLIRP_JAVA_OPTS, for a
#                 same-run A/B of JVM options, not in the default list:
#                   TOOLS="jslirp jslirp-variant" JSLIRP_VARIANT_OPTS="-XX:TieredStopAtLevel=1" bench/peer/peer-bench.sh
#   JSLIRP_VARIANT_OPTS  JVM options jslirp-variant adds (after the launcher's and JSLIRP_JAVA_OPTS, so they
#                 win); required when TOOLS has jslirp-variant; printed under the tables
#   STARTS        start-ups per tool for the start-up median, default 5
#   MTUS          default "1500 65520"
#   FAMILIES      "4 6" (default) or "4": the IPv6 rows run the tools of TOOLS6 with -6 against fd00::2 (host
#                 ::1, its own iperf3 and PeerLoad servers); jslirp gets its address from -c -6 at once,
#                 slirp4netns by SLAAC, which the script waits for (at most 15 s)
#   TOOLS6        tools measured over IPv6, default "jslirp slirp4netns" (those of TOOLS only)
#   DURATION      seconds per iperf3 direction, default 10 (measured, after OMIT)
#   OMIT          seconds at the start of each iperf3, RR and connect+close measurement run but left out
#                 of its result (iperf3 -O; PeerLoad's WARMUP), default 2; 0 counts from the start
#   RR_SECONDS    seconds of 1-byte request/response over one connection, default 10
#   CRR_SECONDS   seconds of connect + 1-byte transaction + close, default 10
#   CONNS         short connections for the footprint run, default 100000 (0 skips it)
#   CONNS_SECONDS upper bound on that run, default 300
#   CONNS_MTU     MTU of that run, default 65520
#   REPEAT        runs of the whole sequence, the tools in rotating order; each cell prints the median
#                 (min–max) of its runs and "±wide" past ±25% (lib.sh), default 3
#   LONE          1 (default): the lone host->guest control inside this run, when TOOLS has jslirp: a fresh
#                 jslirp per MTU and repetition, nothing but `iperf3 -R` through it (what lone-iperf3.sh
#                 does), rotating with the tools; a last table sets jslirp's host->guest cell against it.
#                 A control measured on another night is no control: these machines' speed moves by 30%
#                 and more between nights (lone runs gave 12.1 Gbit/s one night, 16.4 the next, on a machine
#                 of the same size). 0 leaves it out.
#   BASE          the tool every other tool is set against run by run, in a last table (lib.sh: paired_cell):
#                 default jslirp-defaults when TOOLS has it, "" for none. Each of its cells is the median
#                 (min to max) of the per-run changes, so a machine that drifts between runs moves both tools
#                 of a pair alike. Add jslirp-twin to TOOLS (the launcher again, same options): the gap
#                 between its row and jslirp's is how far two identical tools land apart in this run (or
#                 BASE=jslirp, and the twin's row is that gap); a difference inside it is noise.
#   BUILD=0       do not run Maven (use the jars as they are)
#
# What each tool is attached to:
#   jslirp, slirp4netns: `TOOL -c -m MTU -r 3 PID tap0`, PID = `unshare -n sleep` holding the guest netns;
#     ready when fd 3 (a fifo) says "1". jslirp runs as ./jslirp (jslirp-defaults as
#     `java -Dio.netty.leakDetection.level=disabled -XX:+UseSerialGC -jar tap/target/jslirp.jar`).
#   pasta: `pasta -f -q -4 --runas 0 --config-net -I tap0 -a 10.0.2.100 -n 24 -g 10.0.2.2 -m MTU
#     -t none -u none -T none -U none --netns NAME`, NAME a named netns (`ip netns add`). pasta gives up
#     root before opening the target, and then cannot open /proc/PID/ns/net (EACCES); a /run/netns name
#     it can. Its gateway mapping (on by default; --no-map-gw turns it off) sends guest connections to
#     the gateway address (-g 10.0.2.2) to the host's loopback, so all three tools are measured on the
#     same 10.0.2.2 -> 127.0.0.1 path through the TAP. -t/-u/-T/-U none turn off pasta's automatic
#     port forwarding, whose loopback "splice" path would bypass the TAP.
#
# Columns: iperf3 receiver throughput (server on 127.0.0.1, client in the guest; -R for host->guest);
# 1-byte RR and connect+close rates from io.jslirp.bench.peer.PeerLoad (the server closes first, so
# TIME_WAIT stays on the host); each of these four measurements runs OMIT seconds first that it does not
# count (slow start, and the JIT compiling jslirp and the client); CPU seconds (utime+stime from
# /proc/PID/stat) the stack process used during the whole row, warm-ups included; peak RSS (VmHWM) of the stack process at the end of the row. A cell says "fail"
# when that measurement failed (a tool that cannot relay yet fails its cells; the script goes on).
#
# The footprint run (one process per tool, at CONNS_MTU): RSS 3 s after ready (idle), then iperf3 each way and
# CONNS short connections, VmHWM after them (peak), and RSS 10 s later (does memory come back?). Start-up:
# exec to ready (the ready byte; pasta: tap0 configured), the median of STARTS fresh starts at CONNS_MTU.
# All RSS from /proc/PID/status; the last column is its anonymous part (RssAnon), what one more instance
# costs on top of the file-backed pages (libraries, class-data archive) all instances share.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${TOOLS:-"jslirp jslirp-defaults jslirp-jdk25 slirp4netns pasta"}
STARTS=${STARTS:-5}
MTUS=${MTUS-"1500 65520"}
FAMILIES=${FAMILIES:-"4 6"}
TOOLS6=${TOOLS6:-"jslirp slirp4netns"}
DURATION=${DURATION:-10}
OMIT=${OMIT:-2}
RR_SECONDS=${RR_SECONDS:-10}
CRR_SECONDS=${CRR_SECONDS:-10}
CONNS=${CONNS:-100000}
CONNS_SECONDS=${CONNS_SECONDS:-300}
CONNS_MTU=${CONNS_MTU:-65520}
LONE=${LONE:-1}
if [[ -v BASE ]]; then :; elif [[ " $TOOLS " == *" jslirp-defaults "* ]]; then BASE=jslirp-defaults; else BASE=; fi
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
CMDLINE="${JSLIRP_VARIANT_OPTS:+JSLIRP_VARIANT_OPTS=\"$JSLIRP_VARIANT_OPTS\" }TOOLS=\"$TOOLS\" STARTS=$STARTS MTUS=\"$MTUS\" FAMILIES=\"$FAMILIES\" TOOLS6=\"$TOOLS6\" DURATION=$DURATION OMIT=$OMIT RR_SECONDS=$RR_SECONDS CRR_SECONDS=$CRR_SECONDS CONNS=$CONNS CONNS_SECONDS=$CONNS_SECONDS CONNS_MTU=$CONNS_MTU LONE=$LONE BASE=\"$BASE\" REPEAT=${REPEAT:-3} bench/peer/peer-bench.sh"

NAME=peer-bench
source "$ROOT/bench/peer/lib.sh"

[[ " $TOOLS " != *" jslirp-variant "* ]] || have_tool jslirp-variant \
  || die "TOOLS has jslirp-variant: set JSLIRP_VARIANT_OPTS to the JVM options it adds"
prologue tap,bench iperf3 unshare nsenter ip ss timeout "$JAVA"
BENCH=$ROOT/bench/target/benchmarks.jar
[[ -f $BENCH ]] || die "no $BENCH"

init_run

# --- host-side servers, on 127.0.0.1 ---------------------------------------------------------------
start_iperf3_server
start_peerload_server
GW4=$GW IPORT4=$IPORT LPORT4=$LPORT
if [[ " $FAMILIES " == *" 6 "* ]]; then
  # The IPv6 rows' servers on host ::1, which the guest reaches as fd00::2.
  IPORT6=$(free_port) || die "no free port"
  iperf3 -s -B ::1 -p "$IPORT6" >"$TMP/iperf3-server6.log" 2>&1 &
  PIDS+=($!)
  wait_for 50 bash -c "ss -Hltn 'sport = :$IPORT6' | grep -q ." || die "iperf3 server on ::1 did not listen"
  start_peerload_server ::1 LPORT6
fi

# Points the measurements at family $1's gateway and servers; for 6 also asks the tool for IPv6 (-6).
use_family() {
  if [[ $1 == 6 ]]; then
    GW=fd00::2 IPORT=$IPORT6 LPORT=$LPORT6 TOOL_ARGS=(-6)
  else
    GW=$GW4 IPORT=$IPORT4 LPORT=$LPORT4 TOOL_ARGS=()
  fi
}

# The guest's global IPv6 address is usable (not tentative): at once with jslirp -c -6, by SLAAC otherwise.
guest_has_ipv6() {
  wait_for 150 bash -c "${GUEST[*]} ip -6 -o addr show dev tap0 scope global -tentative | grep -q inet6"
}

# --- measurements (each prints one cell; iperf, load, rr and crr are lib.sh's) ---------------------

# One PeerLoad transaction through the gateway, at most 10 s: does the tool relay at all? (A proper
# transaction, not a bare connect+close: after one connection the guest closed without data,
# slirp4netns 1.2 kept ~256 KiB per later connection, which would distort its RSS column.)
relays() {
  bounded timeout 10 "${GUEST[@]}" bash -c \
    "exec 3<>/dev/tcp/$GW/$LPORT && printf c >&3 && [[ \$(head -c1 <&3) == c ]]" >/dev/null
}

# Every cell is recorded once per repetition (lib.sh: record/cell) and printed as median (min–max).
# Rows of the throughput table are keyed "TOOL | RUN"; the footprint table's "F:TOOL".
measure_row() { # key: run the four measurements on the started tool, record them with CPU and peak RSS
  local key=$1 t0 t1 cpu
  t0=$(cpu_ticks "$TOOL_PID")
  record "$key" g2h "$(iperf "")"
  record "$key" h2g "$(iperf -R)"
  record "$key" rr "$(rr "$RR_SECONDS")"
  record "$key" crr "$(crr "$CRR_SECONDS")"
  t1=$(cpu_ticks "$TOOL_PID")
  cpu=fail
  [[ -n $t0 && -n $t1 ]] && cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN {printf "%.1f", (b - a) / hz}')
  record "$key" cpu "$cpu"
  record "$key" rss "$(hwm_mib "$TOOL_PID")"
}

# The lone control rotates with the tools as one more entry, so it is not always first or last.
ROTATION=$TOOLS
[[ $LONE == 1 && " $TOOLS " == *" jslirp "* && -n $MTUS ]] && ROTATION+=" jslirp-lone"

for ((rep = 1; rep <= REPEAT; rep++)); do
  for tool in $(in_rep_order "$rep" "$ROTATION"); do
    if [[ $tool == jslirp-lone ]]; then
      use_family 4
      for mtu in $(in_rep_order "$rep" "$MTUS"); do
        log "run $rep/$REPEAT: lone control, a fresh jslirp and only iperf3 -R, MTU $mtu"
        if start_tool jslirp "$mtu"; then record "L:$mtu" h2g "$(iperf -R)"; else record "L:$mtu" h2g fail; fi
        stop_tool
      done
      continue
    fi
    if ! have_tool "$tool"; then
      record "$tool | -" g2h not_installed
      record "F:$tool" startup not_installed
      continue
    fi
    for fam in $(in_rep_order "$rep" "$FAMILIES"); do
      [[ $fam == 4 || " $TOOLS6 " == *" $tool "* ]] || continue
      use_family "$fam"
      for mtu in $(in_rep_order "$rep" "$MTUS"); do
        log "run $rep/$REPEAT: $tool, IPv$fam, MTU $mtu"
        key="$tool | MTU $mtu"
        [[ $fam == 6 ]] && key="$tool | IPv6, MTU $mtu"
        if ! start_tool "$tool" "$mtu" || { [[ $fam == 6 ]] && ! guest_has_ipv6; }; then
          for c in g2h h2g rr crr cpu rss; do record "$key" "$c" fail; done
          stop_tool
          continue
        fi
        if ! relays; then
          log "$tool does not relay a TCP connection to $GW:$LPORT; its cells say fail"
          for c in g2h h2g rr crr cpu; do record "$key" "$c" fail; done
          record "$key" rss "$(hwm_mib "$TOOL_PID")"
          stop_tool
          continue
        fi
        measure_row "$key"
        kill -0 "$TOOL_PID" 2>/dev/null || log "$tool exited during the run"
        stop_tool
      done
    done
    use_family 4
    # Start-up: STARTS fresh starts, nothing else running through them; every start is one value of the cell.
    for ((k = 0; k < STARTS; k++)); do
      if start_tool "$tool" "$CONNS_MTU"; then record "F:$tool" startup "$START_MS"; else record "F:$tool" startup fail; fi
      stop_tool
    done
    ((CONNS > 0)) || continue
    log "run $rep/$REPEAT: $tool, footprint: iperf3 each way and $CONNS connections at MTU $CONNS_MTU"
    key="$tool | iperf3 + $CONNS conns, MTU $CONNS_MTU"
    # A row that fails still records one value per cell and run: the table against BASE pairs runs by position.
    if ! start_tool "$tool" "$CONNS_MTU"; then
      for c in idle idle_anon peak after after_anon; do record "F:$tool" "$c" fail; done
      for c in g2h h2g crr cpu rss; do record "$key" "$c" fail; done
      stop_tool
      continue
    fi
    sleep 3
    record "F:$tool" idle "$(rss_mib "$TOOL_PID")"
    record "F:$tool" idle_anon "$(anon_mib "$TOOL_PID")"
    if ! relays; then
      log "$tool does not relay a TCP connection; skipping the $CONNS-connection run"
      record "F:$tool" peak fail
      record "F:$tool" after fail
      record "F:$tool" after_anon fail
      for c in g2h h2g crr cpu rss; do record "$key" "$c" fail; done
      stop_tool
      continue
    fi
    t0=$(cpu_ticks "$TOOL_PID")
    record "$key" g2h "$(iperf "")"
    record "$key" h2g "$(iperf -R)"
    out=$(load crr "$CONNS_SECONDS" "$CONNS")
    t1=$(cpu_ticks "$TOOL_PID")
    cpu=fail
    [[ -n $t0 && -n $t1 ]] && cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN {printf "%.1f", (b - a) / hz}')
    record "$key" cpu "$cpu"
    peak=$(hwm_mib "$TOOL_PID")
    record "$key" rss "${peak:-fail}"
    record "F:$tool" peak "${peak:-fail}"
    if [[ $out == crr\ * ]] && read -r _ cps n errs <<<"$out" && ((n > 0)); then
      record "$key" crr "$cps"
      ((errs == 0)) || log "$tool: $errs of $n connections failed in the $CONNS-connection run"
    else
      log "$CONNS-connection run failed: ${out:-no output} $(tail -1 "$TMP/bounded.err")"
      record "$key" crr fail
    fi
    sleep 10
    after=$(rss_mib "$TOOL_PID") after_anon=$(anon_mib "$TOOL_PID")
    kill -0 "$TOOL_PID" 2>/dev/null || { log "$tool exited during the footprint run"; after=fail after_anon=fail; }
    record "F:$tool" after "${after:-fail}"
    record "F:$tool" after_anon "${after_anon:-fail}"
    stop_tool
  done
done

echo
echo "| tool | run | guest→host Gbit/s | host→guest Gbit/s | 1-byte RR tx/s | connect+close conn/s | stack CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${ROW_ORDER[@]}"; do
  [[ $r == [FL]:* ]] && continue
  echo "| $r | $(cell "$r" g2h) | $(cell "$r" h2g) | $(cell "$r" rr) | $(cell "$r" crr) | $(cell "$r" cpu) | $(cell "$r" rss) |"
done
echo
echo "| tool | start-up ms ($STARTS starts per run) | idle RSS MiB, 3 s after ready | peak RSS MiB (VmHWM), iperf3 each way + $CONNS conns | RSS MiB 10 s after | anonymous MiB idle / 10 s after |"
echo "|---|---|---|---|---|---|"
for r in "${ROW_ORDER[@]}"; do
  [[ $r == F:* ]] || continue
  echo "| ${r#F:} | $(cell "$r" startup) | $(cell "$r" idle) | $(cell "$r" peak) | $(cell "$r" after) | $(cell "$r" idle_anon) / $(cell "$r" after_anon) |"
done
[[ -z $BASE || " $TOOLS " == *" $BASE "* ]] || log "BASE=$BASE is not in TOOLS: no table against it"
if [[ -n $BASE && " $TOOLS " == *" $BASE "* ]]; then
  echo
  echo "| tool | run | against $BASE, run by run: guest→host | host→guest | 1-byte RR | connect+close | stack CPU |"
  echo "|---|---|---|---|---|---|---|"
  for r in "${ROW_ORDER[@]}"; do
    [[ $r == [FL]:* || $r == "$BASE | "* || $r != *" | "* ]] && continue
    b="$BASE | ${r#* | }"
    [[ -v "CELLS[$b|]" ]] || continue
    echo "| $r | $(paired_cell "$r" "$b" g2h) | $(paired_cell "$r" "$b" h2g) | $(paired_cell "$r" "$b" rr) | $(paired_cell "$r" "$b" crr) | $(paired_cell "$r" "$b" cpu) |"
  done
fi
if [[ $ROTATION == *jslirp-lone* ]]; then
  echo
  echo "| MTU | jslirp host→guest Gbit/s in its row | lone control: a fresh jslirp, only iperf3 -R | row / lone |"
  echo "|---|---|---|---|"
  for mtu in $MTUS; do
    row=$(median "jslirp | MTU $mtu" h2g) lone=$(median "L:$mtu" h2g) ratio=fail
    [[ -n $row && -n $lone ]] && ratio=$(awk -v a="$row" -v b="$lone" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "fail" }')
    echo "| $mtu | $(cell "jslirp | MTU $mtu" h2g) | $(cell "L:$mtu" h2g) | $ratio |"
  done
fi
echo
echo "iperf3 ${DURATION} s per direction; RR ${RR_SECONDS} s; connect+close ${CRR_SECONDS} s; each after ${OMIT} s not counted."
((CONNS > 0)) && echo "The connect+close cell of the footprint row is the rate over all $CONNS connections."
machine_line
[[ " $TOOLS " == *" jslirp-variant "* ]] && echo "jslirp-variant: the launcher with $JSLIRP_VARIANT_OPTS appended."
[[ " $TOOLS " == *" jslirp-twin "* ]] && echo "jslirp-twin: the launcher again, the same options as jslirp (how far identical tools land apart in this run)."
[[ -n $BASE && " $TOOLS " == *" $BASE "* ]] && echo "Against $BASE: each cell the median (min to max) of the per-run changes (each tool's value over $BASE's of the same run); ±wide past ±25 points."
echo "Command: $CMDLINE"
