#!/usr/bin/env bash
# How a container launcher drives jslirp, the way podman drives slirp4netns: a process holds a new network
# namespace, jslirp attaches to it with a ready fd (-r) and an exit fd (-e) and an API socket, the launcher
# waits for the ready byte, publishes a port through the API, runs the workload, and ends jslirp by closing
# the exit fd. Run as root (or adapt with unshare -r for rootless). Stays on this machine.
#
#   examples/scripts/launcher.sh            # serves "hello" from the namespace on a forwarded 127.0.0.1 port
#   JSLIRP=/path/to/jslirp examples/scripts/launcher.sh
#
# Prints the curl output and jslirp's exit status; exits non-zero if any step fails.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JSLIRP=${JSLIRP:-$ROOT/jslirp}
TMP=$(mktemp -d /tmp/jslirp-launcher.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# 1. The "container": a process alone in a new network namespace (podman's would be the conmon child).
unshare -n sleep 300 &
HOLDER=$!
PIDS+=("$HOLDER")
for _ in $(seq 50); do
  [[ $(readlink /proc/$HOLDER/ns/net) != $(readlink /proc/self/ns/net) ]] && break
  sleep 0.1
done

# 2. jslirp with the fds a runtime passes: ready on fd 3 (a fifo we read), exit on fd 4 (a fifo we hold open).
mkfifo "$TMP/ready" "$TMP/exit"
exec 4<>"$TMP/exit"                      # our end of the exit pipe: closing it ends jslirp
API=$TMP/api.sock
"$JSLIRP" --configure --mtu=65520 --disable-host-loopback -r 3 -e 4 --api-socket "$API" \
  "$HOLDER" tap0 3>"$TMP/ready" 4<"$TMP/exit" &
JPID=$!
PIDS+=("$JPID")
READY=$(timeout 30 head -c1 "$TMP/ready")
[[ $READY == 1 ]] || { echo "launcher: jslirp did not become ready" >&2; exit 1; }
echo "launcher: jslirp $JPID is ready"

# 3. The workload inside the namespace: an HTTP answer per connection on port 80 that names the client.
# It reads the request to its blank line first: exiting with the request unread would make socat's write of
# it fail (EPIPE), and socat then drops the connection before passing the answer on.
cat >"$TMP/respond.sh" <<'SH'
#!/bin/sh
cr=$(printf '\r')
while IFS= read -r line && [ "$line" != "$cr" ] && [ -n "$line" ]; do :; done
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from the container: you are %s\n' "$SOCAT_PEERADDR"
SH
chmod +x "$TMP/respond.sh"
# 4>&-: the workload must not hold the exit pipe open, or jslirp would outlive the "container".
nsenter --net=/proc/$HOLDER/ns/net -- timeout 60 socat TCP-LISTEN:80,reuseaddr,fork EXEC:"$TMP/respond.sh" 4>&- &
PIDS+=($!)
for _ in $(seq 100); do # at most 10 s for socat to listen; a forward to a closed port resets the client
  nsenter --net=/proc/$HOLDER/ns/net -- ss -Hltn 'sport = :80' | grep -q . && break
  sleep 0.1
done

# 4. Publish it, as `podman run -p` does through slirp4netns's API (host_port 0: jslirp picks a free port).
REPLY=$(printf '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":0,"guest_port":80}}\n' \
  | timeout 10 socat -t 5 - "UNIX-CONNECT:$API")
echo "launcher: add_hostfwd -> $REPLY"
PORT=$(sed -n 's/.*"host_port":\([0-9]*\).*/\1/p' <<<"$REPLY")
[[ -n $PORT ]] || { echo "launcher: no port in the reply" >&2; exit 1; }
GOT=$(curl -sS --max-time 10 "http://127.0.0.1:$PORT/")
echo "launcher: curl 127.0.0.1:$PORT -> $GOT"
[[ $GOT == "hello from the container"* ]] || { echo "launcher: unexpected answer" >&2; exit 1; }
echo "launcher: list_hostfwd -> $(printf '{"execute":"list_hostfwd"}' | timeout 10 socat -t 5 - "UNIX-CONNECT:$API")"

# 5. The container stops: close the exit fd; jslirp exits 0 and removes its API socket.
exec 4>&-
set +e
wait "$JPID"
STATUS=$?
set -e
echo "launcher: jslirp exited with $STATUS; API socket left behind: $([[ -e $API ]] && echo yes || echo no)"
[[ $STATUS -eq 0 && ! -e $API ]]
