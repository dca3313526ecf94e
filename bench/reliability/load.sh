#!/usr/bin/env bash
# Load figures at full size (the ctest versions in tests/reliability are
# scaled down): 8 processes x 4 threads x 100 000 increments, guarded and
# unguarded, and 10 000 short-lived processes attaching one segment. Each
# runs with and without the runtime in private IPC and mount namespaces (so
# that /dev/shm holds only this run's objects); prints the times, their
# ratio, the largest worker's peak RSS and what the runtime kept in /dev/shm.
#
# Usage: bench/reliability/load.sh [BUILD_DIR] [INCREMENTS] [PROCESSES]
#        (defaults: build, 100000, 10000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
increments=${2:-100000}
processes=${3:-10000}
bin=$build/tests/reliability/bin
runtime=$build/lib/libshmcheck.so
for needed in "$runtime" "$bin/load_counter" "$bin/many_attachers"; do
  [[ -e $needed ]] || { echo "load: '$needed' is missing; build first" >&2; exit 2; }
done
isolate=()
if unshare --ipc --mount --fork true 2>/dev/null; then
  isolate=(unshare --ipc --mount --fork sh -c
           'mount --make-rprivate / && mount -t tmpfs -o mode=1777 load /dev/shm && exec "$@"' sh)
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/shmcheck-load.XXXXXX")
trap 'rm -rf "$out"' EXIT

# run NAME WITH_RUNTIME COMMAND...: seconds on stdout; the program's output
# in $out/NAME.{out,err}.
run() {
  local name=$1 checked=$2
  shift 2
  local env=(env -u LD_PRELOAD -u SHMCHECK_OPTIONS)
  if [[ $checked == yes ]]; then
    env+=(LD_PRELOAD="$runtime" SHMCHECK_OPTIONS="session=load-$$:verbosity=1")
  fi
  local start end
  start=$(date +%s.%N)
  "${isolate[@]}" "${env[@]}" "$@" >"$out/$name.out" 2>"$out/$name.err" || true
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

# The last match: with verbosity=1 every process prints its counters, the
# parent (which leaves last) the complete ones.
field() { grep -o "$1" "$2" | tail -n 1 | grep . || echo "?"; }

for mode in guarded unguarded; do
  with=$(run "$mode" yes "$bin/load_counter" "$mode" 8 4 "$increments")
  without=$(run "$mode-plain" no "$bin/load_counter" "$mode" 8 4 "$increments")
  reports=$(grep -c "WARNING: shmcheck: data race" "$out/$mode.err" || true)
  echo "load $mode, 8 processes x 4 threads x $increments: $(cat "$out/$mode.out")" \
       "| with the runtime ${with} s, without ${without} s" \
       "(x$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }'))" \
       "| $reports report(s) | $(field 'peak worker RSS: [0-9]* KiB' "$out/$mode.err")" \
       "| $(field 'shared objects: .*apparent' "$out/$mode.err")"
done

with=$(run attach yes "$bin/many_attachers" "$processes" 8)
without=$(run attach-plain no "$bin/many_attachers" "$processes" 8)
echo "attach, $processes short-lived processes: $(cat "$out/attach.out")" \
     "| with the runtime ${with} s, without ${without} s" \
     "| $(field 'processes registered [0-9]*, reclaimed [0-9]*' "$out/attach.err")" \
     "| $(field 'shared objects: .*apparent' "$out/attach.err")" \
     "| slot exhaustion: $(grep -c 'are in use' "$out/attach.err" || true)"
