// shm-tidy's exit statuses and the one-line messages that go with the bad ones.
#pragma once

#include "llvm/Support/Error.h"

#include <string>

namespace shmtidy {

// The contract CI scripts rely on (docs/ci.md). Findings alone never fail a
// build; only --warnings-as-errors does, and anything that kept shm-tidy from
// looking at the code gets its own status so that it is never mistaken for
// "clean" or for "findings".
enum ExitStatus : int {
  ExitClean = 0,
  ExitFindingsPromoted = 1, // a warning matched --warnings-as-errors
  ExitNotAnalysed = 2,      // usage error, no compile database, parse failure
};

// A problem the user can fix. Printed as one line,
//   shm-tidy: error: <Problem>; <Remedy>
// and turned into ExitNotAnalysed, never into a crash or a stack dump.
class UserError : public llvm::ErrorInfo<UserError> {
public:
  static char ID;
  UserError(std::string What, std::string WhatToDo)
      : Problem(std::move(What)), Remedy(std::move(WhatToDo)) {}

  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

  std::string Problem;
  std::string Remedy;
};

inline llvm::Error userError(std::string Problem, std::string Remedy) {
  return llvm::make_error<UserError>(std::move(Problem), std::move(Remedy));
}

// Prints Err as one line on stderr and returns ExitNotAnalysed.
int reportAndFail(llvm::Error Err);

// Prints one "shm-tidy: error: ..." line on stderr.
void printErrorLine(llvm::StringRef Problem, llvm::StringRef Remedy);

} // namespace shmtidy
