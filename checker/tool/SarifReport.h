// The run's diagnostics as a SARIF 2.1.0 log, the format code scanning
// services (GitHub, GitLab, Azure DevOps) take in.
#pragma once

#include "clang-tidy/ClangTidyDiagnosticConsumer.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace shmtidy {

struct SarifRun {
  llvm::ArrayRef<clang::tidy::ClangTidyError> Diagnostics;
  std::string SourceRoot; // absolute
  // Translation units that could not be analysed (compile errors, crashes):
  // reported as tool notifications, and the run as not fully successful.
  std::vector<std::string> FailedFiles;
  int ExitStatus = 0;
};

void writeSarif(llvm::raw_ostream &OS, const SarifRun &Run);

} // namespace shmtidy
