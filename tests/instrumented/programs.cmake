# The programs checked in instrumented mode: a name and its source, relative
# to the repository root. Included by this directory and by the clang19/
# sub-build, so both build the same list.
set(SHMCHECK_INSTRUMENTED_PROGRAMS
  counter_race examples/counter_race.c
  counter_mutex examples/counter_mutex.c
  counter_semop examples/counter_semop.c
  memcpy_race tests/e2e/programs/memcpy_race.c
  atomic_handoff tests/instrumented/programs/atomic_handoff.c
  atomic_handoff_cxx tests/instrumented/programs/atomic_handoff.cpp
  release_handoff tests/instrumented/programs/release_handoff.c
  relaxed_vs_plain tests/instrumented/programs/relaxed_vs_plain.c
  partial_mappings tests/e2e/programs/partial_mappings.c
  posix_counter tests/e2e/programs/posix_counter.c
  atomic_patterns tests/instrumented/programs/atomic_patterns.c
  kernel_handoffs tests/e2e/programs/kernel_handoffs.c
  file_locks tests/e2e/programs/file_locks.c
  robust_recovery tests/e2e/programs/robust_recovery.c
  lost_races tests/e2e/programs/lost_races.c)

# shmcheck_add_programs(<prefix> <root> <instrument: ON|OFF>) adds one
# executable per program, named <prefix><name>, built -O0 -g (one memory
# access per source-level access, so reports name the expected lines).
function(shmcheck_add_programs prefix root instrument)
  set(list ${SHMCHECK_INSTRUMENTED_PROGRAMS})
  list(LENGTH list length)
  math(EXPR last "${length} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET list ${i} name)
    list(GET list ${j} source)
    add_executable(${prefix}${name} ${root}/${source})
    target_compile_options(${prefix}${name} PRIVATE -g -O0 -Wall -Wextra)
    target_link_libraries(${prefix}${name} PRIVATE Threads::Threads)
    if(instrument)
      shmcheck_instrument(${prefix}${name})
    endif()
  endforeach()
endfunction()
