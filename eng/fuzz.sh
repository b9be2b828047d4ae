#!/usr/bin/env bash
# Coverage-guided fuzzing of one harness (or all) with SharpFuzz and AFL++.
#
#   eng/fuzz.sh HARNESS (--runs N | --seconds S)     e.g. eng/fuzz.sh tar --seconds 600
#   eng/fuzz.sh all (--runs N | --seconds S)         every harness in turn, each for N runs or S seconds
#   eng/fuzz.sh --list                               the harnesses and what each checks
#
# Builds tests/ImageFormat.Fuzz in Release, copies it to artifacts/fuzz/bin, instruments that copy of ImageFormat.dll with
# sharpfuzz (the local dotnet tool of .config/dotnet-tools.json), then runs afl-fuzz on the harness with its seed
# corpus (tests/ImageFormat.Fuzz/corpus/HARNESS), one core, no network. AFL++'s output is artifacts/fuzz/HARNESS.
# Prints executions done, exec/s and findings; copies every crashing or hanging input to
# artifacts/fuzz/findings/HARNESS and exits 1 when there is any. Environment: FUZZ_TIMEOUT_MS (default 2000) is
# the time after which one input counts as a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

usage() { sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
harness=$1; shift
bin="$PWD/artifacts/fuzz/bin"
plain="tests/ImageFormat.Fuzz/bin/Release/net10.0/ImageFormat.Fuzz.dll"
if [ "$harness" = "--list" ]; then
  dotnet run --project tests/ImageFormat.Fuzz -c Release -- --list
  exit 0
fi
limit=()
case "${1:-}" in
  --runs) [ $# -eq 2 ] || usage; limit=(-E "$2"); what="$2 executions" ;;
  --seconds) [ $# -eq 2 ] || usage; limit=(-V "$2"); what="$2 seconds" ;;
  *) usage ;;
esac
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is missing; install it with: apt-get install -y afl++" >&2; exit 2; }

# Build once, then instrument a copy (never the normal build output, which tests use and --list/--replay run).
if [ "${FUZZ_SKIP_BUILD:-}" != 1 ]; then
  rm -rf "$bin"
  mkdir -p "$bin"
  log="$PWD/artifacts/fuzz/build.log"
  if ! { dotnet tool restore && dotnet build tests/ImageFormat.Fuzz -c Release --nologo &&
         cp -a tests/ImageFormat.Fuzz/bin/Release/net10.0/. "$bin/" &&
         dotnet tool run sharpfuzz "$bin/ImageFormat.dll"; } > "$log" 2>&1; then
    grep -E 'error|rror:' "$log" | sort -u | head -n 30 >&2 || tail -n 30 "$log" >&2
    echo "fuzz: building or instrumenting failed; the log is $log" >&2
    exit 2
  fi
fi

if [ "$harness" = "all" ]; then
  status=0
  names=$(dotnet "$plain" --list | awk '{print $1}')
  for name in $names; do
    FUZZ_SKIP_BUILD=1 bash "$0" "$name" "$@" || status=1
  done
  exit $status
fi

corpus="tests/ImageFormat.Fuzz/corpus/$harness"
[ -d "$corpus" ] || { echo "fuzz: no corpus $corpus (harnesses: $(dotnet "$plain" --list | awk '{print $1}' | xargs))" >&2; exit 2; }
out="$PWD/artifacts/fuzz/$harness"
findings="$PWD/artifacts/fuzz/findings/$harness"
rm -rf "$out" "$findings"
scratch="$out/scratch"
mkdir -p "$scratch"

dict=()
if [ -f "tests/ImageFormat.Fuzz/dictionaries/$harness.dict" ]; then
  cp "tests/ImageFormat.Fuzz/dictionaries/$harness.dict" "$out/dictionary"
  # The extract harness's canary is at a fixed place under the scratch directory: let the fuzzer aim at it by name.
  [ "$harness" = extract ] && echo "canary_absolute=\"$scratch/extract/canary\"" >> "$out/dictionary"
  dict=(-x "$out/dictionary")
fi

# AFL++ wants crashes to reach it directly; when core dumps go to a helper it refuses unless told not to care.
if [ "$(head -c1 /proc/sys/kernel/core_pattern 2>/dev/null)" = "|" ]; then
  if [ -w /proc/sys/kernel/core_pattern ]; then echo core > /proc/sys/kernel/core_pattern; fi
fi

echo "fuzz: $harness for $what (output $out)"
start=$(date +%s)
set +e
env AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
  AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_TESTCACHE_SIZE=0 \
  IMAGEFORMAT_FUZZ_WORK="$scratch" \
  afl-fuzz -i "$corpus" -o "$out" -t "${FUZZ_TIMEOUT_MS:-2000}" -m none "${limit[@]}" "${dict[@]}" \
  -- dotnet "$bin/ImageFormat.Fuzz.dll" "$harness" > "$out/afl.log" 2>&1
afl=$?
set -e
elapsed=$(( $(date +%s) - start ))

stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  tail -n 40 "$out/afl.log" >&2
  echo "fuzz: $harness: afl-fuzz did not start (exit $afl); its log is $out/afl.log" >&2
  exit 1
fi
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
execs=$(stat execs_done)
crashes=$(find "$out/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$out/default/hangs" -name 'id:*' 2>/dev/null | wc -l)
rate=$(( execs / (elapsed > 0 ? elapsed : 1) ))
echo "fuzz: $harness: $execs executions in ${elapsed}s ($rate exec/s overall, afl-fuzz's last: $(stat execs_per_sec)/s), paths $(stat corpus_count), edges $(stat edges_found), crashes $crashes, hangs $hangs"

if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
  mkdir -p "$findings"
  for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [ -f "$f" ] || continue
    kind=$(basename "$(dirname "$f")")
    id=$(basename "$f" | sed -E 's/^id:([0-9]+).*/\1/')
    cp "$f" "$findings/$kind-$id.bin"
  done
  echo "fuzz: $harness: FINDINGS copied to $findings:"
  ls -1 "$findings" | sed 's/^/  /'
  cat <<MSG
To reproduce one (in-process, uninstrumented, with the stack trace):
  dotnet run --project tests/ImageFormat.Fuzz -c Release -- --replay $harness $findings/FILE
To make it a regression test: fix the bug, copy the file into tests/ImageFormat.Fuzz/corpus/$harness/ as
finding-WHAT (the corpus test replays every file there, and --make-seeds keeps finding-* files), and add a test
that asserts the typed error in the test folder that mirrors the library folder holding the bug (the input's
bytes inline when small).
MSG
  exit 1
fi
if [ "$afl" -ne 0 ]; then
  tail -n 40 "$out/afl.log" >&2
  echo "fuzz: $harness: afl-fuzz exited with $afl; its log is $out/afl.log" >&2
  exit 1
fi
