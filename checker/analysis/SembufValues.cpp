#include "analysis/SembufValues.h"

#include "analysis/CalleeName.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

namespace clang::tidy::shm {
namespace {

constexpr int64_t IpcNoWait = 04000;

/// A field of one sembuf element: `ops[Index].Field` (Index -1 for a plain
/// struct variable).
struct FieldRef {
  const VarDecl *Var = nullptr;
  int64_t Index = -1;
  llvm::StringRef Field;
};

std::optional<FieldRef> fieldRef(const Expr *LHS, const ASTContext &Ctx) {
  const auto *Member = dyn_cast<MemberExpr>(LHS->IgnoreParenImpCasts());
  if (!Member || !Member->getMemberDecl()->getIdentifier())
    return std::nullopt;
  FieldRef Ref;
  Ref.Field = Member->getMemberDecl()->getName();
  const Expr *Base = Member->getBase()->IgnoreParenImpCasts();
  if (Member->isArrow()) {
    // `op->sem_op` with op pointing at a variable: not tracked.
    return std::nullopt;
  }
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(Base)) {
    std::optional<int64_t> Index = integerConstant(Subscript->getIdx(), Ctx);
    if (!Index)
      return std::nullopt;
    Ref.Index = *Index;
    Base = Subscript->getBase()->IgnoreParenImpCasts();
  }
  const auto *DeclRef = dyn_cast<DeclRefExpr>(Base);
  Ref.Var = DeclRef ? dyn_cast<VarDecl>(DeclRef->getDecl()) : nullptr;
  if (!Ref.Var)
    return std::nullopt;
  return Ref;
}

/// Finds the last assignment to each sembuf field of Var before Before.
class FieldAssignments : public RecursiveASTVisitor<FieldAssignments> {
public:
  FieldAssignments(const VarDecl *Target, SourceLocation Limit, const ASTContext &Context,
                   llvm::SmallVectorImpl<std::pair<FieldRef, const Expr *>> &Found)
      : Var(Target), Before(Limit), Ctx(Context), Out(Found) {}

  bool VisitBinaryOperator(BinaryOperator *Assign) {
    if (Assign->getOpcode() != BO_Assign)
      return true;
    std::optional<FieldRef> Ref = fieldRef(Assign->getLHS(), Ctx);
    if (!Ref || Ref->Var != Var)
      return true;
    if (!Ctx.getSourceManager().isBeforeInTranslationUnit(Assign->getBeginLoc(), Before))
      return true;
    Out.emplace_back(*Ref, Assign->getRHS()); // source order: later ones win
    return true;
  }

private:
  const VarDecl *Var;
  SourceLocation Before;
  const ASTContext &Ctx;
  llvm::SmallVectorImpl<std::pair<FieldRef, const Expr *>> &Out;
};

void setField(SembufOp &Op, llvm::StringRef Field, const Expr *Value, const FunctionDecl *Fn,
              const ASTContext &Ctx) {
  if (Field == "sem_num") {
    Op.SemNum = Value;
    return;
  }
  if (Field == "sem_flg") {
    if (std::optional<int64_t> Flags = integerConstant(Value, Ctx))
      Op.NoWait = (*Flags & IpcNoWait) != 0;
    return;
  }
  if (Field != "sem_op")
    return;
  Op.SemOp.reset();
  Op.SemOpParam = -1;
  Op.SemOpNegated = false;
  if (std::optional<int64_t> Constant = integerConstant(Value, Ctx)) {
    Op.SemOp = *Constant;
    return;
  }
  const Expr *Stripped = ignoreCastsAndParens(Value);
  if (const auto *Minus = dyn_cast<UnaryOperator>(Stripped); Minus && Minus->getOpcode() == UO_Minus) {
    Op.SemOpNegated = true;
    Stripped = ignoreCastsAndParens(Minus->getSubExpr());
  }
  if (const auto *Ref = dyn_cast<DeclRefExpr>(Stripped)) {
    if (const auto *Param = dyn_cast<ParmVarDecl>(Ref->getDecl()); Param && Param->getDeclContext() == Fn)
      Op.SemOpParam = static_cast<int>(Param->getFunctionScopeIndex());
  }
}

void readInitList(const InitListExpr *List, SembufOp &Op, const FunctionDecl *Fn, const ASTContext &Ctx) {
  if (List->isSyntacticForm() && List->getSemanticForm())
    List = List->getSemanticForm();
  const RecordDecl *Record = List->getType()->getAsRecordDecl();
  if (!Record)
    return;
  unsigned I = 0;
  for (const FieldDecl *Field : Record->fields()) {
    if (I >= List->getNumInits())
      break;
    const Expr *Init = List->getInit(I++);
    if (!isa<ImplicitValueInitExpr>(Init) && Field->getIdentifier())
      setField(Op, Field->getName(), Init, Fn, Ctx);
  }
}

/// Elements from an initializer of a struct sembuf or an array of them.
llvm::SmallVector<SembufOp, 2> fromInitializer(const Expr *Init, const FunctionDecl *Fn, const ASTContext &Ctx) {
  llvm::SmallVector<SembufOp, 2> Ops;
  const auto *List = Init ? dyn_cast<InitListExpr>(Init->IgnoreParenImpCasts()) : nullptr;
  if (!List)
    return Ops;
  if (List->isSyntacticForm() && List->getSemanticForm())
    List = List->getSemanticForm();
  if (List->getType()->isArrayType()) {
    for (const Expr *Element : List->inits()) {
      SembufOp Op;
      if (const auto *Nested = dyn_cast<InitListExpr>(Element->IgnoreParenImpCasts()))
        readInitList(Nested, Op, Fn, Ctx);
      Ops.push_back(Op);
    }
    return Ops;
  }
  SembufOp Op;
  readInitList(List, Op, Fn, Ctx);
  Ops.push_back(Op);
  return Ops;
}

} // namespace

llvm::SmallVector<SembufOp, 2> sembufOps(const CallExpr *Call, const FunctionDecl *Fn, const ASTContext &Ctx) {
  llvm::SmallVector<SembufOp, 2> Ops;
  if (Call->getNumArgs() < 3)
    return Ops;
  const Expr *Sops = ignoreCastsAndParens(Call->getArg(1));
  int64_t Element = -1; // a single element of an array variable
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Sops); AddrOf && AddrOf->getOpcode() == UO_AddrOf) {
    Sops = AddrOf->getSubExpr()->IgnoreParens();
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(Sops)) {
      std::optional<int64_t> Index = integerConstant(Subscript->getIdx(), Ctx);
      if (!Index)
        return Ops;
      Element = *Index;
      Sops = Subscript->getBase()->IgnoreParenImpCasts();
    }
  }
  if (const auto *Literal = dyn_cast<CompoundLiteralExpr>(Sops))
    return fromInitializer(Literal->getInitializer(), Fn, Ctx);

  const auto *Ref = dyn_cast<DeclRefExpr>(Sops);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var)
    return Ops;
  Ops = fromInitializer(Var->getInit(), Fn, Ctx);
  if (const auto *Array = Ctx.getAsConstantArrayType(Var->getType())) {
    uint64_t Size = Array->getSize().getZExtValue();
    if (Ops.size() < Size && Size <= 64)
      Ops.resize(Size);
  } else if (Ops.empty()) {
    Ops.resize(1);
  }

  if (Fn && Fn->getBody()) {
    llvm::SmallVector<std::pair<FieldRef, const Expr *>, 4> Assignments;
    FieldAssignments Finder(Var, Call->getBeginLoc(), Ctx, Assignments);
    Finder.TraverseStmt(Fn->getBody());
    for (const auto &[Field, Value] : Assignments) {
      size_t Index = Field.Index < 0 ? 0 : static_cast<size_t>(Field.Index);
      if (Index < Ops.size())
        setField(Ops[Index], Field.Field, Value, Fn, Ctx);
    }
  }

  if (Element >= 0) {
    if (static_cast<size_t>(Element) >= Ops.size())
      return {};
    SembufOp One = Ops[Element];
    Ops.clear();
    Ops.push_back(One);
  }
  if (std::optional<int64_t> Count = integerConstant(Call->getArg(2), Ctx)) {
    if (*Count >= 0 && static_cast<size_t>(*Count) < Ops.size())
      Ops.resize(*Count);
  }
  return Ops;
}

} // namespace clang::tidy::shm
