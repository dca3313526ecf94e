#include "summary/ProjectSummaryCheck.h"

#include "summary/UnitSummary.h"

#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace clang::tidy::shm {

namespace {
std::string &outputPath() {
  static std::string Path;
  return Path;
}
} // namespace

const std::string &summaryOutputPath() { return outputPath(); }
void setSummaryOutputPath(std::string Path) { outputPath() = std::move(Path); }

void ProjectSummaryCheck::registerMatchers(ast_matchers::MatchFinder *Finder) {
  Finder->addMatcher(ast_matchers::translationUnitDecl().bind("unit"), this);
}

void ProjectSummaryCheck::check(const ast_matchers::MatchFinder::MatchResult &Result) {
  if (summaryOutputPath().empty())
    return;
  UnitSummary Summary = summariseUnit(*Result.Context);
  // The files the unit read; the driver adds their content hashes.
  const SourceManager &SM = *Result.SourceManager;
  for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It)
    Summary.Dependencies.emplace_back(It->first.getName().str(), "");
  if (OptionalFileEntryRef Main = SM.getFileEntryRefForID(SM.getMainFileID()))
    Summary.File = Main->getName().str();
  std::error_code EC;
  llvm::raw_fd_ostream Out(summaryOutputPath(), EC, llvm::sys::fs::OF_Text);
  if (EC)
    return; // the driver notices the missing summary
  Out << Summary.toJSON();
}

} // namespace clang::tidy::shm
