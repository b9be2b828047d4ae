#!/usr/bin/env bash
# Issue 6 benchmarks, side by side with Docker 20.10 (vfs storage driver, private engine):
#   1. save: `imagefmt save` and `docker save` of the same >= 1 GB image (the cached archive of
#      benchmarks/archive-read.sh, bench:latest, loaded into both), legacy format (what Docker 20.10 writes) and
#      imagefmt's default dual format.
#   2. commit: a 20,000-file root file system (100 directories x 200 files, made once by Docker and cached as an
#      archive), 1% of the files (200) rewritten in a container on each side with the same tar, then
#      `imagefmt commit` against `docker commit`.
#   bash benchmarks/store-commit-save.sh
# Times are the best of two runs for save (ours fsyncs the archive before renaming it into place; Docker does not).
# Docker only ever sees images this script loads or makes (removed at the end; bench:latest only if it was not
# there before).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/imagefmt-bench}; mkdir -p "$dir"
big="$dir/big-1100m-10l.tar"
[ -f "$big" ] || { echo "missing $big: run benchmarks/archive-read.sh first (it makes the cached 1.1 GB archive)" >&2; exit 1; }

. benchmarks/lib.sh
bench_peers
bench_cli
now() { date +%s.%N; }
timeit() { local s e; s=$(now); "$@" > /dev/null 2> "$dir/stderr" || { cat "$dir/stderr" >&2; return 1; }; e=$(now); echo "$e - $s" | bc -l; }
# Best of two runs, output removed after each: the first run after a 1 GB load competes with its write-back.
best2() { local out=$1 a b; shift; a=$(timeit "$@"); rm -f "$out"; b=$(timeit "$@"); rm -f "$out"; echo "if ($a < $b) $a else $b" | bc -l; }
root="$dir/store-commit-save-root"; rm -rf "$root"
tag=s2bench$$
cleanup() {
  "$docker" rm -f "$tag-c" >/dev/null 2>&1 || true
  "$docker" rmi "$tag:committed" "$tag:base" >/dev/null 2>&1 || true
  [ "${loaded_bench:-0}" = 1 ] && "$docker" rmi bench:latest >/dev/null 2>&1 || true
  rm -rf "$root" "$dir/s2-save-ours.tar" "$dir/s2-save-docker.tar" "$dir/s2-changes" "$dir/s2-changes.tar"
}
trap cleanup EXIT

# --- save ---
$cli --root "$root" load -i "$big" >/dev/null
if ! "$docker" image inspect bench:latest >/dev/null 2>&1; then "$docker" load -i "$big" >/dev/null; loaded_bench=1; fi
bytes=$(stat -c %s "$big")
cat "$big" > /dev/null
sync
t_ours_legacy=$(best2 "$dir/s2-save-ours.tar" $cli --root "$root" save --archive-format legacy -o "$dir/s2-save-ours.tar" bench:latest)
t_ours_docker=$(best2 "$dir/s2-save-ours.tar" $cli --root "$root" save -o "$dir/s2-save-ours.tar" bench:latest)
t_docker_save=$(best2 "$dir/s2-save-docker.tar" "$docker" save -o "$dir/s2-save-docker.tar" bench:latest)

# --- commit ---
small="$dir/commit-20k.tar"
make_files_image "$small" "$tag" 100 200
"$docker" load -i "$small" | sed -n 's/^Loaded image: //p' > "$dir/s2-loaded"
small_tag=$(cat "$dir/s2-loaded"); "$docker" tag "$small_tag" "$tag:base"; [ "$small_tag" = "$tag:base" ] || "$docker" rmi "$small_tag" >/dev/null
$cli --root "$root" load -i "$small" >/dev/null; $cli --root "$root" tag "$small_tag" "$tag:base"
mkdir -p "$dir/s2-changes"
for d in $(seq 0 99); do mkdir -p "$dir/s2-changes/data/d$d"; for f in 0 1; do echo "changed $d $f" > "$dir/s2-changes/data/d$d/f$f"; done; done
tar -C "$dir/s2-changes" -cf "$dir/s2-changes.tar" data
"$docker" create --name "$tag-c" "$tag:base" sh >/dev/null
"$docker" cp - "$tag-c:/" < "$dir/s2-changes.tar"
$cli --root "$root" create --name "$tag-c" "$tag:base" sh >/dev/null
tar -C "$($cli --root "$root" rootfs "$tag-c")" -xf "$dir/s2-changes.tar"
changes_ours=$($cli --root "$root" diff "$tag-c" | wc -l); changes_docker=$("$docker" diff "$tag-c" | wc -l)
t_ours_commit=$(timeit $cli --root "$root" commit "$tag-c" "$tag:committed")
t_docker_commit=$(timeit "$docker" commit "$tag-c" "$tag:committed")

printf 'save of bench:latest (%d bytes archive, 10 layers):\n' "$bytes"
printf '  imagefmt save --archive-format legacy: %.3f s\n' "$t_ours_legacy"
printf '  imagefmt save (docker format): %.3f s\n' "$t_ours_docker"
printf '  docker save:                   %.3f s  -> imagefmt legacy is %.1fx faster (target >= 3x)\n' "$t_docker_save" "$(echo "$t_docker_save / $t_ours_legacy" | bc -l)"
printf 'commit of 20,000 files with 200 rewritten (diff lines: ours %d, docker %d):\n' "$changes_ours" "$changes_docker"
printf '  imagefmt commit: %.3f s\n' "$t_ours_commit"
printf '  docker commit:   %.3f s  -> imagefmt is %.1fx faster (target > 1x)\n' "$t_docker_commit" "$(echo "$t_docker_commit / $t_ours_commit" | bc -l)"
