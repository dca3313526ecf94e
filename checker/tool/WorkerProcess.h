// Analysing files in child processes, several at a time.
//
// Each file gets a fresh process forked from the driver, which runs
// clang-tidy's own driver (clangTidyMain) on that one file. A process per file
// keeps clang-tidy's global state (option values, caches) apart between files
// and lets files run in parallel; forking instead of executing the binary
// again skips loading LLVM and Clang for every file.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <vector>

namespace shmtidy {

struct WorkerJob {
  std::string File;
  // The complete clang-tidy command line the worker runs ([0]: the program).
  std::vector<std::string> Args;
  // Where the worker writes its stderr.
  std::string StderrPath;
  // Its stdout is normally discarded, because the driver prints the
  // diagnostics from the --export-fixes file; questions about the
  // configuration (--list-checks, --dump-config) answer on stdout.
  bool KeepStdout = false;
  // Runs in the worker before clang-tidy's driver (e.g. to say where a
  // first-pass summary goes).
  std::function<void()> Prepare;
};

struct WorkerExit {
  int Status = 0; // exit status when the worker exited
  int Signal = 0; // the signal that ended it, or 0
};

// Runs the jobs, at most Parallelism at a time, starting them in order.
// OnDone(Index, Exit) runs in the driver as each one ends; when it returns
// false no more jobs start and the running ones are stopped.
llvm::Error runWorkers(llvm::ArrayRef<WorkerJob> Jobs, unsigned Parallelism,
                       llvm::function_ref<bool(size_t, WorkerExit)> OnDone);

} // namespace shmtidy
