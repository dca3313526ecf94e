// What a semop/semtimedop call does, as far as the calling function shows it:
// the `struct sembuf` operations come from an initializer, an array, a
// compound literal, or field assignments made before the call.
#pragma once

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace clang::tidy::shm {

/// One element of the sembuf array passed to semop.
struct SembufOp {
  const Expr *SemNum = nullptr;    ///< nullptr when unknown
  std::optional<int64_t> SemOp;    ///< the constant sem_op
  int SemOpParam = -1;             ///< sem_op is parameter SemOpParam of the function
  bool SemOpNegated = false;       ///< ...negated (`.sem_op = -n`)
  bool NoWait = false;             ///< IPC_NOWAIT in sem_flg: a try-acquire
};

/// The operations of `semop(id, Sops, N)` (or semtimedop) at Call, inside Fn.
/// Empty when the operations cannot be found.
llvm::SmallVector<SembufOp, 2> sembufOps(const CallExpr *Call, const FunctionDecl *Fn, const ASTContext &Ctx);

} // namespace clang::tidy::shm
