#include "LockImbalanceCheck.h"

#include "summary/ProjectFacts.h"

#include "LockConditions.h"
#include "LockExitPaths.h"
#include "SourceText.h"
#include "analysis/CalleeName.h"
#include "analysis/LockIdentity.h"
#include "analysis/ShmProvenance.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <optional>

using namespace clang::ast_matchers;

namespace clang::tidy::shm {
namespace {

std::vector<std::string> splitNames(StringRef List) {
  std::vector<std::string> Names;
  llvm::SmallVector<StringRef, 4> Parts;
  List.split(Parts, ';', -1, false);
  for (StringRef Part : Parts)
    for (StringRef Name : llvm::split(Part, ',')) {
      Name = Name.trim();
      if (!Name.empty())
        Names.push_back(Name.str());
    }
  return Names;
}

// Message channels (pipes, sockets, message queues, barriers) order memory
// like semaphores in the held-locks analysis, but nobody holds them. Their
// keys are rooted at {E:...} (LockOperations.cpp).
bool isChannel(const LockId &Lock) {
  return StringRef(Lock.Key).starts_with("{E:");
}

bool isSemaphore(LockKind Kind) {
  return Kind == LockKind::PosixSemaphore || Kind == LockKind::SysVSemaphore;
}

// flock, lockf, sem_* and semop fail with -1 (and errno), where the
// pthread functions return an error number.
bool returnsMinusOne(LockKind Kind) {
  return isSemaphore(Kind) || Kind == LockKind::FileLock;
}

// The field or variable a semaphore argument names: `&seg->lock` -> field
// `lock`, `&g_sem` -> `g_sem`, `sem` (a sem_t * variable) -> `sem`.
const ValueDecl *semaphoreObject(const Expr *Arg) {
  const Expr *E = ignoreCastsAndParens(Arg);
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(E);
      AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    E = ignoreCastsAndParens(AddrOf->getSubExpr());
  while (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E))
    E = ignoreCastsAndParens(Subscript->getBase());
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return Member->getMemberDecl();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl()))
      return Var->getCanonicalDecl();
  return nullptr;
}

bool mentionsRecursiveType(const Stmt *S) {
  if (const auto *E = dyn_cast<Expr>(S)) {
    QualType T = E->getType();
    if (T->isPointerType())
      T = T->getPointeeType();
    if (const auto *RD = T->getAsCXXRecordDecl();
        RD && RD->getIdentifier() && RD->getName().contains("recursive"))
      return true;
  }
  for (const Stmt *Child : S->children())
    if (Child && mentionsRecursiveType(Child))
      return true;
  return false;
}

// A returned integer, boolean or null pointer constant.
std::optional<int64_t> returnConstant(const Expr *E, const ASTContext &Ctx) {
  if (E->isNullPointerConstant(const_cast<ASTContext &>(Ctx),
                               Expr::NPC_ValueDependentIsNotNull) !=
      Expr::NPCK_NotNull)
    return 0;
  return integerConstant(E->IgnoreParenImpCasts(), Ctx);
}

// The ways out that return to the caller, with the locks held on each.
// Exits into exit()/abort() are left out. Several CFG blocks may fall off the
// end (a loop's exit and a `break`); they are one way out.
using WayOut = LockImbalanceCheck::WayOut;

std::vector<WayOut> waysOut(const FunctionLockSummary &Summary,
                            const LockExitPaths &Paths) {
  std::vector<LockExitPaths::ExitPath> Kinds = Paths.classify(Summary.Exits);
  std::vector<WayOut> Ways;
  std::optional<WayOut> FallOff;
  for (size_t I = 0; I < Summary.Exits.size(); ++I) {
    const FunctionLockSummary::Exit &E = Summary.Exits[I];
    if (Kinds[I].Kind == LockExitPaths::ExitKind::NoReturn)
      continue;
    if (Kinds[I].Kind == LockExitPaths::ExitKind::ProcessExit) {
      Ways.push_back({Kinds[I].Return, E.Must, E.May, false, true});
    } else if (Kinds[I].Kind == LockExitPaths::ExitKind::Throw) {
      Ways.push_back({Kinds[I].Return, E.Must, E.May, true});
    } else if (E.Return) {
      Ways.push_back({E.Return, E.Must, E.May});
    } else if (!FallOff) {
      FallOff = WayOut{nullptr, E.Must, E.May};
    } else {
      FallOff->Must.intersectWith(E.Must);
      FallOff->May.unionWith(E.May);
    }
  }
  if (FallOff)
    Ways.push_back(*FallOff);
  return Ways;
}

// The function's normal completion: the return (or end of body) that comes
// last in the source.
const WayOut *lastWayOut(const std::vector<WayOut> &Ways,
                         const FunctionDecl *FD, const SourceManager &SM) {
  auto loc = [FD](const WayOut &W) {
    return W.Return ? W.Return->getBeginLoc() : FD->getBody()->getEndLoc();
  };
  const WayOut *Last = nullptr;
  for (const WayOut &W : Ways)
    if (W.Throws || W.ExitsProcess)
      continue;
    else if (!Last || SM.isBeforeInTranslationUnit(loc(*Last), loc(W)))
      Last = &W;
  return Last;
}

} // namespace

LockImbalanceCheck::LockImbalanceCheck(StringRef Name,
                                       ClangTidyContext *TidyContext)
    : ClangTidyCheck(Name, TidyContext),
      LockFunctions(Options.get("LockFunctions", "")),
      UnlockFunctions(Options.get("UnlockFunctions", "")),
      TryLockFunctions(Options.getLocalOrGlobal("TryLockFunctions", "")) {
  Config.LockFunctions = splitNames(LockFunctions);
  Config.UnlockFunctions = splitNames(UnlockFunctions);
  ProjectFacts::addConfiguredNames("", TryLockFunctions);
}

void LockImbalanceCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "LockFunctions", LockFunctions);
  Options.store(Opts, "UnlockFunctions", UnlockFunctions);
  Options.store(Opts, "TryLockFunctions", TryLockFunctions);
}

void LockImbalanceCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(translationUnitDecl().bind("unit"), this);
  // Mutexes made recursive anywhere in the translation unit may be taken
  // twice by design.
  Finder->addMatcher(
      declRefExpr(unless(isExpansionInSystemHeader()),
                  to(enumConstantDecl(hasAnyName("PTHREAD_MUTEX_RECURSIVE",
                                                 "PTHREAD_MUTEX_RECURSIVE_NP"))))
          .bind("recursive"),
      this);
  Finder->addMatcher(
      declRefExpr(unless(isExpansionInSystemHeader()),
                  to(enumConstantDecl(hasAnyName("PTHREAD_MUTEX_ROBUST",
                                                 "PTHREAD_MUTEX_ROBUST_NP"))))
          .bind("robust"),
      this);
  // Semaphores created with the value 1 are mutexes.
  Finder->addMatcher(
      callExpr(unless(isExpansionInSystemHeader()),
               callee(functionDecl(hasAnyName("::sem_init", "::sem_open"))))
          .bind("sem-create"),
      this);
  // SEM_UNDO is a macro: recognised by its value in semop flags.
  Finder->addMatcher(
      memberExpr(unless(isExpansionInSystemHeader()),
                 member(fieldDecl(hasName("sem_flg"))))
          .bind("sem-flags"),
      this);
  Finder->addMatcher(
      initListExpr(unless(isExpansionInSystemHeader()),
                   hasType(recordDecl(hasName("sembuf"))))
          .bind("sembuf-init"),
      this);
}

void LockImbalanceCheck::check(const MatchFinder::MatchResult &Result) {
  Ctx = Result.Context;
  if (Result.Nodes.getNodeAs<DeclRefExpr>("recursive"))
    UnitHasRecursiveMutex = true;
  if (Result.Nodes.getNodeAs<DeclRefExpr>("robust"))
    UnitHasRobustMutex = true;
  if (const auto *Create = Result.Nodes.getNodeAs<CallExpr>("sem-create")) {
    bool IsInit = cFunctionName(Create) == "sem_init";
    unsigned ValueArg = IsInit ? 2 : 3;
    std::optional<int64_t> Value =
        Create->getNumArgs() > ValueArg
            ? integerConstant(Create->getArg(ValueArg), *Ctx)
            : std::nullopt;
    if (Value && *Value == 1) {
      if (IsInit) {
        if (const ValueDecl *Object = semaphoreObject(Create->getArg(0)))
          BinarySemaphores.insert(Object);
      } else if (const auto *Var = dyn_cast_or_null<VarDecl>(
                     Result.Context->getParents(*Create).empty()
                         ? nullptr
                         : Result.Context->getParents(*Create)[0].get<VarDecl>())) {
        BinarySemaphores.insert(Var->getCanonicalDecl());
      } else if (const auto *Assign =
                     dyn_cast_or_null<BinaryOperator>(parentSkippingParens(Create, *Ctx));
                 Assign && Assign->getOpcode() == BO_Assign) {
        if (const ValueDecl *Object = semaphoreObject(Assign->getLHS()))
          BinarySemaphores.insert(Object);
      }
    }
  }
  // SEM_UNDO (0x1000) in a struct sembuf initializer or sem_flg assignment.
  constexpr int64_t SemUndo = 0x1000;
  auto hasUndo = [&](const Expr *E) {
    std::optional<int64_t> V = E ? integerConstant(E, *Ctx) : std::nullopt;
    return V && (*V & SemUndo);
  };
  if (const auto *List = Result.Nodes.getNodeAs<InitListExpr>("sembuf-init"))
    if (List->getNumInits() >= 3 && hasUndo(List->getInit(2)))
      UnitUsesSemUndo = true;
  if (const auto *Flags = Result.Nodes.getNodeAs<MemberExpr>("sem-flags"))
    if (const auto *Assign = dyn_cast_or_null<BinaryOperator>(
            parentSkippingParens(Flags, *Ctx));
        Assign && Assign->isAssignmentOp() && hasUndo(Assign->getRHS()))
      UnitUsesSemUndo = true;
}

// What one function does with its locks, and the questions the three
// reports ask about it.
struct LockImbalanceCheck::FunctionLockUse {
  struct Site {
    const Stmt *Call;
    LockOp Op;
  };

  FunctionLockUse(const FunctionDecl *Function, const HeldLocks &Analysis,
                  ASTContext &Context,
                  const llvm::DenseSet<const ValueDecl *> &Binary)
      : FD(Function), Locks(Analysis), Ctx(Context), Paths(Function, Context),
        Statements(Analysis.statementsOf(Function)),
        BinarySemaphores(Binary) {
    for (const Stmt *S : Statements) {
      if (const auto *DS = dyn_cast<DeclStmt>(S))
        for (const Decl *D : DS->decls())
          if (const auto *Var = dyn_cast<VarDecl>(D))
            OwnLocals.push_back(variableKey(Var));
      if (!isa<CallExpr>(S) && !isa<CXXConstructExpr>(S))
        continue;
      for (const LockOp &Op : Locks.lockOpsOf(S)) {
        if (isChannel(Locks.lock(Op.Id)))
          continue;
        Sites.push_back({S, Op});
        ++(Op.Act == LockOp::Action::Release ? Releases : Acquires)[Op.Id];
      }
    }
  }

  bool isAcquire(const Site &S, unsigned Id) const {
    return S.Op.Id == Id && S.Op.Act != LockOp::Action::Release;
  }

  /// A semaphore is a lock where the function posts it after waiting on it,
  /// or where it was created with the value 1; elsewhere (the wait and the
  /// post in different processes after a fork, or in different functions)
  /// it signals another process.
  bool usedAsLock(unsigned Id) const {
    if (!isSemaphore(Locks.lock(Id).Kind))
      return true;
    for (const Site &A : Sites) {
      if (!isAcquire(A, Id))
        continue;
      if (const auto *Call = dyn_cast<CallExpr>(A.Call);
          Call && Call->getNumArgs() > 0 &&
          BinarySemaphores.count(semaphoreObject(Call->getArg(0))))
        return true;
      for (const Site &R : Sites)
        if (R.Op.Id == Id && R.Op.Act == LockOp::Action::Release &&
            Paths.reaches(A.Call, R.Call))
          return true;
    }
    return false;
  }

  /// A lock named by a local variable of some callee (a guard object the
  /// analysis did not see released) means nothing here.
  bool calleeLocal(unsigned Id, const Stmt *At) const {
    const auto *Call = dyn_cast_or_null<CallExpr>(At);
    StringRef Key = Locks.lock(Id).Key;
    return Call && definitionWithBody(Call->getDirectCallee()) &&
           isLocallyRooted(Key) &&
           llvm::none_of(OwnLocals, [Key](const std::string &Local) {
             return Key.starts_with(Local);
           });
  }

  /// `if (c) lock(m); ... if (c) unlock(m);`, `lock(m); if (e) unlock(m);
  /// ... if (!e) unlock(m);`: two operations on the lock under different
  /// conditions over the same variables. The paths that look unbalanced are
  /// the ones the program never takes. (A pair inside one `if` block is
  /// ordinary balanced code.)
  bool correlated(unsigned Id) const {
    llvm::SmallVector<LockGuardCondition, 4> Guards;
    for (const Site &S : Sites) {
      if (S.Op.Id != Id)
        continue;
      LockGuardCondition G = guardOf(S.Call, Ctx);
      if (G.Vars.empty())
        continue;
      for (const LockGuardCondition &Other : Guards)
        if (Other.By != G.By && llvm::any_of(G.Vars, [&](const Decl *D) {
              return Other.Vars.count(D);
            }))
          return true;
      Guards.push_back(std::move(G));
    }
    return false;
  }

  const FunctionDecl *FD;
  const HeldLocks &Locks;
  ASTContext &Ctx;
  LockExitPaths Paths;
  llvm::ArrayRef<const Stmt *> Statements;
  const llvm::DenseSet<const ValueDecl *> &BinarySemaphores;
  std::vector<Site> Sites;
  llvm::DenseMap<unsigned, unsigned> Acquires, Releases; // per lock: count
  std::vector<std::string> OwnLocals; // keys of the function's variables
};

void LockImbalanceCheck::noteAcquired(const HeldLock &H,
                                      const HeldLocks &Locks) {
  if (H.AcquiredAt)
    diag(Ctx->getSourceManager().getExpansionLoc(H.AcquiredAt->getBeginLoc()),
         "'%0' acquired here", DiagnosticIDs::Note)
        << Locks.lock(H.Id).Display;
}

void LockImbalanceCheck::checkFunction(const FunctionDecl *FD,
                                       const HeldLocks &Locks) {
  FunctionLockUse Use(FD, Locks, *Ctx, BinarySemaphores);
  if (Use.Sites.empty() || !Use.Paths.valid())
    return;
  for (const FunctionLockUse::Site &S : Use.Sites) {
    if (S.Op.Act == LockOp::Action::Acquire)
      checkSecondAcquire(Use, S.Call, S.Op);
    else if (S.Op.Act == LockOp::Action::Release)
      checkRelease(Use, S.Call, S.Op);
  }
  checkWaysOut(Use);
}

void LockImbalanceCheck::checkSecondAcquire(const FunctionLockUse &Use,
                                            const Stmt *Call,
                                            const LockOp &Op) {
  const HeldLocks &Locks = Use.Locks;
  const LockSet *Must = Locks.mustHoldAt(Call);
  const HeldLock *Held = Must ? Must->find(Op.Id) : nullptr;
  if (!Held || Held->AcquiredAt == Call || !Use.usedAsLock(Op.Id) ||
      Use.calleeLocal(Op.Id, Call))
    return;
  const LockId &Lock = Locks.lock(Op.Id);
  if (Lock.Kind == LockKind::RwLock && Op.Mode == LockMode::Shared &&
      Held->Mode == LockMode::Shared)
    return; // read locks may be taken again
  if (isSemaphore(Lock.Kind) &&
      Use.Releases.lookup(Op.Id) >= Use.Acquires.lookup(Op.Id))
    return; // a counting semaphore taken n times and posted n times
  if ((Lock.Kind == LockKind::Mutex && UnitHasRecursiveMutex) ||
      mentionsRecursiveType(Call) ||
      (Held->AcquiredAt && mentionsRecursiveType(Held->AcquiredAt)))
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  diag(SM.getExpansionLoc(Call->getBeginLoc()),
       "'%0' acquired while already held")
      << Lock.Display;
  if (Held->AcquiredAt)
    noteAcquired(*Held, Locks);
  else
    diag(Use.FD->getLocation(), "'%0' is held by every caller of %1",
         DiagnosticIDs::Note)
        << Lock.Display << Use.FD;
}

void LockImbalanceCheck::checkRelease(const FunctionLockUse &Use,
                                      const Stmt *Call, const LockOp &Op) {
  const HeldLocks &Locks = Use.Locks;
  const LockSet *Must = Locks.mustHoldAt(Call);
  const LockSet *May = Locks.mayHoldAt(Call);
  if (!Must || !May || Must->contains(Op.Id))
    return;
  // Only releases the function itself pairs with an acquire: a function
  // that releases a lock it never takes is a release wrapper (`V()`) or
  // runs with its caller's lock.
  const FunctionLockUse::Site *Paired = nullptr;
  for (const FunctionLockUse::Site &A : Use.Sites)
    if (Use.isAcquire(A, Op.Id) && Use.Paths.reaches(A.Call, Call)) {
      Paired = &A;
      break;
    }
  if (!Paired || !Use.usedAsLock(Op.Id))
    return;
  const LockId &Lock = Locks.lock(Op.Id);
  // A call that returned with the lock held on its success path
  // (`if (open_table(t) == 0) { ...; unlock_table(t); }`), which the
  // held-locks analysis does not count as an acquire.
  bool HandedOverBefore = llvm::any_of(Use.Statements, [&](const Stmt *St) {
    const auto *Before = dyn_cast<CallExpr>(St);
    if (!Before || !Use.Paths.reaches(Before, Call))
      return false;
    bool CountedAsAcquire =
        llvm::any_of(Locks.lockOpsOf(Before), [&](const LockOp &Other) {
          return Other.Id == Op.Id && Other.Act != LockOp::Action::Release;
        });
    return !CountedAsAcquire &&
           handedOverByCall(Before, Use.FD, Lock.Key, Locks);
  });
  if (HandedOverBefore)
    return;
  // Counted locks (semaphores, read locks) taken as often as released: the
  // lockset holds one instance where the program holds several.
  bool Counted = isSemaphore(Lock.Kind) ||
                 (Lock.Kind == LockKind::RwLock &&
                  Paired->Op.Mode == LockMode::Shared);
  if (Counted && Use.Acquires.lookup(Op.Id) >= Use.Releases.lookup(Op.Id))
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  const HeldLock *Somewhere = May->find(Op.Id);
  if (!Somewhere) {
    diag(SM.getExpansionLoc(Call->getBeginLoc()),
         "'%0' released while not held")
        << Lock.Display;
    return;
  }
  if (Use.correlated(Op.Id))
    return;
  // A blocking acquire that failed took nothing: `if (lock(m) != 0) goto
  // out; ... out: unlock(m);` is not reported.
  if (Somewhere->AcquiredAt &&
      failurePathMayContinue(findAcquireResultTest(
          Somewhere->AcquiredAt, isSemaphore(Lock.Kind), *Ctx)))
    return;
  diag(SM.getExpansionLoc(Call->getBeginLoc()),
       "'%0' released while not held on every path")
      << Lock.Display;
  if (std::optional<MissingLock> Missing = Locks.whereMissing(Call);
      Missing && Missing->Id == Op.Id && Missing->Where)
    diag(SM.getExpansionLoc(Missing->Where->getBeginLoc()),
         Missing->ReleasedThere
             ? "'%0' released here"
             : "'%0' not acquired on the path through here",
         DiagnosticIDs::Note)
        << Lock.Display;
}

void LockImbalanceCheck::checkWaysOut(const FunctionLockUse &Use) {
  const HeldLocks &Locks = Use.Locks;
  const FunctionDecl *FD = Use.FD;
  const FunctionLockSummary *Summary = Locks.summaryOf(FD);
  if (!Summary || Summary->Exits.empty())
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  std::vector<WayOut> Ways = waysOut(*Summary, Use.Paths);
  llvm::ArrayRef<unsigned> HandedOver = handedOver(FD, Locks);
  auto handsOver = [&](unsigned Id) {
    return !FD->isMain() && llvm::is_contained(HandedOver, Id);
  };

  for (const WayOut &W : Ways) {
    for (const HeldLock &H : W.May.locks()) {
      if (H.Guard || !H.AcquiredAt || isChannel(Locks.lock(H.Id)) ||
          !Use.usedAsLock(H.Id) || Use.calleeLocal(H.Id, H.AcquiredAt))
        continue;
      // A lock held when the process exits blocks the other processes only
      // if they can see it and nothing releases it on their behalf.
      if (W.ExitsProcess ? !visibleToOtherProcesses(H, Locks)
                         : handsOver(H.Id))
        continue;
      // Unwinding destroys guard objects; the CFG has no destructor calls
      // on exception edges.
      if (W.Throws && isa<CXXConstructExpr>(H.AcquiredAt))
        continue;
      bool OnEveryPath = W.Must.contains(H.Id);
      if (!OnEveryPath && Use.correlated(H.Id))
        continue;
      const LockId &Lock = Locks.lock(H.Id);
      AcquireResultTest Test =
          findAcquireResultTest(H.AcquiredAt, returnsMinusOne(Lock.Kind), *Ctx);
      // The way out is the acquire's failure path, or the path missing the
      // lock may be that failure path.
      if (W.Return && Test.FailureBranch &&
          containsStmt(Test.FailureBranch, W.Return, SM))
        continue;
      if (!OnEveryPath && failurePathMayContinue(Test))
        continue;
      if (W.ExitsProcess)
        diag(SM.getExpansionLoc(W.Return->getBeginLoc()),
             "'%0' is still held when the process exits")
            << Lock.Display;
      else if (W.Throws)
        diag(SM.getExpansionLoc(W.Return->getBeginLoc()),
             "'%0' is still held when %1 throws")
            << Lock.Display << FD;
      else if (W.Return)
        diag(SM.getExpansionLoc(W.Return->getBeginLoc()),
             "'%0' is still held when %1 returns")
            << Lock.Display << FD;
      else
        diag(SM.getExpansionLoc(FD->getBody()->getEndLoc()),
             "'%0' is still held at the end of %1")
            << Lock.Display << FD;
      noteAcquired(H, Locks);
    }
  }
}

bool LockImbalanceCheck::namedAsLock(const FunctionDecl *FD) const {
  if (const IdentifierInfo *Id = FD->getIdentifier();
      Id && llvm::is_contained(Config.LockFunctions, Id->getName().str()))
    return true;
  const ProjectFacts *Facts = ProjectFacts::current();
  const FunctionFacts *F = Facts ? Facts->function(FD) : nullptr;
  return F && F->Model &&
         llvm::any_of(F->Locks, [](const PortableLockEffect &E) {
           return E.Act != PortableLockEffect::Action::Release;
         });
}

llvm::ArrayRef<unsigned>
LockImbalanceCheck::handedOver(const FunctionDecl *FD,
                               const HeldLocks &Locks) {
  auto Found = HandedOverCache.find(FD);
  if (Found != HandedOverCache.end())
    return Found->second;
  llvm::SmallVector<unsigned, 2> Ids;
  if (const FunctionLockSummary *Summary = Locks.summaryOf(FD)) {
    // An acquire wrapper (`P()`, `lock_table()`) or a try-lock wrapper.
    for (const LockOp &Op : Summary->NetAcquires)
      Ids.push_back(Op.Id);
    if (Summary->TryAcquire)
      Ids.push_back(Summary->TryAcquire->Id);
    // A function whose normal completion leaves the lock held, while an
    // earlier way out released it: `open_table()` returning 0 with the table
    // locked and -1 after unlocking. The same shape is a plain leak when the
    // last path merely forgot the unlock, so it needs evidence.
    LockExitPaths Paths(FD, *Ctx);
    if (Paths.valid()) {
      std::vector<WayOut> Ways = waysOut(*Summary, Paths);
      const SourceManager &SM = Ctx->getSourceManager();
      if (const WayOut *Last = lastWayOut(Ways, FD, SM)) {
        // A function that a library model or the options name as a lock
        // (`apr_global_mutex_lock`) hands over what it holds on its way out,
        // whatever its body's shape.
        if (namedAsLock(FD))
          for (const HeldLock &H : Last->May.locks())
            if (!H.Guard && !llvm::is_contained(Ids, H.Id))
              Ids.push_back(H.Id);
        // `if (a->mutex) lock(a->mutex);`: it holds the lock whenever there
        // is one.
        for (const HeldLock &H : Last->May.locks())
          if (!H.Guard && H.AcquiredAt && !llvm::is_contained(Ids, H.Id) &&
              acquiredUnlessNull(H.AcquiredAt, *Ctx))
            Ids.push_back(H.Id);
        for (const HeldLock &H : Last->Must.locks())
          if (!H.Guard && !llvm::is_contained(Ids, H.Id) &&
              conditionallyHandsOver(FD, Ways, H.Id, Locks))
            Ids.push_back(H.Id);
        // A try-lock wrapper whose result the caller tests: the attempt's
        // result is tested (also after a retry loop), its failure branch
        // returns, and the normal completion returns holding the lock
        // (`do rc = flock(fd, LOCK_EX | LOCK_NB); while (...); if (rc < 0)
        // return EBUSY; ...; return 0;`).
        for (const HeldLock &H : Last->May.locks()) {
          if (H.Guard || !H.AcquiredAt || llvm::is_contained(Ids, H.Id) ||
              FD->getReturnType()->isVoidType() || !Last->Return)
            continue;
          AcquireResultTest Test = findAcquireResultTest(
              H.AcquiredAt, returnsMinusOne(Locks.lock(H.Id).Kind), *Ctx);
          if (Test.FailureBranch &&
              llvm::any_of(Ways, [&](const WayOut &W) {
                return W.Return &&
                       containsStmt(Test.FailureBranch, W.Return, SM);
              }))
            Ids.push_back(H.Id);
        }
      }
    }
  }
  auto &Slot = HandedOverCache[FD];
  Slot = std::move(Ids);
  return Slot;
}

bool LockImbalanceCheck::conditionallyHandsOver(
    const FunctionDecl *FD, const std::vector<WayOut> &Ways, unsigned Id,
    const HeldLocks &Locks) {
  const SourceManager &SM = Ctx->getSourceManager();
  auto Sites = CallSites.find(FD->getCanonicalDecl());
  if (Sites != CallSites.end() && !Sites->second.empty()) {
    // Some caller releases the lock after the call.
    for (const auto &[Caller, Call] : Sites->second) {
      std::optional<std::string> Key = translateKey(Locks.lock(Id).Key, FD,
                                                    Call, Caller);
      if (!Key)
        continue;
      for (const Stmt *S : Locks.statementsOf(Caller)) {
        if ((!isa<CallExpr>(S) && !isa<CXXConstructExpr>(S)) ||
            !SM.isBeforeInTranslationUnit(Call->getEndLoc(), S->getBeginLoc()))
          continue;
        for (const LockOp &Op : Locks.lockOpsOf(S))
          if (Op.Act == LockOp::Action::Release &&
              Locks.lock(Op.Id).Key == *Key)
            return true;
      }
    }
    return false;
  }
  // No caller here: the return value has to tell the caller which way it
  // went (0 locked / -1 not, a pointer / NULL, true / false).
  if (FD->getReturnType()->isVoidType())
    return false;
  auto heldAt = [&](const WayOut &W) {
    const HeldLock *H = W.May.find(Id);
    if (!H)
      return false;
    // The error return of a failed blocking acquire holds nothing.
    AcquireResultTest Test = H->AcquiredAt
                          ? findAcquireResultTest(H->AcquiredAt,
                                           returnsMinusOne(Locks.lock(Id).Kind),
                                           *Ctx)
                          : AcquireResultTest();
    return !(W.Return && Test.FailureBranch &&
             containsStmt(Test.FailureBranch, W.Return, SM));
  };
  llvm::SmallVector<int64_t, 4> Unlocked;
  for (const WayOut &W : Ways) {
    if (W.Throws || W.ExitsProcess || heldAt(W))
      continue;
    const auto *Ret = dyn_cast_or_null<ReturnStmt>(W.Return);
    if (!Ret || !Ret->getRetValue())
      return false;
    std::optional<int64_t> V = returnConstant(Ret->getRetValue(), *Ctx);
    if (!V)
      return false;
    Unlocked.push_back(*V);
  }
  if (Unlocked.empty())
    return false;
  for (const WayOut &W : Ways) {
    if (W.Throws || W.ExitsProcess || !heldAt(W))
      continue;
    const auto *Ret = dyn_cast_or_null<ReturnStmt>(W.Return);
    if (!Ret || !Ret->getRetValue())
      return false;
    std::optional<int64_t> V = returnConstant(Ret->getRetValue(), *Ctx);
    if (V ? llvm::is_contained(Unlocked, *V)
          : !(FD->getReturnType()->isPointerType() &&
              llvm::all_of(Unlocked, [](int64_t U) { return U == 0; })))
      return false;
  }
  return true;
}

std::optional<std::string>
LockImbalanceCheck::translateKey(StringRef Key, const FunctionDecl *Callee,
                                 const CallExpr *Call,
                                 const FunctionDecl *Caller) const {
  return substituteParameters(
      Key, Callee, [&](int Index) -> std::optional<std::string> {
        if (Index < 0 || static_cast<unsigned>(Index) >= Call->getNumArgs())
          return std::nullopt;
        return valueKey(Call->getArg(static_cast<unsigned>(Index)), Caller);
      });
}

bool LockImbalanceCheck::handedOverByCall(const CallExpr *Call,
                                          const FunctionDecl *Caller,
                                          const std::string &LockKey,
                                          const HeldLocks &Locks) {
  const FunctionDecl *Callee = definitionWithBody(Call->getDirectCallee());
  if (!Callee || Callee == Caller)
    return false;
  for (unsigned Id : handedOver(Callee, Locks)) {
    std::optional<std::string> Translated =
        translateKey(Locks.lock(Id).Key, Callee, Call, Caller);
    if (Translated && *Translated == LockKey)
      return true;
  }
  return false;
}

bool LockImbalanceCheck::neverReturns(const FunctionDecl *FD) {
  if (FD->isNoReturn())
    return true;
  const FunctionDecl *Def = definitionWithBody(FD);
  if (!Def)
    return false;
  auto [It, Inserted] = NeverReturnsCache.try_emplace(Def, false);
  if (!Inserted)
    return It->second;
  // `static void die(const char *m) { perror(m); exit(1); }`: every way out
  // of the body ends the process.
  LockExitPaths Paths(Def, *Ctx);
  bool Result = Paths.valid() && Paths.endsProcessEverywhere();
  NeverReturnsCache[Def] = Result;
  return Result;
}

bool LockImbalanceCheck::leavesScope(const Stmt *S) {
  while (const auto *Compound = dyn_cast_or_null<CompoundStmt>(S))
    S = Compound->body_empty() ? nullptr : Compound->body_back();
  if (!S)
    return false;
  if (isa<ReturnStmt>(S) || isa<GotoStmt>(S) || isa<BreakStmt>(S) ||
      isa<ContinueStmt>(S) || isa<CXXThrowExpr>(S))
    return true;
  if (const auto *Call = dyn_cast<CallExpr>(S->IgnoreContainers()))
    if (const FunctionDecl *Callee = Call->getDirectCallee())
      return neverReturns(Callee);
  return false;
}

bool LockImbalanceCheck::failurePathMayContinue(const AcquireResultTest &Test) {
  if (!Test.Test)
    return false;
  return !Test.FailureBranch || !leavesScope(Test.FailureBranch);
}

bool LockImbalanceCheck::visibleToOtherProcesses(const HeldLock &H,
                                                 const HeldLocks &Locks) {
  LockKind Kind = Locks.lock(H.Id).Kind;
  if (Kind == LockKind::SysVSemaphore)
    return !UnitUsesSemUndo; // the kernel undoes SEM_UNDO operations
  if (Kind == LockKind::Mutex && UnitHasRobustMutex)
    return false; // the next owner recovers it (EOWNERDEAD)
  const auto *Call = dyn_cast_or_null<CallExpr>(H.AcquiredAt);
  if (!Call)
    return false;
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  for (const Expr *Arg : Call->arguments()) {
    if (Shm.pointsIntoShm(Arg))
      return true;
    // A named semaphore: sem_open's handle.
    if (Kind == LockKind::PosixSemaphore)
      if (const auto *Ref = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(Arg)))
        if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl()))
          if (const auto *Init = dyn_cast_or_null<CallExpr>(
                  Var->getInit() ? ignoreCastsAndParens(Var->getInit())
                                 : nullptr);
              Init && cFunctionName(Init) == "sem_open")
            return true;
  }
  return false;
}

void LockImbalanceCheck::onEndOfTranslationUnit() {
  if (!Ctx)
    return;
  const HeldLocks &Locks = HeldLocks::of(*Ctx, Config);
  const SourceManager &SM = Ctx->getSourceManager();
  for (const FunctionDecl *Caller : Locks.analysedFunctions())
    for (const Stmt *S : Locks.statementsOf(Caller))
      if (const auto *Call = dyn_cast<CallExpr>(S))
        if (const FunctionDecl *Callee =
                definitionWithBody(Call->getDirectCallee()))
          CallSites[Callee->getCanonicalDecl()].push_back({Caller, Call});
  for (const FunctionDecl *FD : Locks.analysedFunctions())
    if (FD->getBody() &&
        !SM.isInSystemHeader(SM.getExpansionLoc(FD->getLocation())))
      checkFunction(FD, Locks);
  UnitHasRecursiveMutex = false;
  UnitHasRobustMutex = false;
  UnitUsesSemUndo = false;
  BinarySemaphores.clear();
  HandedOverCache.clear();
  CallSites.clear();
  NeverReturnsCache.clear();
  Ctx = nullptr;
}

} // namespace clang::tidy::shm
