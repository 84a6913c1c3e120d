# Shared by peer-bench.sh and udp-bench.sh: process and namespace bookkeeping, and attaching each tool
# (jslirp, slirp4netns, pasta) to a fresh guest the same way, so the two benchmarks measure the same setup.
# The caller sets NAME (log prefix), ROOT, JAVA, JAR and GW, then calls init_run once before starting anything.

log() { echo "$NAME: $*" >&2; }
die() { log "$*"; exit 1; }

PIDS=()    # every process the script started, killed by PID at exit
NETNS=()   # every named netns the script made, deleted at exit

# Makes the scratch directory and arms the cleanup; everything started afterwards is ended at exit.
# The prologue every script shares: root, the commands it names, and (unless BUILD=0) the Maven modules it
# runs from this checkout, e.g. `prologue "stack,tap" iperf3 ss`.
prologue() {
  local modules=$1 c
  shift
  [[ $(id -u) -eq 0 ]] || die "run as root (it makes namespaces and TAP devices)"
  for c in "$@"; do
    command -v "$c" >/dev/null || die "missing $c"
  done
  if [[ $BUILD != 0 && -n $modules ]]; then
    log "building (mvn -B -q -o -pl $modules -am package -DskipTests)"
    (cd "$ROOT" && mvn -B -q -o -pl "$modules" -am package -DskipTests) >&2 || die "build failed"
  fi
  JAR=$ROOT/tap/target/jslirp.jar
}

# An iperf3 server on host 127.0.0.1 at a free port: sets IPORT and IPERF_PID (also in PIDS); after init_run.
start_iperf3_server() {
  IPORT=$(free_port) || die "no free port"
  iperf3 -s -B 127.0.0.1 -p "$IPORT" >"$TMP/iperf3-server.log" 2>&1 &
  IPERF_PID=$!
  PIDS+=("$IPERF_PID")
  wait_for 50 bash -c "ss -Hltn 'sport = :$IPORT' | grep -q ." || die "iperf3 server did not listen"
}

# Starts the PeerLoad server (RR and connect+close, from $BENCH) on host address $1 (default 127.0.0.1) and
# sets the variable named $2 (default LPORT) to its port; after init_run. Not `LPORT=$(...)`: in a subshell
# its PID would never reach PIDS, and the cleanup would leave it running.
start_peerload_server() {
  local addr=${1:-127.0.0.1} var=${2:-LPORT}
  local f="$TMP/load-$var.port"
  "$JAVA" -XX:+UseSerialGC -cp "$BENCH" io.jslirp.bench.peer.PeerLoad server "$f" ${1:+"$1"} >"$f.log" 2>&1 &
  PIDS+=($!)
  wait_for 100 test -s "$f" || die "PeerLoad server on $addr did not start"
  printf -v "$var" '%s' "$(cat "$f")"
}

init_run() {
  TMP=$(mktemp -d "/tmp/$NAME.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Drops a PID that has been reaped, so the cleanup never signals a number the kernel may have reused.
forget() {
  local p keep=()
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

cleanup() {
  local p n
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    timeout 3 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  for n in "${NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$TMP"
}

# A port on 127.0.0.1 that nothing uses for TCP or UDP (iperf3 -u needs both), below the ephemeral range.
free_port() {
  local p i
  for i in $(seq 50); do
    p=$((20000 + RANDOM % 10000))
    ss -Hltun "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

# Waits (at most $1 tenths of a second) until command "$2..." succeeds.
wait_for() {
  local tenths=$1; shift
  local i
  for ((i = 0; i < tenths; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# Runs "$@" in the background and waits for it, so that a signal to the script is handled at once
# (bash runs traps only between foreground commands) and the cleanup kills it. Output goes to stdout.
bounded() {
  local out="$TMP/bounded.$BASHPID" rc
  "$@" >"$out" 2>>"$TMP/bounded.err" &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid"
  rc=$?
  forget "$pid"
  cat "$out"
  rm -f "$out"
  return $rc
}

cpu_ticks() { # utime + stime of PID, in clock ticks
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'
}
hwm_mib() {
  awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null
}
rss_mib() {
  awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null
}
# The anonymous part of RSS: what one more instance adds, since file-backed pages (the JVM's library, a
# class-data archive, the binary) are page cache every instance of the same files shares.
anon_mib() {
  awk '/^RssAnon/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null
}
HZ=$(getconf CLK_TCK)

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- attaching a tool to a fresh guest ------------------------------------------------------------
# Tools: jslirp (the ./jslirp launcher: the production JVM options and class-data archive),
# jslirp-jdk25 (the same launcher with JAVA_HOME=$JDK25), jslirp-variant (the same launcher with
# JSLIRP_VARIANT_OPTS appended to JSLIRP_JAVA_OPTS: `TOOLS="jslirp jslirp-variant"` is a same-run A/B of two
# JVM option sets; it is not installed while JSLIRP_VARIANT_OPTS is empty, for then it would be jslirp
# under another name), jslirp-twin (jslirp under another name, on purpose: a same-run A/A, whose distance
# from jslirp is how far two columns of identical tools land apart in that run), jslirp-defaults (`java -XX:+UseSerialGC -jar`, the JVM's default sizing: the options
# before the launcher bounded memory), slirp4netns, pasta.
# Sets TOOL_PID, GUEST (the prefix that runs a command in the guest), HOLDER/NSNAME, and START_MS (exec to
# ready: the ready fd's byte, for pasta tap0 configured, polled every 10 ms); returns 1 on failure.
# TOOL_ARGS (an array) goes to jslirp/slirp4netns before the PID; PASTA_FWD replaces pasta's "-t none".
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
SEQ=0
start_tool() {
  local tool=$1 mtu=$2
  SEQ=$((SEQ + 1))
  TOOL_PID= HOLDER= NSNAME= START_MS=
  local logf="$TMP/$tool-$SEQ.log" t0
  # Set on the command itself, not through env(1): jslirp and jslirp-variant start with the same processes.
  local jopts=${JSLIRP_JAVA_OPTS:-}
  case $tool in
    jslirp | jslirp-twin | jslirp-confined | jslirp-jdk25 | jslirp-variant | jslirp-defaults | slirp4netns)
      unshare -n sleep 86400 &
      HOLDER=$!
      PIDS+=("$HOLDER")
      wait_for 50 bash -c "[[ \$(readlink /proc/$HOLDER/ns/net) != \$(readlink /proc/self/ns/net) ]]" || return 1
      local cmd
      case $tool in
        jslirp | jslirp-twin) cmd=("$ROOT/jslirp") ;;
        jslirp-confined) cmd=("$ROOT/jslirp" --enable-sandbox --enable-seccomp) ;;
        jslirp-jdk25) [[ -x $JDK25/bin/java ]] || return 1; cmd=(env "JAVA_HOME=$JDK25" "$ROOT/jslirp") ;;
        jslirp-variant)
          have_tool jslirp-variant || { log "jslirp-variant: JSLIRP_VARIANT_OPTS is empty"; return 1; }
          cmd=("$ROOT/jslirp")
          jopts+=" $JSLIRP_VARIANT_OPTS"
          ;;
        jslirp-defaults) [[ -f $JAR ]] || return 1; cmd=("$JAVA" -Dio.netty.leakDetection.level=disabled -XX:+UseSerialGC -jar "$JAR") ;;
        *) cmd=(slirp4netns) ;;
      esac
      mkfifo "$TMP/ready-$SEQ"
      t0=$(now_ms)
      JSLIRP_JAVA_OPTS=$jopts "${cmd[@]}" -c -m "$mtu" -r 3 ${TOOL_ARGS[@]+"${TOOL_ARGS[@]}"} "$HOLDER" tap0 3>"$TMP/ready-$SEQ" >"$logf" 2>&1 &
      TOOL_PID=$!
      PIDS+=("$TOOL_PID")
      local r
      r=$(timeout 30 head -c1 "$TMP/ready-$SEQ")
      START_MS=$(($(now_ms) - t0))
      [[ $r == 1 ]] || { log "$tool did not become ready: $(tail -3 "$logf")"; return 1; }
      GUEST=(nsenter "--net=/proc/$HOLDER/ns/net" --)
      ;;
    pasta)
      NSNAME=$NAME-$$-$SEQ
      ip netns add "$NSNAME" || return 1
      NETNS+=("$NSNAME")
      t0=$(now_ms)
      pasta -f -q -4 --runas 0 --config-net -I tap0 -a 10.0.2.100 -n 24 -g "$GW" -m "$mtu" \
        ${PASTA_FWD:--t none} -u none -T none -U none --netns "$NSNAME" >"$logf" 2>&1 &
      TOOL_PID=$!
      PIDS+=("$TOOL_PID")
      local i
      for ((i = 0; i < 1000; i++)); do
        ip -n "$NSNAME" -br addr show tap0 2>/dev/null | grep -q 10.0.2.100 && break
        sleep 0.01
      done
      START_MS=$(($(now_ms) - t0))
      ((i < 1000)) || { log "pasta did not configure tap0: $(grep -v syslog "$logf" | tail -3)"; return 1; }
      GUEST=(ip netns exec "$NSNAME")
      ;;
    *) return 1 ;;
  esac
  kill -0 "$TOOL_PID" 2>/dev/null
}

# Installed? jslirp's variants need only this checkout (jslirp-jdk25 its JDK too, jslirp-variant options).
have_tool() {
  case $1 in
    jslirp | jslirp-twin | jslirp-defaults | jslirp-confined) return 0 ;;
    jslirp-jdk25) [[ -x $JDK25/bin/java ]] ;;
    jslirp-variant) local v=${JSLIRP_VARIANT_OPTS:-}; [[ -n ${v// /} ]] ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

stop_tool() {
  if [[ -n $TOOL_PID ]]; then
    kill "$TOOL_PID" 2>/dev/null
    timeout 5 tail --pid="$TOOL_PID" -f /dev/null || kill -9 "$TOOL_PID" 2>/dev/null
    wait "$TOOL_PID" 2>/dev/null
    forget "$TOOL_PID"
  fi
  if [[ -n $HOLDER ]]; then
    kill "$HOLDER" 2>/dev/null
    wait "$HOLDER" 2>/dev/null
    forget "$HOLDER"
  fi
  [[ -n $NSNAME ]] && ip netns del "$NSNAME" 2>/dev/null
  TOOL_PID= HOLDER= NSNAME=
}

# --- repeated cells: every cell measured REPEAT times, printed as median and spread ------------------
# A benchmark on a shared 2-core machine moves by tens of percent between runs, and which tool runs first
# matters (caches, the JIT of the client, the machine's other load). So each script runs its whole tool
# sequence REPEAT times, in rotating order (TOOLS, then rotated by one, ...), records every cell's
# values with `record ROW COL VALUE`, and prints `cell ROW COL`: "median (min–max)", or the single value
# when REPEAT=1; when no repetition gave a number, the first word recorded ("fail", "not_installed" shown
# as "not installed"); ", N fail" is appended when some repetitions gave no number.
# A cell whose min or max lies more than 25% from its median is marked "±wide" so nobody reads it as a
# stable number.
REPEAT=${REPEAT:-3}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "REPEAT must be a positive integer, not '$REPEAT'" >&2; exit 1; }
declare -A CELLS=()
ROW_ORDER=()

# --- measurements through the started tool (GUEST, GW, IPORT/LPORT from the servers, OMIT, DURATION, JAVA,
# BENCH): each prints one number, or "fail" and a line on stderr --------------------------------------------
iperf() { # $1: "" (guest->host) or -R (host->guest)
  local out v
  : >"$TMP/bounded.err"
  out=$(bounded timeout $((OMIT + DURATION + 30)) "${GUEST[@]}" iperf3 -c "$GW" -p "$IPORT" -t "$DURATION" \
        -O "$OMIT" -f g --connect-timeout 5000 $1)
  v=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' <<<"$out" | tail -1)
  if [[ -n $v ]]; then echo "$v"; else log "iperf3 $1 failed: $(tail -1 <<<"$out") $(tail -1 "$TMP/bounded.err")"; echo fail; fi
}
load() { # rr|crr SECONDS [PeerLoad's further arguments] -> the PeerLoad output line
  local secs=$2
  : >"$TMP/bounded.err"
  bounded timeout $((OMIT + secs + 60)) "${GUEST[@]}" "$JAVA" -XX:+UseSerialGC -cp "$BENCH" io.jslirp.bench.peer.PeerLoad \
    "$1" "$GW" "$LPORT" "$secs" "${@:3}"
}
rr() { # SECONDS -> transactions/s or fail
  local out; out=$(load rr "$1" "$OMIT")
  if [[ $out == rr\ * ]]; then awk '{print $2}' <<<"$out"; else log "rr failed: $(tail -1 "$TMP/bounded.err")"; echo fail; fi
}
crr() { # SECONDS -> connections/s or fail
  local out; out=$(load crr "$1" - "$OMIT")
  if [[ $out == crr\ * ]] && (($(awk '{print $3}' <<<"$out") > 0)); then awk '{print $2}' <<<"$out"
  else log "crr failed: $out $(tail -1 "$TMP/bounded.err")"; echo fail; fi
}

record() { # ROW COL VALUE
  [[ -v "CELLS[$1|]" ]] || { CELLS["$1|"]=1; ROW_ORDER+=("$1"); }
  CELLS["$1|$2"]+="$3 "
}

# The awk both read a cell's values with: a[1..n] as recorded, v[1..m] its numbers sorted, bad the rest, and
# med their median (when m > 0).
SORTED_VALUES='n = split(vals, a, " "); m = 0; bad = 0
    for (i = 1; i <= n; i++) if (a[i] ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) v[++m] = a[i] + 0; else bad++
    for (i = 2; i <= m; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    if (m > 0) med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2'

cell() { # ROW COL -> summary of the recorded values
  awk -v vals="${CELLS["$1|$2"]:-}" "BEGIN { $SORTED_VALUES"'
    if (n == 0) { print ""; exit }
    if (m == 0) { x = a[1]; gsub("_", " ", x); print x; exit }
    out = fmt(med)
    if (m > 1) out = out " (" fmt(v[1]) "–" fmt(v[m]) ")"
    if (m > 1 && med != 0 && (v[m] > 1.25 * med || v[1] < 0.75 * med)) out = out " ±wide"
    if (bad) out = out ", " bad " fail"
    print out
  }
  function fmt(x) { return (x == int(x)) ? sprintf("%d", x) : (x >= 100 ? sprintf("%.0f", x) : (x >= 1 ? sprintf("%.2f", x) : sprintf("%.3g", x))) }'
}

# Paired: ROW against BASE_ROW, run by run. Both rows record one value per repetition, in the same order, and
# the two values of one repetition were measured minutes apart, so their ratio leaves out what the machine did
# between repetitions (these machines drift by tens of percent over half an hour, both tools alike). Prints
# the median (min to max) of the per-run changes in percent, ", N unpaired" when a run gave no number for
# either row, and "±wide" as cell does when the spread passes ±25 points. Rows must record one value per run,
# "fail" included, or runs pair with the wrong partners.
paired_cell() { # ROW BASE_ROW COL -> "+3.1% (−2.0 to +6.4)"
  awk -v a="${CELLS["$1|$3"]:-}" -v b="${CELLS["$2|$3"]:-}" '
    function num(x) { return x ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
    function pct(x) { s = sprintf("%+.1f", x); sub(/^-/, "\342\210\222", s); return s }
    BEGIN {
      n = split(a, x, " "); nb = split(b, y, " "); if (nb > n) n = nb; m = 0; bad = 0
      for (i = 1; i <= n; i++)
        if (num(x[i]) && num(y[i]) && y[i] + 0 > 0) v[++m] = 100 * (x[i] / y[i] - 1); else bad++
      if (n == 0) { print ""; exit }
      if (m == 0) { print "fail"; exit }
      for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
      out = pct(med) "%"
      if (m > 1) out = out " (" pct(v[1]) " to " pct(v[m]) ")"
      if (m > 1 && (v[m] - med > 25 || med - v[1] > 25)) out = out " ±wide"
      if (bad) out = out ", " bad " unpaired"
      print out
    }'
}

median() { # ROW COL -> the bare median of the recorded numbers, empty when there is none
  awk -v vals="${CELLS["$1|$2"]:-}" "BEGIN { $SORTED_VALUES; if (m > 0) print med }"
}

# The tools of repetition $1 (1-based) in rotated order.
# The words of $2 rotated left by (rep - 1): with two words, as given on odd runs and swapped on even ones;
# with three or more, each word takes each position once every that many runs (reversing would keep a
# middle word in the middle every time). What runs later in a run measures lower on this kind of machine
# (seen: jslirp's IPv6 rows 14-24% under IPv4 when they ran second, 0-10% over it when they ran first), so
# tools, families and MTUs all rotate, and medians compare on equal terms.
in_rep_order() {
  local -a t
  read -r -a t <<<"$2"
  local n=${#t[@]} i
  ((n > 0)) || return 0
  for ((i = 0; i < n; i++)); do printf '%s ' "${t[(i + $1 - 1) % n]}"; done
}

tools_for_rep() {
  in_rep_order "$1" "$TOOLS"
}

# One line naming the machine the table came from: numbers move between machines, ratios in one run count.
machine_line() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPUs, kernel $(uname -r), $("$JAVA" -version 2>&1 | head -1)."
  echo "Each cell: median (min–max) of $REPEAT runs in rotating tool order; ±wide marks a spread over ±25%."
  echo "Absolute numbers move between machines; compare tools within one table."
}
