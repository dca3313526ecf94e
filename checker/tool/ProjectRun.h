// One analysis run over a list of files: a worker process per file, the
// merged and de-duplicated diagnostics reported in input order as text and
// SARIF, a summary line, and the exit status.
#pragma once

#include "CommandLine.h"
#include "InputFiles.h"

namespace shmtidy {

// Returns the exit status (ExitStatus.h).
int analyseFiles(const CommandLine &Command, const InputFiles &Inputs);

} // namespace shmtidy
