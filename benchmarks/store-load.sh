#!/usr/bin/env bash
# Issue 6 benchmark: `imagefmt load` of a >= 1 GB archive made by real Docker 20.10, side by side with
# `docker load` (vfs storage driver, private engine) and with copying and hashing the same bytes.
#   bash benchmarks/store-load.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
# Generates (once, cached in $BENCH_DIR) its own image `store-bench` (random data, so no layer is shared with
# anything else on the engine) and saves it; Docker then only ever sees that image removed and loaded again.
# Each contender starts from an empty store (ours: a fresh --root; Docker: store-bench removed), page cache warm.
#   - imagefmt load: copies each layer tar into the store while hashing it (DiffID check), fsyncs, renames
#   - docker load: the daemon's load (extracts every layer into vfs directories)
#   - copy+hash: `tee` of the archive into a file while `sha256sum` reads it, then sync (the floor for a
#     verified copy of the same bytes)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
archive="$dir/store-bench-${size_mb}m-${layers}l.tar"

. benchmarks/lib.sh
bench_peers
make_random_image store-bench "$archive" "$size_mb" "$layers" "$files"

dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
bytes=$(stat -c %s "$archive")
cat "$archive" > /dev/null

now() { date +%s.%N; }
timeit() { local s e; s=$(now); "$@" > /dev/null 2> "$dir/stderr"; e=$(now); echo "$e - $s" | bc -l; }

root="$dir/store-root"; rm -rf "$root"
t_ours=$(timeit $cli --root "$root" load -i "$archive")
rm -rf "$root"

"$docker" rmi store-bench:latest >/dev/null 2>&1 || true
t_docker=$(timeit "$docker" load -i "$archive")
"$docker" rmi store-bench:latest >/dev/null

copy="$dir/copy.tar"; rm -f "$copy"
t_copy=$(timeit bash -c "tee '$copy' < '$archive' | sha256sum && sync '$copy'")
rm -f "$copy"

printf 'archive:        %s (%d bytes)\n' "$archive" "$bytes"
printf 'imagefmt load:  %.3f s (%.0f MB/s)\n' "$t_ours" "$(echo "$bytes / $t_ours / 1000000" | bc -l)"
printf 'docker load:    %.3f s  -> imagefmt is %.1fx faster (target >= 3x)\n' "$t_docker" "$(echo "$t_docker / $t_ours" | bc -l)"
printf 'copy+hash:      %.3f s  -> imagefmt takes %.2fx its time (target <= 1.5x)\n' "$t_copy" "$(echo "$t_ours / $t_copy" | bc -l)"
