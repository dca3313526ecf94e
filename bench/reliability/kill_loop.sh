#!/usr/bin/env bash
# Kills a checked process inside critical sections, over and over, and
# counts hangs (goal: 0). Each run is the ctest scenario kill_in_* of
# tests/reliability (the application's robust mutex, the runtime's registry
# lock, a sync-table stripe, a shadow stripe, in turn), run by the
# end-to-end driver in private namespaces with a time limit: a run that
# does not finish within it is a hang.
#
# Usage: bench/reliability/kill_loop.sh [BUILD_DIR] [RUNS] [TIME_LIMIT_S]
#        (defaults: build, 100, 100)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
runs=${2:-100}
limit=${3:-100}
bin=$build/tests/reliability/bin
runtime=$build/lib/libshmcheck.so
for needed in "$runtime" "$bin/kill_holder" "$bin/lock_sniper"; do
  [[ -e $needed ]] || { echo "kill_loop: '$needed' is missing; build first" >&2; exit 2; }
done

modes=(app registry sync shadow)
logs=$(mktemp -d "${TMPDIR:-/tmp}/shmcheck-kill-loop.XXXXXX")
trap 'rm -rf "$logs"' EXIT
passed=0 hangs=0 failed=0
times=()
for ((i = 0; i < runs; ++i)); do
  mode=${modes[i % ${#modes[@]}]}
  checks=(--stderr-regex "reclaimed [1-9]")
  recovered=0
  if [[ $mode == app ]]; then
    recovered=1
  else
    checks+=(--stderr-regex "lock_sniper: killed pid [0-9]+ while its thread [0-9]+ held the $mode lock"
             --stderr-regex "lock recoveries [1-9]")
  fi
  log=$logs/run-$i.log
  start=$(date +%s.%N)
  status=0
  python3 "$root/tests/e2e/run_scenario.py" --name "kill-loop-$mode-$i" \
    --runtime "$runtime" --source-root "$root" --timeout "$limit" \
    --expect race --exit 0 --distinct pids --same-output --options verbosity=1 \
    --race-at "tests/reliability/programs/kill_holder.c:the race: nothing orders the two workers" \
    --stdout-regex "$mode: counter matches the tallies, $recovered recovered, all as expected" \
    "${checks[@]}" -- "$bin/kill_holder" "$mode" 300 "$bin/lock_sniper" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
  if ((status == 0)); then
    passed=$((passed + 1))
  elif grep -q "timed out" "$log"; then
    hangs=$((hangs + 1))
    echo "run $i ($mode): HANG"
    sed -n '1,40p' "$log"
  else
    failed=$((failed + 1))
    echo "run $i ($mode): FAILED"
    sed -n '1,40p' "$log"
  fi
done
summary=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1; s += $1 }
  END { printf "run time min %.1f s, median %.1f s, max %.1f s, total %.0f s", t[1], t[int((NR + 1) / 2)], t[NR], s }')
echo "kill loop: $runs runs ($(IFS=/; echo "${modes[*]}") in turn): $passed passed, $hangs hangs, $failed other failures; $summary"
((hangs == 0 && failed == 0))
