// The project index: the unit summaries of every translation unit of a
// compilation database merged into the facts of the whole program.
//
// Merging adds what no single file knows, from the program's call graph
// (RacerD-style composition of per-procedure summaries):
//   - Forks: a function forks if it calls fork & co. or a function that
//     forks, in any file;
//   - EnteredConcurrently: a function runs only while the program is one
//     process if every call of it, in every file, comes from such a function
//     and before any call that may fork; main starts alone; a function
//     nobody calls, or whose address is taken, may run at any time.
#pragma once

#include "summary/ProjectFacts.h"
#include "summary/UnitSummary.h"

#include <vector>

namespace clang::tidy::shm {

ProjectFacts mergeUnitSummaries(const std::vector<UnitSummary> &Units);

} // namespace clang::tidy::shm
