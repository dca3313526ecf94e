// shm-tidy's driver: parses the command line, picks the files, analyses each
// in a worker process running clang-tidy's own driver, and reports the
// merged, de-duplicated diagnostics as text and/or SARIF with a documented
// exit status (ExitStatus.h).
#pragma once

namespace shmtidy {

int runShmTidy(int Argc, const char **Argv);

} // namespace shmtidy
