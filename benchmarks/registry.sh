#!/usr/bin/env bash
# Issue 12 benchmark: registry transfers over loopback, side by side with Docker 20.10 and skopeo, on the ~1.1 GB
# benchmark image, each in one run:
#   bash benchmarks/registry.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
#   IMAGEFMT_CLI=PATH bash benchmarks/registry.sh    # measure that imagefmt (such as the Native AOT one)
# Starts Debian's docker-registry (plain HTTP, loopback, temporary storage; a fresh one for each push, so no push
# finds a blob already there), seeds it with skopeo from the benchmark archive (gzip layers, as skopeo pushes them),
# then measures with /usr/bin/time (wall seconds, peak RSS):
#   - push from the store:     imagefmt push (store loaded from the archive)  vs  docker push (image loaded)  and
#                              skopeo copy docker-archive: docker://
#   - pull into the store:     imagefmt pull                                  vs  docker pull
#   - pull to an OCI layout:   imagefmt copy docker://… oci:DIR               vs  skopeo copy docker://… oci:DIR
#   - registry to registry:    imagefmt copy docker://… docker://…            vs  skopeo copy
# Goals (issue 12): push >= 2x faster than docker push and no slower than skopeo; pull >= 2x faster than docker
# pull; pull to a layout no slower than skopeo; peak memory <= 64 MB. Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
archive="$dir/big-${size_mb}m-${layers}l.tar"
[ -f "$archive" ] || bash benchmarks/archive-read.sh "$size_mb" "$layers" "$files" >/dev/null
command -v docker-registry >/dev/null || { echo "docker-registry not found: apt-get install docker-registry" >&2; exit 1; }

. benchmarks/lib.sh
bench_peers
bench_cli
work=$(mktemp -d "$dir/registry-XXXXXX")
registry_pid=
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null || true
  "$docker" rmi -f "$host/bench/seed:latest" "$push_tag" bench:latest >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_registry: a docker-registry on a free loopback port with empty storage; sets $host.
start_registry() {
  [ -n "$registry_pid" ] && { kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; }
  rm -rf "$work/storage"
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  host="127.0.0.1:$port"
  cat > "$work/config.yml" <<EOT
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: $host
EOT
  docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://$host/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
}

# Runs a command under /usr/bin/time, after writing back what is dirty; prints "<wall seconds> <peak RSS in KB>".
measure() { sync; /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }; cat "$work/time"; }

# --- push: each into a fresh registry ---
$cli --root "$work/store" load -i "$archive" > /dev/null
"$docker" load -i "$archive" > /dev/null
cat "$archive" > /dev/null
start_registry
push_tag="$host/bench/pushed:latest"
$cli --root "$work/store" tag bench:latest "$push_tag"
read -r t_push m_push < <(measure $cli --root "$work/store" push "$push_tag")
start_registry
push_tag="$host/bench/pushed:latest"
"$docker" tag bench:latest "$push_tag"
read -r t_push_d _ < <(measure "$docker" push "$push_tag")
"$docker" rmi "$push_tag" > /dev/null
start_registry
read -r t_push_s _ < <(measure skopeo copy --quiet --dest-tls-verify=false "docker-archive:$archive" "docker://$host/bench/pushed:latest")

# --- pulls, from the registry skopeo seeded ---
skopeo copy --quiet --dest-tls-verify=false "docker-archive:$archive" "docker://$host/bench/seed:latest"
read -r t_pull m_pull < <(measure $cli --root "$work/pulled" pull "$host/bench/seed:latest")
"$docker" rmi -f bench:latest > /dev/null 2>&1 || true
read -r t_pull_d _ < <(measure "$docker" pull "$host/bench/seed:latest")
"$docker" rmi "$host/bench/seed:latest" > /dev/null

read -r t_oci m_oci < <(measure $cli copy "docker://$host/bench/seed:latest" "oci:$work/oci-ours:latest")
read -r t_oci_s m_oci_s < <(measure skopeo copy --quiet --src-tls-verify=false "docker://$host/bench/seed:latest" "oci:$work/oci-skopeo:latest")
read -r t_reg m_reg < <(measure $cli copy "docker://$host/bench/seed:latest" "docker://$host/bench/ours:latest")
read -r t_reg_s m_reg_s < <(measure skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$host/bench/seed:latest" "docker://$host/bench/skopeo:latest")

ratio() { echo "$1 / $2" | bc -l; }
echo "image: $archive ($(stat -c %s "$archive") bytes, $layers layers), loopback docker-registry, $(nproc) cores; imagefmt: $cli"
printf 'push from the store:  imagefmt %6.2f s (%6d KB peak)  docker push %6.2f s  skopeo %6.2f s  -> docker/imagefmt = %.2fx, skopeo/imagefmt = %.2fx\n' "$t_push" "$m_push" "$t_push_d" "$t_push_s" "$(ratio "$t_push_d" "$t_push")" "$(ratio "$t_push_s" "$t_push")"
printf 'pull into the store:  imagefmt %6.2f s (%6d KB peak)  docker pull %6.2f s  -> docker/imagefmt = %.2fx\n' "$t_pull" "$m_pull" "$t_pull_d" "$(ratio "$t_pull_d" "$t_pull")"
printf 'pull to OCI layout:   imagefmt %6.2f s (%6d KB peak)  skopeo %6.2f s (%6d KB)  -> skopeo/imagefmt = %.2fx\n' "$t_oci" "$m_oci" "$t_oci_s" "$m_oci_s" "$(ratio "$t_oci_s" "$t_oci")"
printf 'registry to registry: imagefmt %6.2f s (%6d KB peak)  skopeo %6.2f s (%6d KB)  -> skopeo/imagefmt = %.2fx\n' "$t_reg" "$m_reg" "$t_reg_s" "$m_reg_s" "$(ratio "$t_reg_s" "$t_reg")"
echo "peak memory target: 64 MB (65536 KB) for any image size"
