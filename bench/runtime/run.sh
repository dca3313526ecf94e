#!/usr/bin/env bash
# libshmcheck.so against the tools people would otherwise use, on the same
# work (bench/runtime/workloads: one source per workload, run as two
# processes sharing a System V segment, or as two threads sharing heap
# memory). Prints the slowdown of each way of checking against the native run
# of the same shape, from one run of this script:
#
#   processes (what shmcheck checks)      threads (what TSan/Helgrind check)
#     trap      LD_PRELOAD, page traps,     tsan      clang -fsanitize=thread
#               hot sites patched           helgrind  valgrind --tool=helgrind
#     nopatch   patch_sites=0: every access
#               to the segment traps
#     budget    trap_budget=$BUDGET
#     instr     -fsanitize=thread
#               -fno-sanitize-link-runtime
#               + libshmcheck.so
#
# Every run is pinned to one CPU (PIN=0: not pinned). With the two workers
# on two cores the native speed of these workloads depends on scheduling
# (how often a waiter sleeps instead of finding its partner's post or
# unlock already there): the hand-off ring's native time swings threefold
# from run to run, which would drown what checking costs. On one CPU the
# workers take turns and every variant does the same work the same way.
#
# Each cell is the best (shortest) of $REPEAT runs, wall time: on a shared
# machine the best run is the one least disturbed by others, for every tool
# alike (STAT=median for the median instead). Runs that would take
# too long at full size (trap mode without patching on the shm-heavy
# workloads, Helgrind) use
# fewer iterations, and their time is compared with the native time scaled
# to the same number of iterations. Below the table, each workload's budget
# line gives the largest share of its CPU time that a process measured for
# traps and waits, and the slowdown of the budget run over the same run with
# the traps all but sampled away (trap_budget=1): what the budget bounds
# (trap mode's interceptors cost what they cost, budget or not).
#
# Usage: bench/runtime/run.sh          (REPEAT=5 BUDGET=100 by default)
# Environment: SHMCHECK_BUILD_DIR (default build/), SHMCHECK_LIB (use this
# libshmcheck.so, build nothing), REPEAT, STAT, BUDGET, PIN, PIN_CPU,
# KEEP=1 (keep the binaries). Best on an otherwise idle machine.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
workloads="$root/bench/runtime/workloads"
repeat=${REPEAT:-5}
stat=${STAT:-min}
pin=()
if [[ "${PIN:-1}" == 1 ]]; then
  pin=(taskset -c "${PIN_CPU:-0}")
fi
budget=${BUDGET:-100}

# --- what it needs ----------------------------------------------------------
"$root/scripts/deps.sh"
if ! command -v valgrind >/dev/null 2>&1; then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi

lib=${SHMCHECK_LIB:-}
if [[ -z "$lib" ]]; then
  build=${SHMCHECK_BUILD_DIR:-$root/build}
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DSHMCHECK_BUILD_CHECKER=OFF \
      -DSHMCHECK_BUILD_TESTS=OFF >/dev/null
  fi
  cmake --build "$build" --target shmcheck >/dev/null
  lib="$build/lib/libshmcheck.so"
fi
libdir=$(cd "$(dirname "$lib")" && pwd)

bin=$(mktemp -d)
if [[ "${KEEP:-0}" != 1 ]]; then
  trap 'rm -rf "$bin"' EXIT
fi

# --- builds -------------------------------------------------------------------
# The same compiler and optimization for every variant. DWARF 4: the
# Valgrind of Debian 12 cannot read clang 19's DWARF 5.
cflags=(-O2 -gdwarf-4)
for w in shm_light shm_heavy handoff_ring; do
  sources=("$workloads/$w.c" "$workloads/workload_main.c")
  clang-19 "${cflags[@]}" -o "$bin/native_$w" "${sources[@]}" -lpthread
  clang-19 "${cflags[@]}" -fsanitize=thread -fno-sanitize-link-runtime \
    -o "$bin/instr_$w" "${sources[@]}" -lpthread \
    -L"$libdir" -lshmcheck -Wl,-rpath,"$libdir"
  clang-19 "${cflags[@]}" -fsanitize=thread -o "$bin/tsan_$w" "${sources[@]}" \
    -lpthread
done

# --- measuring ----------------------------------------------------------------
session=0
# seconds RUNS OPTIONS [VAR=VALUE...] COMMAND...: the best (or median) wall
# time of RUNS runs.
seconds() {
  local runs=$1 options=$2
  shift 2
  local times=()
  for ((r = 0; r < runs; ++r)); do
    session=$((session + 1))
    local start end
    start=$(date +%s%N)
    if ! "${pin[@]}" env \
        SHMCHECK_OPTIONS="session=bench$$-$session${options:+:$options}" \
        "$@" >"$bin/out" 2>"$bin/err"; then
      echo "run failed: $*" >&2
      cat "$bin/err" >&2
      exit 1
    fi
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v stat="$stat" '{t[NR] = $1}
    END {printf "%.6f\n", t[stat == "median" ? int((NR + 1) / 2) : 1] / 1e6}'
}

# ratio TIME NATIVE_TIME NATIVE_ITERATIONS ITERATIONS
ratio() {
  awk -v t="$1" -v n="$2" -v ni="$3" -v i="$4" \
    'BEGIN {printf "%.2f", t / (n * i / ni)}'
}

# The largest share of traps and waits (against the rest of its CPU time)
# that a process of the last run measured (verbosity=1).
budget_share() {
  grep -o 'ms of CPU ([0-9]*%)' "$bin/err" | sed 's/.*(\([0-9]*\)%.*/\1/' |
    sort -n | tail -1
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 |
  sed 's/^ *//'), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs per cell: $repeat ($stat); trap budget: $budget%;" \
  "${pin[*]:-not pinned}"
echo
printf '%-13s %9s | %7s %7s %7s %7s | %9s %7s %9s\n' workload native \
  trap nopatch budget instr "native(T)" tsan helgrind
printf '%-13s %9s | %7s %7s %7s %7s | %9s %7s %9s\n' "" "(s)" \
  "x" "x" "x" "x" "(s)" "x" "x"

notes=()
# run_workload NAME ITERATIONS TRAP_ITERATIONS HELGRIND_ITERATIONS
run_workload() {
  local w=$1 n=$2 n_trap=$3 n_hg=$4
  local native trap nopatch budgeted floor instr native_t tsan helgrind share
  native=$(seconds "$repeat" "" "$bin/native_$w" --processes "$n")
  trap=$(seconds "$repeat" "" LD_PRELOAD="$lib" \
    "$bin/native_$w" --processes "$n")
  nopatch=$(seconds "$repeat" "patch_sites=0" LD_PRELOAD="$lib" \
    "$bin/native_$w" --processes "$n_trap")
  budgeted=$(seconds "$repeat" "verbosity=1:trap_budget=$budget" \
    LD_PRELOAD="$lib" "$bin/native_$w" --processes "$n")
  share=$(budget_share)
  floor=$(seconds "$repeat" "trap_budget=1" LD_PRELOAD="$lib" \
    "$bin/native_$w" --processes "$n")
  instr=$(seconds "$repeat" "" "$bin/instr_$w" --processes "$n")
  native_t=$(seconds "$repeat" "" "$bin/native_$w" --threads "$n")
  tsan=$(seconds "$repeat" "" "$bin/tsan_$w" --threads "$n")
  helgrind=$(seconds 1 "" valgrind --tool=helgrind -q --error-exitcode=0 \
    "$bin/native_$w" --threads "$n_hg")
  printf '%-13s %9.3f | %7s %7s %7s %7s | %9.3f %7s %9s\n' "$w" "$native" \
    "$(ratio "$trap" "$native" "$n" "$n")" \
    "$(ratio "$nopatch" "$native" "$n" "$n_trap")" \
    "$(ratio "$budgeted" "$native" "$n" "$n")" \
    "$(ratio "$instr" "$native" "$n" "$n")" "$native_t" \
    "$(ratio "$tsan" "$native_t" "$n" "$n")" \
    "$(ratio "$helgrind" "$native_t" "$n" "$n_hg")"
  notes+=("$w: $n iterations per worker (nopatch $n_trap, helgrind $n_hg);"
          "  budget $budget%: traps and waits took at most ${share:-0}% of"
          "  the rest of a process's CPU time; $(ratio "$budgeted" "$floor" "$n" "$n")x"
          "  the run with traps sampled away (trap_budget=1: $(ratio "$floor" \
            "$native" "$n" "$n")x native)")
}

run_workload shm_light 150000000 150000000 15000000
run_workload shm_heavy 4000000 20000 200000
run_workload handoff_ring 1000000 20000 20000

echo
printf '%s\n' "${notes[@]}"
