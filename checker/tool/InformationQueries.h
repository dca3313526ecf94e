// Questions about the configuration rather than the code: --list-checks,
// --dump-config, --explain-config, --verify-config.
#pragma once

#include "CommandLine.h"

namespace shmtidy {

// Answers them as clang-tidy does, with shm-tidy's default checks; returns
// the exit status.
int answerInformationQuery(const CommandLine &Command);

} // namespace shmtidy
