// The first pass of whole-program mode, as a check: writes the summary of the
// translation unit (UnitSummary.h) where the driver asked for it. It reports
// nothing, and exists only in the driver's first-pass workers (the module
// registers it when summaryOutputPath() is set), so it never shows in
// --list-checks.
#pragma once

#include "clang-tidy/ClangTidyCheck.h"

#include <string>

namespace clang::tidy::shm {

/// Where this process writes its unit summary ("" outside first-pass workers).
const std::string &summaryOutputPath();
void setSummaryOutputPath(std::string Path);

class ProjectSummaryCheck : public ClangTidyCheck {
public:
  static constexpr llvm::StringLiteral Name = "shm-project-summary";

  using ClangTidyCheck::ClangTidyCheck;
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;
};

} // namespace clang::tidy::shm
