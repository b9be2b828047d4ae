#!/usr/bin/env bash
# Remakes samples/hello.tar with real Docker 20.10 (bash .ci/peers.sh starts one): a two-image archive in
# the legacy `docker save` format. `hello:base` is a tiny imported root file system; `hello:latest` is a
# container of it with one file added, committed with an author and a message, so the archive carries a
# parent link, two layers and a history. The IDs change with every run (commit records the time).
set -euo pipefail
cd "$(dirname "$0")"
. ../.ci/peers.env; export DOCKER_HOST
docker=${IMAGEFMT_DOCKER:-docker}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/etc" "$work/root/bin"
echo 'hello from imagefmt' > "$work/root/etc/motd"
tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$work/root" -cf "$work/base.tar" .
"$docker" rmi -f hello:base hello:latest >/dev/null 2>&1 || true
"$docker" import -m "imported by samples/make-sample.sh" "$work/base.tar" hello:base >/dev/null
cid=$("$docker" create hello:base /bin/true)
echo 'second layer' > "$work/greeting"
"$docker" cp "$work/greeting" "$cid:/greeting"
"$docker" commit -a "ImageFormat samples" -m "add /greeting" "$cid" hello:latest >/dev/null
"$docker" rm "$cid" >/dev/null
"$docker" save -o hello.tar hello:base hello:latest
echo "wrote samples/hello.tar ($(stat -c %s hello.tar) bytes)"
