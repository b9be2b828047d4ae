#!/usr/bin/env bash
# Issue 12 benchmark: registry transfers over loopback, side by side with skopeo, on the ~1.1 GB benchmark image.
#   bash benchmarks/registry.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
# Starts Debian's docker-registry (plain HTTP, loopback, temporary storage), seeds it with skopeo from the archive
# benchmarks/archive-read.sh makes (cached in $BENCH_DIR), then measures with /usr/bin/time (wall seconds, peak RSS):
#   - pull to an OCI layout: imagefmt copy docker://… oci:DIR   vs  skopeo copy docker://… oci:DIR
#   - registry to registry:  imagefmt copy docker://… docker://…  vs  skopeo copy (both between two repositories)
# Not measured yet (the commands do not exist yet): imagefmt push / pull into the store vs docker push / pull.
# Run it on an idle machine; numbers on a loaded one say nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
archive="$dir/big-${size_mb}m-${layers}l.tar"
[ -f "$archive" ] || bash benchmarks/archive-read.sh "$size_mb" "$layers" "$files" >/dev/null
command -v docker-registry >/dev/null || { echo "docker-registry not found: apt-get install docker-registry" >&2; exit 1; }

dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
work=$(mktemp -d "$dir/registry-XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
trap 'kill $registry_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://$host/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

skopeo copy --quiet --dest-tls-verify=false "docker-archive:$archive" "docker://$host/bench/seed:latest"

# Runs a command under /usr/bin/time; prints "<wall seconds> <peak RSS in KB>".
measure() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }; cat "$work/time"; }

read -r t_oci m_oci < <(measure $cli copy "docker://$host/bench/seed:latest" "oci:$work/oci-ours:latest")
read -r t_oci_s m_oci_s < <(measure skopeo copy --quiet --src-tls-verify=false "docker://$host/bench/seed:latest" "oci:$work/oci-skopeo:latest")
read -r t_reg m_reg < <(measure $cli copy "docker://$host/bench/seed:latest" "docker://$host/bench/ours:latest")
read -r t_reg_s m_reg_s < <(measure skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$host/bench/seed:latest" "docker://$host/bench/skopeo:latest")

ratio() { echo "$1 / $2" | bc -l; }
echo "image: $archive ($(stat -c %s "$archive") bytes, $layers layers), registry $host, $(nproc) cores"
printf 'pull to OCI layout:   imagefmt %6.2f s (%6d KB peak)  skopeo %6.2f s (%6d KB)  -> skopeo/imagefmt = %.2fx\n' "$t_oci" "$m_oci" "$t_oci_s" "$m_oci_s" "$(ratio "$t_oci_s" "$t_oci")"
printf 'registry to registry: imagefmt %6.2f s (%6d KB peak)  skopeo %6.2f s (%6d KB)  -> skopeo/imagefmt = %.2fx\n' "$t_reg" "$m_reg" "$t_reg_s" "$m_reg_s" "$(ratio "$t_reg_s" "$t_reg")"
echo "peak memory target: 64 MB (65536 KB) for any image size"
