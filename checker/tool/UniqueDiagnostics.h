// Diagnostics of a whole run, each reported once: a header included by many
// translation units yields the same diagnostic from each of them.
#pragma once

#include "clang-tidy/ClangTidyDiagnosticConsumer.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <string>
#include <vector>

namespace shmtidy {

class UniqueDiagnostics {
public:
  // Keeps the diagnostics not seen before and returns them, in their order.
  std::vector<clang::tidy::ClangTidyError>
  add(std::vector<clang::tidy::ClangTidyError> Diagnostics);

  const std::vector<clang::tidy::ClangTidyError> &all() const { return All; }

  // Findings are diagnostics other than compiler errors.
  size_t findings() const { return FindingCount; }
  const std::map<std::string, size_t> &findingsByCheck() const {
    return ByCheck;
  }
  size_t promotedToErrors() const { return Promoted; }

private:
  llvm::StringSet<> Seen;
  std::vector<clang::tidy::ClangTidyError> All;
  std::map<std::string, size_t> ByCheck; // sorted for a stable summary
  size_t FindingCount = 0;
  size_t Promoted = 0;
};

// The file a diagnostic points at, absolute (exported paths may be relative
// to the translation unit's build directory).
std::string absoluteDiagnosticPath(const clang::tidy::ClangTidyError &D);

} // namespace shmtidy
