#!/usr/bin/env bash
# Where UDP loss comes from: runs `iperf3 -u` from a fresh guest through one tool (10.0.2.2 -> host
# 127.0.0.1) under `perf record -a` (sched_switch, sched_wakeup, skb:kfree_skb), then prints the loss, the
# kernel's drop reasons, and for each cluster of drops what ran on the CPU the receiving iperf3 had been
# woken onto while it waited. Not a test; CI does not run it. Needs root, perf and python3. Everything stays
# on this machine.
#
#   bench/peer/udp-trace.sh                      # jslirp, 500M, 5 s
#   TOOL=slirp4netns RATE=1G bench/peer/udp-trace.sh
#
# Settings (environment): TOOL (jslirp|slirp4netns, default jslirp), MTU (default 1500), RATE (iperf3 -b,
# default 500M), LEN (default 1400), DURATION (seconds, default 5), BUILD=0 (use tap/target/jslirp.jar as it is).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=${TOOL:-jslirp}
MTU=${MTU:-1500}
RATE=${RATE:-500M}
LEN=${LEN:-1400}
DURATION=${DURATION:-5}
BUILD=${BUILD:-1}
JAVA=${JAVA:-java}
GW=10.0.2.2

NAME=udp-trace
source "$ROOT/bench/peer/lib.sh"

prologue "$([[ $TOOL == jslirp ]] && echo stack,tap)" iperf3 perf python3 unshare nsenter ip ss timeout "$JAVA"
init_run
start_iperf3_server
SERVER=$IPERF_PID

start_tool "$TOOL" "$MTU" || die "$TOOL did not start"
log "$TOOL pid $TOOL_PID, iperf3 server pid $SERVER; recording $DURATION s"
timeout $((DURATION + 30)) perf record -q -o "$TMP/perf.data" -a -e sched:sched_switch -e sched:sched_wakeup \
  -e skb:kfree_skb -- "${GUEST[@]}" iperf3 -c "$GW" -p "$IPORT" -u -b "$RATE" -l "$LEN" -t "$DURATION" -f m \
  >"$TMP/client.log" 2>&1
stop_tool
sleep 0.3
grep receiver "$TMP/client.log" | tail -1
perf script -i "$TMP/perf.data" -F comm,pid,tid,cpu,time,event,trace 2>/dev/null >"$TMP/trace.txt"

python3 - "$TMP/trace.txt" "$SERVER" <<'PY'
import collections, re, sys
trace, server = sys.argv[1], sys.argv[2]
line_re = re.compile(r'\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)')
on_cpu, reasons, blame = {}, collections.Counter(), collections.Counter()
woken = None          # (time, cpu) of the server's last wake-up
last_drop, clusters, drops = -1.0, 0, 0
for line in open(trace):
    m = line_re.search(line)
    if not m:
        continue
    cpu, t, event, rest = int(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
    if event == 'sched:sched_switch':
        n = re.search(r'next_comm=(.*) next_pid=(\d+)', rest)
        on_cpu[cpu] = n.group(1)
    elif event == 'sched:sched_wakeup':
        n = re.search(r' pid=(\d+) .*target_cpu=(\d+)', rest)
        if n and n.group(1) == server:
            woken = (t, int(n.group(2)))
    elif event == 'skb:kfree_skb':
        r = re.search(r'reason: (\S+)', rest)
        if not r or r.group(1) == 'NOT_SPECIFIED':
            continue
        reasons[r.group(1)] += 1
        if r.group(1) != 'SOCKET_RCVBUFF':
            continue
        drops += 1
        if t - last_drop > 0.0005:   # a new cluster: more than 0.5 ms since the previous drop
            clusters += 1
            if woken:
                blame[on_cpu.get(woken[1], '?')] += 1
        last_drop = t
print('drop reasons:', dict(reasons))
print(f'{drops} receive-buffer drops in {clusters} clusters; on the CPU the waiting reader was woken onto:')
for who, n in blame.most_common():
    print(f'  {n:4d}  {who}')
PY
