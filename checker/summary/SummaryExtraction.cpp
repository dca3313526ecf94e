// summariseUnit: what a translation unit tells other files, read from the
// analyses every check uses (ShmProvenance, HeldLocks) plus the unit's part
// of the call graph.
#include "summary/UnitSummary.h"

#include "analysis/AttachCalls.h"
#include "analysis/CalleeName.h"
#include "analysis/HeldLocks.h"
#include "analysis/ShmProvenance.h"
#include "summary/PortableLockKeys.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"

namespace clang::tidy::shm {
namespace {

/// Globals and members holding shared memory, calls that pass it to other
/// files' functions, and functions whose address is taken.
class UnitWalker : public RecursiveASTVisitor<UnitWalker> {
public:
  UnitWalker(const ShmProvenance &Provenance, ProjectFacts &Into) : Shm(Provenance), Facts(Into) {}

  bool shouldVisitTemplateInstantiations() const { return true; }

  bool VisitVarDecl(VarDecl *Var) {
    if (Var->hasGlobalStorage() && !Var->isStaticLocal() && Var->hasExternalFormalLinkage() &&
        Shm.holdsShm(Var))
      if (std::string Name = indexName(Var); !Name.empty())
        Facts.SharedGlobals.try_emplace(Name, kindOf(Shm.originOf(Var)));
    return true;
  }

  bool VisitFieldDecl(FieldDecl *Field) {
    if (Shm.holdsShm(Field))
      if (std::string Name = fieldIndexName(Field); !Name.empty())
        Facts.SharedFields.try_emplace(Name, kindOf(Shm.originOf(Field)));
    return true;
  }

  // `m->name.data = ngx_pnalloc(...)`: the member also holds private memory.
  bool VisitBinaryOperator(BinaryOperator *Assign) {
    if (Assign->getOpcode() != BO_Assign || !Assign->getType()->isPointerType())
      return true;
    const auto *Member = dyn_cast<MemberExpr>(Assign->getLHS()->IgnoreParenImpCasts());
    const auto *Field = Member ? dyn_cast<FieldDecl>(Member->getMemberDecl()) : nullptr;
    const Expr *Value = Assign->getRHS();
    if (!Field || Value->isNullPointerConstant(Field->getASTContext(), Expr::NPC_ValueDependentIsNull) ||
        Shm.pointsIntoShm(Value))
      return true;
    if (std::string Name = fieldIndexName(Field); !Name.empty())
      Facts.PrivateFields.insert(Name);
    return true;
  }

  bool VisitCallExpr(CallExpr *Call) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (!Callee || definitionWithBody(Callee) || isInSystemHeader(Callee) || !Callee->hasExternalFormalLinkage())
      return true;
    std::string Name = indexName(Callee);
    if (Name.empty())
      return true;
    for (unsigned I = 0; I < Call->getNumArgs() && I < Callee->getNumParams() && I < 63; ++I) {
      const Expr *Arg = Call->getArg(I);
      if (!Arg->getType()->isPointerType() || !Shm.pointsIntoShm(Arg))
        continue;
      std::vector<unsigned> &Params = Facts.Functions[Name].ParamsReceivingShm;
      if (!llvm::is_contained(Params, I))
        Params.push_back(I);
    }
    return true;
  }

  bool VisitDeclRefExpr(DeclRefExpr *Ref) {
    if (const auto *FD = dyn_cast<FunctionDecl>(Ref->getDecl()))
      ++References[FD->getCanonicalDecl()];
    return true;
  }

  static std::string kindOf(const ShmOrigin *Origin) {
    return Origin && !Origin->External ? shareKindName(Origin->Kind).str() : std::string("library");
  }

  llvm::DenseMap<const FunctionDecl *, unsigned> References;

private:
  const ShmProvenance &Shm;
  ProjectFacts &Facts;
};

/// How many times each function is called directly (the rest of its
/// references take its address).
class DirectCalls : public RecursiveASTVisitor<DirectCalls> {
public:
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool VisitCallExpr(CallExpr *Call) {
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Call->getCallee()->IgnoreParenImpCasts()))
      if (const auto *FD = dyn_cast<FunctionDecl>(Ref->getDecl()))
        ++Count[FD->getCanonicalDecl()];
    return true;
  }
  llvm::DenseMap<const FunctionDecl *, unsigned> Count;
};

std::optional<PortableLockEffect> portable(const LockOp &Op, const HeldLocks &Locks, const FunctionDecl *FD) {
  const LockId &Id = Locks.lock(Op.Id);
  std::optional<std::string> Key = toPortableKey(Id.Key, FD);
  if (!Key)
    return std::nullopt;
  PortableLockEffect E;
  switch (Op.Act) {
  case LockOp::Action::Acquire:
    E.Act = PortableLockEffect::Action::Acquire;
    break;
  case LockOp::Action::Release:
    E.Act = PortableLockEffect::Action::Release;
    break;
  case LockOp::Action::TryAcquire:
    E.Act = PortableLockEffect::Action::TryAcquire;
    break;
  }
  E.Kind = lockKindName(Id.Kind).str();
  E.Shared = Op.Mode == LockMode::Shared;
  E.Key = std::move(*Key);
  E.Display = Id.Display;
  E.SuccessIsZero = Op.SuccessIsZero;
  return E;
}

/// The call-graph node of FD: its distinct callees and, for each, which
/// callees may have been called before it (CFG reachability).
CallGraphNode callGraphNode(const FunctionDecl *FD, ASTContext &Ctx, bool Escapes) {
  CallGraphNode Node;
  Node.Name = indexName(FD);
  Node.IsMain = FD->isMain();
  Node.Escapes = Escapes;
  CFG::BuildOptions Options;
  Options.setAllAlwaysAdd();
  std::unique_ptr<CFG> Graph = CFG::buildCFG(FD, FD->getBody(), &Ctx, Options);
  if (!Graph)
    return Node;

  struct Site {
    unsigned Block;
    unsigned Position;
    unsigned Callee;
  };
  std::vector<Site> Sites;
  llvm::StringMap<unsigned> CalleeIndex;
  for (const CFGBlock *Block : *Graph) {
    unsigned Position = 0;
    for (const CFGElement &Element : *Block) {
      ++Position;
      std::optional<CFGStmt> S = Element.getAs<CFGStmt>();
      const auto *Call = S ? dyn_cast<CallExpr>(S->getStmt()) : nullptr;
      if (!Call)
        continue;
      std::string Name;
      if (spawnsConcurrency(Call)) {
        Name = "<spawn>";
      } else if (const FunctionDecl *Callee = Call->getDirectCallee(); Callee && !isInSystemHeader(Callee)) {
        Name = indexName(Callee);
      }
      if (Name.empty())
        continue;
      auto [It, New] = CalleeIndex.try_emplace(Name, Node.Callees.size());
      if (New)
        Node.Callees.push_back(Name);
      Sites.push_back({Block->getBlockID(), Position, It->second});
    }
  }
  Node.PrecededBy.resize(Node.Callees.size());
  if (Sites.empty())
    return Node;

  // Reach[B]: blocks reachable from B through at least one edge.
  const unsigned NumBlocks = Graph->getNumBlockIDs();
  std::vector<llvm::BitVector> Reach(NumBlocks, llvm::BitVector(NumBlocks));
  for (const CFGBlock *Block : *Graph)
    for (const CFGBlock *Succ : Block->succs())
      if (Succ)
        Reach[Block->getBlockID()].set(Succ->getBlockID());
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (unsigned B = 0; B < NumBlocks; ++B) {
      llvm::BitVector Next = Reach[B];
      for (unsigned S : Reach[B].set_bits())
        Next |= Reach[S];
      if (Next != Reach[B]) {
        Reach[B] = std::move(Next);
        Changed = true;
      }
    }
  }
  std::vector<llvm::BitVector> Before(Node.Callees.size(), llvm::BitVector(Node.Callees.size()));
  for (const Site &Later : Sites)
    for (const Site &Earlier : Sites)
      if ((Earlier.Block == Later.Block && Earlier.Position < Later.Position) ||
          Reach[Earlier.Block].test(Later.Block))
        Before[Later.Callee].set(Earlier.Callee);
  for (size_t I = 0; I < Before.size(); ++I)
    for (unsigned J : Before[I].set_bits())
      Node.PrecededBy[I].push_back(J);
  return Node;
}

} // namespace

UnitSummary summariseUnit(ASTContext &Ctx) {
  UnitSummary Summary;
  const ShmProvenance &Shm = ShmProvenance::of(Ctx);
  const HeldLocks &Locks = HeldLocks::of(Ctx);
  ProjectFacts &Facts = Summary.Facts;
  Facts.ProgramSpawns = Shm.unitSpawnsConcurrency();

  UnitWalker Walker(Shm, Facts);
  Walker.TraverseDecl(Ctx.getTranslationUnitDecl());
  DirectCalls Calls;
  Calls.TraverseDecl(Ctx.getTranslationUnitDecl());

  for (const FunctionDecl *FD : Locks.analysedFunctions()) {
    if (isa<CXXMethodDecl>(FD) || FD->isTemplateInstantiation())
      continue;
    std::string Name = indexName(FD);
    if (Name.empty())
      continue;
    const FunctionDecl *Canonical = FD->getCanonicalDecl();
    bool Escapes = Walker.References.lookup(Canonical) > Calls.Count.lookup(Canonical);
    Summary.Calls.push_back(callGraphNode(FD, Ctx, Escapes));
    const FunctionLockSummary *LockSummary = Locks.summaryOf(FD);
    Summary.Calls.back().Forks = LockSummary && LockSummary->MayFork;
    if (!FD->hasExternalFormalLinkage())
      continue;

    FunctionFacts F;
    if (const ShmOrigin *Origin = Shm.returnedOrigin(FD))
      F.ReturnsShm = UnitWalker::kindOf(Origin);
    F.ReturnsFromParams = Shm.returnedParameters(FD);
    for (unsigned I = 0; I < FD->getNumParams() && I < 63; ++I)
      if (Shm.fillsOutParameter(FD->getParamDecl(I)))
        F.OutParams.push_back(I);
    if (LockSummary) {
      for (const LockOp &Op : LockSummary->NetAcquires)
        if (auto E = portable(Op, Locks, FD))
          F.Locks.push_back(std::move(*E));
      for (const LockOp &Op : LockSummary->NetReleases)
        if (auto E = portable(Op, Locks, FD))
          F.Locks.push_back(std::move(*E));
      if (LockSummary->TryAcquire)
        if (auto E = portable(*LockSummary->TryAcquire, Locks, FD))
          F.Locks.push_back(std::move(*E));
      F.Forks = LockSummary->MayFork;
      F.Joins = LockSummary->Joins;
    }
    if (F.empty())
      continue;
    FunctionFacts &Slot = Facts.Functions[Name];
    std::vector<unsigned> Receiving = std::move(Slot.ParamsReceivingShm);
    Slot = std::move(F);
    Slot.ParamsReceivingShm = std::move(Receiving);
  }
  return Summary;
}

} // namespace clang::tidy::shm
