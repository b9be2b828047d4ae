#!/usr/bin/env bash
# Issue 3 benchmark: reading a >= 1 GB archive made by real Docker 20.10, side by side with skopeo and sha256sum.
#   bash benchmarks/archive-read.sh [SIZE_MB] [LAYERS] [FILES_PER_LAYER]
# Generates (once, cached in $BENCH_DIR) an image of LAYERS committed layers of random data spread over
# FILES_PER_LAYER files each, saves it with `docker save`, then measures with a warm page cache:
#   - imagefmt archive ls: wall time, bytes read (rchar) as a share of the archive, peak RSS
#   - imagefmt archive verify: throughput against sha256sum over the same file (single-stream SHA-256)
#   - skopeo inspect docker-archive: wall time, as a ratio to imagefmt archive ls
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1100}; layers=${2:-10}; files=${3:-400}
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
archive="$dir/big-${size_mb}m-${layers}l.tar"

bash .ci/peers.sh >/dev/null
set -a; . .ci/peers.env; set +a
docker="$IMAGEFMT_DOCKER"

if [ ! -f "$archive" ]; then
  echo "generating $archive with Docker ($layers layers x $files files, ${size_mb} MB)..." >&2
  per_file_kb=$(( size_mb * 1024 / layers / files ))
  image=busybox:base
  for l in $(seq 1 "$layers"); do
    cid=$("$docker" create "$image" sh -c "mkdir -p /data/l$l && i=0; while [ \$i -lt $files ]; do head -c ${per_file_kb}k /dev/urandom > /data/l$l/f\$i; i=\$((i+1)); done")
    "$docker" start -a "$cid" >/dev/null
    "$docker" commit -m "layer $l" "$cid" "bench:l$l" >/dev/null
    "$docker" rm "$cid" >/dev/null
    image="bench:l$l"
  done
  "$docker" tag "$image" bench:latest
  "$docker" save -o "$archive" bench:latest
  for l in $(seq 1 "$layers"); do "$docker" rmi "bench:l$l" >/dev/null 2>&1 || true; done
fi

dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
bytes=$(stat -c %s "$archive")
cat "$archive" > /dev/null   # warm the page cache for every contender alike

now() { date +%s.%N; }
timeit() { local s e; s=$(now); "$@" > /dev/null 2> "$dir/stderr"; e=$(now); awk -v a="$e" -v b="$s" 'BEGIN { print a - b }'; }
stat_of() { grep -o "$1=[0-9-]*" "$dir/stderr" | cut -d= -f2; }
calc() { awk "BEGIN { print $1 }"; }

echo "archive: $archive ($bytes bytes, $(tar tf "$archive" | wc -l) entries, $layers layers)"
t_ls=$(IMAGEFMT_STATS=1 timeit $cli archive ls "$archive"); ls_read=$(stat_of rchar); ls_rss=$(stat_of peak_rss_kb)
t_skopeo=$(timeit skopeo inspect "docker-archive:$archive")
t_sha=$(timeit sha256sum "$archive")
t_verify=$(IMAGEFMT_STATS=1 timeit $cli archive verify "$archive"); v_rss=$(stat_of peak_rss_kb)
printf 'archive ls:      %.3f s, read %d bytes (%.3f%% of the archive; includes the runtime'"'"'s own files), peak RSS %d MB\n' "$t_ls" "$ls_read" "$(calc "100 * $ls_read / $bytes")" $((ls_rss / 1024))
printf 'skopeo inspect:  %.3f s  -> imagefmt archive ls is %.1fx faster\n' "$t_skopeo" "$(calc "$t_skopeo / $t_ls")"
printf 'sha256sum:       %.3f s  (%.0f MB/s)\n' "$t_sha" "$(calc "$bytes / $t_sha / 1000000")"
printf 'archive verify:  %.3f s  (%.0f MB/s) = %.0f%% of sha256sum throughput, peak RSS %d MB\n' "$t_verify" "$(calc "$bytes / $t_verify / 1000000")" "$(calc "100 * $t_sha / $t_verify")" $((v_rss / 1024))
