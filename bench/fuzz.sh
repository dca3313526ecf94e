#!/usr/bin/env bash
# Longer fuzzing than ctest's 20 s per target (tests/fuzz, tests/tool):
#  - every libFuzzer target of the runtime for SECONDS each (default 600),
#    growing a corpus kept in BUILD/fuzz-corpus/<target> across runs;
#  - shm-tidy over CASES mutants of the checker fixtures (default 5000,
#    seeds 1.. in batches of 500), when BUILD/bin/shm-tidy exists.
# Any crash, sanitizer finding or "crashed" worker fails the script; the
# failing input is kept (BUILD/tests/fuzz/artifacts, or the mutant's name).
#
# Usage: bench/fuzz.sh [BUILD_DIR] [SECONDS] [CASES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
seconds=${2:-600}
cases=${3:-5000}
failures=0

fuzzers=$build/tests/fuzz/targets/bin
if [[ -d $fuzzers ]]; then
  for target in options suppressions report_writers json_value; do
    if ! python3 "$root/tests/fuzz/run_fuzzer.py" --fuzzer "$fuzzers/fuzz_$target" \
        --seeds "$root/tests/fuzz/corpus/$target" --seconds "$seconds" \
        --artifacts "$build/tests/fuzz/artifacts" --keep-corpus "$build/fuzz-corpus/$target"; then
      failures=$((failures + 1))
    fi
    echo "fuzz: corpus of $target: $(ls "$build/fuzz-corpus/$target" | wc -l) inputs"
  done
else
  echo "fuzz: no libFuzzer targets in $build (needs clang-19 and libclang-rt-19-dev)"
fi

shm_tidy=$build/bin/shm-tidy
if [[ -x $shm_tidy ]]; then
  resource_dir=$(clang-19 -print-resource-dir 2>/dev/null || true)
  work=$(mktemp -d "${TMPDIR:-/tmp}/shmcheck-mutants.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  crashed=0 done_cases=0 start=$(date +%s)
  for ((seed = 1; done_cases < cases; ++seed)); do
    batch=$((cases - done_cases < 500 ? cases - done_cases : 500))
    rm -rf "$work/batch"
    python3 "$root/tests/tool/fixture_mutations.py" "$work/batch" "$batch" "$seed"
    status=0
    "$shm_tidy" -j "$(nproc)" "$work"/batch/*.c -- ${resource_dir:+-resource-dir=$resource_dir} \
      >"$work/out" 2>"$work/err" || status=$?
    if ((status > 2)) || grep -q -e "crashed" -e "Stack dump" -e "PLEASE submit" "$work/err" "$work/out"; then
      crashed=$((crashed + 1))
      echo "shm-tidy: seed $seed (fixture_mutations.py OUT $batch $seed): status $status"
      grep -e "crashed" "$work/err" | head -5
      mkdir -p "$build/mutants-that-broke-shm-tidy"
      cp "$work"/batch/*.c "$build/mutants-that-broke-shm-tidy/" 2>/dev/null || true
    fi
    done_cases=$((done_cases + batch))
  done
  echo "shm-tidy: $done_cases mutants of the fixtures in $(($(date +%s) - start)) s, $crashed batches with a crash"
  ((crashed == 0)) || failures=$((failures + 1))
else
  echo "fuzz: no shm-tidy in $build"
fi
((failures == 0))
