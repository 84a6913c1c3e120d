#!/usr/bin/env bash
# Installs what jslirp's build and end-to-end tests need that a fresh Debian 12 machine lacks.
# Idempotent and quiet: when everything is present it prints nothing and touches nothing, so it is
# cheap to run before every test run. apt-get update runs at most once, and only if something is missing.
set -euo pipefail

# command -> Debian package that provides it
declare -A NEED=(
  [ip]=iproute2
  [ping]=iputils-ping
  [tshark]=tshark
  [busybox]=busybox
  [socat]=socat
  [iperf3]=iperf3
  [curl]=curl
  [sha256sum]=coreutils
  [ss]=iproute2
  [nsenter]=util-linux
  [unshare]=util-linux
  [setpriv]=util-linux
  [ps]=procps
  [kill]=procps
  [sysctl]=procps
  [mvn]=maven
  [rootlesskit]=rootlesskit
  [dhclient]=isc-dhcp-client
  [rootlessctl]=rootlesskit
  # PodmanIT: rootless podman 4.3 with runc (it accepts the cgroup2 mount the test makes), catatonit for
  # podman's pause process, newuidmap/newgidmap for the user's subordinate ids, conmon as the monitor
  [podman]=podman
  [runc]=runc
  [conmon]=conmon
  [catatonit]=catatonit
  [newuidmap]=uidmap
  [newgidmap]=uidmap
)

missing=()
for cmd in "${!NEED[@]}"; do
  # type -P: a file on PATH, so a shell builtin of the same name (kill) does not count as installed
  type -P "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done

# The build needs a JDK 17 or later (javac, not only a JRE).
jdk_ok=false
if command -v javac >/dev/null 2>&1; then
  major=$(javac -version 2>&1 | awk '{print $2}' | cut -d. -f1)
  [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 17)) && jdk_ok=true
fi
$jdk_ok || missing+=(openjdk-17-jdk-headless)

# Files rather than commands: the seccomp tests check jslirp's syscall numbers against the kernel's headers.
[[ -f /usr/include/x86_64-linux-gnu/asm/unistd_64.h && -f /usr/include/asm-generic/unistd.h \
  && -f /usr/include/linux/audit.h ]] || missing+=(linux-libc-dev)

((${#missing[@]} == 0)) && exit 0

# de-duplicate (util-linux is named three times)
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [[ $(id -u) -ne 0 ]]; then
  echo "install-test-deps.sh: missing packages: ${missing[*]}" >&2
  echo "install-test-deps.sh: run as root (or install them yourself): apt-get install ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps.sh: missing packages: ${missing[*]}, and no apt-get to install them with" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-test-deps.sh: failed to install: ${missing[*]}" >&2
  exit 1
fi

# A JDK 17 may now be installed next to another default; point java/javac at 17 for this machine.
if ! $jdk_ok; then
  jhome=$(ls -d /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -n1)
  if [[ -n "$jhome" ]]; then
    update-alternatives --set java "$jhome/bin/java" >/dev/null 2>&1 || true
    update-alternatives --set javac "$jhome/bin/javac" >/dev/null 2>&1 || true
  fi
fi
