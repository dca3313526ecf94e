#include "LockImbalanceCheck.h"

#include "SourceText.h"
#include "analysis/CalleeName.h"
#include "analysis/LockIdentity.h"

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

bool isSemaphore(LockKind Kind) {
  return Kind == LockKind::PosixSemaphore || Kind == LockKind::SysVSemaphore;
}

// The ways out of a function, from a CFG built like the held-locks
// analysis's own, so that its exits line up with ours. The summary does not
// say whether an exit without a return statement falls off the end or calls
// exit()/abort(); this does.
class FunctionPaths {
public:
  enum class ExitKind { Return, FallOff, NoReturn, Throw };
  struct ExitPath {
    ExitKind Kind;
    const Stmt *Return; // the ReturnStmt, or the throw expression
  };

  FunctionPaths(const FunctionDecl *FD, ASTContext &Ctx) {
    CFG::BuildOptions Options;
    Options.AddImplicitDtors = true;
    Options.AddTemporaryDtors = true;
    Options.AddInitializers = true;
    Options.AddCXXDefaultInitExprInCtors = true;
    Options.setAllAlwaysAdd();
    Graph = CFG::buildCFG(FD, FD->getBody(), &Ctx, Options);
    if (!Graph)
      return;
    std::vector<bool> Reached(Graph->getNumBlockIDs(), false);
    llvm::SmallVector<const CFGBlock *, 16> Work{&Graph->getEntry()};
    Reached[Graph->getEntry().getBlockID()] = true;
    while (!Work.empty()) {
      const CFGBlock *B = Work.pop_back_val();
      for (const CFGBlock *Succ : B->succs())
        if (Succ && !Reached[Succ->getBlockID()]) {
          Reached[Succ->getBlockID()] = true;
          Work.push_back(Succ);
        }
    }
    for (const CFGBlock *B : *Graph) {
      unsigned Index = 0;
      for (const CFGElement &E : *B)
        if (std::optional<CFGStmt> S = E.getAs<CFGStmt>())
          Position[S->getStmt()] = {B, Index++};
    }
    for (const CFGBlock *Pred : Graph->getExit().preds()) {
      if (!Pred || !Reached[Pred->getBlockID()])
        continue;
      ExitPath Path{ExitKind::FallOff, nullptr};
      for (const CFGElement &E : *Pred)
        if (std::optional<CFGStmt> S = E.getAs<CFGStmt>();
            S && isa<ReturnStmt>(S->getStmt())) {
          Path.Kind = ExitKind::Return;
          Path.Return = S->getStmt();
        }
      if (Path.Kind != ExitKind::Return && Pred->hasNoReturnElement())
        Path.Kind = ExitKind::NoReturn;
      if (Path.Kind == ExitKind::FallOff)
        for (const CFGElement &E : *Pred)
          if (std::optional<CFGStmt> S = E.getAs<CFGStmt>();
              S && isa<CXXThrowExpr>(S->getStmt())) {
            Path.Kind = ExitKind::Throw;
            Path.Return = S->getStmt();
          }
      Exits.push_back(Path);
    }
  }

  /// Classifies the summary's exits, in the summary's order.
  std::vector<ExitPath>
  classify(const std::vector<FunctionLockSummary::Exit> &Summary) const {
    std::vector<ExitPath> Kinds;
    bool Aligned = Summary.size() == Exits.size();
    for (size_t I = 0; Aligned && I < Summary.size(); ++I)
      Aligned = Summary[I].Return == Exits[I].Return ||
                (!Summary[I].Return && Exits[I].Kind == ExitKind::Throw);
    bool AnyNoReturn = llvm::any_of(Exits, [](const ExitPath &P) {
      return P.Kind == ExitKind::NoReturn;
    });
    for (size_t I = 0; I < Summary.size(); ++I) {
      if (Summary[I].Return)
        Kinds.push_back({ExitKind::Return, Summary[I].Return});
      else if (Aligned)
        Kinds.push_back(Exits[I]);
      else // cannot tell: err on the side of silence
        Kinds.push_back(
            {AnyNoReturn ? ExitKind::NoReturn : ExitKind::FallOff, nullptr});
    }
    return Kinds;
  }

  /// Some path runs From and later To (both statements of the function).
  bool reaches(const Stmt *From, const Stmt *To) const {
    auto F = Position.find(From), T = Position.find(To);
    if (F == Position.end() || T == Position.end())
      return false;
    const CFGBlock *FromBlock = F->second.first, *ToBlock = T->second.first;
    if (FromBlock == ToBlock && F->second.second < T->second.second)
      return true;
    llvm::DenseSet<const CFGBlock *> Seen;
    llvm::SmallVector<const CFGBlock *, 16> Work;
    for (const CFGBlock *Succ : FromBlock->succs())
      if (Succ && Seen.insert(Succ).second)
        Work.push_back(Succ);
    while (!Work.empty()) {
      const CFGBlock *B = Work.pop_back_val();
      if (B == ToBlock)
        return true;
      for (const CFGBlock *Succ : B->succs())
        if (Succ && Seen.insert(Succ).second)
          Work.push_back(Succ);
    }
    return false;
  }

  bool valid() const { return Graph != nullptr; }

private:
  std::unique_ptr<CFG> Graph;
  std::vector<ExitPath> Exits;
  llvm::DenseMap<const Stmt *, std::pair<const CFGBlock *, unsigned>> Position;
};

// The statement or expression directly containing S, skipping parentheses,
// implicit casts and the variable a declaration statement initialises.
const Stmt *parentOf(const Stmt *S, ASTContext &Ctx) {
  DynTypedNodeList Parents = Ctx.getParents(*S);
  while (!Parents.empty()) {
    if (const auto *Var = Parents[0].get<VarDecl>()) {
      Parents = Ctx.getParents(*Var);
      continue;
    }
    const Stmt *P = Parents[0].get<Stmt>();
    if (!P)
      return nullptr;
    if (!isa<ParenExpr>(P) && !isa<ImplicitCastExpr>(P) &&
        !isa<ExprWithCleanups>(P))
      return P;
    Parents = Ctx.getParents(*P);
  }
  return nullptr;
}

bool contains(const Stmt *Outer, const Stmt *Inner, const SourceManager &SM) {
  if (!Outer || !Inner)
    return false;
  SourceRange O = Outer->getSourceRange(), I = Inner->getSourceRange();
  return !SM.isBeforeInTranslationUnit(I.getBegin(), O.getBegin()) &&
         !SM.isBeforeInTranslationUnit(O.getEnd(), I.getEnd());
}

// The variable a call's result is stored in: `int rc = lock(m)` or
// `rc = lock(m)`.
const VarDecl *resultVariable(const Stmt *Call, ASTContext &Ctx) {
  const Stmt *P = parentOf(Call, Ctx);
  if (const auto *Assign = dyn_cast_or_null<BinaryOperator>(P);
      Assign && Assign->getOpcode() == BO_Assign)
    if (const auto *Ref =
            dyn_cast<DeclRefExpr>(Assign->getLHS()->IgnoreParenImpCasts()))
      return dyn_cast<VarDecl>(Ref->getDecl());
  DynTypedNodeList Parents = Ctx.getParents(*Call);
  while (!Parents.empty()) {
    if (const auto *Var = Parents[0].get<VarDecl>())
      return Var;
    const Stmt *S = Parents[0].get<Stmt>();
    if (!S || !(isa<ParenExpr>(S) || isa<ImplicitCastExpr>(S) ||
                isa<ExprWithCleanups>(S)))
      return nullptr;
    Parents = Ctx.getParents(*S);
  }
  return nullptr;
}

bool mentions(const Stmt *S, const Stmt *Call, const VarDecl *Result) {
  if (!S)
    return false;
  if (S == Call)
    return true;
  if (const auto *Ref = dyn_cast<DeclRefExpr>(S); Ref && Result &&
                                                  Ref->getDecl() == Result)
    return true;
  for (const Stmt *Child : S->children())
    if (mentions(Child, Call, Result))
      return true;
  return false;
}

// The if/while whose condition tests the result of a blocking acquire, with
// the branch taken when the acquire failed (nullptr when the condition does
// not say). The held-locks analysis treats blocking acquires as always
// succeeding; `if (pthread_mutex_lock(&m) != 0) return -1;` leaves nothing
// held on that return.
struct ResultTest {
  const Stmt *Test = nullptr;
  const Stmt *FailureBranch = nullptr;
};

std::optional<bool> failureOnTrue(const Expr *Cond, const Stmt *Call,
                                  const VarDecl *Result, bool SemaphoreLike,
                                  ASTContext &Ctx) {
  Cond = Cond->IgnoreParenImpCasts();
  auto namesResult = [&](const Expr *E) {
    E = E->IgnoreParenImpCasts();
    if (E == Call)
      return true;
    if (const auto *Assign = dyn_cast<BinaryOperator>(E);
        Assign && Assign->getOpcode() == BO_Assign)
      return Assign->getRHS()->IgnoreParenImpCasts() == Call;
    const auto *Ref = dyn_cast<DeclRefExpr>(E);
    return Ref && Result && Ref->getDecl() == Result;
  };
  if (const auto *Not = dyn_cast<UnaryOperator>(Cond);
      Not && Not->getOpcode() == UO_LNot) {
    std::optional<bool> Inner =
        failureOnTrue(Not->getSubExpr(), Call, Result, SemaphoreLike, Ctx);
    return Inner ? std::optional<bool>(!*Inner) : std::nullopt;
  }
  if (const auto *Logic = dyn_cast<BinaryOperator>(Cond);
      Logic && Logic->getOpcode() == BO_LAnd) {
    // `lock(m) != 0 && errno != EINTR`: true only when the acquire failed.
    for (const Expr *Side : {Logic->getLHS(), Logic->getRHS()})
      if (std::optional<bool> F =
              failureOnTrue(Side, Call, Result, SemaphoreLike, Ctx);
          F && *F)
        return true;
    return std::nullopt;
  }
  // 0 is success; failure is -1 (semaphores) or an error number (pthread).
  const int64_t Failure = SemaphoreLike ? -1 : 16;
  if (namesResult(Cond))
    return true;
  const auto *Compare = dyn_cast<BinaryOperator>(Cond);
  if (!Compare || !Compare->isComparisonOp())
    return std::nullopt;
  BinaryOperatorKind Op = Compare->getOpcode();
  std::optional<int64_t> K;
  if (namesResult(Compare->getLHS())) {
    K = integerConstant(Compare->getRHS(), Ctx);
  } else if (namesResult(Compare->getRHS())) {
    K = integerConstant(Compare->getLHS(), Ctx);
    Op = BinaryOperator::reverseComparisonOp(Op);
  }
  if (!K)
    return std::nullopt;
  // `== ETIMEDOUT`, `== EBUSY`: one particular error.
  if (*K != 0 && Op == BO_EQ && !SemaphoreLike)
    return true;
  auto eval = [Op](int64_t L, int64_t R) {
    switch (Op) {
    case BO_LT: return L < R;
    case BO_GT: return L > R;
    case BO_LE: return L <= R;
    case BO_GE: return L >= R;
    case BO_EQ: return L == R;
    case BO_NE: return L != R;
    default: return false;
    }
  };
  bool OnSuccess = eval(0, *K), OnFailure = eval(Failure, *K);
  if (OnSuccess == OnFailure)
    return std::nullopt;
  return OnFailure;
}

ResultTest findResultTest(const Stmt *Call, bool SemaphoreLike,
                          ASTContext &Ctx) {
  ResultTest Found;
  const VarDecl *Result = resultVariable(Call, Ctx);
  // Walk up to the statement that tests the result, either the condition
  // the call sits in or, for `rc = lock(m);`, the statement after it.
  const Stmt *S = Call;
  const Stmt *Cond = nullptr;
  const Stmt *Owner = nullptr;
  while (const Stmt *P = parentOf(S, Ctx)) {
    if (const auto *If = dyn_cast<IfStmt>(P); If && If->getCond() &&
                                              mentions(If->getCond(), Call,
                                                       nullptr)) {
      Cond = If->getCond();
      Owner = If;
      break;
    }
    if (const auto *While = dyn_cast<WhileStmt>(P);
        While && mentions(While->getCond(), Call, nullptr)) {
      Cond = While->getCond();
      Owner = While;
      break;
    }
    if (const auto *Compound = dyn_cast<CompoundStmt>(P)) {
      if (!Result)
        break;
      // The statement following the one holding the call.
      bool Next = false;
      for (const Stmt *Child : Compound->body()) {
        if (Next) {
          if (const auto *If = dyn_cast<IfStmt>(Child);
              If && mentions(If->getCond(), nullptr, Result)) {
            Cond = If->getCond();
            Owner = If;
          }
          break;
        }
        Next = Child == S;
      }
      break;
    }
    if (isa<Expr>(P) || isa<DeclStmt>(P)) {
      S = P;
      continue;
    }
    break;
  }
  if (!Cond)
    return Found;
  Found.Test = Owner;
  std::optional<bool> OnTrue = failureOnTrue(cast<Expr>(Cond), Call, Result,
                                             SemaphoreLike, Ctx);
  if (!OnTrue)
    return Found;
  if (const auto *If = dyn_cast<IfStmt>(Owner))
    Found.FailureBranch = *OnTrue ? If->getThen() : If->getElse();
  else if (const auto *While = dyn_cast<WhileStmt>(Owner); While && *OnTrue)
    Found.FailureBranch = While->getBody();
  return Found;
}

// The variables read by the condition of the if statement that directly
// guards S (S in its then or else branch); empty when S is unconditional.
llvm::SmallPtrSet<const Decl *, 4> guardingVariables(const Stmt *S,
                                                     ASTContext &Ctx) {
  llvm::SmallPtrSet<const Decl *, 4> Vars;
  const Stmt *Child = S;
  while (const Stmt *P = parentOf(Child, Ctx)) {
    if (const auto *If = dyn_cast<IfStmt>(P)) {
      if (!If->getCond() || Child == If->getCond())
        return Vars;
      llvm::SmallVector<const Stmt *, 8> Work{If->getCond()};
      while (!Work.empty()) {
        const Stmt *C = Work.pop_back_val();
        if (const auto *Ref = dyn_cast<DeclRefExpr>(C))
          Vars.insert(Ref->getDecl());
        for (const Stmt *Grand : C->children())
          if (Grand)
            Work.push_back(Grand);
      }
      return Vars;
    }
    if (isa<Expr>(P) || isa<CompoundStmt>(P) || isa<DeclStmt>(P)) {
      Child = P;
      continue;
    }
    return Vars;
  }
  return Vars;
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
                            const FunctionPaths &Paths) {
  std::vector<FunctionPaths::ExitPath> Kinds = Paths.classify(Summary.Exits);
  std::vector<WayOut> Ways;
  std::optional<WayOut> FallOff;
  for (size_t I = 0; I < Summary.Exits.size(); ++I) {
    const FunctionLockSummary::Exit &E = Summary.Exits[I];
    if (Kinds[I].Kind == FunctionPaths::ExitKind::NoReturn)
      continue;
    if (Kinds[I].Kind == FunctionPaths::ExitKind::Throw) {
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
    if (W.Throws)
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
      UnlockFunctions(Options.get("UnlockFunctions", "")) {
  Config.LockFunctions = splitNames(LockFunctions);
  Config.UnlockFunctions = splitNames(UnlockFunctions);
}

void LockImbalanceCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "LockFunctions", LockFunctions);
  Options.store(Opts, "UnlockFunctions", UnlockFunctions);
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
}

void LockImbalanceCheck::check(const MatchFinder::MatchResult &Result) {
  Ctx = Result.Context;
  if (Result.Nodes.getNodeAs<DeclRefExpr>("recursive"))
    UnitHasRecursiveMutex = true;
}

void LockImbalanceCheck::checkFunction(const FunctionDecl *FD,
                                       const HeldLocks &Locks) {
  const SourceManager &SM = Ctx->getSourceManager();
  llvm::ArrayRef<const Stmt *> Statements = Locks.statementsOf(FD);
  if (Statements.empty())
    return;

  struct Site {
    const Stmt *Call;
    LockOp Op;
  };
  std::vector<Site> Sites;
  llvm::DenseMap<unsigned, unsigned> Acquires, Releases; // per lock: count
  for (const Stmt *S : Statements) {
    if (!isa<CallExpr>(S) && !isa<CXXConstructExpr>(S))
      continue;
    for (const LockOp &Op : Locks.lockOpsOf(S)) {
      Sites.push_back({S, Op});
      if (Op.Act == LockOp::Action::Release)
        ++Releases[Op.Id];
      else
        ++Acquires[Op.Id];
    }
  }
  if (Sites.empty())
    return;

  FunctionPaths Paths(FD, *Ctx);
  if (!Paths.valid())
    return;
  auto usedAsLock = [&](unsigned Id) {
    // A semaphore is a lock where the function posts it after waiting on it;
    // elsewhere (the wait and the post in different processes after a fork,
    // or in different functions) it signals another process.
    if (!isSemaphore(Locks.lock(Id).Kind))
      return true;
    for (const Site &A : Sites)
      if (A.Op.Id == Id && A.Op.Act != LockOp::Action::Release)
        for (const Site &R : Sites)
          if (R.Op.Id == Id && R.Op.Act == LockOp::Action::Release &&
              Paths.reaches(A.Call, R.Call))
            return true;
    return false;
  };
  // A lock named by a local variable of some callee (a guard object the
  // analysis did not see released) means nothing here.
  auto calleeLocal = [&](unsigned Id, const Stmt *Site) {
    const auto *Call = dyn_cast_or_null<CallExpr>(Site);
    return Call && definitionWithBody(Call->getDirectCallee()) &&
           isLocallyRooted(Locks.lock(Id).Key);
  };
  auto noteAcquired = [&](const HeldLock &H) {
    if (H.AcquiredAt)
      diag(SM.getExpansionLoc(H.AcquiredAt->getBeginLoc()),
           "'%0' acquired here", DiagnosticIDs::Note)
          << Locks.lock(H.Id).Display;
  };
  // `if (c) lock(m); ... if (c) unlock(m);`, `lock(m); if (e) unlock(m);
  // ... if (!e) unlock(m);`: two operations on the lock under conditions
  // over the same variables. The paths that look unbalanced are the ones
  // the program never takes.
  auto correlated = [&](unsigned Id) {
    llvm::SmallVector<llvm::SmallPtrSet<const Decl *, 4>, 4> Guards;
    for (const Site &S : Sites) {
      if (S.Op.Id != Id)
        continue;
      llvm::SmallPtrSet<const Decl *, 4> Vars =
          guardingVariables(S.Call, *Ctx);
      if (Vars.empty())
        continue;
      for (const auto &Other : Guards)
        if (llvm::any_of(Vars, [&](const Decl *D) { return Other.count(D); }))
          return true;
      Guards.push_back(std::move(Vars));
    }
    return false;
  };

  // Second acquire of a held lock, release of a lock not held.
  for (const Site &S : Sites) {
    const LockSet *Must = Locks.mustHoldAt(S.Call);
    const LockSet *May = Locks.mayHoldAt(S.Call);
    if (!Must || !May)
      continue;
    const LockId &Lock = Locks.lock(S.Op.Id);
    if (S.Op.Act == LockOp::Action::Acquire) {
      const HeldLock *Held = Must->find(S.Op.Id);
      if (!Held || !usedAsLock(S.Op.Id) || Held->AcquiredAt == S.Call ||
          calleeLocal(S.Op.Id, S.Call))
        continue;
      if (Lock.Kind == LockKind::RwLock && S.Op.Mode == LockMode::Shared &&
          Held->Mode == LockMode::Shared)
        continue; // read locks may be taken again
      if (isSemaphore(Lock.Kind) && Releases[S.Op.Id] >= Acquires[S.Op.Id])
        continue; // a counting semaphore taken n times and posted n times
      if ((Lock.Kind == LockKind::Mutex && UnitHasRecursiveMutex) ||
          mentionsRecursiveType(S.Call) ||
          (Held->AcquiredAt && mentionsRecursiveType(Held->AcquiredAt)))
        continue;
      diag(SM.getExpansionLoc(S.Call->getBeginLoc()),
           "'%0' acquired while already held")
          << Lock.Display;
      if (Held->AcquiredAt)
        noteAcquired(*Held);
      else
        diag(FD->getLocation(), "'%0' is held by every caller of %1",
             DiagnosticIDs::Note)
            << Lock.Display << FD;
      continue;
    }
    if (S.Op.Act != LockOp::Action::Release || Must->contains(S.Op.Id))
      continue;
    // Only releases the function itself pairs with an acquire: a function
    // that releases a lock it never takes is a release wrapper (`V()`) or
    // runs with its caller's lock.
    const Site *Paired = nullptr;
    for (const Site &A : Sites)
      if (A.Op.Id == S.Op.Id && A.Op.Act != LockOp::Action::Release &&
          Paths.reaches(A.Call, S.Call)) {
        Paired = &A;
        break;
      }
    if (!Paired || !usedAsLock(S.Op.Id))
      continue;
    // A call that returned with the lock held on its success path
    // (`if (open_table(t) == 0) { ...; unlock_table(t); }`), which the
    // held-locks analysis does not count as an acquire.
    bool HandedOverBefore = llvm::any_of(Statements, [&](const Stmt *St) {
      const auto *Call = dyn_cast<CallExpr>(St);
      if (!Call || !Paths.reaches(Call, S.Call))
        return false;
      bool CountedAsAcquire = llvm::any_of(
          Locks.lockOpsOf(Call), [&](const LockOp &Op) {
            return Op.Id == S.Op.Id && Op.Act != LockOp::Action::Release;
          });
      return !CountedAsAcquire && handedOverByCall(Call, FD, Lock.Key, Locks);
    });
    if (HandedOverBefore)
      continue;
    // Counted locks (semaphores, read locks) taken as often as released: the
    // lockset holds one instance where the program holds several.
    bool Counted = isSemaphore(Lock.Kind) ||
                   (Lock.Kind == LockKind::RwLock &&
                    Paired->Op.Mode == LockMode::Shared);
    if (Counted && Acquires[S.Op.Id] >= Releases[S.Op.Id])
      continue;
    bool HeldSomewhere = May->contains(S.Op.Id);
    if (HeldSomewhere && correlated(S.Op.Id))
      continue;
    if (HeldSomewhere) {
      const HeldLock *H = May->find(S.Op.Id);
      // A blocking acquire that failed took nothing: `if (lock(m) != 0)
      // goto out; ... out: unlock(m);` is not reported, neither is a
      // failed try-lock's path.
      if (H && H->AcquiredAt &&
          findResultTest(H->AcquiredAt, isSemaphore(Lock.Kind), *Ctx).Test)
        continue;
      diag(SM.getExpansionLoc(S.Call->getBeginLoc()),
           "'%0' released while not held on every path")
          << Lock.Display;
      if (std::optional<MissingLock> Missing = Locks.whereMissing(S.Call);
          Missing && Missing->Id == S.Op.Id && Missing->Where)
        diag(SM.getExpansionLoc(Missing->Where->getBeginLoc()),
             Missing->ReleasedThere ? "'%0' released here"
                                    : "'%0' not acquired on the path "
                                      "through here",
             DiagnosticIDs::Note)
            << Lock.Display;
      continue;
    }
    diag(SM.getExpansionLoc(S.Call->getBeginLoc()),
         "'%0' released while not held")
        << Lock.Display;
  }

  // Locks still held on a way out.
  const FunctionLockSummary *Summary = Locks.summaryOf(FD);
  if (!Summary || Summary->Exits.empty())
    return;
  std::vector<WayOut> Ways = waysOut(*Summary, Paths);
  llvm::ArrayRef<unsigned> HandedOver = handedOver(FD, Locks);
  auto handsOver = [&](unsigned Id) {
    return !FD->isMain() && llvm::is_contained(HandedOver, Id);
  };

  for (const WayOut &W : Ways) {
    for (const HeldLock &H : W.May.locks()) {
      if (H.Guard || !H.AcquiredAt || !usedAsLock(H.Id) || handsOver(H.Id) ||
          calleeLocal(H.Id, H.AcquiredAt))
        continue;
      bool OnEveryPath = W.Must.contains(H.Id);
      if (!OnEveryPath && correlated(H.Id))
        continue;
      const LockId &Lock = Locks.lock(H.Id);
      ResultTest Test =
          findResultTest(H.AcquiredAt, isSemaphore(Lock.Kind), *Ctx);
      // The lock is only missing on the acquire's failure path.
      if (Test.Test && (!OnEveryPath || (W.Return && Test.FailureBranch &&
                                         contains(Test.FailureBranch,
                                                  W.Return, SM))))
        continue;
      if (W.Throws)
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
      noteAcquired(H);
    }
  }
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
    FunctionPaths Paths(FD, *Ctx);
    if (Paths.valid()) {
      std::vector<WayOut> Ways = waysOut(*Summary, Paths);
      if (const WayOut *Last = lastWayOut(Ways, FD, Ctx->getSourceManager()))
        for (const HeldLock &H : Last->Must.locks())
          if (!H.Guard && !llvm::is_contained(Ids, H.Id) &&
              conditionallyHandsOver(FD, Ways, H.Id, Locks))
            Ids.push_back(H.Id);
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
    ResultTest Test = H->AcquiredAt
                          ? findResultTest(H->AcquiredAt,
                                           isSemaphore(Locks.lock(Id).Kind),
                                           *Ctx)
                          : ResultTest();
    return !(W.Return && Test.FailureBranch &&
             contains(Test.FailureBranch, W.Return, SM));
  };
  llvm::SmallVector<int64_t, 4> Unlocked;
  for (const WayOut &W : Ways) {
    if (W.Throws || heldAt(W))
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
    if (W.Throws || !heldAt(W))
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
  HandedOverCache.clear();
  CallSites.clear();
  Ctx = nullptr;
}

} // namespace clang::tidy::shm
