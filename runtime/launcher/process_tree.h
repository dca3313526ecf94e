// Runs the program as the launcher's child and waits for the whole process
// tree: the launcher becomes the "child subreaper" of everything the program
// starts, so orphaned descendants are reparented to it (not to init) and
// their reports are written before the launcher reads them.
#pragma once

#include <string>
#include <vector>

namespace shmcheck::launcher {

struct ProgramOutcome {
  int exec_errno = 0;  // non-zero: the program could not be executed
  int wait_status = 0;  // as waitpid reports it, for the program itself
};

// Runs argv[0] (searched on PATH) with `environment`, then waits until the
// program and every descendant have ended. SIGTERM, SIGHUP, SIGINT, SIGQUIT,
// SIGUSR1 and SIGUSR2 sent to the launcher are passed on to the program (or,
// once it has ended, to the remaining children); a SIGINT or SIGQUIT from
// the terminal already reached the whole foreground group and is not sent
// twice.
ProgramOutcome run_process_tree(const std::vector<std::string> &argv,
                                const std::vector<std::string> &environment);

// The status the launcher passes on: the exit code, or 128+N for signal N.
int shell_status(int wait_status);

}  // namespace shmcheck::launcher
