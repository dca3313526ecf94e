// The per-function forward dataflow behind HeldLocks: which locks are held
// (must and may) before each statement, and whether the statement may run
// concurrently with the program's other processes; plus a backward pass that
// finds statements published by a later semaphore release.
#pragma once

#include "analysis/HeldLocks.h"
#include "analysis/LockOperations.h"
#include "analysis/LockTable.h"

#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"

#include <memory>
#include <vector>

namespace clang::tidy::shm {

/// What holds when a function is entered.
struct EntryContext {
  LockSet Must;
  LockSet May;
  /// Other processes may run: a caller forked and did not wait, or the
  /// program's partners are other programs.
  bool Concurrent = false;
  /// Every caller releases a semaphore right after the call returns.
  bool ReleasedAfterReturn = false;
  /// The processes that may be running the function (ProcessSet).
  ProcessSet Processes;
  /// Some caller may release a semaphore after the call returns: a wait
  /// inside that is not released inside may still be a lock, not an event.
  bool MayReleaseAfterReturn = false;
  /// The function may run more than once in a process (called in a loop,
  /// from a function that does, or from outside).
  bool Repeats = false;
};

/// The facts at one statement of a function.
struct PointState {
  LockSet Must;
  LockSet May;
  bool Concurrent = false;
  bool Published = false;
  /// Semaphores whose release may publish the statement (lock ids).
  llvm::SmallVector<unsigned, 1> PublishedVia;
  ProcessSet Processes;
  unsigned Block = 0;
};

/// Numbers the fork calls of the translation unit: the ProcessSet label of
/// the children each one creates.
class ForkSites {
public:
  uint64_t bitFor(const Stmt *Call);

private:
  llvm::DenseMap<const Stmt *, unsigned> Index;
};

/// In summaries, the label standing for "the processes that called".
constexpr uint64_t CallerProcesses = uint64_t(1) << 63;

/// A call of a translation unit function, as seen by the caller.
struct FlowCallSite {
  const Stmt *Call = nullptr;
  const FunctionDecl *Callee = nullptr;
  unsigned Point = 0; ///< state right before the call
  bool PublishedAfter = false;
  bool MayReleaseAfter = false; ///< a semaphore release may follow the call
};

/// The analysis of one function under one entry context.
class FunctionFlow {
public:
  /// Builds the CFG of Fn (nullptr result if clang cannot).
  static std::unique_ptr<FunctionFlow> create(const FunctionDecl *Fn, ASTContext &Ctx);

  /// Runs the dataflow to a bounded fixpoint. With SummaryMode, computes the
  /// function's EffectSummary and exits (from Entry, normally empty).
  void run(const EntryContext &Entry, const LockOperations &Ops, LockTable &Table, ForkSites &Forks,
           bool SummaryMode);

  const FunctionDecl *function() const { return Fn; }
  /// The entry context of the last run.
  const EntryContext &entry() const { return LastEntry; }
  const CFG &cfg() const { return *Cfg; }
  const PointState *pointAt(const Stmt *S) const;
  const std::vector<PointState> &points() const { return Points; }
  const std::vector<FlowCallSite> &callSites() const { return Calls; }
  const EffectSummary &summary() const { return Summary; }
  const std::vector<FunctionLockSummary::Exit> &exits() const { return Exits; }
  /// Every statement of the function in CFG order (reachable blocks only).
  const std::vector<const Stmt *> &statements() const { return Statements; }

  /// S's block can reach itself.
  bool onCycle(const Stmt *S) const;
  /// Block lies on a cycle of the CFG (a loop).
  bool blockOnCycle(unsigned BlockId) const { return BlockOnCycle[BlockId]; }

  /// Where lock Id, held on some paths to S, is missing.
  std::optional<MissingLock> whereMissing(const Stmt *S, unsigned Id) const;

private:
  friend class FlowRunner;

  FunctionFlow(const FunctionDecl *Fn, std::unique_ptr<CFG> Cfg, ASTContext &Ctx);
  bool reachesItself(const CFGBlock &Target) const;

  const FunctionDecl *Fn;
  std::unique_ptr<CFG> Cfg;
  ASTContext &Ctx;
  llvm::DenseMap<const CXXConstructExpr *, const VarDecl *> ConstructedVars;
  std::vector<unsigned> Rpo;       ///< block ids in reverse post-order
  std::vector<unsigned> RpoIndex;  ///< position of each block id in Rpo
  std::vector<bool> BlockOnCycle;  ///< per block id: it can reach itself
  std::vector<PointState> Points;
  llvm::DenseMap<const Stmt *, unsigned> PointOf;
  std::vector<const Stmt *> Statements;
  std::vector<FlowCallSite> Calls;
  EffectSummary Summary;
  std::vector<FunctionLockSummary::Exit> Exits;
  /// Per block: out-state locks, and releases of each lock in the block.
  std::vector<LockSet> BlockOutMust, BlockOutMay;
  std::vector<bool> BlockReached;
  std::vector<llvm::SmallVector<std::pair<unsigned, const Stmt *>, 1>> BlockReleases;
  /// Per point: the statement releases a semaphore / acquires some lock.
  std::vector<uint8_t> PointFlags;
  /// Per point: the semaphores the statement releases.
  std::vector<llvm::SmallVector<unsigned, 1>> PointReleases;
  EntryContext LastEntry;
  /// The effect that acquired each lock (summaries keep how to classify it).
  llvm::DenseMap<unsigned, LockEffect> AcquiredBy;
};

} // namespace clang::tidy::shm
