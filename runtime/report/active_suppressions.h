// The suppressions this process applies: the suppressions= file and the
// program's __shmcheck_default_suppressions() hook (see
// runtime/include/shmcheck/hooks.h). Checked by flush_reports() before a
// report is written (text and JSON alike); matches are counted.
#pragma once

#include <cstdint>

#include "report_format.h"

namespace shmcheck::core {

// Normal context, at process start. A file that cannot be read or parsed
// prints one line and leaves the process without suppressions.
void load_suppressions();

// [signal-safe] True when any suppression is loaded. A race then marks its
// two processes as "took part" (the exit code) only when it is written, so
// that a suppressed race changes no exit status.
bool suppressions_active();

// True when a suppression matches `race`; counts the match.
bool race_suppressed(const report::PrintedRace &race);

// Races this process suppressed (since it started or forked).
uint64_t suppressed_race_count();

// "shmcheck: pid N suppressed M races: race:foo (2), ..." (verbosity >= 1).
void print_suppression_counts();

}  // namespace shmcheck::core
