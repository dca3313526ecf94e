// shm-tidy's own command-line options, on top of clang-tidy's: whole-project
// runs (--all-files, -j, --shard) and report formats (--format, --output).
#pragma once

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace shmtidy {

enum class ReportFormat { Text, Sarif };

// --shard K/N: this run takes every N-th file starting with the K-th, so N CI
// jobs with K = 1..N together cover the tree exactly once.
struct ShardSpec {
  unsigned Index = 0; // K - 1
  unsigned Count = 1; // N
};

struct DriverOptions {
  bool AllFiles = false;
  unsigned Jobs = 0; // 0: one per core
  std::optional<ShardSpec> Shard;
  ReportFormat Format = ReportFormat::Text;
  std::string Output;     // empty: stdout
  std::string SourceRoot; // empty: the enclosing git work tree, else the cwd
  // Whole-program mode (WholeProgram.h): on whenever a compilation database
  // is used, unless --whole-program=false.
  bool WholeProgram = true;
  std::string IndexDir; // empty: <database dir>/.shm-tidy-index
  bool IndexOnly = false;
};

// Files shm-tidy's options under clang-tidy's option category, so that
// `shm-tidy --help` lists them with clang-tidy's (clang-tidy hides options of
// every other category).
void showDriverOptionsInHelp(llvm::cl::OptionCategory &ClangTidyCategory);

// The values parsed by llvm::cl, checked for consistency.
llvm::Expected<DriverOptions> readDriverOptions();

// Drops shm-tidy's options from a command line (up to a "--"), leaving one
// that clang-tidy's own parser accepts.
void removeDriverOptions(std::vector<std::string> &Args);

// Parses "K/N" (1 <= K <= N).
std::optional<ShardSpec> parseShard(llvm::StringRef Text);

} // namespace shmtidy
