// Whole-program mode: before the files are checked, every translation unit of
// the compilation database is summarised (first pass, one worker process per
// file, ProjectSummaryCheck) and the summaries are merged into the project
// index (ProjectIndex.h), which the checking workers inherit.
//
// The index lives in the build directory (<database dir>/.shm-tidy-index, or
// --index-dir): units/<hash of the path>.json holds each file's summary with
// the key it was made for (its content, its compile command, shm-tidy's
// version) and the content hashes of the headers it read; index.json the
// merged facts. A later run summarises again only the files whose key or
// headers changed, so an unchanged project costs one pass, not two.
#pragma once

#include "CommandLine.h"
#include "InputFiles.h"

#include "llvm/Support/Error.h"

namespace shmtidy {

struct IndexStatistics {
  size_t Units = 0;
  size_t Summarised = 0; // made in this run
  size_t Failed = 0;     // could not be summarised (compile errors)
  double Seconds = 0;
};

// Loads the library models next to the binary and installs them (with no
// compilation database this is all a run knows beyond the file itself).
llvm::Error installLibraryModels(const char *Argv0);

// Whether this run builds and uses the index.
bool wholeProgramEnabled(const CommandLine &Command, const InputFiles &Inputs);

// Builds or refreshes the index and installs the merged facts in this
// process, on top of the library models.
llvm::Expected<IndexStatistics> buildProjectIndex(const CommandLine &Command,
                                                  const InputFiles &Inputs);

} // namespace shmtidy
