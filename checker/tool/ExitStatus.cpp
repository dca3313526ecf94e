#include "ExitStatus.h"

#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

namespace shmtidy {

char UserError::ID = 0;

void UserError::log(llvm::raw_ostream &OS) const {
  OS << Problem;
  if (!Remedy.empty())
    OS << "; " << Remedy;
}

void printErrorLine(llvm::StringRef Problem, llvm::StringRef Remedy) {
  llvm::errs().flush();
  llvm::WithColor::error(llvm::errs(), "shm-tidy") << Problem;
  if (!Remedy.empty())
    llvm::errs() << "; " << Remedy;
  llvm::errs() << "\n";
}

int reportAndFail(llvm::Error Err) {
  llvm::handleAllErrors(
      std::move(Err),
      [](const UserError &E) { printErrorLine(E.Problem, E.Remedy); },
      [](const llvm::ErrorInfoBase &E) { printErrorLine(E.message(), ""); });
  return ExitNotAnalysed;
}

} // namespace shmtidy
