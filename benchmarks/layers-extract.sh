#!/usr/bin/env bash
# Issue 5 benchmarks: extracting a ~1 GB image made by real Docker, side by side with GNU tar and umoci, and
# diffing a 20,000-file tree with 1% changed.
#   bash benchmarks/layers-extract.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
# Reuses (or generates, like benchmarks/archive-read.sh) the cached archive in $BENCH_DIR, then measures with a
# warm page cache:
#   - imagefmt archive extract FILE DIR           (all layers, whiteouts, metadata, containment)
#   - tar -xpf of each layer.tar in order         (the same layers, no whiteout handling)
#   - skopeo copy to an OCI layout, then umoci unpack (only the unpack is timed)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}
archive="$dir/big-${size_mb}m-${layers}l.tar"
[ -f "$archive" ] || bash benchmarks/archive-read.sh "$size_mb" "$layers" "$files" >/dev/null

dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
work=$(mktemp -d /tmp/imagefmt-layers-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

cat "$archive" > /dev/null
mkdir -p "$work/layers" && tar -xf "$archive" -C "$work/layers"
mapfile -t layer_files < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$work/layers/manifest.json")

s=$(now); $cli archive extract "$archive" "$work/ours" > /dev/null; e=$(now); t_ours=$(echo "$e - $s" | bc -l)
sync; rm -rf "$work/ours"
s=$(now); mkdir "$work/tar"; for l in "${layer_files[@]}"; do tar -xpf "$work/layers/$l" -C "$work/tar"; done; e=$(now); t_tar=$(echo "$e - $s" | bc -l)
sync; rm -rf "$work/tar"
if command -v umoci >/dev/null && command -v skopeo >/dev/null; then
  skopeo copy -q "docker-archive:$archive" "oci:$work/oci:t" >/dev/null
  s=$(now); umoci unpack --image "$work/oci:t" "$work/bundle" >/dev/null 2>&1; e=$(now); t_umoci=$(echo "$e - $s" | bc -l)
  rm -rf "$work/bundle" "$work/oci"
fi
rm -rf "$work/layers"

printf 'extract %s (%d bytes, %d layers)\n' "$archive" "$(stat -c %s "$archive")" "${#layer_files[@]}"
printf 'imagefmt archive extract: %.3f s\n' "$t_ours"
printf 'tar -xpf per layer:       %.3f s  -> imagefmt/tar = %.2fx\n' "$t_tar" "$(echo "$t_ours / $t_tar" | bc -l)"
[ -n "${t_umoci:-}" ] && printf 'umoci unpack:             %.3f s  -> umoci/imagefmt = %.2fx\n' "$t_umoci" "$(echo "$t_umoci / $t_ours" | bc -l)"

# The diff of a 20,000-file tree with 1% changed is a BenchmarkDotNet class:
#   dotnet run -c Release --project benchmarks/ImageFormat.Benchmarks -- --filter '*LayerDiffBenchmarks*'
