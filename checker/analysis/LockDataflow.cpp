#include "analysis/LockDataflow.h"

#include "analysis/CalleeName.h"
#include "analysis/LockIdentity.h"

#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"

#include <algorithm>

namespace clang::tidy::shm {
namespace {

using Action = LockOp::Action;

enum PointFlag : uint8_t { ReleasesSemaphore = 1, AcquiresLock = 2 };

/// In PublishedVia: a release made by the callers, semaphore unknown here.
constexpr unsigned UnknownRelease = ~0u;

/// A try-lock whose result has not been tested yet.
struct PendingTry {
  const Stmt *Call = nullptr;
  std::string Result; ///< key of the lvalue the result was stored in
  LockEffect Effect;
};

/// A fork whose result has not been tested yet: the code runs in both the
/// parent and the child until a branch on the result separates them.
struct PendingFork {
  const Stmt *Call = nullptr;
  std::string Result; ///< key of the lvalue the pid was stored in (`pids[i]`)
  uint64_t ParentLabels = 0;
  uint64_t ParentLive = 0;
  uint64_t ChildLabel = 0;
};

struct FlowState {
  bool Reached = false;
  LockSet Must;
  LockSet May;
  bool Shared = false;
  bool Joined = false;
  llvm::SmallVector<PendingTry, 1> Pending;
  uint64_t Labels = 0; ///< processes that may run here (ProcessSet)
  uint64_t Live = 0;   ///< processes that may run meanwhile
  uint64_t Many = 0;
  llvm::SmallVector<PendingFork, 1> Forks;
  /// Children forked, per fork site (or call of a forking helper): 1, the
  /// trip count of a constant-bound loop around it, or ManyChildren.
  llvm::SmallVector<std::pair<const Stmt *, unsigned>, 2> Forked;
  /// Children reaped since by waits outside loops.
  unsigned Reaped = 0;
  /// The pid variables of forks (`pid_t a = fork()`) and their labels, so
  /// that waitpid(a) reaps that child only.
  llvm::SmallVector<std::pair<std::string, uint64_t>, 2> Pids;

  bool sameAs(const FlowState &O) const {
    if (Reached != O.Reached || Shared != O.Shared || Joined != O.Joined || Must != O.Must || May != O.May ||
        Pending.size() != O.Pending.size() || Labels != O.Labels || Many != O.Many || Live != O.Live ||
        Forks.size() != O.Forks.size() || Forked != O.Forked || Reaped != O.Reaped || Pids.size() != O.Pids.size())
      return false;
    for (size_t I = 0; I < Pending.size(); ++I)
      if (Pending[I].Call != O.Pending[I].Call || Pending[I].Result != O.Pending[I].Result)
        return false;
    for (size_t I = 0; I < Forks.size(); ++I)
      if (Forks[I].Call != O.Forks[I].Call || Forks[I].Result != O.Forks[I].Result ||
          Forks[I].ParentLabels != O.Forks[I].ParentLabels)
        return false;
    return true;
  }

  void meet(const FlowState &In) {
    if (!In.Reached)
      return;
    if (!Reached) {
      *this = In;
      return;
    }
    Must.intersectWith(In.Must);
    May.unionWith(In.May);
    Shared |= In.Shared;
    Joined |= In.Joined;
    for (const PendingTry &P : In.Pending) {
      bool Known = llvm::any_of(Pending, [&](const PendingTry &Q) { return Q.Call == P.Call; });
      if (!Known)
        Pending.push_back(P);
    }
    Labels |= In.Labels;
    Many |= In.Many;
    Live |= In.Live;
    for (const auto &[Site, Count] : In.Forked) {
      auto Known = llvm::find_if(Forked, [&](const auto &F) { return F.first == Site; });
      if (Known == Forked.end())
        Forked.emplace_back(Site, Count);
      else
        Known->second = std::max(Known->second, Count);
    }
    Reaped = std::min(Reaped, In.Reaped);
    for (const auto &Pid : In.Pids)
      if (!llvm::is_contained(Pids, Pid))
        Pids.push_back(Pid);
    for (const PendingFork &P : In.Forks) {
      auto Known = llvm::find_if(Forks, [&](const PendingFork &Q) { return Q.Call == P.Call; });
      if (Known == Forks.end())
        Forks.push_back(P);
      else {
        Known->ParentLabels |= P.ParentLabels;
        Known->ParentLive |= P.ParentLive;
      }
    }
  }
};

/// More children than the analysis counts.
constexpr unsigned ManyChildren = 64;

/// A load or an assignment of an _Atomic object: sequentially consistent.
bool isAtomicAccess(const Stmt *S) {
  if (const auto *Cast = dyn_cast<ImplicitCastExpr>(S))
    return Cast->getCastKind() == CK_LValueToRValue && Cast->getSubExpr()->getType()->isAtomicType();
  if (const auto *Assign = dyn_cast<BinaryOperator>(S))
    return Assign->getOpcode() == BO_Assign && Assign->getLHS()->getType()->isAtomicType();
  return false;
}

bool isSemaphore(LockKind Kind) { return Kind == LockKind::PosixSemaphore || Kind == LockKind::SysVSemaphore; }

/// Locks of these kinds may be released under a different spelling of the
/// same lock (an alias the canonical names cannot see through).
bool compatibleKinds(LockKind A, LockKind B) { return A == B || (isSemaphore(A) && isSemaphore(B)); }

bool evalComparison(BinaryOperatorKind Op, int64_t L, int64_t R) {
  switch (Op) {
  case BO_EQ:
    return L == R;
  case BO_NE:
    return L != R;
  case BO_LT:
    return L < R;
  case BO_LE:
    return L <= R;
  case BO_GT:
    return L > R;
  case BO_GE:
    return L >= R;
  default:
    return false;
  }
}

const Expr *stripCondition(const Expr *E) {
  while (true) {
    const Expr *Next = E->IgnoreParenImpCasts();
    if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(Next))
      Next = Cleanups->getSubExpr();
    if (const auto *Cast = dyn_cast<ExplicitCastExpr>(Next))
      Next = Cast->getSubExpr();
    if (Next == E)
      return E;
    E = Next;
  }
}

bool namesResult(const Expr *E, const Stmt *Call, const std::string &Result) {
  E = stripCondition(E);
  if (E == Call)
    return true;
  if (const auto *Assign = dyn_cast<BinaryOperator>(E); Assign && Assign->getOpcode() == BO_Assign)
    return stripCondition(Assign->getRHS()) == Call;
  if (Result.empty() || !(isa<DeclRefExpr>(E) || isa<MemberExpr>(E) || isa<ArraySubscriptExpr>(E)))
    return false;
  return valueKey(E, nullptr) == Result;
}

bool namesPending(const Expr *E, const PendingTry &P) { return namesResult(E, P.Call, P.Result); }

/// The truth of Cond for a fork result of Value (0 child, 1 parent, -1
/// failure), or nullopt when Cond is not a test of that result.
std::optional<bool> forkTest(const Expr *Cond, const PendingFork &P, int64_t Value, const ASTContext &Ctx) {
  Cond = stripCondition(Cond);
  if (const auto *Not = dyn_cast<UnaryOperator>(Cond); Not && Not->getOpcode() == UO_LNot) {
    std::optional<bool> Inner = forkTest(Not->getSubExpr(), P, Value, Ctx);
    return Inner ? std::optional<bool>(!*Inner) : std::nullopt;
  }
  if (namesResult(Cond, P.Call, P.Result))
    return Value != 0;
  const auto *Compare = dyn_cast<BinaryOperator>(Cond);
  if (!Compare || !Compare->isComparisonOp())
    return std::nullopt;
  BinaryOperatorKind Op = Compare->getOpcode();
  std::optional<int64_t> K;
  if (namesResult(Compare->getLHS(), P.Call, P.Result)) {
    K = integerConstant(Compare->getRHS(), Ctx);
  } else if (namesResult(Compare->getRHS(), P.Call, P.Result)) {
    K = integerConstant(Compare->getLHS(), Ctx);
    Op = BinaryOperator::reverseComparisonOp(Op);
  }
  if (!K)
    return std::nullopt;
  return evalComparison(Op, Value, *K);
}

/// Which sides of a fork take the branch: {child, parent-or-failure}.
struct ForkSides {
  bool Child = false;
  bool Parent = false;
};

/// Which branch of a condition the successful try takes: true for the
/// true-branch, false for the false-branch, nullopt if Cond does not tell.
std::optional<bool> successBranch(const Expr *Cond, const PendingTry &P, const ASTContext &Ctx) {
  Cond = stripCondition(Cond);
  if (const auto *Not = dyn_cast<UnaryOperator>(Cond); Not && Not->getOpcode() == UO_LNot) {
    std::optional<bool> Inner = successBranch(Not->getSubExpr(), P, Ctx);
    return Inner ? std::optional<bool>(!*Inner) : std::nullopt;
  }
  // Result values: 0 on success for the C functions (failure -1 for
  // semaphores and file locks, a positive error number for pthread); true
  // on success for C++ try_lock and TRY_ACQUIRE(true).
  int64_t Success = P.Effect.SuccessIsZero ? 0 : 1;
  int64_t Failure = !P.Effect.SuccessIsZero                                                  ? 0
                    : (isSemaphore(P.Effect.Kind) || P.Effect.Kind == LockKind::FileLock) ? -1
                    : P.Effect.Kind == LockKind::AtomicFlag                                ? 1
                                                                                           : 16;
  if (namesPending(Cond, P))
    return Success != 0;
  const auto *Compare = dyn_cast<BinaryOperator>(Cond);
  if (!Compare || !Compare->isComparisonOp())
    return std::nullopt;
  BinaryOperatorKind Op = Compare->getOpcode();
  std::optional<int64_t> K;
  if (namesPending(Compare->getLHS(), P)) {
    K = integerConstant(Compare->getRHS(), Ctx);
  } else if (namesPending(Compare->getRHS(), P)) {
    K = integerConstant(Compare->getLHS(), Ctx);
    Op = BinaryOperator::reverseComparisonOp(Op);
  }
  if (!K)
    return std::nullopt;
  bool OnSuccess = evalComparison(Op, Success, *K);
  bool OnFailure = evalComparison(Op, Failure, *K);
  if (OnSuccess == OnFailure)
    return std::nullopt;
  return OnSuccess;
}

class ConstructedVarFinder : public RecursiveASTVisitor<ConstructedVarFinder> {
public:
  explicit ConstructedVarFinder(llvm::DenseMap<const CXXConstructExpr *, const VarDecl *> &Found) : Out(Found) {}
  bool VisitVarDecl(VarDecl *Var) {
    if (const Expr *Init = Var->getInit())
      if (const auto *Construct = dyn_cast<CXXConstructExpr>(Init->IgnoreImplicit()))
        Out[Construct] = Var;
    return true;
  }
  bool TraverseLambdaExpr(LambdaExpr *) { return true; }

private:
  llvm::DenseMap<const CXXConstructExpr *, const VarDecl *> &Out;
};

} // namespace

class FlowRunner {
public:
  FlowRunner(FunctionFlow &Flow, const LockOperations &Operations, LockTable &Locks, ForkSites &Sites,
             bool Summarising)
      : F(Flow), Ops(Operations), Table(Locks), Forks(Sites), SummaryMode(Summarising) {}

  void run(const EntryContext &Entry);

private:
  FlowState entryState(const EntryContext &Entry);
  void transferBlock(const CFGBlock &Block, FlowState &St, bool Record);
  void transferStmt(const Stmt *S, FlowState &St, bool Record, unsigned BlockId, unsigned Index);
  void findReleases(const EntryContext &Entry);
  bool releaseMayFollow(unsigned BlockId, unsigned Index) const;
  static void dropSignals(FlowState &St);
  void apply(const LockEffect &Effect, const Stmt *Site, FlowState &St, bool Record, unsigned BlockId,
             uint8_t &Flags);
  void release(const LockEffect &Effect, const Stmt *Site, FlowState &St, bool Record, unsigned BlockId);
  FlowState edgeState(const CFGBlock &From, unsigned SuccIndex, const FlowState &Out) const;
  FlowState inState(const CFGBlock &Block, const FlowState &Entry, const std::vector<FlowState> &Out) const;
  void finishSummary(const FlowState &Entry, const std::vector<FlowState> &Out);
  void publicationPass(const EntryContext &Entry);

  void concurrency(const Stmt *S, FlowState &St);
  void reap(const CallExpr *Call, FlowState &St) const;
  void countFork(const Stmt *S, FlowState &St) const;
  unsigned loopTrips(const Stmt *S) const;
  static unsigned children(const FlowState &St);
  std::optional<ForkSides> forkSides(const CFGBlock &From, unsigned SuccIndex, const PendingFork &P) const;

  FunctionFlow &F;
  const LockOperations &Ops;
  LockTable &Table;
  ForkSites &Forks;
  bool SummaryMode;
  bool CallersMayRelease = false;
  /// Per block: indices of elements that release a semaphore; whether a
  /// release is reachable from the block's end.
  std::vector<llvm::SmallVector<unsigned, 1>> ReleaseElements;
  std::vector<bool> ReleaseReachable;
  /// Semaphores released by the element being recorded.
  llvm::SmallVector<unsigned, 1> Posted;
  /// The element being transferred, for acquire classification.
  unsigned CurrentBlock = 0;
  unsigned CurrentIndex = 0;
  llvm::SmallVector<LockEffect, 4> Scratch;
};

FlowState FlowRunner::entryState(const EntryContext &Entry) {
  FlowState St;
  St.Reached = true;
  St.Must = Entry.Must;
  St.May = Entry.May;
  St.Shared = Entry.Concurrent;
  St.Labels = SummaryMode ? CallerProcesses : Entry.Processes.Labels;
  St.Many = SummaryMode ? 0 : Entry.Processes.Many;
  St.Live = SummaryMode ? 0 : Entry.Processes.Live;
  llvm::SmallVector<LockEffect, 2> Required;
  Ops.requiredOnEntry(F.Fn, Required);
  for (const LockEffect &Effect : Required) {
    HeldLock Lock;
    Lock.Id = Table.intern(Effect.Key, Effect.Kind, Effect.Display, Effect.Holder, Effect.HolderNum);
    Lock.Mode = Effect.Mode;
    St.Must.add(Lock);
    St.May.add(Lock);
  }
  return St;
}

void FlowRunner::release(const LockEffect &Effect, const Stmt *Site, FlowState &St, bool Record,
                         unsigned BlockId) {
  auto Released = [&](unsigned Id) {
    if (Record)
      F.BlockReleases[BlockId].emplace_back(Id, Site);
  };
  if (Effect.WholeGuard) {
    for (const HeldLock &L : St.May.locks())
      if (L.Guard == Effect.Guard)
        Released(L.Id);
    St.Must.removeIf([&](const HeldLock &L) { return L.Guard == Effect.Guard; });
    St.May.removeIf([&](const HeldLock &L) { return L.Guard == Effect.Guard; });
    return;
  }
  std::optional<unsigned> Id = Table.find(Effect.Key);
  if (Id && St.May.contains(*Id)) {
    const HeldLock *Held = St.May.find(*Id);
    if (Held->Event)
      return; // passing the turn on: the ordering stays
    St.Must.remove(*Id);
    St.May.remove(*Id);
    Released(*Id);
    return;
  }
  // Not held under this name. The caller may hold it (summaries record the
  // release), or it is an alias of a lock we hold under another name: give
  // up the most recent lock of a compatible kind.
  if (SummaryMode && Record) {
    bool Known = llvm::any_of(F.Summary.Releases, [&](const LockEffect &E) { return E.Key == Effect.Key; });
    if (!Known && !isLocallyRooted(Effect.Key))
      F.Summary.Releases.push_back(Effect);
  }
  for (auto It = St.May.locks().rbegin(); It != St.May.locks().rend(); ++It) {
    bool CallerHeld = Table[It->Id].Key == callerHeldKey();
    if ((!CallerHeld && !compatibleKinds(Table[It->Id].Kind, Effect.Kind)) || It->Guard || It->Event)
      continue;
    unsigned Victim = It->Id;
    St.Must.remove(Victim);
    St.May.remove(Victim);
    Released(Victim);
    return;
  }
}

void FlowRunner::apply(const LockEffect &Effect, const Stmt *Site, FlowState &St, bool Record, unsigned BlockId,
                       uint8_t &Flags) {
  if (Effect.SignParam >= 0) {
    // Direction known only at each call site: a summary fact, no effect here.
    if (SummaryMode && Record) {
      bool Known = llvm::any_of(F.Summary.Signed, [&](const LockEffect &E) { return E.Key == Effect.Key; });
      if (!Known)
        F.Summary.Signed.push_back(Effect);
    }
    return;
  }
  dropSignals(St);
  switch (Effect.Act) {
  case Action::Acquire: {
    HeldLock Lock;
    Lock.Id = Table.intern(Effect.Key, Effect.Kind, Effect.Display, Effect.Holder, Effect.HolderNum);
    Lock.Mode = Effect.Mode;
    Lock.AcquiredAt = Site;
    Lock.Guard = Effect.Guard;
    Lock.Counting = Effect.Counting;
    Lock.Event = Effect.Event && !SummaryMode;
    if (SummaryMode)
      F.AcquiredBy.try_emplace(Lock.Id, Effect);
    // A wait no release can follow, here or in a caller: an event.
    Lock.Signal = !SummaryMode && isSemaphore(Effect.Kind) && !CallersMayRelease &&
                  !releaseMayFollow(CurrentBlock, CurrentIndex);
    St.Must.remove(Lock.Id);
    St.May.remove(Lock.Id);
    St.Must.add(Lock);
    St.May.add(Lock);
    Flags |= AcquiresLock;
    return;
  }
  case Action::TryAcquire: {
    PendingTry P;
    P.Call = Site;
    P.Effect = Effect;
    llvm::erase_if(St.Pending, [&](const PendingTry &Q) { return Q.Call == Site && Q.Effect.Key == Effect.Key; });
    St.Pending.push_back(std::move(P));
    return;
  }
  case Action::Release:
    if (isSemaphore(Effect.Kind)) {
      Flags |= ReleasesSemaphore;
      if (Record && !Effect.WholeGuard)
        Posted.push_back(Table.intern(Effect.Key, Effect.Kind, Effect.Display, Effect.Holder, Effect.HolderNum));
    }
    if (Effect.PublishOnly)
      return;
    release(Effect, Site, St, Record, BlockId);
    return;
  }
}

void FlowRunner::dropSignals(FlowState &St) {
  St.Must.removeIf([](const HeldLock &L) { return L.Signal && !L.Event; });
  St.May.removeIf([](const HeldLock &L) { return L.Signal && !L.Event; });
}

void FlowRunner::findReleases(const EntryContext &Entry) {
  CallersMayRelease = Entry.MayReleaseAfterReturn;
  const CFG &Cfg = *F.Cfg;
  unsigned NumBlocks = Cfg.getNumBlockIDs();
  ReleaseElements.assign(NumBlocks, {});
  ReleaseReachable.assign(NumBlocks, false);
  if (SummaryMode)
    return;
  llvm::SmallVector<LockEffect, 4> Effects;
  for (const CFGBlock *Block : Cfg) {
    unsigned Index = 0;
    for (const CFGElement &Element : *Block) {
      Effects.clear();
      std::optional<CFGStmt> S = Element.getAs<CFGStmt>();
      if (S && (isa<CallExpr>(S->getStmt()) || isa<CXXConstructExpr>(S->getStmt()) || isa<AtomicExpr>(S->getStmt())))
        Ops.effectsOf(S->getStmt(), F.Fn, nullptr, Effects);
      // A guard class of the program's own posts its semaphore when it goes
      // out of scope.
      if (std::optional<CFGAutomaticObjDtor> Dtor = Element.getAs<CFGAutomaticObjDtor>())
        Ops.destructorEffects(Dtor->getVarDecl(), F.Fn, Effects);
      if (llvm::any_of(Effects, [](const LockEffect &E) {
            return E.Act == Action::Release && isSemaphore(E.Kind) && E.SignParam < 0;
          }))
        ReleaseElements[Block->getBlockID()].push_back(Index);
      ++Index;
    }
  }
  // Reachability from each block's end, loops included.
  bool Changed = true;
  while (Changed) {
    Changed = false;
    for (const CFGBlock *Block : Cfg) {
      unsigned Id = Block->getBlockID();
      if (ReleaseReachable[Id])
        continue;
      for (const CFGBlock *Succ : Block->succs()) {
        if (Succ && (!ReleaseElements[Succ->getBlockID()].empty() || ReleaseReachable[Succ->getBlockID()])) {
          ReleaseReachable[Id] = true;
          Changed = true;
          break;
        }
      }
    }
  }
}

bool FlowRunner::releaseMayFollow(unsigned BlockId, unsigned Index) const {
  if (BlockId >= ReleaseElements.size())
    return true;
  for (unsigned Release : ReleaseElements[BlockId])
    if (Release > Index)
      return true;
  return ReleaseReachable[BlockId];
}

void FlowRunner::transferStmt(const Stmt *S, FlowState &St, bool Record, unsigned BlockId, unsigned Index) {
  CurrentBlock = BlockId;
  CurrentIndex = Index;
  Posted.clear();
  unsigned Point = 0;
  if (Record) {
    Point = static_cast<unsigned>(F.Points.size());
    PointState P;
    P.Must = St.Must;
    P.May = St.May;
    P.Concurrent = St.Shared && !St.Joined;
    P.Processes.Labels = St.Labels;
    P.Processes.Many = St.Many;
    P.Processes.Live = St.Live;
    P.Block = BlockId;
    F.Points.push_back(std::move(P));
    F.PointFlags.push_back(0);
    F.PointReleases.emplace_back();
    F.PointOf.try_emplace(S, Point);
    F.Statements.push_back(S);
  }
  uint8_t Flags = 0;

  if (isa<AtomicExpr>(S) || isAtomicAccess(S)) {
    Scratch.clear();
    Ops.effectsOf(S, F.Fn, nullptr, Scratch);
    for (const LockEffect &Effect : Scratch)
      apply(Effect, S, St, Record, BlockId, Flags);
  } else if (isa<CallExpr>(S) || isa<CXXConstructExpr>(S)) {
    const VarDecl *Constructed = nullptr;
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) {
      auto It = F.ConstructedVars.find(Construct);
      if (It != F.ConstructedVars.end())
        Constructed = It->second;
    }
    Scratch.clear();
    Ops.effectsOf(S, F.Fn, Constructed, Scratch);
    for (const LockEffect &Effect : Scratch)
      apply(Effect, S, St, Record, BlockId, Flags);
    concurrency(S, St);
    if (Record) {
      const FunctionDecl *Callee = nullptr;
      if (const auto *Call = dyn_cast<CallExpr>(S))
        Callee = Call->getDirectCallee();
      else
        Callee = cast<CXXConstructExpr>(S)->getConstructor();
      if (const FunctionDecl *Def = definitionWithBody(Callee); Def && !isInSystemHeader(Def))
        F.Calls.push_back(FlowCallSite{S, Def, Point, false, releaseMayFollow(BlockId, Index)});
    }
  } else if (const auto *Decls = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : Decls->decls()) {
      const auto *Var = dyn_cast<VarDecl>(D);
      if (!Var || !Var->getInit())
        continue;
      for (PendingTry &P : St.Pending)
        if (stripCondition(Var->getInit()) == P.Call)
          P.Result = variableKey(Var);
      for (PendingFork &P : St.Forks)
        if (stripCondition(Var->getInit()) == P.Call) {
          P.Result = variableKey(Var);
          St.Pids.emplace_back(P.Result, P.ChildLabel);
        }
    }
  } else if (const auto *Assign = dyn_cast<BinaryOperator>(S); Assign && Assign->getOpcode() == BO_Assign) {
    const Expr *Target = Assign->getLHS()->IgnoreParenImpCasts();
    if (isa<DeclRefExpr>(Target) || isa<MemberExpr>(Target) || isa<ArraySubscriptExpr>(Target)) {
      for (PendingTry &P : St.Pending)
        if (stripCondition(Assign->getRHS()) == P.Call)
          P.Result = valueKey(Target, nullptr);
      for (PendingFork &P : St.Forks)
        if (stripCondition(Assign->getRHS()) == P.Call) {
          P.Result = valueKey(Target, nullptr);
          St.Pids.emplace_back(P.Result, P.ChildLabel);
        }
    }
  } else if (const auto *Return = dyn_cast<ReturnStmt>(S); Return && SummaryMode && Record) {
    // `return pthread_mutex_trylock(&s->m);`: a try-lock wrapper.
    if (const Expr *Value = Return->getRetValue())
      for (const PendingTry &P : St.Pending)
        if (namesPending(Value, P) && !F.Summary.Try)
          F.Summary.Try = P.Effect;
  }
  if (Record) {
    F.PointFlags[Point] = Flags;
    F.PointReleases[Point] = Posted;
  }
}

void FlowRunner::transferBlock(const CFGBlock &Block, FlowState &St, bool Record) {
  unsigned BlockId = Block.getBlockID();
  unsigned Index = 0;
  for (const CFGElement &Element : Block) {
    unsigned ElementIndex = Index++;
    if (std::optional<CFGStmt> S = Element.getAs<CFGStmt>()) {
      transferStmt(S->getStmt(), St, Record, BlockId, ElementIndex);
      continue;
    }
    if (std::optional<CFGAutomaticObjDtor> Dtor = Element.getAs<CFGAutomaticObjDtor>()) {
      // An RAII guard going out of scope releases what it owns.
      const VarDecl *Var = Dtor->getVarDecl();
      bool OwnsLock = llvm::any_of(St.May.locks(), [&](const HeldLock &L) { return L.Guard == Var; });
      if (OwnsLock) {
        LockEffect Effect;
        Effect.Act = Action::Release;
        Effect.Guard = Var;
        Effect.WholeGuard = true;
        release(Effect, Dtor->getTriggerStmt(), St, Record, BlockId);
        continue;
      }
      // A guard class of the program's own, without annotations: what its
      // destructor does, by summary.
      Scratch.clear();
      Ops.destructorEffects(Var, F.Fn, Scratch);
      uint8_t Flags = 0;
      for (const LockEffect &Effect : Scratch)
        apply(Effect, Dtor->getTriggerStmt(), St, Record, BlockId, Flags);
    }
  }
}

void FlowRunner::concurrency(const Stmt *S, FlowState &St) {
  ConcurrencyEffect Effect = Ops.concurrencyOf(S);
  const EffectSummary *Callee = Effect == ConcurrencyEffect::None ? Ops.calleeSummary(S) : nullptr;
  if (Effect != ConcurrencyEffect::None || (Callee && (Callee->MayFork || Callee->Joins)))
    dropSignals(St);
  switch (Effect) {
  case ConcurrencyEffect::Fork: {
    // Until a branch on the result separates them, parent and child both
    // run what follows, each alive while the other is.
    uint64_t Child = Forks.bitFor(S);
    llvm::erase_if(St.Forks, [&](const PendingFork &P) { return P.Call == S; });
    St.Forks.push_back(PendingFork{S, std::string(), St.Labels, St.Live, Child});
    if (Child == (uint64_t(1) << 61))
      St.Many |= Child; // fork sites past the numbered ones share a label
    St.Live |= St.Labels | Child;
    St.Labels |= Child;
    St.Shared = true;
    St.Joined = false;
    countFork(S, St);
    return;
  }
  case ConcurrencyEffect::Spawn:
    St.Shared = true;
    St.Joined = false;
    return;
  case ConcurrencyEffect::Join:
    reap(cast<CallExpr>(S), St);
    return;
  case ConcurrencyEffect::None:
    break;
  }
  const EffectSummary *Summary = Ops.calleeSummary(S);
  if (!Summary)
    return;
  if (Summary->MayFork) {
    St.Shared = true;
    St.Joined = false;
    countFork(S, St);
  } else if (Summary->Joins) {
    St.Joined = true;
    St.Live = 0;
    St.Forked.clear();
    St.Reaped = 0;
  }
  // Children forked inside that are still alive, or that return from the
  // call and run the caller's code.
  uint64_t Caller = St.Labels;
  auto Rename = [&](uint64_t Set) { return (Set & ~CallerProcesses) | ((Set & CallerProcesses) ? Caller : 0); };
  if (Summary->ExitLabels) {
    if (Summary->Joins && !Summary->MayFork)
      St.Live = Rename(Summary->ExitLive);
    else
      St.Live |= Rename(Summary->ExitLive);
    St.Labels = Rename(Summary->ExitLabels);
    St.Many |= Summary->ExitMany & ~CallerProcesses;
  }
}

unsigned FlowRunner::loopTrips(const Stmt *S) const {
  // The innermost loop around S, if it is `for (i = K0; i < K1; ++i)` (or
  // <=, !=, i++, i += 1) and no other loop encloses it.
  const ForStmt *Loop = nullptr;
  const Stmt *Current = S;
  for (unsigned Depth = 0; Current && Depth < 32; ++Depth) {
    DynTypedNodeList Parents = F.Ctx.getParents(*Current);
    if (Parents.empty())
      break;
    Current = Parents[0].get<Stmt>();
    if (!Current)
      break;
    if (isa<WhileStmt>(Current) || isa<DoStmt>(Current) || isa<CXXForRangeStmt>(Current) ||
        (isa<ForStmt>(Current) && Loop))
      return ManyChildren;
    if (const auto *For = dyn_cast<ForStmt>(Current))
      Loop = For;
  }
  if (!Loop)
    return ManyChildren;
  const VarDecl *Counter = nullptr;
  std::optional<int64_t> From;
  if (const auto *Decl = dyn_cast_or_null<DeclStmt>(Loop->getInit()); Decl && Decl->isSingleDecl()) {
    Counter = dyn_cast<VarDecl>(Decl->getSingleDecl());
    if (Counter && Counter->getInit())
      From = integerConstant(Counter->getInit(), F.Ctx);
  } else if (const auto *Assign = dyn_cast_or_null<BinaryOperator>(Loop->getInit());
             Assign && Assign->getOpcode() == BO_Assign) {
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Assign->getLHS()->IgnoreParenImpCasts()))
      Counter = dyn_cast<VarDecl>(Ref->getDecl());
    From = integerConstant(Assign->getRHS(), F.Ctx);
  }
  const auto *Cond = dyn_cast_or_null<BinaryOperator>(Loop->getCond() ? Loop->getCond()->IgnoreParenImpCasts() : nullptr);
  if (!Counter || !From || !Cond)
    return ManyChildren;
  const auto *Left = dyn_cast<DeclRefExpr>(Cond->getLHS()->IgnoreParenImpCasts());
  std::optional<int64_t> To = integerConstant(Cond->getRHS(), F.Ctx);
  if (!Left || Left->getDecl() != Counter || !To)
    return ManyChildren;
  const Expr *Inc = Loop->getInc() ? Loop->getInc()->IgnoreParenImpCasts() : nullptr;
  bool StepsByOne = false;
  if (const auto *Unary = dyn_cast_or_null<UnaryOperator>(Inc))
    StepsByOne = Unary->isIncrementOp();
  else if (const auto *Compound = dyn_cast_or_null<CompoundAssignOperator>(Inc))
    StepsByOne = Compound->getOpcode() == BO_AddAssign && integerConstant(Compound->getRHS(), F.Ctx) == 1;
  if (!StepsByOne)
    return ManyChildren;
  int64_t Trips = 0;
  if (Cond->getOpcode() == BO_LT || Cond->getOpcode() == BO_NE)
    Trips = *To - *From;
  else if (Cond->getOpcode() == BO_LE)
    Trips = *To - *From + 1;
  else
    return ManyChildren;
  if (Trips <= 0)
    return 0;
  return Trips >= ManyChildren ? ManyChildren : static_cast<unsigned>(Trips);
}

void FlowRunner::countFork(const Stmt *S, FlowState &St) const {
  // Assigned, not added: the dataflow may pass a loop's fork many times.
  unsigned Count = F.BlockOnCycle[CurrentBlock] ? loopTrips(S) : 1;
  auto Known = llvm::find_if(St.Forked, [&](const auto &Site) { return Site.first == S; });
  if (Known == St.Forked.end())
    St.Forked.emplace_back(S, Count);
  else
    Known->second = Count;
}

unsigned FlowRunner::children(const FlowState &St) {
  unsigned Total = 0;
  for (const auto &[Site, Count] : St.Forked)
    Total = std::min(Total + Count, ManyChildren);
  if (Total == ManyChildren)
    return ManyChildren;
  return Total > St.Reaped ? Total - St.Reaped : 0;
}

void FlowRunner::reap(const CallExpr *Call, FlowState &St) const {
  // The parent is alone again only once every child is reaped: a wait in a
  // loop (`while (wait(NULL) > 0)`), as many waits as children forked, or
  // waitpid for each child by its pid. A thread join ends what it joins.
  llvm::StringRef Name = cFunctionName(Call);
  unsigned Left = children(St);
  bool ReapsAll = Name == "pthread_join" || F.BlockOnCycle[CurrentBlock] || Left <= 1;
  if (!ReapsAll && Name == "waitpid" && Call->getNumArgs() > 0) {
    std::string Pid = valueKey(Call->getArg(0), nullptr);
    for (const auto &[Key, Label] : St.Pids) {
      if (Key != Pid || (St.Many & Label))
        continue;
      St.Live &= ~Label;
      break;
    }
  }
  if (!ReapsAll && Left != ManyChildren) {
    ++St.Reaped;
    ReapsAll = Left == 1;
  }
  if (!ReapsAll && !(St.Live & ~ProcessSet::MainProcess & ~St.Labels))
    ReapsAll = true; // every child this process can meet is reaped
  if (!ReapsAll)
    return;
  St.Joined = true;
  St.Live = 0;
  St.Forked.clear();
  St.Reaped = 0;
}

std::optional<ForkSides> FlowRunner::forkSides(const CFGBlock &From, unsigned SuccIndex,
                                              const PendingFork &P) const {
  const Stmt *Terminator = From.getTerminatorStmt();
  if (const auto *Switch = dyn_cast_or_null<SwitchStmt>(Terminator)) {
    if (!namesResult(Switch->getCond(), P.Call, P.Result))
      return std::nullopt;
    const CFGBlock *Succ = *(From.succ_begin() + SuccIndex);
    if (!Succ)
      return std::nullopt;
    ForkSides Sides;
    if (const auto *Case = dyn_cast_or_null<CaseStmt>(Succ->getLabel())) {
      std::optional<int64_t> Value = integerConstant(Case->getLHS(), F.Ctx);
      if (!Value)
        return std::nullopt;
      Sides.Child = *Value == 0;
      Sides.Parent = *Value != 0;
      return Sides;
    }
    // default: (or no matching case) everything the cases do not take.
    bool HasChildCase = false;
    for (const SwitchCase *Case = Switch->getSwitchCaseList(); Case; Case = Case->getNextSwitchCase())
      if (const auto *C = dyn_cast<CaseStmt>(Case))
        if (std::optional<int64_t> Value = integerConstant(C->getLHS(), F.Ctx); Value && *Value == 0)
          HasChildCase = true;
    Sides.Child = !HasChildCase;
    Sides.Parent = true;
    return Sides;
  }
  if (From.succ_size() != 2 || SuccIndex > 1)
    return std::nullopt;
  const auto *Cond = dyn_cast_or_null<Expr>(From.getTerminatorCondition(/*StripParens=*/false));
  if (!Cond)
    return std::nullopt;
  bool WantTrue = SuccIndex == 0;
  std::optional<bool> ChildTruth = forkTest(Cond, P, 0, F.Ctx);
  std::optional<bool> ParentTruth = forkTest(Cond, P, 1, F.Ctx);
  std::optional<bool> FailureTruth = forkTest(Cond, P, -1, F.Ctx);
  if (!ChildTruth || !ParentTruth || !FailureTruth)
    return std::nullopt;
  ForkSides Sides;
  Sides.Child = *ChildTruth == WantTrue;
  Sides.Parent = *ParentTruth == WantTrue || *FailureTruth == WantTrue;
  return Sides;
}

FlowState FlowRunner::edgeState(const CFGBlock &From, unsigned SuccIndex, const FlowState &Out) const {
  FlowState Edge = Out;
  if (!Out.Forks.empty()) {
    llvm::SmallVector<PendingFork, 1> KeptForks;
    for (const PendingFork &P : Out.Forks) {
      std::optional<ForkSides> Sides = forkSides(From, SuccIndex, P);
      if (!Sides || (Sides->Child && Sides->Parent)) {
        KeptForks.push_back(P);
        continue;
      }
      if (Sides->Child) {
        Edge.Labels = P.ChildLabel;
        Edge.Live = P.ParentLive | P.ParentLabels;
        Edge.Forked.clear();
        Edge.Reaped = 0;
        Edge.Pids.clear();
      } else {
        Edge.Labels = P.ParentLabels;
        Edge.Live = P.ParentLive | P.ChildLabel;
      }
    }
    Edge.Forks = std::move(KeptForks);
  }
  if (Out.Pending.empty() || From.succ_size() != 2 || SuccIndex > 1)
    return Edge;
  const Stmt *Cond = From.getTerminatorCondition(/*StripParens=*/false);
  const auto *CondExpr = dyn_cast_or_null<Expr>(Cond);
  if (!CondExpr)
    return Edge;
  llvm::SmallVector<PendingTry, 1> Kept;
  for (const PendingTry &P : Out.Pending) {
    std::optional<bool> SuccessOnTrue = successBranch(CondExpr, P, F.Ctx);
    if (!SuccessOnTrue) {
      Kept.push_back(P);
      continue;
    }
    bool TakesSuccess = (*SuccessOnTrue && SuccIndex == 0) || (!*SuccessOnTrue && SuccIndex == 1);
    if (!TakesSuccess)
      continue;
    HeldLock Lock;
    Lock.Id = const_cast<LockTable &>(Table).intern(P.Effect.Key, P.Effect.Kind, P.Effect.Display, P.Effect.Holder, P.Effect.HolderNum);
    Lock.Mode = P.Effect.Mode;
    Lock.AcquiredAt = P.Call;
    Lock.Guard = P.Effect.Guard;
    Edge.Must.remove(Lock.Id);
    Edge.May.remove(Lock.Id);
    Edge.Must.add(Lock);
    Edge.May.add(Lock);
  }
  Edge.Pending = std::move(Kept);
  return Edge;
}

FlowState FlowRunner::inState(const CFGBlock &Block, const FlowState &Entry,
                              const std::vector<FlowState> &Out) const {
  if (&Block == &F.Cfg->getEntry())
    return Entry;
  FlowState In;
  for (const CFGBlock *Pred : Block.preds()) {
    if (!Pred || !Out[Pred->getBlockID()].Reached)
      continue;
    unsigned Index = 0;
    for (const CFGBlock::AdjacentBlock &Succ : Pred->succs()) {
      if (Succ.getReachableBlock() == &Block)
        In.meet(edgeState(*Pred, Index, Out[Pred->getBlockID()]));
      ++Index;
    }
  }
  return In;
}

void FlowRunner::run(const EntryContext &Entry) {
  const CFG &Cfg = *F.Cfg;
  unsigned NumBlocks = Cfg.getNumBlockIDs();
  F.LastEntry = Entry;
  findReleases(Entry);
  FlowState EntryState = entryState(Entry);
  std::vector<FlowState> Out(NumBlocks);

  // Worklist in reverse post-order; the bound keeps pathological CFGs cheap
  // (the lattice is finite, so in practice the fixpoint comes much sooner).
  std::vector<bool> Queued(NumBlocks, false);
  std::vector<unsigned> Work; // kept sorted by RPO index, popped from the front
  auto Enqueue = [&](unsigned Id) {
    if (Queued[Id])
      return;
    Queued[Id] = true;
    Work.push_back(Id);
  };
  Enqueue(Cfg.getEntry().getBlockID());
  size_t Budget = 32 * static_cast<size_t>(NumBlocks) + 64;
  while (!Work.empty() && Budget-- > 0) {
    auto Next = std::min_element(Work.begin(), Work.end(),
                                 [&](unsigned A, unsigned B) { return F.RpoIndex[A] < F.RpoIndex[B]; });
    unsigned Id = *Next;
    Work.erase(Next);
    Queued[Id] = false;
    const CFGBlock *Block = *(Cfg.nodes_begin() + Id);
    FlowState St = inState(*Block, EntryState, Out);
    if (!St.Reached)
      continue;
    transferBlock(*Block, St, /*Record=*/false);
    if (Out[Id].Reached && Out[Id].sameAs(St))
      continue;
    Out[Id] = std::move(St);
    for (const CFGBlock *Succ : Block->succs())
      if (Succ)
        Enqueue(Succ->getBlockID());
  }

  // Recording pass over the fixpoint.
  F.Points.clear();
  F.PointFlags.clear();
  F.PointReleases.clear();
  F.PointOf.clear();
  F.Statements.clear();
  F.Calls.clear();
  F.Exits.clear();
  F.Summary = EffectSummary();
  if (SummaryMode)
    F.AcquiredBy.clear();
  F.BlockOutMust.assign(NumBlocks, LockSet());
  F.BlockOutMay.assign(NumBlocks, LockSet());
  F.BlockReached.assign(NumBlocks, false);
  F.BlockReleases.assign(NumBlocks, {});
  for (unsigned Id : F.Rpo) {
    const CFGBlock *Block = *(Cfg.nodes_begin() + Id);
    FlowState St = inState(*Block, EntryState, Out);
    if (!St.Reached)
      continue;
    transferBlock(*Block, St, /*Record=*/true);
    F.BlockOutMust[Id] = St.Must;
    F.BlockOutMay[Id] = St.May;
    F.BlockReached[Id] = true;
    Out[Id] = std::move(St);
  }
  finishSummary(EntryState, Out);
  publicationPass(Entry);
}

void FlowRunner::finishSummary(const FlowState &Entry, const std::vector<FlowState> &Out) {
  const CFGBlock &Exit = F.Cfg->getExit();
  for (const CFGBlock *Pred : Exit.preds()) {
    if (!Pred || !Out[Pred->getBlockID()].Reached)
      continue;
    FunctionLockSummary::Exit E;
    for (const CFGElement &Element : *Pred)
      if (std::optional<CFGStmt> S = Element.getAs<CFGStmt>(); S && isa<ReturnStmt>(S->getStmt()))
        E.Return = S->getStmt();
    E.Must = Out[Pred->getBlockID()].Must;
    E.May = Out[Pred->getBlockID()].May;
    F.Exits.push_back(std::move(E));
  }
  if (!SummaryMode)
    return;
  // What returns to the caller: paths that end in exit(), _exit() or
  // abort() reach the CFG's exit block but never the caller (a child that
  // ends with _exit(0) does not run the caller's code).
  FlowState AtExit;
  for (const CFGBlock *Pred : Exit.preds()) {
    if (!Pred || !Out[Pred->getBlockID()].Reached || Pred->hasNoReturnElement())
      continue;
    unsigned Index = 0;
    for (const CFGBlock::AdjacentBlock &Succ : Pred->succs()) {
      if (Succ.getReachableBlock() == &Exit)
        AtExit.meet(edgeState(*Pred, Index, Out[Pred->getBlockID()]));
      ++Index;
    }
  }
  if (!AtExit.Reached)
    return; // never returns: nothing to tell callers
  F.Summary.MayFork = AtExit.Shared && !AtExit.Joined;
  F.Summary.Joins = AtExit.Joined;
  F.Summary.ExitLabels = AtExit.Labels;
  F.Summary.ExitMany = AtExit.Many;
  F.Summary.ExitLive = AtExit.Live;
  for (const HeldLock &L : AtExit.Must.locks()) {
    if (Entry.Must.contains(L.Id) || L.Guard)
      continue;
    const LockId &Id = Table[L.Id];
    LockEffect Effect;
    if (auto It = F.AcquiredBy.find(L.Id); It != F.AcquiredBy.end())
      Effect = It->second;
    Effect.Act = Action::Acquire;
    Effect.Kind = Id.Kind;
    Effect.Mode = L.Mode;
    Effect.Key = Id.Key;
    Effect.Display = Id.Display;
    Effect.Counting = L.Counting;
    Effect.Guard = nullptr;
    F.Summary.Acquires.push_back(std::move(Effect));
  }
}

void FlowRunner::publicationPass(const EntryContext &Entry) {
  // Backward must-analysis: on every path, is a semaphore released before
  // any acquire (or does the function return into callers that release)?
  // Greatest fixpoint, so loops that go on to a release count; blocks that
  // cannot reach a release at all (endless loops, exit()) are false.
  // Alongside, which semaphores those first releases are (union).
  const CFG &Cfg = *F.Cfg;
  unsigned NumBlocks = Cfg.getNumBlockIDs();
  std::vector<std::vector<unsigned>> BlockPoints(NumBlocks);
  for (unsigned P = 0; P < F.Points.size(); ++P)
    BlockPoints[F.Points[P].Block].push_back(P);
  llvm::DenseMap<unsigned, unsigned> CallOfPoint;
  for (unsigned I = 0; I < F.Calls.size(); ++I)
    CallOfPoint[F.Calls[I].Point] = I;

  std::vector<bool> MayReach(NumBlocks, false);
  for (unsigned Id = 0; Id < NumBlocks; ++Id)
    for (unsigned P : BlockPoints[Id])
      if (F.PointFlags[P] & ReleasesSemaphore)
        MayReach[Id] = true;
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (const CFGBlock *Block : Cfg) {
      unsigned Id = Block->getBlockID();
      if (MayReach[Id])
        continue;
      for (const CFGBlock *Succ : Block->succs()) {
        bool Reaches = Succ && ((Succ == &Cfg.getExit() && Entry.ReleasedAfterReturn) || MayReach[Succ->getBlockID()]);
        if (Reaches) {
          MayReach[Id] = true;
          Changed = true;
          break;
        }
      }
    }
  }

  std::vector<bool> AtStart(NumBlocks, true);
  std::vector<llvm::SmallVector<unsigned, 1>> ViaAtStart(NumBlocks);
  auto Sweep = [&](bool Final) {
    bool Changed = false;
    for (auto It = F.Rpo.rbegin(); It != F.Rpo.rend(); ++It) {
      unsigned Id = *It;
      if (!F.BlockReached[Id])
        continue;
      const CFGBlock *Block = *(Cfg.nodes_begin() + Id);
      bool Value = true;
      bool AnySucc = false;
      llvm::SmallVector<unsigned, 1> Via;
      for (const CFGBlock *Succ : Block->succs()) {
        if (!Succ)
          continue;
        AnySucc = true;
        bool SuccValue;
        if (Succ == &Cfg.getExit()) {
          SuccValue = Entry.ReleasedAfterReturn;
          if (SuccValue && !llvm::is_contained(Via, UnknownRelease))
            Via.push_back(UnknownRelease); // released by the callers
        } else {
          SuccValue = AtStart[Succ->getBlockID()];
          if (SuccValue)
            for (unsigned Lock : ViaAtStart[Succ->getBlockID()])
              if (!llvm::is_contained(Via, Lock))
                Via.push_back(Lock);
        }
        Value = Value && SuccValue;
      }
      if (!AnySucc || !MayReach[Id])
        Value = false; // noreturn (exit(), abort()), or no release ahead
      for (auto P = BlockPoints[Id].rbegin(); P != BlockPoints[Id].rend(); ++P) {
        if (Final) {
          F.Points[*P].Published = Value;
          F.Points[*P].PublishedVia = Value ? Via : llvm::SmallVector<unsigned, 1>();
          if (auto Call = CallOfPoint.find(*P); Call != CallOfPoint.end())
            F.Calls[Call->second].PublishedAfter = Value;
        }
        // A call's releases come before its acquisitions (a barrier
        // publishes, then waits); walking backward, undo the latter first.
        uint8_t Flags = F.PointFlags[*P];
        if (Flags & AcquiresLock) {
          Value = false;
          Via.clear();
        }
        if (Flags & ReleasesSemaphore) {
          Value = true;
          Via = F.PointReleases[*P];
        }
      }
      if (AtStart[Id] != Value || ViaAtStart[Id] != Via)
        Changed = true;
      AtStart[Id] = Value;
      ViaAtStart[Id] = std::move(Via);
    }
    return Changed;
  };
  for (unsigned Round = 0; Round < 16 && Sweep(false); ++Round)
    ;
  Sweep(true);
}

FunctionFlow::FunctionFlow(const FunctionDecl *Function, std::unique_ptr<CFG> Graph, ASTContext &Context)
    : Fn(Function), Cfg(std::move(Graph)), Ctx(Context) {
  // Reverse post-order of the blocks reachable from the entry.
  unsigned NumBlocks = this->Cfg->getNumBlockIDs();
  RpoIndex.assign(NumBlocks, NumBlocks);
  std::vector<unsigned> PostOrder;
  std::vector<bool> Seen(NumBlocks, false);
  std::vector<std::pair<const CFGBlock *, CFGBlock::const_succ_iterator>> Stack;
  const CFGBlock *Entry = &this->Cfg->getEntry();
  Seen[Entry->getBlockID()] = true;
  Stack.emplace_back(Entry, Entry->succ_begin());
  while (!Stack.empty()) {
    auto &[Block, It] = Stack.back();
    if (It == Block->succ_end()) {
      PostOrder.push_back(Block->getBlockID());
      Stack.pop_back();
      continue;
    }
    const CFGBlock *Succ = *It;
    ++It;
    if (Succ && !Seen[Succ->getBlockID()]) {
      Seen[Succ->getBlockID()] = true;
      Stack.emplace_back(Succ, Succ->succ_begin());
    }
  }
  Rpo.assign(PostOrder.rbegin(), PostOrder.rend());
  for (unsigned I = 0; I < Rpo.size(); ++I)
    RpoIndex[Rpo[I]] = I;

  BlockOnCycle.assign(NumBlocks, false);
  for (const CFGBlock *Block : *this->Cfg)
    if (Block && Seen[Block->getBlockID()])
      BlockOnCycle[Block->getBlockID()] = reachesItself(*Block);

  ConstructedVarFinder Finder(ConstructedVars);
  Finder.TraverseStmt(Fn->getBody());
}

std::unique_ptr<FunctionFlow> FunctionFlow::create(const FunctionDecl *Fn, ASTContext &Ctx) {
  if (!Fn->getBody())
    return nullptr;
  CFG::BuildOptions Options;
  Options.AddImplicitDtors = true;
  Options.AddTemporaryDtors = true;
  Options.AddInitializers = true;
  Options.AddCXXDefaultInitExprInCtors = true;
  Options.setAllAlwaysAdd();
  std::unique_ptr<CFG> Cfg = CFG::buildCFG(Fn, Fn->getBody(), &Ctx, Options);
  if (!Cfg)
    return nullptr;
  return std::unique_ptr<FunctionFlow>(new FunctionFlow(Fn, std::move(Cfg), Ctx));
}

uint64_t ForkSites::bitFor(const Stmt *Call) {
  // Bits 1..61; later fork sites share bit 61 (and may overlap each other).
  auto [It, Inserted] = Index.try_emplace(Call, static_cast<unsigned>(Index.size() + 1));
  unsigned Bit = std::min(It->second, 61u);
  return uint64_t(1) << Bit;
}

void FunctionFlow::run(const EntryContext &Entry, const LockOperations &Ops, LockTable &Table, ForkSites &Forks,
                       bool SummaryMode) {
  FlowRunner Runner(*this, Ops, Table, Forks, SummaryMode);
  Runner.run(Entry);
}

const PointState *FunctionFlow::pointAt(const Stmt *S) const {
  auto It = PointOf.find(S);
  return It == PointOf.end() ? nullptr : &Points[It->second];
}

bool FunctionFlow::onCycle(const Stmt *S) const {
  const PointState *Point = pointAt(S);
  return Point && BlockOnCycle[Point->Block];
}

bool FunctionFlow::reachesItself(const CFGBlock &Target) const {
  const CFGBlock *Start = &Target;
  std::vector<bool> Seen(Cfg->getNumBlockIDs(), false);
  std::vector<const CFGBlock *> Work(Start->succ_begin(), Start->succ_end());
  while (!Work.empty()) {
    const CFGBlock *Block = Work.back();
    Work.pop_back();
    if (!Block || Seen[Block->getBlockID()])
      continue;
    if (Block == Start)
      return true;
    Seen[Block->getBlockID()] = true;
    Work.insert(Work.end(), Block->succ_begin(), Block->succ_end());
  }
  return false;
}

std::optional<MissingLock> FunctionFlow::whereMissing(const Stmt *S, unsigned Id) const {
  auto It = PointOf.find(S);
  if (It == PointOf.end())
    return std::nullopt;
  unsigned Point = It->second;
  unsigned BlockId = Points[Point].Block;
  // Released earlier in the same block?
  for (const auto &[Released, Site] : BlockReleases[BlockId]) {
    auto SiteIt = PointOf.find(Site);
    if (Released == Id && SiteIt != PointOf.end() && SiteIt->second < Point)
      return MissingLock{Id, Site, true};
  }
  // Walk back through predecessors until a block that ends without the lock.
  std::vector<bool> Visited(Cfg->getNumBlockIDs(), false);
  std::vector<const CFGBlock *> Queue{*(Cfg->nodes_begin() + BlockId)};
  Visited[BlockId] = true;
  for (size_t Head = 0; Head < Queue.size() && Head < 256; ++Head) {
    for (const CFGBlock *Pred : Queue[Head]->preds()) {
      if (!Pred || Visited[Pred->getBlockID()] || !BlockReached[Pred->getBlockID()])
        continue;
      Visited[Pred->getBlockID()] = true;
      unsigned PredId = Pred->getBlockID();
      for (const auto &[Released, Site] : BlockReleases[PredId])
        if (Released == Id)
          return MissingLock{Id, Site, true};
      if (!BlockOutMay[PredId].contains(Id)) {
        // The last statement of that block, or its terminator.
        const Stmt *Where = Pred->getTerminatorStmt();
        for (const CFGElement &Element : *Pred)
          if (std::optional<CFGStmt> Stmt = Element.getAs<CFGStmt>())
            Where = Stmt->getStmt();
        if (Where) {
          MissingLock Missing{Id, Where, false};
          if (Pred->succ_size() == 2)
            Missing.Condition = dyn_cast_or_null<Expr>(Pred->getTerminatorCondition());
          return Missing;
        }
        Queue.push_back(Pred);
        continue;
      }
      if (!BlockOutMust[PredId].contains(Id))
        Queue.push_back(Pred);
    }
  }
  return std::nullopt;
}

} // namespace clang::tidy::shm
