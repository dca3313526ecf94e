#!/usr/bin/env bash
# What the system-call boundary costs (docs/runtime.md, System calls):
# bench/syscalls/syscall_workload.c makes one kind of system call in a loop
# and prints the time per iteration. Each row is one kind of call; the
# columns give its time natively and its ratio under libshmcheck.so against
# native, with
#   none   no watched segment in the process (nothing is dispatched)
#   idle   a watched segment attached, the call's memory elsewhere
#   touch  the call's memory in the segment (native: the same, unchecked)
#
# Each cell is the best of $REPEAT runs (the least disturbed on a shared
# machine). Usage: bench/syscalls/run.sh   (REPEAT=5 ITERATIONS=20000;
# CALLS="lseek kill" for some rows only)
# Environment: SHMCHECK_BUILD_DIR (default build/), SHMCHECK_LIB.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${SHMCHECK_BUILD_DIR:-$root/build}
lib=${SHMCHECK_LIB:-$build/lib/libshmcheck.so}
repeat=${REPEAT:-5}
iterations=${ITERATIONS:-20000}
[[ -f $lib ]] || { echo "no $lib: build first (scripts/build.sh)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/shmcheck-bench-syscalls.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/workload" "$root/bench/syscalls/syscall_workload.c"

best() {  # best ns/iteration of $repeat runs: best PRELOAD SEGMENT CALL
  local preload=$1 segment=$2 call=$3 best_time=""
  for ((i = 0; i < repeat; ++i)); do
    local t
    t=$(env ${preload:+LD_PRELOAD=$preload} SHMCHECK_OPTIONS=session=bench-syscalls-$$ \
        "$work/workload" "$segment" "$call" "$iterations")
    if [[ -z $best_time ]] || awk "BEGIN{exit !($t < $best_time)}"; then
      best_time=$t
    fi
  done
  echo "$best_time"
}

printf "%-10s %12s %9s %9s %9s\n" call "native ns" none idle touch
for call in ${CALLS:-getppid pipe fstat poll clock_cpu stdio lseek kill}; do
  native=$(best "" none "$call")
  native_touch=$(best "" touch "$call")
  none=$(best "$lib" none "$call")
  idle=$(best "$lib" idle "$call")
  touch=$(best "$lib" touch "$call")
  awk -v c="$call" -v n="$native" -v nt="$native_touch" -v a="$none" \
      -v b="$idle" -v t="$touch" \
      'BEGIN { printf "%-10s %12.1f %8.2fx %8.2fx %8.2fx\n", c, n, a/n, b/n, t/nt }'
done
