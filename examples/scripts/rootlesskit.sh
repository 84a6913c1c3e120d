#!/usr/bin/env bash
# Runtime integration: RootlessKit (what rootless Docker and nerdctl run) with jslirp in place of
# slirp4netns, as an ordinary user. RootlessKit makes the user and network namespaces and tap0, starts
# jslirp as its "slirp4netns binary", and publishes ports through jslirp's API socket when rootlessctl asks.
# Needs rootlesskit/rootlessctl, a subuid/subgid range for the user in /etc/subuid and /etc/subgid, and
# /dev/net/tun usable by the user (mode 0666, as distributions ship it).
#
#   examples/scripts/rootlesskit.sh          # as your user: publishes the child's port 8080 on 127.0.0.1:PORT
#
# Prints what the child sees and what a client on the host gets through the published port.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$(mktemp -d /tmp/jslirp-rootlesskit.XXXXXX)
PORT=${PORT:-18080}
RK=
cleanup() {
  [[ -n $RK ]] && kill "$RK" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT

# The child: report its address, then serve one line per connection on 8080 for at most 60 s.
rootlesskit --state-dir="$STATE/rk" --net=slirp4netns --slirp4netns-binary="$ROOT/jslirp" \
  --port-driver=slirp4netns --disable-host-loopback \
  sh -c "ip -4 -o addr show tap0 > $STATE/child; exec timeout 60 socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello from the rootless child'" \
  >"$STATE/rootlesskit.log" 2>&1 &
RK=$!
for _ in $(seq 100); do [[ -s $STATE/child ]] && break; sleep 0.2; done
[[ -s $STATE/child ]] || { echo "rootlesskit did not start:"; cat "$STATE/rootlesskit.log"; exit 1; }
echo "child: $(awk '{print $2, $4}' "$STATE/child")"

rootlessctl --socket="$STATE/rk/api.sock" add-ports "127.0.0.1:$PORT:8080/tcp"
rootlessctl --socket="$STATE/rk/api.sock" list-ports
echo "client: $(socat -t 5 - TCP:127.0.0.1:$PORT </dev/null)"
