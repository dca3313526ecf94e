// What a worker wrote to stderr: passing on what matters to the user, and
// turning a failure into one line that says what to do.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace shmtidy {

// The lines of a worker's stderr that the driver shows: everything except
// clang-tidy's per-file chatter, which the driver's summary replaces (counts
// of warnings generated or suppressed, "Error while processing", ...).
std::string workerMessagesToShow(llvm::StringRef Stderr);

// The worker stopped without analysing its file and without a crash: clang-tidy
// rejected the configuration or an option's value. Builds the one-line error.
llvm::Error explainWorkerFailure(llvm::StringRef Stderr);

} // namespace shmtidy
