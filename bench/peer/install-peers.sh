#!/usr/bin/env bash
# Installs what the peer benchmarks compare against and drive, from Debian's packages: slirp4netns, passt
# (pasta), iperf3, socat. Idempotent; prints nothing when all are there. Run as root.
set -euo pipefail
declare -A NEED=([slirp4netns]=slirp4netns [pasta]=passt [iperf3]=iperf3 [socat]=socat [ss]=iproute2 [nsenter]=util-linux)
missing=()
for cmd in "${!NEED[@]}"; do
  type -P "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
((${#missing[@]} == 0)) && exit 0
[[ $(id -u) -eq 0 ]] || { echo "install-peers.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
