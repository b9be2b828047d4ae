#!/usr/bin/env bash
# What writing 1 GB costs on this machine when the memory it lands in is fresh, against memory just freed.
#   bash benchmarks/page-cost.sh [SECONDS_TO_WAIT]
# Writes the same 1 GB file into tmpfs (/dev/shm: no disk, only memory) three ways and prints each time:
#   - after a pause of SECONDS_TO_WAIT (default 5) since the previous copy was deleted;
#   - again right after deleting it (the kernel hands back the pages it just freed);
# and the guest's free page reporting counter (/sys/module/page_reporting/parameters/reported_kib, when the
# kernel has it): a virtual machine whose balloon device reports free pages gives them back to the host, and the
# next write into them pays for the host to supply them again. Every writer pays it alike (cp, tar, Docker, us),
# which is why the benchmarks delete, sync and pause before every timed run: each run starts from the same state.
set -euo pipefail
wait=${1:-5}
src=$(mktemp -p "${TMPDIR:-/tmp}"); dst=/dev/shm/imagefmt-page-cost.$$
trap 'rm -f "$src" "$dst"' EXIT
head -c 1G /dev/urandom > "$src"; cat "$src" > /dev/null
reported() { cat /sys/module/page_reporting/parameters/reported_kib 2>/dev/null || echo 0; }
now() { date +%s.%N; }
timed() { local s; s=$(now); cat "$src" > "$dst"; echo "$(now) - $s" | bc -l; }
cat "$src" > "$dst"
for round in 1 2 3; do
  rm -f "$dst"; r0=$(reported); sleep "$wait"; r1=$(reported)
  t_fresh=$(timed)
  rm -f "$dst"; t_reused=$(timed)
  printf 'round %d: 1 GB into memory freed %ss earlier %.2f s (%d MB reported to the host meanwhile); into memory just freed %.2f s\n' \
    "$round" "$wait" "$t_fresh" $(( (r1 - r0) / 1024 )) "$t_reused"
done
