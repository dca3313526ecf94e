// Recognises what a call does to locks and to concurrency.
//
// Sources, in order of precedence: Clang thread-safety attributes on the
// callee; configured lock/unlock function names; the POSIX and System V
// primitives (pthread mutex/rwlock/spin/cond, sem_*, semop, flock, lockf);
// summaries of translation unit functions; facts about functions of other
// files and library models (ProjectFacts.h); RAII guards (std::lock_guard,
// std::unique_lock, std::scoped_lock, std::shared_lock, SCOPED_CAPABILITY
// classes) and lock()/unlock() members of BasicLockable classes.
#pragma once

#include "analysis/HeldLocks.h"
#include "analysis/SemaphoreValues.h"

#include "clang/AST/Decl.h"
#include "clang/AST/Stmt.h"
#include "llvm/ADT/SmallVector.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace clang::tidy::shm {

/// One effect of a call on one lock, with the lock named by its key in the
/// terms of the function containing the call (see LockIdentity.h).
struct LockEffect {
  LockOp::Action Act = LockOp::Action::Acquire;
  LockKind Kind = LockKind::Mutex;
  LockMode Mode = LockMode::Exclusive;
  std::string Key;
  std::string Display;
  bool SuccessIsZero = true;
  /// The RAII guard variable owning the lock.
  const VarDecl *Guard = nullptr;
  /// Release: whatever Guard holds (`lk.unlock()`, end of scope).
  bool WholeGuard = false;
  /// semop whose sem_op is a parameter of the enclosing function: the effect
  /// is only known at each call (acquire when the argument is negative).
  int SignParam = -1;
  bool SignNegated = false;
  /// A semaphore known to start at a count other than 1 (see HeldLock).
  bool Counting = false;
  /// A semaphore known to start at 0 (see HeldLock::Event).
  bool Event = false;
  /// A release that only publishes (a pipe write, a barrier): it orders what
  /// came before for the waiting side, but gives up no lock held here.
  bool PublishOnly = false;
  /// For semaphores: the sem_t pointer or set id expression, and the number
  /// in the set (constant, or parameter NumParam of the function), so that a
  /// wrapper's semaphore can be classified with the caller's arguments.
  const Expr *Semaphore = nullptr;
  std::optional<int64_t> Num;
  int NumParam = -1;
  /// The declaration naming the semaphore across functions (LockId::Holder).
  const Decl *Holder = nullptr;
  int64_t HolderNum = 0;
};

/// The internal summary of a translation unit function, keys in its terms.
struct EffectSummary {
  std::vector<LockEffect> Acquires;
  std::vector<LockEffect> Releases;
  std::optional<LockEffect> Try;
  std::vector<LockEffect> Signed;
  bool MayFork = false;
  bool Joins = false;
  /// Processes that return from the function: bit 63 stands for "the
  /// caller's processes", other bits for children forked inside that return.
  uint64_t ExitLabels = 0;
  uint64_t ExitLive = 0;
  uint64_t ExitMany = 0;

  bool hasLockEffects() const { return !Acquires.empty() || !Releases.empty() || Try || !Signed.empty(); }
  bool operator==(const EffectSummary &O) const;
};

/// Spawn: concurrency with code elsewhere (threads, other programs); Fork: the
/// calling code continues in two processes.
enum class ConcurrencyEffect { None, Spawn, Fork, Join };

class LockOperations {
public:
  using SummaryLookup = std::function<const EffectSummary *(const FunctionDecl *)>;

  LockOperations(ASTContext &Ctx, const LockConfig &Config, SummaryLookup Summaries,
                 const SemaphoreValues *Semaphores = nullptr);

  /// Effects of S inside Scope. S is a CallExpr (including member and
  /// operator calls), a CXXConstructExpr, an AtomicExpr, or a load or
  /// assignment of an _Atomic object; ConstructedVar is the variable a
  /// construction initialises, if any.
  ///
  /// Atomics publish like messages: a release (or sequentially consistent)
  /// store, or a release fence, publishes what came before it to whoever
  /// reads the flag with an acquire (or sequentially consistent) load, or
  /// loads and then fences with acquire; what comes after that load is
  /// ordered after the publication.
  void effectsOf(const Stmt *S, const FunctionDecl *Scope, const VarDecl *ConstructedVar,
                 llvm::SmallVectorImpl<LockEffect> &Out) const;

  /// Effects of the implicit destructor call of Var at the end of its scope
  /// (a lock guard class of the program's own), in Scope's terms.
  void destructorEffects(const VarDecl *Var, const FunctionDecl *Scope, llvm::SmallVectorImpl<LockEffect> &Out) const;

  /// Whether S starts or joins concurrent code (fork, pthread_create,
  /// std::thread, waitpid, join; also through summarised functions).
  ConcurrencyEffect concurrencyOf(const Stmt *S) const;

  /// The summary of the translation unit function S calls, if any.
  const EffectSummary *calleeSummary(const Stmt *S) const;

  /// Locks FD needs held on entry (REQUIRES / REQUIRES_SHARED), in FD's terms.
  void requiredOnEntry(const FunctionDecl *FD, llvm::SmallVectorImpl<LockEffect> &Out) const;

  /// S might have lock effects whatever the summaries say: a cheap filter
  /// used to skip functions that never touch a lock.
  bool mayAffectLocks(const Stmt *S) const;

private:
  bool attributeEffects(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                        const VarDecl *ConstructedVar, llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool configuredEffects(const CallExpr *Call, const FunctionDecl *Scope,
                         llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool libraryEffects(const CallExpr *Call, const FunctionDecl *Scope,
                      llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool summaryEffects(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                      const VarDecl *ConstructedVar, llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool factsEffects(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                    const VarDecl *ConstructedVar, llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool macroStoreEffects(const Stmt *S, const FunctionDecl *Scope, llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool guardEffects(const CXXConstructExpr *Construct, const FunctionDecl *Scope, const VarDecl *Guard,
                    llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool memberEffects(const CXXMemberCallExpr *Call, const FunctionDecl *Scope,
                     llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool atomicFlagEffects(const Stmt *S, const FunctionDecl *Scope, llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool channelEffects(const CallExpr *Call, const FunctionDecl *Scope,
                      llvm::SmallVectorImpl<LockEffect> &Out) const;
  bool publicationEffects(const Stmt *S, llvm::SmallVectorImpl<LockEffect> &Out) const;

  /// Marks a semaphore acquisition as counting from the semaphore's
  /// initial value (SemaphoreExpr: the sem_t pointer, or the set id).
  void classifySemaphore(LockEffect &Effect, const Expr *SemaphoreExpr, std::optional<int64_t> SetNum) const;

  ASTContext &Ctx;
  LockConfig Config;
  SummaryLookup Summaries;
  const SemaphoreValues *Semaphores;
};

/// S is a call of a function named (qualified or plain) in Names.
bool callsOneOf(const FunctionDecl *Callee, const std::vector<std::string> &Names);

} // namespace clang::tidy::shm
