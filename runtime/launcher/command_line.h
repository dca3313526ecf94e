// The launcher's command line: shmcheck [options] [--] PROGRAM [ARGS...]
#pragma once

#include <string>
#include <vector>

namespace shmcheck::launcher {

// Exit statuses of the launcher itself (the program's own otherwise).
inline constexpr int kExitUsage = 2;          // bad command line or input file
inline constexpr int kExitLauncherFailed = 125;
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

struct CommandLine {
  std::string json_path;                  // --json FILE
  std::string sarif_path;                 // --sarif FILE
  std::vector<std::string> suppressions;  // --suppressions FILE, repeatable
  bool help = false;
  bool version = false;
  std::vector<std::string> program;       // PROGRAM ARGS...
};

// Options end at "--" or at the first argument that is not an option.
// Returns false with a one-line `error` (without the "shmcheck: " prefix)
// for an unknown option, a missing option value, or no program.
bool parse_command_line(const std::vector<std::string> &args, CommandLine &out,
                        std::string *error);

std::string usage_text();

}  // namespace shmcheck::launcher
