// shm-lock-imbalance: locks left held, released without being held, or taken
// twice.
#pragma once

#include "LockConditions.h"
#include "analysis/HeldLocks.h"

#include "clang-tidy/ClangTidyCheck.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <vector>

namespace clang::tidy::shm {

/// Uses the held-locks analysis (and its per-function summaries) to report,
/// per function:
///   - a lock acquired in the function and still held on a way out of it,
///     unless the function hands the lock to its caller (its normal
///     completion leaves the lock held: an acquire wrapper such as `P()` or
///     `lock_table()`, or a try-lock wrapper);
///   - a release of a lock the function acquires but does not hold at that
///     point (double unlock, unlock in a cleanup path that skipped the lock);
///   - a second acquire of a non-recursive lock that is already held.
/// Semaphores count as locks only in functions that both wait on and post
/// the same semaphore; elsewhere they are signals.
class LockImbalanceCheck : public ClangTidyCheck {
public:
  LockImbalanceCheck(StringRef Name, ClangTidyContext *TidyContext);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;

  /// A way out of a function back to its caller, with the locks held there.
  struct WayOut {
    const Stmt *Return;  ///< ReturnStmt or throw; nullptr: end of the body
    LockSet Must, May;
    bool Throws = false;       ///< Return is a throw expression
    bool ExitsProcess = false; ///< Return is an exit(0)-like call
  };

private:
  struct FunctionLockUse;
  void checkFunction(const FunctionDecl *FD, const HeldLocks &Locks);
  void checkSecondAcquire(const FunctionLockUse &Use, const Stmt *Call,
                          const LockOp &Op);
  void checkRelease(const FunctionLockUse &Use, const Stmt *Call,
                    const LockOp &Op);
  void checkWaysOut(const FunctionLockUse &Use);
  void noteAcquired(const HeldLock &H, const HeldLocks &Locks);
  /// Locks FD returns to its caller still holding, in FD's terms (ids of
  /// Locks): net acquires, try-locks, and locks held at its normal
  /// completion.
  /// Named as an acquire or try-lock by a library model or LockFunctions.
  bool namedAsLock(const FunctionDecl *FD) const;
  llvm::ArrayRef<unsigned> handedOver(const FunctionDecl *FD,
                                      const HeldLocks &Locks);
  /// FD's normal completion leaves lock Id held, an earlier way out does
  /// not, and a caller (or FD's return values) shows that this is on purpose.
  bool conditionallyHandsOver(const FunctionDecl *FD,
                              const std::vector<WayOut> &Ways,
                              unsigned Id, const HeldLocks &Locks);
  /// A lock key of Callee in the terms of Caller at Call.
  std::optional<std::string> translateKey(StringRef Key,
                                          const FunctionDecl *Callee,
                                          const CallExpr *Call,
                                          const FunctionDecl *Caller) const;
  /// Call (in Caller) returns with the lock named LockKey held.
  bool handedOverByCall(const CallExpr *Call, const FunctionDecl *Caller,
                        const std::string &LockKey, const HeldLocks &Locks);

  const std::string LockFunctions;
  const std::string UnlockFunctions;
  const std::string TryLockFunctions;
  LockConfig Config;
  ASTContext *Ctx = nullptr;
  std::vector<const FunctionDecl *> Functions;
  /// Other processes can wait for the lock H forever if this process exits
  /// holding it: it lives in shared memory (or is a named or System V
  /// semaphore) and is not robust or undone by the kernel.
  bool visibleToOtherProcesses(const HeldLock &H, const HeldLocks &Locks);

  /// FD never returns: noreturn, or every path of its body ends the process.
  bool neverReturns(const FunctionDecl *FD);
  /// Control never falls out of the end of S (return, goto, die(), ...).
  bool leavesScope(const Stmt *S);
  /// The acquire's result is tested and its failure path may flow on to
  /// later code, so a path without the lock may be that failure path.
  bool failurePathMayContinue(const AcquireResultTest &Test);

  bool UnitHasRecursiveMutex = false;
  bool UnitHasRobustMutex = false;
  bool UnitUsesSemUndo = false;
  /// Semaphore fields and variables created with the value 1.
  llvm::DenseSet<const ValueDecl *> BinarySemaphores;
  llvm::DenseMap<const FunctionDecl *, llvm::SmallVector<unsigned, 2>>
      HandedOverCache;
  llvm::DenseMap<const FunctionDecl *, bool> NeverReturnsCache;
  /// Calls of each function of the translation unit: (caller, call).
  llvm::DenseMap<const FunctionDecl *,
                 std::vector<std::pair<const FunctionDecl *, const CallExpr *>>>
      CallSites;
};

} // namespace clang::tidy::shm
