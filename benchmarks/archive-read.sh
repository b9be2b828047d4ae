#!/usr/bin/env bash
# Issue 3 benchmark: reading a >= 1 GB archive made by real Docker 20.10, side by side with skopeo and sha256sum.
#   bash benchmarks/archive-read.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
# Generates (once, cached in $BENCH_DIR) an image of LAYERS committed layers of random data spread over
# FILES_PER_LAYER files each, saves it with `docker save`, then measures with a warm page cache:
#   - imagefmt archive ls (Native AOT build): wall time, bytes read (rchar) as a share of the archive, peak RSS
#   - imagefmt archive verify: throughput against one-stream SHA-256 of the same file (imagefmt digest, which
#     is the BCL's SHA256 with the CPU's SHA extensions), and sha256sum for reference
#   - skopeo inspect docker-archive: wall time and peak RSS, as a ratio to imagefmt archive ls
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
archive="$dir/big-${size_mb}m-${layers}l.tar"

. benchmarks/lib.sh
bench_peers
make_random_image bench "$archive" "$size_mb" "$layers" "$files"

# The CLI as users should run it for speed: Native AOT (start-up is most of a listing's time).
command -v clang >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld >/dev/null; }
dotnet publish src/ImageFormat.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$dir/aot" -v q -nologo >/dev/null
cli="$dir/aot/imagefmt"
bytes=$(stat -c %s "$archive")
cat "$archive" > /dev/null   # warm the page cache for every contender alike

# Best of 5 wall-clock seconds (nanosecond clock around the bare command), then the peak RSS (KB) of one
# more run under /usr/bin/time (kept out of the timing: its own fork would count).
measure() {
  local best="" t m s e
  for _ in 1 2 3 4 5; do
    s=$(date +%s%N)
    "$@" > /dev/null 2> "$dir/stderr.cmd"
    e=$(date +%s%N)
    t=$(awk -v a="$e" -v b="$s" 'BEGIN { printf "%.4f", (a - b) / 1e9 }')
    if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
  done
  /usr/bin/time -o "$dir/time" -f "%M" "$@" > /dev/null 2> "$dir/stderr.cmd"
  read -r m < "$dir/time"
  echo "$best $m"
}
calc() { awk "BEGIN { print $1 }"; }

echo "archive: $archive ($bytes bytes, $(tar tf "$archive" | wc -l) entries, $layers layers)"
read -r t_ls rss_ls <<<"$(measure "$cli" archive ls "$archive")"
ls_read=$(IMAGEFMT_STATS=1 "$cli" archive ls "$archive" 2>&1 >/dev/null | grep -o 'rchar=[0-9]*' | cut -d= -f2)
read -r t_skopeo rss_skopeo <<<"$(measure skopeo inspect "docker-archive:$archive")"
read -r t_sha _ <<<"$(measure "$cli" digest "$archive")"
read -r t_sha256sum _ <<<"$(measure sha256sum "$archive")"
read -r t_verify rss_verify <<<"$(measure "$cli" archive verify "$archive")"
printf 'archive ls:      %.4f s, read %d bytes (%.4f%% of the archive), peak RSS %d MB\n' "$t_ls" "$ls_read" "$(calc "100 * $ls_read / $bytes")" $((rss_ls / 1024))
printf 'skopeo inspect:  %.4f s, peak RSS %d MB -> skopeo/imagefmt time ratio %.2f\n' "$t_skopeo" $((rss_skopeo / 1024)) "$(calc "$t_skopeo / ($t_ls > 0 ? $t_ls : 0.001)")"
printf 'sha-256 (imagefmt digest, one stream): %.3f s (%.0f MB/s); sha256sum: %.3f s (%.0f MB/s)\n' "$t_sha" "$(calc "$bytes / $t_sha / 1000000")" "$t_sha256sum" "$(calc "$bytes / $t_sha256sum / 1000000")"
printf 'archive verify:  %.3f s (%.0f MB/s) = %.0f%% of one-stream SHA-256 throughput, peak RSS %d MB\n' "$t_verify" "$(calc "$bytes / $t_verify / 1000000")" "$(calc "100 * $t_sha / $t_verify")" $((rss_verify / 1024))
