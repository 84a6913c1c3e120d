#!/usr/bin/env bash
# What N idle instances of one tool cost together, as on a host running N containers: each instance gets its
# own guest (as peer-bench.sh attaches it), and 3 s after the last is ready the script prints, per instance and
# for all N, RSS (which counts shared pages once in every process), its anonymous part, PSS (every shared
# page divided among the processes that map it: the sum over processes is what they use together), and USS
# (pages only that process maps). Not a test; needs root (namespaces, TAP). No traffic at all.
#
#   bench/peer/many-probe.sh                      # 10 jslirp launcher instances
#   TOOL=pasta N=10 bench/peer/many-probe.sh
#
# Settings: TOOL (a tool peer-bench.sh knows: jslirp, jslirp-jdk25, jslirp-variant, jslirp-defaults, slirp4netns, pasta),
# N (instances, 1-50, default 10), MTU (default 65520), BUILD=0 (no Maven).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=${TOOL:-jslirp}
N=${N:-10}
MTU=${MTU:-65520}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2
NAME=many-probe
[[ $N =~ ^[0-9]+$ ]] && ((N >= 1 && N <= 50)) || { echo "N must be 1-50, not '$N'" >&2; exit 1; }
source "$ROOT/bench/peer/lib.sh"
prologue tap unshare ip
have_tool "$TOOL" || die "$TOOL is not installed"
init_run

pids=() starts=()
for ((i = 1; i <= N; i++)); do
  start_tool "$TOOL" "$MTU" || die "$TOOL instance $i did not start"
  pids+=("$TOOL_PID")
  starts+=("$START_MS")
done
sleep 3

# KiB fields of /proc/PID/smaps_rollup and status, per process.
total_rss=0 total_anon=0 total_pss=0 total_uss=0
printf '| instance | start-up ms | RSS MiB | anonymous MiB | PSS MiB | USS MiB |\n|---|---|---|---|---|---|\n'
for ((i = 0; i < N; i++)); do
  p=${pids[$i]}
  read -r rss anon < <(awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} END {print r, a}' "/proc/$p/status")
  read -r pss uss < <(awk '/^Pss:/ {p = $2} /^Private_(Clean|Dirty):/ {u += $2} END {print p, u}' "/proc/$p/smaps_rollup")
  total_rss=$((total_rss + rss)) total_anon=$((total_anon + anon)) total_pss=$((total_pss + pss)) total_uss=$((total_uss + uss))
  awk -v i=$((i + 1)) -v s="${starts[$i]}" -v r="$rss" -v a="$anon" -v p="$pss" -v u="$uss" \
    'BEGIN {printf "| %d | %s | %.1f | %.1f | %.1f | %.1f |\n", i, s, r / 1024, a / 1024, p / 1024, u / 1024}'
done
awk -v n="$N" -v r="$total_rss" -v a="$total_anon" -v p="$total_pss" -v u="$total_uss" 'BEGIN {
  printf "| all %d | | %.1f | %.1f | %.1f | %.1f |\n", n, r / 1024, a / 1024, p / 1024, u / 1024
  printf "| per instance | | %.1f | %.1f | %.1f | %.1f |\n", r / 1024 / n, a / 1024 / n, p / 1024 / n, u / 1024 / n }'
echo
echo "$TOOL, $N instances, MTU $MTU, 3 s after the last was ready. PSS summed over the instances is the memory they"
echo "use together (shared pages counted once); RSS summed counts shared pages N times."
machine_line | head -1
