// How the checked run went, as the launcher's outputs describe it.
#pragma once

#include <string>
#include <vector>

namespace shmcheck::launcher {

struct RunFacts {
  std::vector<std::string> command;  // PROGRAM ARGS...
  std::string version;               // the launcher's
  int exit_status = 0;               // what the launcher exits with
  int program_status = 0;            // the program's (128+N for signal N)
  int program_signal = 0;            // the signal that ended it, or 0
};

}  // namespace shmcheck::launcher
