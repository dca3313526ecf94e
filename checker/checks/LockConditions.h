// What the code around a lock operation says about it: whether the
// acquire's result is tested (and which branch is its failure), and which
// condition decides whether the operation runs at all.
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Stmt.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace clang::tidy::shm {

/// The statement or expression directly containing S, skipping parentheses,
/// implicit casts and the variable a declaration statement initialises.
const Stmt *parentSkippingParens(const Stmt *S, ASTContext &Ctx);

/// Inner lies within Outer in the source.
bool containsStmt(const Stmt *Outer, const Stmt *Inner,
                  const SourceManager &SM);

/// The if/while whose condition tests the result of a blocking acquire, and
/// the branch taken when the acquire failed. The held-locks analysis treats
/// blocking acquires as always succeeding, while
/// `if (pthread_mutex_lock(&m) != 0) return -1;` holds nothing on that
/// return.
struct AcquireResultTest {
  const Stmt *Test = nullptr;          ///< nullptr: the result is not tested
  const Stmt *FailureBranch = nullptr; ///< nullptr: no statement runs on failure
};

/// Looks for the test of Call's result: in the condition around the call, or
/// in the statement after `rc = lock(m);`. Only conditions that tell success
/// (0) from failure (-1 for semaphores, an error number otherwise) count.
AcquireResultTest findAcquireResultTest(const Stmt *Call, bool SemaphoreLike,
                                        ASTContext &Ctx);

/// The condition that decides whether S runs: the if statement S is a branch
/// of, or the `&&` S is the right side of; and the variables it reads.
struct LockGuardCondition {
  const Stmt *By = nullptr;
  llvm::SmallPtrSet<const Decl *, 4> Vars; ///< empty: S is unconditional
};

LockGuardCondition guardOf(const Stmt *S, ASTContext &Ctx);

/// `if (a->mutex) lock(a->mutex);`: the acquire runs only when the pointer
/// it is given (an argument of Call) is not null. On the other way there is
/// no lock to hold, so a function that returns after it holds the lock
/// whenever there is one.
bool acquiredUnlessNull(const Stmt *Call, ASTContext &Ctx);

} // namespace clang::tidy::shm
