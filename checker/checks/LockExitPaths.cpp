#include "LockExitPaths.h"

#include "analysis/CalleeName.h"

#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace clang::tidy::shm {

bool isNormalProcessExit(const CallExpr *Call, ASTContext &Ctx) {
  StringRef Name = cFunctionName(Call);
  if (Name != "exit" && Name != "_exit" && Name != "_Exit" &&
      Name != "quick_exit")
    return false;
  std::optional<int64_t> Status =
      Call->getNumArgs() == 1 ? integerConstant(Call->getArg(0), Ctx)
                              : std::nullopt;
  return Status && *Status == 0;
}

LockExitPaths::LockExitPaths(const FunctionDecl *FD, ASTContext &Ctx) {
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
    if (Path.Kind != ExitKind::Return && Pred->hasNoReturnElement()) {
      Path.Kind = ExitKind::NoReturn;
      for (const CFGElement &E : *Pred)
        if (std::optional<CFGStmt> S = E.getAs<CFGStmt>())
          if (const auto *Call = dyn_cast<CallExpr>(S->getStmt());
              Call && isNormalProcessExit(Call, Ctx))
            Path = {ExitKind::ProcessExit, Call};
    }
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

std::vector<LockExitPaths::ExitPath> LockExitPaths::classify(
    const std::vector<FunctionLockSummary::Exit> &Summary) const {
  std::vector<ExitPath> Kinds;
  bool Aligned = Summary.size() == Exits.size();
  for (size_t I = 0; Aligned && I < Summary.size(); ++I)
    Aligned = Summary[I].Return == Exits[I].Return ||
              (!Summary[I].Return && (Exits[I].Kind == ExitKind::Throw ||
                                      Exits[I].Kind == ExitKind::ProcessExit));
  bool AnyNoReturn = llvm::any_of(Exits, [](const ExitPath &P) {
    return P.Kind == ExitKind::NoReturn || P.Kind == ExitKind::ProcessExit;
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

bool LockExitPaths::reaches(const Stmt *From, const Stmt *To) const {
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

bool LockExitPaths::endsProcessEverywhere() const {
  return llvm::all_of(Exits, [](const ExitPath &P) {
    return P.Kind == ExitKind::NoReturn || P.Kind == ExitKind::ProcessExit;
  });
}

} // namespace clang::tidy::shm
