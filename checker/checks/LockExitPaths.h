// The ways out of a function, for checks built on the held-locks analysis.
#pragma once

#include "analysis/HeldLocks.h"

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"

#include <memory>
#include <vector>

namespace clang::tidy::shm {

/// `exit(0)`, `_exit(EXIT_SUCCESS)`: a process that finished its work, as a
/// forked child does. Error exits and abort() are crashes.
bool isNormalProcessExit(const CallExpr *Call, ASTContext &Ctx);

/// The ways out of a function, from a CFG built like the held-locks
/// analysis's own so that its exits line up with the summary's. The summary
/// does not say whether an exit without a return statement falls off the
/// end, throws, or ends the process; this does. Also answers reachability
/// between statements of the function.
class LockExitPaths {
public:
  enum class ExitKind { Return, FallOff, NoReturn, Throw, ProcessExit };
  struct ExitPath {
    ExitKind Kind;
    /// The ReturnStmt, the throw expression, or the exit(0)-like call.
    const Stmt *Return;
  };

  LockExitPaths(const FunctionDecl *FD, ASTContext &Ctx);

  bool valid() const { return Graph != nullptr; }

  /// Classifies the summary's exits, in the summary's order. When the two
  /// CFGs do not line up, exits without a return statement are taken as
  /// process exits if the function has any (erring on the side of silence).
  std::vector<ExitPath>
  classify(const std::vector<FunctionLockSummary::Exit> &Summary) const;

  /// Some path runs From and later To (both statements of the function).
  bool reaches(const Stmt *From, const Stmt *To) const;

  /// Every way out of the function ends the process (or it has none).
  bool endsProcessEverywhere() const;

private:
  std::unique_ptr<CFG> Graph;
  std::vector<ExitPath> Exits;
  llvm::DenseMap<const Stmt *, std::pair<const CFGBlock *, unsigned>> Position;
};

} // namespace clang::tidy::shm
