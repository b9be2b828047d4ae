#!/usr/bin/env bash
# Issue 10 benchmark: every I/O operation's async form against its sync twin, and the cost of a progress
# listener, side by side on one archive (verify, convert to an OCI layout, extract, load into a store).
#   bash benchmarks/async-vs-sync.sh [ARCHIVE] [ROUNDS] [OPERATION,...]   (verify, convert, extract, load; default all)
# Without ARCHIVE, generates (once, cached in $BENCH_DIR) the 1.1 GB archive of archive-read.sh with real
# Docker 20.10. Prints the median and best of ROUNDS (7) runs of each form, interleaved, each after sync(2) and a
# pause, and the ratios: async/sync
# should stay within 1.05 and the progress cost under 2%; the last line of each operation gives both as the median of
# the ratios within each round (the forms of a round run back to back). Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${2:-7}
if [ -n "${1:-}" ]; then
  archive=$1
else
  size_mb=1100 layers=10 files=400
  dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
  archive="$dir/big-${size_mb}m-${layers}l.tar"
  . benchmarks/lib.sh
  bench_peers
  make_random_image bench "$archive" "$size_mb" "$layers" "$files"
fi
dotnet build benchmarks/ImageFormat.Benchmarks -c Release -v q -nologo >/dev/null
cat "$archive" > /dev/null   # warm the page cache for every form alike
dotnet benchmarks/ImageFormat.Benchmarks/bin/Release/net10.0/ImageFormat.Benchmarks.dll async-vs-sync "$archive" "$rounds" ${3:+"$3"}
