// shm-tidy's default check selection: shm-* wherever nothing else selects
// checks, so that a bare `shm-tidy file.c` does not run clang-tidy's defaults
// and a .clang-tidy that only sets CheckOptions or WarningsAsErrors still gets
// the shm-* checks.
#pragma once

#include "clang-tidy/ClangTidyOptions.h"

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>
#include <string>

namespace shmtidy {

class DefaultChecks {
public:
  // The argument added to a clang-tidy command line when the default applies.
  // clang-tidy appends --checks to the configured list, and with no Checks
  // configured that list is its own default, which "-*" switches off.
  static constexpr llvm::StringLiteral Argument = "--checks=-*,shm-*";

  // ChecksGiven: --checks was on the command line. ConfigText/ConfigFile:
  // --config and --config-file, which replace the .clang-tidy lookup.
  DefaultChecks(bool ChecksGiven, std::optional<std::string> ConfigText,
                std::optional<std::string> ConfigFile);
  ~DefaultChecks();
  DefaultChecks(const DefaultChecks &) = delete;
  DefaultChecks &operator=(const DefaultChecks &) = delete;

  // Whether the run for File gets Argument: nothing names checks for it.
  bool appliesTo(llvm::StringRef File);

private:
  bool ChecksGiven;
  // Set when --config or --config-file stands in for .clang-tidy files.
  std::optional<bool> ExplicitConfigSelectsChecks;
  std::unique_ptr<clang::tidy::FileOptionsProvider> ConfigFiles;
};

} // namespace shmtidy
