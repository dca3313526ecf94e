// The shm-tidy command line: clang-tidy's options plus shm-tidy's own, parsed
// once up front by clang-tidy's own parser so that a mistake is reported
// before any file is analysed.
#pragma once

#include "DriverOptions.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace shmtidy {

struct CommandLine {
  // The command line after @file expansion; Args[0] is the program.
  std::vector<std::string> Args;
  // The source files named on it, and where they stand in Args.
  std::vector<std::string> Sources;
  std::vector<unsigned> SourcePositions;
  // "--" given: the flags after it compile every file, and no compilation
  // database is looked for.
  bool HasCompilerArgs = false;

  // The clang-tidy options shm-tidy acts on itself.
  std::string BuildPath;   // -p
  std::string ExportFixes; // --export-fixes
  bool AppliesFixes = false;   // --fix, --fix-errors, --fix-notes
  bool InformationOnly = false; // --list-checks, --dump-config, ...
  bool Quiet = false;
  std::optional<bool> UseColor;
  // What selects checks, besides .clang-tidy files.
  std::optional<std::string> Checks;     // --checks
  std::optional<std::string> ConfigText; // --config
  std::optional<std::string> ConfigFile; // --config-file

  DriverOptions Driver;

  // Args without shm-tidy's own options, ready for clang-tidy's driver.
  // Without KeepSourcesAndExports the sources and --export-fixes go too, for
  // a worker that is given one file and its own export file.
  std::vector<std::string> clangTidyArgs(bool KeepSourcesAndExports) const;
};

// Parses argv. --help and --version print and exit here, as in clang-tidy.
llvm::Expected<CommandLine> parseCommandLine(int Argc, const char **Argv);

} // namespace shmtidy
