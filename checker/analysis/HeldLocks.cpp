#include "analysis/HeldLocks.h"
#include "summary/ProjectFacts.h"

#include "analysis/AnalysisCache.h"
#include "analysis/AttachCalls.h"
#include "analysis/CalleeName.h"
#include "analysis/LockDataflow.h"
#include "analysis/LockIdentity.h"
#include "analysis/LockOperations.h"
#include "analysis/LockTable.h"
#include "analysis/SemaphoreValues.h"

#include "clang/AST/ASTLambda.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/bit.h"

namespace clang::tidy::shm {

// ---------------------------------------------------------------------------
// LockSet

const HeldLock *LockSet::find(unsigned Id) const {
  for (const HeldLock &L : Locks)
    if (L.Id == Id)
      return &L;
  return nullptr;
}

bool LockSet::holdsExclusive() const {
  return llvm::any_of(Locks, [](const HeldLock &L) { return L.Mode == LockMode::Exclusive; });
}

void LockSet::add(const HeldLock &L) {
  for (HeldLock &Existing : Locks) {
    if (Existing.Id == L.Id) {
      if (L.Mode == LockMode::Exclusive)
        Existing.Mode = LockMode::Exclusive;
      return;
    }
  }
  Locks.push_back(L);
}

bool LockSet::remove(unsigned Id) {
  for (auto It = Locks.begin(); It != Locks.end(); ++It) {
    if (It->Id == Id) {
      Locks.erase(It);
      return true;
    }
  }
  return false;
}

void LockSet::removeIf(llvm::function_ref<bool(const HeldLock &)> Pred) { llvm::erase_if(Locks, Pred); }

void LockSet::intersectWith(const LockSet &Other) {
  llvm::erase_if(Locks, [&](const HeldLock &L) { return !Other.contains(L.Id); });
  for (HeldLock &L : Locks)
    if (Other.find(L.Id)->Mode == LockMode::Shared)
      L.Mode = LockMode::Shared;
}

void LockSet::unionWith(const LockSet &Other) {
  for (const HeldLock &L : Other.Locks)
    if (!contains(L.Id))
      Locks.push_back(L);
}

bool LockSet::operator==(const LockSet &Other) const {
  if (Locks.size() != Other.Locks.size())
    return false;
  for (const HeldLock &L : Locks) {
    const HeldLock *O = Other.find(L.Id);
    if (!O || O->Mode != L.Mode)
      return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// ProcessSet

bool ProcessSet::mayOverlap(const ProcessSet &Other) const {
  if (!Labels || !Other.Labels)
    return false;
  if ((Labels | Other.Labels) & AnyProcess)
    return true;
  // A child's Live holds "the parent" without saying which part of the
  // parent's code runs meanwhile; the parent's own Live says which children
  // it may meet. So "main is alive" is not evidence: the other labels are.
  uint64_t LiveHere = Live & ~MainProcess;
  uint64_t LiveThere = Other.Live & ~MainProcess;
  if ((Labels & LiveThere) || (Other.Labels & LiveHere))
    return true;
  return (Labels & Other.Labels & (Many | Other.Many)) != 0;
}

bool ProcessSet::mayRunTwice() const { return (Labels & (Live | Many | AnyProcess)) != 0; }

// ---------------------------------------------------------------------------
// Translation unit driver

namespace {

/// Collects the functions of the translation unit's own code.
class FunctionCollector : public RecursiveASTVisitor<FunctionCollector> {
public:
  std::vector<const FunctionDecl *> Functions;
  llvm::DenseSet<const FunctionDecl *> Seen;
  llvm::DenseMap<const FunctionDecl *, unsigned> References;
  llvm::DenseMap<const FunctionDecl *, unsigned> DirectCalls;

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return false; }
  bool shouldVisitLambdaBody() const { return true; }

  bool TraverseDecl(Decl *D) {
    if (!D)
      return true;
    if (!isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    if (const auto *DC = dyn_cast<DeclContext>(D);
        DC && DC->isDependentContext() && (isa<FunctionDecl>(D) || isa<CXXRecordDecl>(D)))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  void add(const FunctionDecl *FD) {
    if (!FD || !FD->doesThisDeclarationHaveABody() || FD->isDependentContext() || !FD->getBody())
      return;
    if (Seen.insert(FD).second)
      Functions.push_back(FD);
  }

  bool VisitFunctionDecl(FunctionDecl *FD) {
    if (!FD->isImplicit() || isLambdaCallOperator(FD))
      add(FD);
    return true;
  }
  bool VisitLambdaExpr(LambdaExpr *Lambda) {
    add(Lambda->getCallOperator());
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr *Ref) {
    if (const auto *FD = dyn_cast<FunctionDecl>(Ref->getDecl()))
      if (const FunctionDecl *Def = definitionWithBody(FD))
        ++References[Def];
    return true;
  }
  bool VisitCallExpr(CallExpr *Call) {
    const auto *Ref = dyn_cast<DeclRefExpr>(Call->getCallee()->IgnoreParenImpCasts());
    if (Ref)
      if (const FunctionDecl *Def = definitionWithBody(dyn_cast<FunctionDecl>(Ref->getDecl())))
        ++DirectCalls[Def];
    return true;
  }
};

/// Direct callees of one function body, for the call graph.
class CalleeCollector : public RecursiveASTVisitor<CalleeCollector> {
public:
  llvm::SmallVector<const FunctionDecl *, 8> Callees;
  bool Spawns = false;

  bool TraverseLambdaExpr(LambdaExpr *) { return true; }
  bool VisitCallExpr(CallExpr *Call) {
    if (spawnsConcurrency(Call))
      Spawns = true;
    if (const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee()))
      Callees.push_back(Def);
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr *Construct) {
    const CXXConstructorDecl *Ctor = Construct->getConstructor();
    if (Ctor && Ctor->getParent()->isInStdNamespace() && Ctor->getParent()->getIdentifier() &&
        (Ctor->getParent()->getName() == "thread" || Ctor->getParent()->getName() == "jthread"))
      Spawns = true;
    if (const FunctionDecl *Def = definitionWithBody(Ctor))
      Callees.push_back(Def);
    return true;
  }
};

/// The caller's view of the locks it holds, passed to one call.
struct Contribution {
  LockSet Must;
  LockSet May;
  bool Concurrent = false;
  bool ReleasedAfter = false;
  bool MayReleaseAfter = false;
  bool Repeats = false;
  ProcessSet Processes;
};

} // namespace

struct HeldLocks::State {
  State(ASTContext &Context, const LockConfig &Cfg) : Ctx(Context), Config(Cfg) {}

  ASTContext &Ctx;
  LockConfig Config;
  LockTable Table;
  ForkSites Forks;
  std::unique_ptr<SemaphoreValues> Semaphores;
  std::unique_ptr<LockOperations> Ops;

  std::vector<const FunctionDecl *> Functions;
  llvm::DenseMap<const FunctionDecl *, unsigned> IndexOf;
  std::vector<std::vector<unsigned>> Callees;
  std::vector<bool> AddressTaken;
  bool UnitSpawns = false;

  std::vector<std::unique_ptr<FunctionFlow>> Flows;
  std::vector<EffectSummary> Summaries;
  std::vector<bool> SummaryReady;
  std::vector<FunctionLockSummary> PublicSummaries;
  /// Per callee: each call site's contribution to its entry context.
  std::vector<llvm::DenseMap<const Stmt *, Contribution>> Contributions;
  /// Strongly connected components, callees before callers.
  std::vector<std::vector<unsigned>> Components;

  llvm::DenseMap<const Stmt *, unsigned> FlowOfStmt;

  void collect();
  void buildComponents();
  void computeSummaries();
  void computeContexts();
  EntryContext contextOf(unsigned Index) const;
  Contribution contribute(const FunctionFlow &Caller, const FlowCallSite &Site);
  void publishSummary(unsigned Index);
  const FunctionFlow *flowOf(const Stmt *S, const Stmt **Found) const;
};

void HeldLocks::State::collect() {
  FunctionCollector Collector;
  Collector.TraverseDecl(Ctx.getTranslationUnitDecl());
  Functions = std::move(Collector.Functions);
  for (unsigned I = 0; I < Functions.size(); ++I)
    IndexOf[Functions[I]] = I;
  Callees.resize(Functions.size());
  AddressTaken.assign(Functions.size(), false);
  for (unsigned I = 0; I < Functions.size(); ++I) {
    const FunctionDecl *FD = Functions[I];
    unsigned Refs = Collector.References.lookup(FD);
    unsigned Calls = Collector.DirectCalls.lookup(FD);
    AddressTaken[I] = Refs > Calls;
    CalleeCollector Walk;
    Walk.TraverseStmt(FD->getBody());
    if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(FD))
      for (const CXXCtorInitializer *Init : Ctor->inits())
        if (Init->getInit())
          Walk.TraverseStmt(Init->getInit());
    UnitSpawns |= Walk.Spawns;
    for (const FunctionDecl *Callee : Walk.Callees) {
      auto It = IndexOf.find(Callee);
      if (It != IndexOf.end() && !llvm::is_contained(Callees[I], It->second))
        Callees[I].push_back(It->second);
    }
  }
}

void HeldLocks::State::buildComponents() {
  // Tarjan's algorithm, iterative; emits components callees-first.
  unsigned N = static_cast<unsigned>(Functions.size());
  std::vector<int> Index(N, -1), Low(N, 0);
  std::vector<bool> OnStack(N, false);
  std::vector<unsigned> Stack;
  int Counter = 0;
  for (unsigned Root = 0; Root < N; ++Root) {
    if (Index[Root] >= 0)
      continue;
    std::vector<std::pair<unsigned, size_t>> Work{{Root, 0}};
    while (!Work.empty()) {
      auto &[V, Next] = Work.back();
      if (Next == 0 && Index[V] < 0) {
        Index[V] = Low[V] = Counter++;
        Stack.push_back(V);
        OnStack[V] = true;
      }
      if (Next < Callees[V].size()) {
        unsigned W = Callees[V][Next++];
        if (Index[W] < 0)
          Work.emplace_back(W, 0);
        else if (OnStack[W])
          Low[V] = std::min(Low[V], Index[W]);
        continue;
      }
      if (Low[V] == Index[V]) {
        std::vector<unsigned> Component;
        unsigned W;
        do {
          W = Stack.back();
          Stack.pop_back();
          OnStack[W] = false;
          Component.push_back(W);
        } while (W != V);
        Components.push_back(std::move(Component));
      }
      unsigned Done = V;
      Work.pop_back();
      if (!Work.empty())
        Low[Work.back().first] = std::min(Low[Work.back().first], Low[Done]);
    }
  }
}

void HeldLocks::State::computeSummaries() {
  Flows.resize(Functions.size());
  Summaries.assign(Functions.size(), EffectSummary());
  SummaryReady.assign(Functions.size(), false);
  PublicSummaries.assign(Functions.size(), FunctionLockSummary());
  for (unsigned I = 0; I < Functions.size(); ++I)
    Flows[I] = FunctionFlow::create(Functions[I], Ctx);

  EntryContext Empty;
  for (const std::vector<unsigned> &Component : Components) {
    bool Recursive = Component.size() > 1 || llvm::is_contained(Callees[Component.front()], Component.front());
    // Recursion: iterate the component a bounded number of times.
    const unsigned Rounds = Recursive ? 3 : 1;
    for (unsigned Round = 0; Round < Rounds; ++Round) {
      bool Changed = false;
      for (unsigned I : Component) {
        if (!Flows[I])
          continue;
        Flows[I]->run(Empty, *Ops, Table, Forks, /*SummaryMode=*/true);
        if (!SummaryReady[I] || !(Flows[I]->summary() == Summaries[I]))
          Changed = true;
        Summaries[I] = Flows[I]->summary();
        SummaryReady[I] = true;
        publishSummary(I);
      }
      if (!Changed)
        break;
    }
  }
}

void HeldLocks::State::publishSummary(unsigned Index) {
  const FunctionFlow &Flow = *Flows[Index];
  FunctionLockSummary &Out = PublicSummaries[Index];
  Out = FunctionLockSummary();
  auto ToOp = [&](const LockEffect &Effect) {
    LockOp Op;
    Op.Act = Effect.Act;
    Op.Id = Table.intern(Effect.Key, Effect.Kind, Effect.Display);
    Op.Mode = Effect.Mode;
    Op.SuccessIsZero = Effect.SuccessIsZero;
    return Op;
  };
  for (const LockEffect &Effect : Flow.summary().Acquires)
    Out.NetAcquires.push_back(ToOp(Effect));
  for (const LockEffect &Effect : Flow.summary().Releases)
    Out.NetReleases.push_back(ToOp(Effect));
  if (Flow.summary().Try)
    Out.TryAcquire = ToOp(*Flow.summary().Try);
  Out.MayFork = Flow.summary().MayFork;
  Out.Joins = Flow.summary().Joins;
  Out.Exits = Flow.exits();
}

Contribution HeldLocks::State::contribute(const FunctionFlow &Caller, const FlowCallSite &Site) {
  const PointState &Point = Caller.points()[Site.Point];
  Contribution C;
  C.Concurrent = Point.Concurrent;
  C.ReleasedAfter = Site.PublishedAfter;
  C.Processes = Point.Processes;
  C.MayReleaseAfter = Site.MayReleaseAfter || Caller.entry().MayReleaseAfterReturn;
  C.Repeats = Caller.entry().Repeats || Caller.onCycle(Site.Call);

  // Arguments in the caller's terms, to rename the caller's locks into the
  // callee's parameters.
  const FunctionDecl *Scope = Caller.function();
  const FunctionDecl *Callee = Site.Callee;
  llvm::SmallVector<std::pair<std::string, std::string>, 4> Renames; // caller key -> callee root
  auto AddArg = [&](const Expr *Arg, std::string CalleeRoot) {
    Renames.emplace_back(valueKey(Arg, Scope), std::move(CalleeRoot));
  };
  const Expr *const *Args = nullptr;
  unsigned NumArgs = 0;
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(Site.Call)) {
    Args = Construct->getArgs();
    NumArgs = Construct->getNumArgs();
  } else if (const auto *Call = dyn_cast<CallExpr>(Site.Call)) {
    Args = Call->getArgs();
    NumArgs = Call->getNumArgs();
    if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
      if (const Expr *Object = Member->getImplicitObjectArgument()) {
        std::string K = valueKey(Object, Scope);
        if (!Object->getType()->isPointerType())
          K = appendPath(K, "&");
        Renames.emplace_back(K, thisKey(Callee));
      }
    } else if (isa<CXXOperatorCallExpr>(Call) && isa<CXXMethodDecl>(Callee) && NumArgs > 0) {
      Renames.emplace_back(appendPath(valueKey(Args[0], Scope), "&"), thisKey(Callee));
      ++Args;
      --NumArgs;
    }
  }
  for (unsigned I = 0; I < NumArgs && I < Callee->getNumParams(); ++I) {
    std::string Root;
    llvm::raw_string_ostream OS(Root);
    OS << "{P:" << static_cast<const void *>(Callee->getCanonicalDecl()) << ':' << I << '}';
    AddArg(Args[I], OS.str());
  }

  auto Translate = [&](const LockSet &Held, LockSet &Out) {
    for (const HeldLock &L : Held.locks()) {
      const LockId &Id = Table[L.Id];
      llvm::StringRef Key = Id.Key;
      std::string NewKey;
      for (const auto &[ArgKey, Root] : Renames) {
        llvm::StringRef A = ArgKey;
        if (A.ends_with("&") && Key == A.drop_back()) {
          NewKey = Root + "^";
          break;
        }
        if (Key.starts_with(A) && Key.size() > A.size() && llvm::StringRef("^.[#").contains(Key[A.size()])) {
          NewKey = Root + Key.substr(A.size()).str();
          break;
        }
      }
      if (NewKey.empty() && !isLocallyRooted(Key) && !isParameterRooted(Key))
        NewKey = Key.str(); // a global lock keeps its name
      HeldLock Translated = L;
      Translated.AcquiredAt = nullptr;
      Translated.Guard = nullptr;
      if (!NewKey.empty()) {
        Translated.Id = Table.intern(NewKey, Id.Kind, Id.Display);
        Out.add(Translated);
      }
    }
    if (!Held.empty()) {
      // Whatever the names, every caller holding something means the callee
      // runs under a lock.
      HeldLock Any;
      Any.Id = Table.intern(callerHeldKey(), LockKind::Mutex, "a lock held by the caller");
      Any.Mode = Held.holdsExclusive() ? LockMode::Exclusive : LockMode::Shared;
      Any.Signal = llvm::all_of(Held.locks(), [](const HeldLock &L) { return L.Signal; });
      Out.add(Any);
    }
  };
  Translate(Point.Must, C.Must);
  Translate(Point.May, C.May);
  return C;
}

EntryContext HeldLocks::State::contextOf(unsigned Index) const {
  EntryContext Entry;
  const FunctionDecl *FD = Functions[Index];
  bool IsMain = FD->isMain();
  // A function no one in this translation unit calls (or that escapes as a
  // pointer) can be entered from anywhere, with nothing held.
  bool Root = Contributions[Index].empty() || AddressTaken[Index];
  bool First = true;
  for (const auto &[Call, C] : Contributions[Index]) {
    if (First) {
      Entry.Must = C.Must;
      Entry.May = C.May;
      Entry.Concurrent = C.Concurrent;
      Entry.ReleasedAfterReturn = C.ReleasedAfter;
      Entry.Processes = C.Processes;
      Entry.MayReleaseAfterReturn = C.MayReleaseAfter;
      Entry.Repeats = C.Repeats;
      First = false;
      continue;
    }
    Entry.MayReleaseAfterReturn |= C.MayReleaseAfter;
    Entry.Repeats |= C.Repeats;
    if (Contributions[Index].size() > 1)
      Entry.Repeats = true;
    Entry.Processes.Labels |= C.Processes.Labels;
    Entry.Processes.Live |= C.Processes.Live;
    Entry.Processes.Many |= C.Processes.Many;
    Entry.Must.intersectWith(C.Must);
    Entry.May.unionWith(C.May);
    Entry.Concurrent |= C.Concurrent;
    Entry.ReleasedAfterReturn &= C.ReleasedAfter;
  }
  if (Root) {
    Entry.Must = LockSet();
    Entry.ReleasedAfterReturn = false;
    // Processes of a program that forks start alone in main; anything else
    // may run alongside the program's other processes or other programs.
    bool StartsAlone = IsMain && UnitSpawns;
    // The whole program seen (ProjectFacts.h): main starts alone when any
    // file forks, and so does a function every file calls only before the
    // first fork (the parent's initialisation of shared memory).
    if (const ProjectFacts *Facts = ProjectFacts::current(); Facts && Facts->WholeProgram && Facts->ProgramSpawns) {
      const FunctionFacts *F = Facts->function(FD);
      StartsAlone = IsMain || (F && F->EnteredConcurrently == false && !AddressTaken[Index]);
    }
    Entry.Concurrent |= !StartsAlone;
    Entry.Repeats |= !IsMain;
    if (IsMain || StartsAlone) {
      Entry.Processes.Labels |= ProcessSet::MainProcess;
    } else {
      Entry.Processes.Labels |= ProcessSet::AnyProcess;
      Entry.Processes.Live |= ProcessSet::AnyProcess;
      Entry.Processes.Many |= ProcessSet::AnyProcess;
    }
  }
  return Entry;
}

void HeldLocks::State::computeContexts() {
  Contributions.clear();
  Contributions.resize(Functions.size());
  // Callers first: walk the components in reverse.
  for (auto Component = Components.rbegin(); Component != Components.rend(); ++Component) {
    bool Recursive = Component->size() > 1 || llvm::is_contained(Callees[Component->front()], Component->front());
    const unsigned Rounds = Recursive ? 3 : 1;
    for (unsigned Round = 0; Round < Rounds; ++Round) {
      for (unsigned I : *Component) {
        if (!Flows[I])
          continue;
        Flows[I]->run(contextOf(I), *Ops, Table, Forks, /*SummaryMode=*/false);
        for (const FlowCallSite &Site : Flows[I]->callSites()) {
          auto Callee = IndexOf.find(Site.Callee);
          if (Callee == IndexOf.end())
            continue;
          Contributions[Callee->second][Site.Call] = contribute(*Flows[I], Site);
        }
      }
    }
  }
  for (unsigned I = 0; I < Flows.size(); ++I) {
    if (!Flows[I])
      continue;
    for (const Stmt *S : Flows[I]->statements())
      FlowOfStmt.try_emplace(S, I);
  }
}

const FunctionFlow *HeldLocks::State::flowOf(const Stmt *S, const Stmt **Found) const {
  // Statements the CFG does not list (parens, some implicit nodes) take the
  // state of the nearest enclosing statement it does.
  const Stmt *Current = S;
  for (unsigned Depth = 0; Current && Depth < 8; ++Depth) {
    auto It = FlowOfStmt.find(Current);
    if (It != FlowOfStmt.end()) {
      *Found = Current;
      return Flows[It->second].get();
    }
    DynTypedNodeList Parents = Ctx.getParents(*Current);
    if (Parents.empty())
      return nullptr;
    Current = Parents[0].get<Stmt>();
  }
  return nullptr;
}

HeldLocks::HeldLocks(ASTContext &Ctx, const LockConfig &Config) : S(std::make_unique<State>(Ctx, Config)) {
  State *St = S.get();
  St->Semaphores = std::make_unique<SemaphoreValues>(Ctx);
  St->Ops = std::make_unique<LockOperations>(
      Ctx, Config,
      [St](const FunctionDecl *Def) -> const EffectSummary * {
        auto It = St->IndexOf.find(Def);
        if (It == St->IndexOf.end() || !St->SummaryReady[It->second])
          return nullptr;
        return &St->Summaries[It->second];
      },
      St->Semaphores.get());
  St->collect();
  St->buildComponents();
  St->computeSummaries();
  St->computeContexts();
}

HeldLocks::~HeldLocks() = default;

const HeldLocks &HeldLocks::of(ASTContext &Ctx, const LockConfig &Config) {
  return AnalysisCache<HeldLocks, LockConfig>::get(
      Ctx, Config, [](ASTContext &C, const LockConfig &Cfg) { return std::make_unique<HeldLocks>(C, Cfg); });
}

const LockId &HeldLocks::lock(unsigned Id) const { return S->Table[Id]; }

const LockSet *HeldLocks::mustHoldAt(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  return Point ? &Point->Must : nullptr;
}

const LockSet *HeldLocks::mayHoldAt(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  return Point ? &Point->May : nullptr;
}

bool HeldLocks::mayRunConcurrently(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  return Point && Point->Concurrent;
}

llvm::SmallVector<unsigned, 2> HeldLocks::publishingSemaphores(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  llvm::SmallVector<unsigned, 2> Result;
  if (!Point || !Point->Published || llvm::is_contained(Point->PublishedVia, ~0u))
    return Result; // not published, or by a release the callers make
  Result.append(Point->PublishedVia.begin(), Point->PublishedVia.end());
  return Result;
}

ProcessSet HeldLocks::processesAt(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  return Point ? Point->Processes : ProcessSet();
}

bool HeldLocks::mayRepeat(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  return Flow && (Flow->entry().Repeats || Flow->onCycle(Found));
}

bool HeldLocks::publishedBySemaphore(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  return Point && Point->Published;
}

std::optional<MissingLock> HeldLocks::whereMissing(const Stmt *Query) const {
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Query, &Found);
  const PointState *Point = Flow ? Flow->pointAt(Found) : nullptr;
  if (!Point)
    return std::nullopt;
  for (const HeldLock &L : Point->May.locks()) {
    if (Point->Must.contains(L.Id) || S->Table[L.Id].Key == callerHeldKey())
      continue;
    if (std::optional<MissingLock> Missing = Flow->whereMissing(Found, L.Id))
      return Missing;
  }
  return std::nullopt;
}

llvm::SmallVector<LockOp, 2> HeldLocks::lockOpsOf(const Stmt *Call) const {
  llvm::SmallVector<LockOp, 2> Result;
  const Stmt *Found = nullptr;
  const FunctionFlow *Flow = S->flowOf(Call, &Found);
  if (!Flow || Found != Call)
    return Result;
  llvm::SmallVector<LockEffect, 4> Effects;
  const VarDecl *Constructed = nullptr;
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(Call)) {
    DynTypedNodeList Parents = S->Ctx.getParents(*Construct);
    if (!Parents.empty())
      Constructed = Parents[0].get<VarDecl>();
  }
  S->Ops->effectsOf(Call, Flow->function(), Constructed, Effects);
  for (const LockEffect &Effect : Effects) {
    if (Effect.SignParam >= 0 || Effect.WholeGuard)
      continue;
    LockOp Op;
    Op.Act = Effect.Act;
    Op.Id = S->Table.intern(Effect.Key, Effect.Kind, Effect.Display);
    Op.Mode = Effect.Mode;
    Op.SuccessIsZero = Effect.SuccessIsZero;
    Result.push_back(Op);
  }
  return Result;
}

llvm::ArrayRef<const FunctionDecl *> HeldLocks::analysedFunctions() const { return S->Functions; }

llvm::ArrayRef<const Stmt *> HeldLocks::statementsOf(const FunctionDecl *FD) const {
  auto It = S->IndexOf.find(FD);
  if (It == S->IndexOf.end() || !S->Flows[It->second])
    return {};
  return S->Flows[It->second]->statements();
}

const FunctionLockSummary *HeldLocks::summaryOf(const FunctionDecl *FD) const {
  const FunctionDecl *Def = definitionWithBody(FD);
  auto It = S->IndexOf.find(Def);
  if (It == S->IndexOf.end() || !S->SummaryReady[It->second])
    return nullptr;
  return &S->PublicSummaries[It->second];
}

} // namespace clang::tidy::shm
