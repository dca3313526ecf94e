// Diagnostics as clang-tidy prints them (file:line:col: warning: ... [check],
// the source line, the caret, notes), through clang-tidy's own reporter.
#pragma once

#include "clang-tidy/ClangTidyDiagnosticConsumer.h"

#include "llvm/ADT/ArrayRef.h"

#include <memory>
#include <optional>

namespace shmtidy {

class TextReport {
public:
  // UseColor: --use-color if given; otherwise colors when stdout is a terminal.
  explicit TextReport(std::optional<bool> UseColor);
  ~TextReport();
  TextReport(const TextReport &) = delete;
  TextReport &operator=(const TextReport &) = delete;

  // Prints to stdout. Fixes are never applied here: workers apply them.
  void print(llvm::ArrayRef<clang::tidy::ClangTidyError> Diagnostics);

private:
  std::unique_ptr<clang::tidy::ClangTidyContext> Context;
};

} // namespace shmtidy
