#include "analysis/ProcessIndices.h"

#include "analysis/CalleeName.h"

namespace clang::tidy::shm {

VariableWrites::VariableWrites(const VarDecl *Watched) : Var(Watched) {
  if (Var->getInit())
    Values.push_back(Var->getInit());
}

bool VariableWrites::VisitBinaryOperator(BinaryOperator *Op) {
  if (Op->getOpcode() == BO_Assign && names(Op->getLHS()))
    Values.push_back(Op->getRHS());
  else if (Op->isCompoundAssignmentOp() && names(Op->getLHS()))
    Stepped = true;
  return true;
}

bool VariableWrites::VisitUnaryOperator(UnaryOperator *Op) {
  if (Op->isIncrementDecrementOp() && names(Op->getSubExpr()))
    Stepped = true;
  if (Op->getOpcode() == UO_AddrOf && names(Op->getSubExpr()))
    Escapes = true;
  return true;
}

bool VariableWrites::names(const Expr *E) const {
  const auto *Ref = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
  return Ref && Ref->getDecl() == Var;
}

namespace {

constexpr unsigned MaxDepth = 4;

/// Every call of a translation unit function, with the function making it.
class CallCollector : public RecursiveASTVisitor<CallCollector> {
public:
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    const auto *Function = dyn_cast_or_null<FunctionDecl>(D);
    const FunctionDecl *Outer = Current;
    if (Function && Function->hasBody())
      Current = Function;
    bool Result = RecursiveASTVisitor::TraverseDecl(D);
    Current = Outer;
    return Result;
  }
  bool VisitCallExpr(CallExpr *Call) {
    if (const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee()); Def && Current)
      Found[Def->getCanonicalDecl()].emplace_back(Call, Current);
    return true;
  }

  const FunctionDecl *Current = nullptr;
  llvm::DenseMap<const FunctionDecl *, llvm::SmallVector<std::pair<const CallExpr *, const FunctionDecl *>, 2>>
      Found;
};

} // namespace

struct ProcessIndices::Calls {
  CallCollector Collector;
};

ProcessIndices::ProcessIndices(ASTContext &Context, const ShmProvenance &Provenance)
    : Ctx(Context), Shm(Provenance), Sites(std::make_unique<Calls>()) {
  Sites->Collector.TraverseDecl(Ctx.getTranslationUnitDecl());
}

ProcessIndices::~ProcessIndices() = default;

bool ProcessIndices::injective(const Expr *Index, const FunctionDecl *Function) const {
  return injective(Index, Function, 0);
}

bool ProcessIndices::injective(const Expr *Index, const FunctionDecl *Function, unsigned Depth) const {
  if (!Index || Depth > MaxDepth)
    return true;
  const Expr *E = ignoreCastsAndParens(Index);
  if ((isa<MemberExpr>(E) || isa<ArraySubscriptExpr>(E) || isa<UnaryOperator>(E)) && Shm.designatesShm(E))
    return false; // read from shared memory: another process may read the same
  if (const auto *Binary = dyn_cast<BinaryOperator>(E)) {
    switch (Binary->getOpcode()) {
    case BO_Div:
    case BO_Rem:
    case BO_And:
    case BO_Or:
    case BO_Shr:
      return false; // several values fold onto one
    case BO_Add:
    case BO_Sub:
    case BO_Xor:
    case BO_Shl:
      if (integerConstant(Binary->getRHS(), Ctx))
        return injective(Binary->getLHS(), Function, Depth + 1);
      if (integerConstant(Binary->getLHS(), Ctx))
        return injective(Binary->getRHS(), Function, Depth + 1);
      return true;
    case BO_Mul: {
      std::optional<int64_t> Right = integerConstant(Binary->getRHS(), Ctx);
      std::optional<int64_t> Left = integerConstant(Binary->getLHS(), Ctx);
      if ((Right && *Right == 0) || (Left && *Left == 0))
        return false;
      if (Right)
        return injective(Binary->getLHS(), Function, Depth + 1);
      if (Left)
        return injective(Binary->getRHS(), Function, Depth + 1);
      return true;
    }
    default:
      return !Binary->isComparisonOp() && !Binary->isLogicalOp();
    }
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E))
    return Unary->getOpcode() == UO_LNot ? false : injective(Unary->getSubExpr(), Function, Depth + 1);
  const auto *Ref = dyn_cast<DeclRefExpr>(E);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var || Var->hasGlobalStorage())
    return true;
  if (const auto *Param = dyn_cast<ParmVarDecl>(Var)) {
    // A rank: injective if every caller passes an injective value.
    const auto *Owner = dyn_cast<FunctionDecl>(Param->getDeclContext());
    if (!Owner)
      return true;
    auto It = Sites->Collector.Found.find(Owner->getCanonicalDecl());
    if (It == Sites->Collector.Found.end())
      return true;
    unsigned I = Param->getFunctionScopeIndex();
    for (const auto &[Call, Caller] : It->second)
      if (I < Call->getNumArgs() && !injective(Call->getArg(I), Caller, Depth + 1))
        return false;
    return true;
  }
  if (!Function || !Function->getBody())
    return true;
  VariableWrites Writes(Var);
  Writes.TraverseStmt(Function->getBody());
  for (const Expr *Value : Writes.Values)
    if (!injective(Value, Function, Depth + 1))
      return false;
  return true;
}

} // namespace clang::tidy::shm
