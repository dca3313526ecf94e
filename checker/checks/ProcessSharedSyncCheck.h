// shm-process-shared-sync: synchronisation objects in shared memory that were
// not made process-shared.
#pragma once

#include "clang-tidy/ClangTidyCheck.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <vector>

namespace clang::tidy::shm {

/// Flags pthread mutexes, condition variables, rwlocks and barriers in shared
/// memory initialised without an attribute set to PTHREAD_PROCESS_SHARED
/// (NULL attributes included), sem_init/pthread_spin_init on shared memory
/// with pshared 0 (fix-it: make it shared), sync objects in shared memory that
/// get their value by copying a static initializer or another object, and
/// C++ objects placed in shared memory that contain std::mutex and friends.
class ProcessSharedSyncCheck : public ClangTidyCheck {
public:
  ProcessSharedSyncCheck(StringRef Name, ClangTidyContext *TidyContext)
      : ClangTidyCheck(Name, TidyContext) {}
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;

private:
  /// What the translation unit does to one attribute object.
  struct AttrUses {
    bool SetShared = false; ///< setpshared(PTHREAD_PROCESS_SHARED), maybe in a helper
    bool Unknown = false;   ///< handed to code we cannot see, or a run-time value
  };

  void collectAttrUses();
  void checkInitWithAttr(const CallExpr *Call);
  void checkInitWithFlag(const CallExpr *Call);
  void checkAssignment(const BinaryOperator *Assign);
  void checkMemCopy(const CallExpr *Call);
  void checkPlacementNew(const CXXNewExpr *New);
  /// Notes where Object's shared memory comes from.
  void noteWhereShared(const Expr *Object);
  bool paramSetsShared(const FunctionDecl *FD, unsigned Index, unsigned Depth);
  /// Each of Objects (sync fields or variables inside Target) gets a
  /// pthread_*_init call after Copy, in the same function or in a helper it
  /// then calls with Target's root variable, so the copied value never
  /// matters.
  bool reinitialisedAfter(llvm::ArrayRef<const ValueDecl *> Objects,
                          const Stmt *Copy, const Expr *Target) const;
  const FunctionDecl *enclosingFunction(const Stmt *S) const;
  /// Caller calls Callee after the statement After, passing Object.
  bool callsAfter(const FunctionDecl *Caller, const FunctionDecl *Callee,
                  const Stmt *After, const ValueDecl *Object) const;

  ASTContext *Ctx = nullptr;
  // Everything is judged at the end of the translation unit, when every
  // setpshared call and every pthread_*_init call has been seen.
  std::vector<const CallExpr *> InitCalls;
  std::vector<const CallExpr *> AttrCalls;
  std::vector<const BinaryOperator *> Assignments;
  std::vector<const CallExpr *> MemCopies;
  std::vector<const CXXNewExpr *> PlacementNews;
  llvm::StringMap<AttrUses> Attrs;
  llvm::DenseMap<const Decl *, llvm::SmallVector<const CallExpr *, 2>>
      InitCallsOf;
};

} // namespace clang::tidy::shm
