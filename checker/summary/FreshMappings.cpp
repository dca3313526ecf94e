#include "summary/FreshMappings.h"

#include "analysis/AttachCalls.h"
#include "analysis/CalleeName.h"
#include "analysis/ShmAccesses.h"
#include "summary/ProjectFacts.h"

#include "clang/AST/ParentMapContext.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"


namespace clang::tidy::shm {
namespace {

/// A call that may start another process (or thread) before it returns.
bool mayCreateProcesses(const CallExpr *Call, const HeldLocks &Locks, const ProjectFacts *Facts) {
  if (spawnsConcurrency(Call))
    return true;
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee)
    return true; // through a pointer: anything
  if (const FunctionDecl *Def = definitionWithBody(Callee)) {
    if (isInSystemHeader(Def))
      return false;
    const FunctionLockSummary *Summary = Locks.summaryOf(Def);
    return !Summary || Summary->MayFork;
  }
  if (isInSystemHeader(Callee))
    return false;
  if (Facts && Facts->WholeProgram) {
    const FunctionFacts *F = Facts->function(Callee);
    return F && F->Forks;
  }
  return true; // defined in a file we cannot see
}

// No call that may create a process comes between Attach (a call in Fn) and
// the statement At after it: in source order, or anywhere in a loop around At.
bool noProcessesBetween(const CallExpr *Attach, const Stmt *At, const FunctionDecl *Fn,
                        const HeldLocks &Locks) {
  const ProjectFacts *Facts = ProjectFacts::current();
  ASTContext &Ctx = Fn->getASTContext();
  const SourceManager &SM = Ctx.getSourceManager();
  auto Before = [&](const Stmt *A, const Stmt *B) {
    return SM.isBeforeInTranslationUnit(SM.getExpansionLoc(A->getBeginLoc()), SM.getExpansionLoc(B->getBeginLoc()));
  };
  auto Within = [&](const Stmt *Outer, const Stmt *Inner) {
    SourceLocation B = SM.getExpansionLoc(Outer->getBeginLoc()), E = SM.getExpansionLoc(Outer->getEndLoc());
    SourceLocation I = SM.getExpansionLoc(Inner->getBeginLoc());
    return !SM.isBeforeInTranslationUnit(I, B) && !SM.isBeforeInTranslationUnit(E, I);
  };
  if (!Before(Attach, At))
    return false;
  llvm::SmallVector<const Stmt *, 4> Loops;
  for (DynTypedNodeList Parents = Ctx.getParents(*At); !Parents.empty();) {
    const Stmt *P = Parents[0].get<Stmt>();
    if (!P)
      break;
    if (isa<ForStmt>(P) || isa<WhileStmt>(P) || isa<DoStmt>(P) || isa<CXXForRangeStmt>(P))
      Loops.push_back(P);
    Parents = Ctx.getParents(*P);
  }
  for (const Stmt *S : Locks.statementsOf(Fn)) {
    const auto *Call = dyn_cast<CallExpr>(S);
    if (!Call || Call == Attach || !Before(Attach, Call))
      continue;
    bool Between = Before(Call, At);
    bool InLoop = llvm::any_of(Loops, [&](const Stmt *L) { return Within(L, Call); });
    if ((Between || InLoop) && mayCreateProcesses(Call, Locks, Facts))
      return false;
  }
  return true;
}

} // namespace

bool isStillPrivateMapping(const ShmOrigin *Origin, const Stmt *At, const FunctionDecl *Fn,
                           const HeldLocks &Locks) {
  if (!Origin || Origin->External || Origin->Kind != ShareKind::AnonymousShared || !Origin->Attach)
    return false;
  const ProjectFacts *Facts = ProjectFacts::current();
  if (Facts && Facts->WholeProgram && !Facts->ProgramSpawns)
    return true;
  // The mapping is made in this function, before the access, and no call
  // that may fork comes between them.
  bool MappingHere = false;
  for (const Stmt *S : Locks.statementsOf(Fn))
    MappingHere |= S == Origin->Attach;
  return MappingHere && noProcessesBetween(Origin->Attach, At, Fn, Locks);
}

bool isFreshlyMappedHere(const Expr *Target, const Stmt *At, const FunctionDecl *Fn,
                         const HeldLocks &Locks) {
  const Expr *Base = Target ? accessBase(Target) : nullptr;
  if (!Base)
    return false;
  Base = Base->IgnoreParenCasts();
  if (!isa<MemberExpr>(Base) && !isa<DeclRefExpr>(Base))
    return false;
  ASTContext &Ctx = Fn->getASTContext();
  const SourceManager &SM = Ctx.getSourceManager();
  llvm::FoldingSetNodeID BaseId;
  Base->Profile(BaseId, Ctx, /*Canonical=*/true);
  // The last assignment to the same pointer before the access. Only the
  // assignments of a call's result can be fresh mappings, but any other
  // assignment after one replaces it, so all of them are compared (the
  // cheap tests first: this runs for every access not otherwise excused).
  const BinaryOperator *Last = nullptr;
  for (const Stmt *S : Locks.statementsOf(Fn)) {
    const auto *Assign = dyn_cast<BinaryOperator>(S);
    if (!Assign || Assign->getOpcode() != BO_Assign ||
        !isa<MemberExpr, DeclRefExpr>(Assign->getLHS()->IgnoreParenImpCasts()) ||
        !SM.isBeforeInTranslationUnit(SM.getExpansionLoc(Assign->getBeginLoc()),
                                      SM.getExpansionLoc(At->getBeginLoc())) ||
        (Last && SM.isBeforeInTranslationUnit(SM.getExpansionLoc(Assign->getBeginLoc()),
                                              SM.getExpansionLoc(Last->getBeginLoc()))))
      continue;
    llvm::FoldingSetNodeID LhsId;
    Assign->getLHS()->IgnoreParenImpCasts()->Profile(LhsId, Ctx, /*Canonical=*/true);
    if (LhsId == BaseId)
      Last = Assign;
  }
  const auto *Call = Last ? dyn_cast<CallExpr>(Last->getRHS()->IgnoreParenCasts()) : nullptr;
  if (!Call)
    return false;
  std::optional<ShmOrigin> Origin =
      classifyAttach(Call, Ctx, [](const Expr *) { return std::optional<ShareKind>(); });
  return Origin && Origin->Kind == ShareKind::AnonymousShared &&
         noProcessesBetween(Call, At, Fn, Locks);
}

} // namespace clang::tidy::shm
