// shm-lock-imbalance: locks left held, released without being held, or taken
// twice.
#pragma once

#include "analysis/HeldLocks.h"

#include "clang-tidy/ClangTidyCheck.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
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
    bool Throws = false; ///< Return is a throw expression
  };

private:
  void checkFunction(const FunctionDecl *FD, const HeldLocks &Locks);
  /// Locks FD returns to its caller still holding, in FD's terms (ids of
  /// Locks): net acquires, try-locks, and locks held at its normal
  /// completion.
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
  LockConfig Config;
  ASTContext *Ctx = nullptr;
  std::vector<const FunctionDecl *> Functions;
  bool UnitHasRecursiveMutex = false;
  llvm::DenseMap<const FunctionDecl *, llvm::SmallVector<unsigned, 2>>
      HandedOverCache;
  /// Calls of each function of the translation unit: (caller, call).
  llvm::DenseMap<const FunctionDecl *,
                 std::vector<std::pair<const FunctionDecl *, const CallExpr *>>>
      CallSites;
};

} // namespace clang::tidy::shm
