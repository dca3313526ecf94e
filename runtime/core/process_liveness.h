// Is a registered process still running? Pids are reused, so a pid alone
// does not say; its start time (in clock ticks since boot, from
// /proc/<pid>/stat) does. A zombie counts as gone: it will make no more
// accesses, and its final clock is published for whoever reaps it.
#pragma once

#include <cstdint>
#include <sys/types.h>

namespace shmcheck::core {

// Start time of `pid`, or 0 when it cannot be read.
uint64_t process_start_time(pid_t pid);

// True when `pid` no longer runs, is a zombie, or (start_time != 0) is now a
// different process.
bool process_is_gone(pid_t pid, uint64_t start_time);

}  // namespace shmcheck::core
