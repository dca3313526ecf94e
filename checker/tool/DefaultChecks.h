// Which checks run on a file: shm-tidy's default `shm-*`, then the Checks of
// the configuration (.clang-tidy files, --config or --config-file), then
// --checks, each list applied on top of the one before, exactly as clang-tidy
// applies configured Checks on top of its own default. So
// `Checks: '-shm-lock-imbalance'` keeps every other shm-* check, and
// `Checks: 'bugprone-*'` adds clang-tidy's bugprone checks to them.
#pragma once

#include "clang-tidy/ClangTidyOptions.h"

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shmtidy {

class DefaultChecks {
public:
  // shm-tidy's own default, in the place of clang-tidy's
  // "clang-diagnostic-*,clang-analyzer-*".
  static constexpr llvm::StringLiteral Default = "-*,shm-*";

  // ChecksArgument: the value of --checks, if given. ConfigText/ConfigFile:
  // --config and --config-file, which replace the .clang-tidy lookup.
  DefaultChecks(std::optional<std::string> ChecksArgument,
                std::optional<std::string> ConfigText,
                std::optional<std::string> ConfigFile);
  ~DefaultChecks();
  DefaultChecks(const DefaultChecks &) = delete;
  DefaultChecks &operator=(const DefaultChecks &) = delete;

  // The complete check list for File. It starts with "-*", so clang-tidy,
  // which appends --checks to its own default and the configuration, ends
  // up with exactly this list when it is passed as --checks.
  std::string checksFor(llvm::StringRef File);

  // The shm-* checks that List enables (names as --list-checks shows them).
  static std::vector<std::string> enabledShmChecks(llvm::StringRef List);

private:
  std::unique_ptr<clang::tidy::ClangTidyOptionsProvider> Provider;
};

} // namespace shmtidy
