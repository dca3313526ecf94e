// shm-tidy: clang-tidy's driver with the shm-* checks built in.
//
// Everything clang-tidy users know keeps working: -p, --checks, --config,
// .clang-tidy files, NOLINT comments, --fix, --export-fixes. On top of that:
// shm-* is the default check set, whole projects run in parallel
// (--all-files, -j, --shard), reports can be SARIF, and the exit status says
// whether the code was analysed at all (see Driver.h).
#include "Driver.h"

namespace clang::tidy {
extern volatile int ShmModuleAnchorSource;
// Keeps the module's registration linked in.
[[maybe_unused]] static int ShmModuleAnchorDestination = ShmModuleAnchorSource;
} // namespace clang::tidy

int main(int argc, const char **argv) {
  return shmtidy::runShmTidy(argc, argv);
}
