#!/usr/bin/env bash
# Issue 4 benchmark: converting a >= 1 GB archive made by real Docker 20.10, side by side with cp and skopeo.
#   bash benchmarks/archive-convert.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
# Reuses the archive benchmarks/archive-read.sh generates (cached in $BENCH_DIR), then measures with a warm cache:
#   - cp of the archive (the ceiling for a verbatim copy)
#   - imagefmt archive convert --archive-format docker: blobs copied verbatim (and verified); throughput as a share of cp's
#   - imagefmt archive convert --archive-format oci vs skopeo copy docker-archive: oci-archive: (the same work)
#   - imagefmt archive convert --compress gzip: CPU use (100% per busy core) from /usr/bin/time
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
archive="$dir/big-${size_mb}m-${layers}l.tar"
[ -f "$archive" ] || bash benchmarks/archive-read.sh "$size_mb" "$layers" "$files" >/dev/null

dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
bytes=$(stat -c %s "$archive")
out="$dir/convert-out"; rm -rf "$out"; mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
cat "$archive" > /dev/null   # warm the page cache for every contender alike

# Runs a command under /usr/bin/time; prints "<wall seconds> <cpu percent> <user seconds>".
# CPU% is only meaningful on an idle machine: with other work running, compare user seconds to wall seconds.
measure() { /usr/bin/time -f '%e %P %U' -o "$dir/time" "$@" > /dev/null 2> "$dir/stderr" || { cat "$dir/stderr" >&2; exit 1; }; tr -d '%' < "$dir/time"; }

read -r t_cp _ < <(measure cp "$archive" "$out/cp.tar"); rm -f "$out/cp.tar"
read -r t_cpsync _ < <(measure sh -c "cp '$archive' '$out/cp.tar' && sync '$out/cp.tar'"); rm -f "$out/cp.tar"
read -r t_docker p_docker < <(measure $cli archive convert --archive-format docker "$archive" "$out/docker.tar"); rm -f "$out/docker.tar"
read -r t_oci _ < <(measure $cli archive convert --archive-format oci "$archive" "$out/oci.tar"); rm -f "$out/oci.tar"
read -r t_skopeo _ < <(measure skopeo copy "docker-archive:$archive" "oci-archive:$out/skopeo.tar:latest"); rm -f "$out/skopeo.tar"
read -r t_gzip p_gzip u_gzip < <(measure $cli archive convert --archive-format docker --compress gzip "$archive" "$out/gzip.tar"); rm -f "$out/gzip.tar"

mbps() { echo "$bytes / $1 / 1000000" | bc -l; }
echo "archive: $archive ($bytes bytes, $layers layers), $(nproc) cores"
printf 'cp:                          %6.2f s  (%.0f MB/s)\n' "$t_cp" "$(mbps "$t_cp")"
printf 'cp + sync (we fsync):        %6.2f s  (%.0f MB/s)\n' "$t_cpsync" "$(mbps "$t_cpsync")"
printf 'convert --archive-format docker:     %6.2f s  (%.0f MB/s) = %.0f%% of cp, %.0f%% of cp+sync throughput, CPU %s%%\n' "$t_docker" "$(mbps "$t_docker")" "$(echo "100 * $t_cp / $t_docker" | bc -l)" "$(echo "100 * $t_cpsync / $t_docker" | bc -l)" "$p_docker"
printf 'convert --archive-format oci:        %6.2f s  (%.0f MB/s)\n' "$t_oci" "$(mbps "$t_oci")"
printf 'skopeo copy -> oci-archive:  %6.2f s  -> imagefmt is %.1fx faster\n' "$t_skopeo" "$(echo "$t_skopeo / $t_oci" | bc -l)"
printf 'convert --compress gzip:     %6.2f s  (%.0f MB/s of input), CPU %s%% (of %d00%% on %d cores), %s s user; load average %s\n' "$t_gzip" "$(mbps "$t_gzip")" "$p_gzip" "$(nproc)" "$(nproc)" "$u_gzip" "$(cut -d' ' -f1 /proc/loadavg)"
