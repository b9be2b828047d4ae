#!/usr/bin/env bash
# Installs the real peers the interop tests compare against (Docker Engine 20.10, skopeo, umoci, GNU tar,
# zstd, xz, docker-registry) and bubblewrap (the sandbox of the root-only containment tests) from Debian's packages, starts a
# private dockerd without networking, and imports an offline busybox base image. Writes the environment the
# tests read to $PEERS_ENV (default .ci/peers.env).
#
# Usage: bash .ci/peers.sh [start|stop]
# Safe to run twice: an engine already answering on the socket is reused.
set -euo pipefail

state=${IMAGEFMT_PEERS_DIR:-/tmp/imagefmt-peers}
env_file=${PEERS_ENV:-$(cd "$(dirname "$0")" && pwd)/peers.env}
sock="$state/docker.sock"
docker_cli=/usr/bin/docker

stop() {
  local pid
  pid=$(cat "$state/dockerd.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$state/dockerd.pid"
}

if [ "${1:-start}" = stop ]; then stop; exit 0; fi

if [ "$(id -u)" != 0 ]; then
  echo "peers: not root; interop tests will skip" >&2
  : > "$env_file"; exit 0
fi

need=()
[ -x /usr/sbin/dockerd ] && [ -x "$docker_cli" ] || need+=(docker.io)
command -v skopeo >/dev/null || need+=(skopeo)
command -v umoci >/dev/null || need+=(umoci)
command -v zstd >/dev/null || need+=(zstd)
command -v xz >/dev/null || need+=(xz-utils)
command -v bzip2 >/dev/null || need+=(bzip2)
# The containment tests run the CLI as root inside bubblewrap (host read-only, only a temporary directory writable).
command -v bwrap >/dev/null || need+=(bubblewrap)
# The registry tests start Debian's docker-registry (CNCF Distribution 2.8) themselves, on loopback.
command -v docker-registry >/dev/null || need+=(docker-registry)
# The direct-I/O writes are checked on xfs and btrfs made on a loop device (tests/ImageFormat.Tests/IO/DirectWriteFileSystemTests).
[ -x /usr/sbin/mkfs.xfs ] || [ -x /sbin/mkfs.xfs ] || need+=(xfsprogs)
[ -x /usr/sbin/mkfs.btrfs ] || [ -x /sbin/mkfs.btrfs ] || need+=(btrfs-progs)
if ((${#need[@]})); then
  echo "peers: installing ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

mkdir -p "$state"
export DOCKER_HOST="unix://$sock"
if ! "$docker_cli" version >/dev/null 2>&1; then
  stop
  rm -f "$sock"
  # vfs: works on any file system, and stores layers as plain directories, as the benchmarks assume.
  nohup /usr/sbin/dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    --storage-driver vfs --iptables=false --ip6tables=false --bridge=none --host "unix://$sock" \
    > "$state/dockerd.log" 2>&1 &
  for _ in $(seq 1 150); do "$docker_cli" version >/dev/null 2>&1 && break; sleep 0.2; done
  "$docker_cli" version >/dev/null 2>&1 || { echo "peers: dockerd did not start; see $state/dockerd.log" >&2; tail -20 "$state/dockerd.log" >&2; exit 1; }
fi

# An offline base image: busybox-static from Debian, unpacked into a root file system and imported.
if ! "$docker_cli" image inspect busybox:base >/dev/null 2>&1; then
  work=$(mktemp -d)
  (cd "$work" && apt-get download -qq busybox-static >/dev/null 2>&1) || { apt-get update -qq >/dev/null; (cd "$work" && apt-get download -qq busybox-static >/dev/null); }
  dpkg -x "$work"/busybox-static_*.deb "$work/pkg"
  root="$work/rootfs"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  cp "$work/pkg/bin/busybox" "$root/bin/busybox"
  for app in sh cat ls echo rm mkdir touch cp mv ln chmod sleep true false; do ln -s busybox "$root/bin/$app"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$root" -cf "$work/base.tar" .
  "$docker_cli" import "$work/base.tar" busybox:base >/dev/null
  rm -rf "$work"
fi

cat > "$env_file" <<EOT
IMAGEFMT_DOCKER=$docker_cli
DOCKER_HOST=unix://$sock
IMAGEFMT_BASE_IMAGE=busybox:base
EOT
echo "peers: docker $("$docker_cli" version --format '{{.Server.Version}}'), $(skopeo --version), $(umoci --version) ready; env in $env_file"
