#include "LockConditions.h"

#include "analysis/CalleeName.h"

#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace clang::tidy::shm {
namespace {

// The variable a call's result is stored in: `int rc = lock(m)` or
// `rc = lock(m)`.
const VarDecl *resultVariable(const Stmt *Call, ASTContext &Ctx) {
  const Stmt *P = parentSkippingParens(Call, Ctx);
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

} // namespace

const Stmt *parentSkippingParens(const Stmt *S, ASTContext &Ctx) {
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

bool containsStmt(const Stmt *Outer, const Stmt *Inner, const SourceManager &SM) {
  if (!Outer || !Inner)
    return false;
  SourceRange O = Outer->getSourceRange(), I = Inner->getSourceRange();
  return !SM.isBeforeInTranslationUnit(I.getBegin(), O.getBegin()) &&
         !SM.isBeforeInTranslationUnit(O.getEnd(), I.getEnd());
}

AcquireResultTest findAcquireResultTest(const Stmt *Call, bool SemaphoreLike,
                          ASTContext &Ctx) {
  AcquireResultTest Found;
  const VarDecl *Result = resultVariable(Call, Ctx);
  // Walk up to the statement that tests the result, either the condition
  // the call sits in or, for `rc = lock(m);`, the statement after it.
  const Stmt *S = Call;
  const Stmt *Cond = nullptr;
  const Stmt *Owner = nullptr;
  while (const Stmt *P = parentSkippingParens(S, Ctx)) {
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
    if (const auto *Do = dyn_cast<DoStmt>(P);
        Do && Result && Do->getBody() == S &&
        mentions(Do->getCond(), nullptr, Result)) {
      S = Do; // `do rc = lock(m); while (...)` without braces
      continue;
    }
    if (const auto *Compound = dyn_cast<CompoundStmt>(P)) {
      if (!Result)
        break;
      // The statement following the one holding the call.
      bool Next = false;
      bool Last = false;
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
        Last = Next;
      }
      // `do rc = lock(m); while (rc < 0 && errno == EINTR);`: a retry loop
      // around the call; the test of the result follows the loop.
      if (!Cond && Last)
        if (const auto *Do = dyn_cast_or_null<DoStmt>(
                parentSkippingParens(Compound, Ctx));
            Do && mentions(Do->getCond(), nullptr, Result)) {
          S = Do;
          continue;
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
  // Only a test that tells success from failure (a wrapper returning data,
  // `read_all(s) % 8 != 0`, is no status test).
  std::optional<bool> OnTrue = failureOnTrue(cast<Expr>(Cond), Call, Result,
                                             SemaphoreLike, Ctx);
  if (!OnTrue)
    return Found;
  Found.Test = Owner;
  if (const auto *If = dyn_cast<IfStmt>(Owner))
    Found.FailureBranch = *OnTrue ? If->getThen() : If->getElse();
  else if (const auto *While = dyn_cast<WhileStmt>(Owner); While && *OnTrue)
    Found.FailureBranch = While->getBody();
  return Found;
}

LockGuardCondition guardOf(const Stmt *S, ASTContext &Ctx) {
  LockGuardCondition G;
  llvm::SmallPtrSet<const Decl *, 4> &Vars = G.Vars;
  auto collect = [&Vars](const Stmt *Root) {
    llvm::SmallVector<const Stmt *, 8> Work{Root};
    while (!Work.empty()) {
      const Stmt *C = Work.pop_back_val();
      if (const auto *Ref = dyn_cast<DeclRefExpr>(C))
        Vars.insert(Ref->getDecl());
      for (const Stmt *Grand : C->children())
        if (Grand)
          Work.push_back(Grand);
    }
  };
  const Stmt *Child = S;
  while (const Stmt *P = parentSkippingParens(Child, Ctx)) {
    // `if (guarded && sem_wait(&s->sem) != 0)`: only runs when `guarded`.
    if (const auto *And = dyn_cast<BinaryOperator>(P);
        And && And->getOpcode() == BO_LAnd &&
        And->getRHS()->IgnoreParenImpCasts() == Child) {
      collect(And->getLHS());
      G.By = And;
      return G;
    }
    if (const auto *If = dyn_cast<IfStmt>(P)) {
      if (If->getCond() && Child != If->getCond()) {
        collect(If->getCond());
        G.By = If;
      }
      return G;
    }
    if (isa<Expr>(P) || isa<CompoundStmt>(P) || isa<DeclStmt>(P)) {
      Child = P;
      continue;
    }
    return G;
  }
  return G;
}

bool acquiredUnlessNull(const Stmt *Call, ASTContext &Ctx) {
  const auto *CE = dyn_cast_or_null<CallExpr>(Call);
  if (!CE || CE->getNumArgs() == 0)
    return false;
  LockGuardCondition G = guardOf(CE, Ctx);
  const auto *If = dyn_cast_or_null<IfStmt>(G.By);
  if (!If || !If->getThen() ||
      !containsStmt(If->getThen(), CE, Ctx.getSourceManager()))
    return false;
  // `if (p)` or `if (p != NULL)`: the pointer tested.
  const Expr *Tested = If->getCond()->IgnoreParenImpCasts();
  if (const auto *Ne = dyn_cast<BinaryOperator>(Tested);
      Ne && Ne->getOpcode() == BO_NE) {
    auto isNull = [&Ctx](const Expr *E) {
      return E->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull) !=
             Expr::NPCK_NotNull;
    };
    if (isNull(Ne->getRHS()))
      Tested = Ne->getLHS()->IgnoreParenImpCasts();
    else if (isNull(Ne->getLHS()))
      Tested = Ne->getRHS()->IgnoreParenImpCasts();
    else
      return false;
  }
  if (!Tested->getType()->isPointerType())
    return false;
  llvm::FoldingSetNodeID TestedId;
  Tested->Profile(TestedId, Ctx, /*Canonical=*/true);
  for (const Expr *Arg : CE->arguments()) {
    llvm::FoldingSetNodeID ArgId;
    Arg->IgnoreParenImpCasts()->Profile(ArgId, Ctx, /*Canonical=*/true);
    if (ArgId == TestedId)
      return true;
  }
  return false;
}

} // namespace clang::tidy::shm
