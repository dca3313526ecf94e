#include "analysis/ShmProvenance.h"

#include "analysis/AnalysisCache.h"
#include "analysis/AttachCalls.h"
#include "analysis/CalleeName.h"
#include "summary/ProjectFacts.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSwitch.h"

#include <deque>

namespace clang::tidy::shm {

llvm::StringRef shareKindName(ShareKind Kind) {
  switch (Kind) {
  case ShareKind::SysV:
    return "System V";
  case ShareKind::PosixShm:
    return "POSIX";
  case ShareKind::AnonymousShared:
    return "anonymous shared";
  case ShareKind::Memfd:
    return "memfd";
  case ShareKind::Library:
    return "library";
  }
  return "shared";
}

namespace {

ShareKind shareKindFromName(llvm::StringRef Name) {
  for (ShareKind Kind : {ShareKind::SysV, ShareKind::PosixShm, ShareKind::AnonymousShared, ShareKind::Memfd})
    if (shareKindName(Kind) == Name)
      return Kind;
  return ShareKind::Library;
}

// Bit I of a dependency mask: the value derives from parameter I of the
// function being summarised; the top bit stands for `this`.
constexpr unsigned MaxTrackedParams = 63;
constexpr uint64_t ThisDep = uint64_t(1) << 63;

uint64_t paramDep(unsigned Index) { return Index < MaxTrackedParams ? uint64_t(1) << Index : 0; }

/// What an expression evaluates to, as far as sharing goes.
struct Value {
  const ShmOrigin *Origin = nullptr; ///< set when it is shared memory
  uint64_t Deps = 0;                 ///< parameters it derives from (summaries)

  void merge(const Value &Other) {
    if (!Origin)
      Origin = Other.Origin;
    Deps |= Other.Deps;
  }
};

struct FdValue {
  std::optional<ShareKind> Kind;
  uint64_t Deps = 0;

  void merge(const FdValue &Other) {
    if (!Kind)
      Kind = Other.Kind;
    Deps |= Other.Deps;
  }
};

/// A declaration holds shared memory; Via is the call that passed it (for
/// parameters and `this`), else nullptr.
struct Mark {
  const ShmOrigin *Origin = nullptr;
  const Expr *Via = nullptr;
};

/// What a function returns: shared memory of its own (Origin), or whatever
/// some of its parameters are (Deps).
struct ReturnSummary {
  Value Pointer;
  FdValue Fd;
};

/// A flow of a value into a declaration, collected once from the source.
struct Edge {
  enum class Kind {
    ToDecl,      ///< variable, parameter or field holds Src
    ToElements,  ///< elements of an array variable hold Src
    ToThis,      ///< objects of a class live where Src points
    ToOutParam,  ///< `*param = Src`: the function hands shared memory out
    OutArgument, ///< `f(&x)` where f's parameter may be an out-parameter
    ExternalOut, ///< `f(&x)` where f, known from ProjectFacts, fills x
  };
  Kind K = Kind::ToDecl;
  const Decl *Dest = nullptr;
  const Expr *Src = nullptr;
  bool SrcIsObject = false; ///< Src is a glvalue (reference binding, `this`)
  const Expr *Via = nullptr;
};

} // namespace

struct ShmProvenance::State {
  explicit State(ASTContext &C) : Ctx(C) {}

  ASTContext &Ctx;
  std::deque<ShmOrigin> Origins;
  llvm::DenseMap<const CallExpr *, const ShmOrigin *> OriginOfCall;
  llvm::DenseSet<const CallExpr *> NotAnAttach;

  llvm::DenseMap<const Decl *, Mark> Holds;
  llvm::DenseMap<const Decl *, Mark> Elements;
  llvm::DenseMap<const Decl *, Mark> This;
  llvm::DenseMap<const Decl *, Mark> OutParam;
  llvm::DenseMap<const Decl *, ShareKind> FdHolds;

  llvm::DenseMap<const FunctionDecl *, ReturnSummary> Returns;
  llvm::DenseSet<const FunctionDecl *> ReturnsInProgress;
  llvm::DenseMap<const FunctionDecl *, llvm::SmallVector<const Expr *, 2>> ReturnValues;

  std::vector<Edge> Edges;
  std::vector<std::pair<const Decl *, const Expr *>> FdEdges;
  /// Declarations other files fill with shared memory (ProjectFacts).
  std::vector<std::pair<const Decl *, ShareKind>> Seeds;
  const ProjectFacts *Facts = ProjectFacts::current();
  bool Spawns = false;
  bool Changed = false;

  const ShmOrigin *originForCall(const CallExpr *Call);
  const ShmOrigin *externalOrigin(const CallExpr *Call, ShareKind Kind);
  void markOutTarget(const Expr *Arg, const Value &V);
  const ReturnSummary &returnSummary(const FunctionDecl *Def);
  void collect();
  void propagate();
  void apply(const Edge &E);
  bool mark(llvm::DenseMap<const Decl *, Mark> &Map, const Decl *D, const Value &V, const Expr *Via);
};

namespace {

const Decl *canonical(const Decl *D) { return D ? D->getCanonicalDecl() : nullptr; }

const CXXRecordDecl *recordOf(const CXXMethodDecl *M) {
  return M ? M->getParent()->getCanonicalDecl() : nullptr;
}

/// Evaluates expressions against the current marks. With a SummaryFn, its
/// parameters and `this` become dependencies instead of being looked up, so
/// that return values stay context-sensitive.
class Evaluator {
public:
  Evaluator(ShmProvenance::State &State, const FunctionDecl *Summarised) : S(State), SummaryFn(Summarised) {}

  /// E's value points into shared memory.
  Value pointee(const Expr *E);
  /// E (a glvalue) designates an object in shared memory.
  Value object(const Expr *E);
  /// The value stored in the glvalue L (a pointer loaded from a variable).
  Value loaded(const Expr *L);
  FdValue fd(const Expr *E);

private:
  Value call(const CallExpr *Call);
  Value externalCall(const CallExpr *Call);
  Value declValue(const ValueDecl *D);
  Value argument(const FunctionDecl *Def, unsigned ParamIndex, const Expr *Arg);
  Value objectArgument(const Expr *Object);
  FdValue fdOfDecl(const ValueDecl *D);

  ShmProvenance::State &S;
  const FunctionDecl *SummaryFn;
  unsigned Depth = 0;
};

Value markValue(const llvm::DenseMap<const Decl *, Mark> &Map, const Decl *D) {
  auto It = Map.find(canonical(D));
  if (It == Map.end())
    return {};
  return Value{It->second.Origin, 0};
}

Value Evaluator::declValue(const ValueDecl *D) {
  if (const auto *Param = dyn_cast<ParmVarDecl>(D)) {
    if (SummaryFn && Param->getDeclContext() == SummaryFn)
      return Value{nullptr, paramDep(Param->getFunctionScopeIndex())};
  }
  return markValue(S.Holds, D);
}

FdValue Evaluator::fdOfDecl(const ValueDecl *D) {
  if (const auto *Param = dyn_cast<ParmVarDecl>(D)) {
    if (SummaryFn && Param->getDeclContext() == SummaryFn)
      return FdValue{std::nullopt, paramDep(Param->getFunctionScopeIndex())};
  }
  auto It = S.FdHolds.find(canonical(D));
  if (It == S.FdHolds.end())
    return {};
  return FdValue{It->second, 0};
}

Value Evaluator::pointee(const Expr *E) {
  if (!E || ++Depth > 200) {
    --Depth;
    return {};
  }
  struct DepthGuard {
    unsigned &D;
    ~DepthGuard() { --D; }
  } Guard{Depth};

  E = E->IgnoreParens();
  if (E->isGLValue() && !E->getType()->isArrayType() && !E->getType()->isFunctionType())
    return loaded(E);

  if (const auto *Cast = dyn_cast<CastExpr>(E)) {
    if (Cast->getCastKind() == CK_ArrayToPointerDecay)
      return object(Cast->getSubExpr());
    if (Cast->getCastKind() == CK_LValueToRValue)
      return loaded(Cast->getSubExpr());
    if (Cast->getCastKind() == CK_NullToPointer)
      return {};
    return pointee(Cast->getSubExpr());
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
    switch (Unary->getOpcode()) {
    case UO_AddrOf:
      return object(Unary->getSubExpr());
    case UO_PostInc:
    case UO_PostDec:
    case UO_PreInc:
    case UO_PreDec:
      return loaded(Unary->getSubExpr());
    case UO_Plus:
    case UO_Minus:
    case UO_Not:
      return pointee(Unary->getSubExpr());
    default:
      return {};
    }
  }
  if (const auto *Binary = dyn_cast<BinaryOperator>(E)) {
    switch (Binary->getOpcode()) {
    case BO_Add:
    case BO_Sub: {
      const Expr *L = Binary->getLHS();
      const Expr *R = Binary->getRHS();
      if (L->getType()->isPointerType())
        return pointee(L);
      if (R->getType()->isPointerType())
        return pointee(R);
      Value V = pointee(L);
      V.merge(pointee(R));
      return V;
    }
    case BO_And:
    case BO_Or:
    case BO_Xor: {
      Value V = pointee(Binary->getLHS());
      V.merge(pointee(Binary->getRHS()));
      return V;
    }
    case BO_Assign:
    case BO_Comma:
      return pointee(Binary->getRHS());
    default:
      if (Binary->isCompoundAssignmentOp())
        return loaded(Binary->getLHS());
      return {};
    }
  }
  if (const auto *Cond = dyn_cast<AbstractConditionalOperator>(E)) {
    Value V = pointee(Cond->getTrueExpr());
    V.merge(pointee(Cond->getFalseExpr()));
    return V;
  }
  if (const auto *Call = dyn_cast<CallExpr>(E))
    return call(Call);
  if (isa<CXXThisExpr>(E)) {
    const auto *Method = dyn_cast_or_null<CXXMethodDecl>(SummaryFn);
    const auto *ThisRecord = E->getType()->getPointeeCXXRecordDecl();
    if (Method && ThisRecord && recordOf(Method) == ThisRecord->getCanonicalDecl())
      return Value{nullptr, ThisDep};
    return ThisRecord ? markValue(S.This, ThisRecord) : Value{};
  }
  if (const auto *New = dyn_cast<CXXNewExpr>(E)) {
    Value V;
    for (const Expr *Placement : New->placement_arguments())
      V.merge(pointee(Placement));
    return V;
  }
  if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(E))
    return pointee(Cleanups->getSubExpr());
  if (const auto *Bind = dyn_cast<CXXBindTemporaryExpr>(E))
    return pointee(Bind->getSubExpr());
  if (const auto *Default = dyn_cast<CXXDefaultArgExpr>(E))
    return pointee(Default->getExpr());
  if (const auto *Opaque = dyn_cast<OpaqueValueExpr>(E))
    return Opaque->getSourceExpr() ? pointee(Opaque->getSourceExpr()) : Value{};
  return {};
}

Value Evaluator::loaded(const Expr *L) {
  L = L->IgnoreParens();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(L)) {
    if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl()))
      return declValue(Var);
    return {};
  }
  if (const auto *Member = dyn_cast<MemberExpr>(L)) {
    if (const auto *Field = dyn_cast<FieldDecl>(Member->getMemberDecl()))
      return markValue(S.Holds, Field);
    if (const auto *Var = dyn_cast<VarDecl>(Member->getMemberDecl()))
      return markValue(S.Holds, Var);
    return {};
  }
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(L)) {
    // ptrs[i] of an array variable of pointers, or of an array member.
    const Expr *Base = Subscript->getBase()->IgnoreParenImpCasts();
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Base)) {
      if (Ref->getType()->isArrayType())
        return markValue(S.Elements, Ref->getDecl());
      return {};
    }
    if (const auto *Member = dyn_cast<MemberExpr>(Base))
      return markValue(S.Holds, Member->getMemberDecl());
    return {};
  }
  if (const auto *Cast = dyn_cast<CastExpr>(L)) {
    if (Cast->getCastKind() == CK_NoOp || Cast->getCastKind() == CK_LValueBitCast)
      return loaded(Cast->getSubExpr());
    return {};
  }
  if (const auto *Binary = dyn_cast<BinaryOperator>(L)) {
    // C++: `(p = shmat(...))` and `(p += n)` are lvalues of p.
    if (Binary->getOpcode() == BO_Assign)
      return pointee(Binary->getRHS());
    if (Binary->getOpcode() == BO_Comma)
      return loaded(Binary->getRHS());
    if (Binary->isCompoundAssignmentOp())
      return loaded(Binary->getLHS());
    return {};
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(L)) {
    if (Unary->getOpcode() == UO_PreInc || Unary->getOpcode() == UO_PreDec)
      return loaded(Unary->getSubExpr());
    return {};
  }
  if (const auto *Cond = dyn_cast<AbstractConditionalOperator>(L)) {
    Value V = loaded(Cond->getTrueExpr());
    V.merge(loaded(Cond->getFalseExpr()));
    return V;
  }
  if (const auto *Call = dyn_cast<CallExpr>(L)) {
    // A function returning a reference to a pointer: rare; treat its result
    // like a returned pointer.
    return call(Call);
  }
  return {};
}

Value Evaluator::object(const Expr *E) {
  if (!E)
    return {};
  E = E->IgnoreParens();
  if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
    if (Unary->getOpcode() == UO_Deref)
      return pointee(Unary->getSubExpr());
    if (Unary->getOpcode() == UO_PreInc || Unary->getOpcode() == UO_PreDec)
      return object(Unary->getSubExpr());
    return {};
  }
  if (const auto *Member = dyn_cast<MemberExpr>(E)) {
    if (!isa<FieldDecl>(Member->getMemberDecl()) && !isa<IndirectFieldDecl>(Member->getMemberDecl()))
      return {};
    return Member->isArrow() ? pointee(Member->getBase()) : object(Member->getBase());
  }
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E))
    return pointee(Subscript->getBase());
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
    if (Var && Var->getType()->isReferenceType())
      return declValue(Var);
    return {};
  }
  if (const auto *Cast = dyn_cast<CastExpr>(E)) {
    switch (Cast->getCastKind()) {
    case CK_NoOp:
    case CK_LValueBitCast:
    case CK_DerivedToBase:
    case CK_UncheckedDerivedToBase:
    case CK_BaseToDerived:
    case CK_Dynamic:
      return object(Cast->getSubExpr());
    default:
      return {};
    }
  }
  if (const auto *Binary = dyn_cast<BinaryOperator>(E)) {
    if (Binary->isAssignmentOp())
      return object(Binary->getLHS());
    if (Binary->getOpcode() == BO_Comma)
      return object(Binary->getRHS());
    return {};
  }
  if (const auto *Cond = dyn_cast<AbstractConditionalOperator>(E)) {
    Value V = object(Cond->getTrueExpr());
    V.merge(object(Cond->getFalseExpr()));
    return V;
  }
  if (const auto *Call = dyn_cast<CallExpr>(E))
    return call(Call);
  if (const auto *Opaque = dyn_cast<OpaqueValueExpr>(E))
    return Opaque->getSourceExpr() ? object(Opaque->getSourceExpr()) : Value{};
  return {};
}

Value Evaluator::argument(const FunctionDecl *Def, unsigned ParamIndex, const Expr *Arg) {
  if (ParamIndex < Def->getNumParams() && Def->getParamDecl(ParamIndex)->getType()->isReferenceType())
    return object(Arg);
  return pointee(Arg);
}

Value Evaluator::objectArgument(const Expr *Object) {
  if (Object->getType()->isPointerType())
    return pointee(Object);
  return object(Object);
}

Value Evaluator::call(const CallExpr *Call) {
  if (const ShmOrigin *Origin = S.originForCall(Call))
    return Value{Origin, 0};

  // Library functions that return (a pointer into) their first argument.
  llvm::StringRef Name = cFunctionName(Call);
  if (!Name.empty()) {
    bool ReturnsFirstArgument = llvm::StringSwitch<bool>(Name)
                                    .Cases("mremap", "memcpy", "memmove", "memset", "mempcpy", true)
                                    .Cases("strcpy", "strncpy", "strcat", "strncat", "stpcpy", true)
                                    .Cases("memchr", "memrchr", "rawmemchr", "strchr", "strrchr", true)
                                    .Cases("strstr", "strpbrk", "strchrnul", "strtok", true)
                                    .Default(false);
    if (ReturnsFirstArgument && Call->getNumArgs() > 0)
      return pointee(Call->getArg(0));
  }

  const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee());
  if (!Def)
    return externalCall(Call);
  const ReturnSummary &Summary = S.returnSummary(Def);
  Value Result{Summary.Pointer.Origin, 0};
  uint64_t Deps = Summary.Pointer.Deps;
  if (!Deps)
    return Result;

  // Arguments of the call line up with the parameters, except for operator
  // calls on an object, whose first argument is the object itself.
  unsigned FirstParamArg = 0;
  const Expr *ObjectArg = nullptr;
  if (const auto *MemberCall = dyn_cast<CXXMemberCallExpr>(Call))
    ObjectArg = MemberCall->getImplicitObjectArgument();
  else if (const auto *OpCall = dyn_cast<CXXOperatorCallExpr>(Call)) {
    if (isa<CXXMethodDecl>(Def) && OpCall->getNumArgs() > 0) {
      ObjectArg = OpCall->getArg(0);
      FirstParamArg = 1;
    }
  }
  if ((Deps & ThisDep) && ObjectArg)
    Result.merge(objectArgument(ObjectArg));
  for (unsigned I = 0; I < MaxTrackedParams && I + FirstParamArg < Call->getNumArgs(); ++I) {
    if (Deps & paramDep(I))
      Result.merge(argument(Def, I, Call->getArg(I + FirstParamArg)));
  }
  return Result;
}

/// A function of another file (ProjectFacts) returning a pointer derived
/// from its arguments.
Value Evaluator::externalCall(const CallExpr *Call) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  const FunctionFacts *F = S.Facts && Callee ? S.Facts->function(Callee) : nullptr;
  if (!F || !F->ReturnsFromParams || isa<CXXMemberCallExpr>(Call) || isa<CXXOperatorCallExpr>(Call))
    return {};
  Value Result;
  for (unsigned I = 0; I < MaxTrackedParams && I < Call->getNumArgs(); ++I)
    if (F->ReturnsFromParams & paramDep(I))
      Result.merge(pointee(Call->getArg(I)));
  return Result;
}

FdValue Evaluator::fd(const Expr *E) {
  if (!E)
    return {};
  E = ignoreCastsAndParens(E);
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl()))
      return fdOfDecl(Var);
    return {};
  }
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return fdOfDecl(Member->getMemberDecl());
  if (const auto *Binary = dyn_cast<BinaryOperator>(E)) {
    if (Binary->getOpcode() == BO_Assign || Binary->getOpcode() == BO_Comma)
      return fd(Binary->getRHS());
    return {};
  }
  if (const auto *Cond = dyn_cast<AbstractConditionalOperator>(E)) {
    FdValue V = fd(Cond->getTrueExpr());
    V.merge(fd(Cond->getFalseExpr()));
    return V;
  }
  if (const auto *Call = dyn_cast<CallExpr>(E)) {
    if (std::optional<ShareKind> Kind = descriptorSource(Call))
      return FdValue{Kind, 0};
    if (duplicatesDescriptor(Call) && Call->getNumArgs() > 0)
      return fd(Call->getArg(0));
    const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee());
    if (!Def || isa<CXXMemberCallExpr>(Call) || isa<CXXOperatorCallExpr>(Call))
      return {};
    const ReturnSummary &Summary = S.returnSummary(Def);
    FdValue Result{Summary.Fd.Kind, 0};
    for (unsigned I = 0; I < MaxTrackedParams && I < Call->getNumArgs(); ++I) {
      if (Summary.Fd.Deps & paramDep(I))
        Result.merge(fd(Call->getArg(I)));
    }
    return Result;
  }
  return {};
}

/// Collects the values a function returns, skipping nested lambdas and blocks.
void collectReturnValues(const Stmt *S, llvm::SmallVectorImpl<const Expr *> &Out) {
  if (!S || isa<LambdaExpr>(S) || isa<BlockExpr>(S))
    return;
  if (const auto *Return = dyn_cast<ReturnStmt>(S)) {
    if (Return->getRetValue())
      Out.push_back(Return->getRetValue());
    return;
  }
  for (const Stmt *Child : S->children())
    collectReturnValues(Child, Out);
}

/// The declaration an lvalue names as a whole: `x` -> x, `s.f`/`p->f` -> f.
const Decl *targetDecl(const Expr *LValue) {
  LValue = ignoreCastsAndParens(LValue);
  if (const auto *Ref = dyn_cast<DeclRefExpr>(LValue))
    return isa<VarDecl>(Ref->getDecl()) ? Ref->getDecl() : nullptr;
  if (const auto *Member = dyn_cast<MemberExpr>(LValue))
    return isa<FieldDecl>(Member->getMemberDecl()) ? Member->getMemberDecl() : nullptr;
  return nullptr;
}

bool mayHoldPointer(QualType T) {
  T = T.getNonReferenceType().getCanonicalType();
  return T->isPointerType() || T->isIntegerType() || T->isArrayType() || T->isRecordType();
}

/// Walks the user code of the translation unit once and records every flow
/// of a value into a declaration.
class EdgeCollector : public RecursiveASTVisitor<EdgeCollector> {
public:
  explicit EdgeCollector(ShmProvenance::State &State) : S(State) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  bool TraverseDecl(Decl *D) {
    if (!D)
      return true;
    if (!isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    if (const auto *DC = dyn_cast<DeclContext>(D); DC && DC->isDependentContext() && !isa<TranslationUnitDecl>(D)) {
      // Uninstantiated templates: their instantiations are visited instead.
      if (isa<FunctionDecl>(D) || isa<CXXRecordDecl>(D))
        return true;
    }
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitVarDecl(VarDecl *Var) {
    if (S.Facts && Var->hasGlobalStorage() && !Var->isStaticLocal() && Var->hasExternalFormalLinkage()) {
      auto It = S.Facts->SharedGlobals.find(indexName(Var));
      if (It != S.Facts->SharedGlobals.end())
        S.Seeds.emplace_back(canonical(Var), shareKindFromName(It->getValue()));
    }
    const Expr *Init = Var->getInit();
    if (!Init || isa<ParmVarDecl>(Var))
      return true;
    QualType T = Var->getType();
    if (T->isReferenceType()) {
      addDecl(Var, Init, /*SrcIsObject=*/!T->getPointeeType()->isPointerType());
      return true;
    }
    if (const auto *List = dyn_cast<InitListExpr>(Init->IgnoreParenImpCasts())) {
      addInitList(Var, List, T);
      return true;
    }
    if (mayHoldPointer(T) && !T->isRecordType())
      addDecl(Var, Init, false);
    return true;
  }

  bool VisitFunctionDecl(FunctionDecl *FD) {
    // Parameters that callers in other files pass shared memory in.
    const FunctionFacts *F = S.Facts && FD->doesThisDeclarationHaveABody() ? S.Facts->function(FD) : nullptr;
    if (F)
      for (unsigned I : F->ParamsReceivingShm)
        if (I < FD->getNumParams())
          S.Seeds.emplace_back(canonical(FD->getParamDecl(I)), ShareKind::Library);
    return true;
  }

  bool VisitFieldDecl(FieldDecl *Field) {
    if (S.Facts) {
      const std::string Name = fieldIndexName(Field);
      auto It = S.Facts->SharedFields.find(Name);
      if (It != S.Facts->SharedFields.end() && !S.Facts->PrivateFields.contains(Name))
        S.Seeds.emplace_back(canonical(Field), shareKindFromName(It->getValue()));
    }
    if (const Expr *Init = Field->getInClassInitializer())
      addDecl(Field, Init, Field->getType()->isReferenceType());
    return true;
  }

  bool VisitCXXConstructorDecl(CXXConstructorDecl *Ctor) {
    for (const CXXCtorInitializer *Init : Ctor->inits()) {
      FieldDecl *Field = Init->getMember();
      if (!Field || !Init->getInit() || !Init->isWritten())
        continue;
      const Expr *Value = Init->getInit();
      if (const auto *Paren = dyn_cast<ParenListExpr>(Value); Paren && Paren->getNumExprs() == 1)
        Value = Paren->getExpr(0);
      addDecl(Field, Value, Field->getType()->isReferenceType());
    }
    return true;
  }

  bool VisitBinaryOperator(BinaryOperator *Assign) {
    if (Assign->getOpcode() != BO_Assign)
      return true;
    addAssignment(Assign->getLHS(), Assign->getRHS());
    return true;
  }

  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *Call) {
    // C++ class-type assignment is an operator call; pointers are builtin.
    return true;
  }

  bool VisitCallExpr(CallExpr *Call) {
    if (spawnsConcurrency(Call))
      S.Spawns = true;
    if (cFunctionName(Call) == "pthread_create" && Call->getNumArgs() == 4) {
      addThreadStart(Call);
      return true;
    }
    addExternalOutArguments(Call);
    const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee());
    if (!Def || isInSystemHeader(Def))
      return true;
    unsigned FirstParamArg = 0;
    if (const auto *MemberCall = dyn_cast<CXXMemberCallExpr>(Call)) {
      if (const Expr *Object = MemberCall->getImplicitObjectArgument())
        addThis(cast<CXXMethodDecl>(Def), Object, Call);
    } else if (const auto *OpCall = dyn_cast<CXXOperatorCallExpr>(Call)) {
      if (const auto *Method = dyn_cast<CXXMethodDecl>(Def); Method && OpCall->getNumArgs() > 0) {
        addThis(Method, OpCall->getArg(0), Call);
        FirstParamArg = 1;
      }
    }
    addArguments(Def, Call->getArgs() + FirstParamArg, Call->getNumArgs() - FirstParamArg, Call);
    return true;
  }

  bool VisitCXXConstructExpr(CXXConstructExpr *Construct) {
    const CXXConstructorDecl *Ctor = Construct->getConstructor();
    if (const auto *Record = Ctor ? Ctor->getParent() : nullptr) {
      if (Record->isInStdNamespace() && Record->getIdentifier() &&
          (Record->getName() == "thread" || Record->getName() == "jthread"))
        S.Spawns = true;
    }
    const auto *Def = dyn_cast_or_null<FunctionDecl>(definitionWithBody(Ctor));
    if (!Def || isInSystemHeader(Def))
      return true;
    addArguments(Def, Construct->getArgs(), Construct->getNumArgs(), Construct);
    return true;
  }

  bool VisitCXXNewExpr(CXXNewExpr *New) {
    const CXXRecordDecl *Record = New->getAllocatedType()->getAsCXXRecordDecl();
    if (!Record)
      return true;
    for (const Expr *Placement : New->placement_arguments())
      S.Edges.push_back(Edge{Edge::Kind::ToThis, Record->getCanonicalDecl(), Placement, false, New});
    return true;
  }

private:
  void addDecl(const Decl *Dest, const Expr *Src, bool SrcIsObject, const Expr *Via = nullptr) {
    S.Edges.push_back(Edge{Edge::Kind::ToDecl, canonical(Dest), Src, SrcIsObject, Via});
    const auto *Value = dyn_cast<ValueDecl>(Dest);
    if (!SrcIsObject && Value && Value->getType()->isIntegerType())
      S.FdEdges.emplace_back(canonical(Dest), Src);
  }

  void addInitList(const Decl *Owner, const InitListExpr *List, QualType T) {
    if (List->isSyntacticForm() && List->getSemanticForm())
      List = List->getSemanticForm();
    T = T.getCanonicalType();
    if (const auto *RecordType = T->getAs<clang::RecordType>()) {
      const RecordDecl *Record = RecordType->getDecl();
      if (Record->isUnion()) {
        if (const FieldDecl *Field = List->getInitializedFieldInUnion(); Field && List->getNumInits() == 1)
          addMemberInit(Field, List->getInit(0));
        return;
      }
      unsigned I = 0;
      for (const FieldDecl *Field : Record->fields()) {
        if (I >= List->getNumInits())
          break;
        addMemberInit(Field, List->getInit(I++));
      }
      return;
    }
    if (const auto *Array = dyn_cast<ArrayType>(T.getTypePtr())) {
      QualType Element = Array->getElementType();
      for (const Expr *Init : List->inits()) {
        if (const auto *Nested = dyn_cast<InitListExpr>(Init->IgnoreParenImpCasts()))
          addInitList(Owner, Nested, Element);
        else if (Element->isPointerType() && isa<VarDecl>(Owner))
          S.Edges.push_back(Edge{Edge::Kind::ToElements, canonical(Owner), Init, false, nullptr});
      }
    }
  }

  void addMemberInit(const FieldDecl *Field, const Expr *Init) {
    if (!Init || isa<ImplicitValueInitExpr>(Init))
      return;
    if (const auto *Nested = dyn_cast<InitListExpr>(Init->IgnoreParenImpCasts())) {
      addInitList(Field, Nested, Field->getType());
      return;
    }
    addDecl(Field, Init, Field->getType()->isReferenceType());
  }

  void addAssignment(const Expr *LHS, const Expr *RHS) {
    if (!mayHoldPointer(LHS->getType()) || LHS->getType()->isRecordType())
      return;
    const Expr *Target = LHS->IgnoreParenImpCasts();
    if (const Decl *D = targetDecl(Target)) {
      addDecl(D, RHS, false);
      return;
    }
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(Target)) {
      const Expr *Base = Subscript->getBase()->IgnoreParenImpCasts();
      if (const auto *Ref = dyn_cast<DeclRefExpr>(Base); Ref && Ref->getType()->isArrayType())
        S.Edges.push_back(Edge{Edge::Kind::ToElements, canonical(Ref->getDecl()), RHS, false, nullptr});
      else if (const auto *Member = dyn_cast<MemberExpr>(Base))
        addDecl(Member->getMemberDecl(), RHS, false);
      return;
    }
    if (const auto *Deref = dyn_cast<UnaryOperator>(Target); Deref && Deref->getOpcode() == UO_Deref) {
      // `*out = shmat(...)` with `out` a parameter: an attach helper that
      // returns the pointer through an out-parameter.
      const Expr *Pointer = ignoreCastsAndParens(Deref->getSubExpr());
      if (const auto *Ref = dyn_cast<DeclRefExpr>(Pointer); Ref && isa<ParmVarDecl>(Ref->getDecl()))
        S.Edges.push_back(Edge{Edge::Kind::ToOutParam, canonical(Ref->getDecl()), RHS, false, nullptr});
    }
  }

  void addThis(const CXXMethodDecl *Method, const Expr *Object, const Expr *Via) {
    S.Edges.push_back(Edge{Edge::Kind::ToThis, recordOf(Method), Object, !Object->getType()->isPointerType(), Via});
  }

  void addArguments(const FunctionDecl *Def, const Expr *const *Args, unsigned NumArgs, const Expr *Via) {
    for (unsigned I = 0; I < NumArgs && I < Def->getNumParams(); ++I) {
      const ParmVarDecl *Param = Def->getParamDecl(I);
      QualType T = Param->getType();
      if (!mayHoldPointer(T))
        continue;
      bool ByReference = T->isReferenceType() && !T->getPointeeType()->isPointerType();
      addDecl(Param, Args[I], ByReference, Via);
      if (T->isPointerType() && T->getPointeeType()->isPointerType())
        S.Edges.push_back(Edge{Edge::Kind::OutArgument, canonical(Param), Args[I], false, Via});
    }
  }

  /// `f(&x)` where f, a function of another file, fills its parameter.
  void addExternalOutArguments(const CallExpr *Call) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    const FunctionFacts *F = S.Facts && Callee ? S.Facts->function(Callee) : nullptr;
    if (!F || isa<CXXMemberCallExpr>(Call) || isa<CXXOperatorCallExpr>(Call))
      return;
    for (unsigned I : F->OutParams)
      if (I < Call->getNumArgs())
        S.Edges.push_back(Edge{Edge::Kind::ExternalOut, nullptr, Call->getArg(I), false, Call});
  }

  void addThreadStart(const CallExpr *Call) {
    const Expr *Start = ignoreCastsAndParens(Call->getArg(2));
    if (const auto *AddrOf = dyn_cast<UnaryOperator>(Start); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
      Start = ignoreCastsAndParens(AddrOf->getSubExpr());
    const auto *Ref = dyn_cast<DeclRefExpr>(Start);
    const auto *Fn = Ref ? dyn_cast<FunctionDecl>(Ref->getDecl()) : nullptr;
    const FunctionDecl *Def = definitionWithBody(Fn);
    if (!Def || Def->getNumParams() != 1)
      return;
    addDecl(Def->getParamDecl(0), Call->getArg(3), false, Call);
  }

  ShmProvenance::State &S;
};

} // namespace

const ShmOrigin *ShmProvenance::State::originForCall(const CallExpr *Call) {
  auto It = OriginOfCall.find(Call);
  if (It != OriginOfCall.end())
    return It->second;
  if (NotAnAttach.contains(Call))
    return nullptr;
  Evaluator Eval(*this, nullptr);
  std::optional<ShmOrigin> Origin = classifyAttach(Call, Ctx, [&](const Expr *Fd) { return Eval.fd(Fd).Kind; });
  if (!Origin && Facts && Call->getDirectCallee()) {
    // An allocator of a library model, or a function of another file.
    const FunctionFacts *F = Facts->function(Call->getDirectCallee());
    if (F && F->ReturnsShm) {
      NotAnAttach.insert(Call);
      return externalOrigin(Call, shareKindFromName(*F->ReturnsShm));
    }
  }
  if (!Origin) {
    // mmap of a descriptor not (yet) known to be shared: ask again next round.
    llvm::StringRef Name = cFunctionName(Call);
    if (Name != "mmap" && Name != "mmap64")
      NotAnAttach.insert(Call);
    return nullptr;
  }
  Origins.push_back(*Origin);
  OriginOfCall[Call] = &Origins.back();
  Changed = true;
  return &Origins.back();
}

const ShmOrigin *ShmProvenance::State::externalOrigin(const CallExpr *Call, ShareKind Kind) {
  auto It = OriginOfCall.find(Call);
  if (It != OriginOfCall.end())
    return It->second;
  ShmOrigin Origin;
  Origin.Attach = Call;
  Origin.Kind = Kind;
  Origin.External = true;
  Origins.push_back(Origin);
  OriginOfCall[Call] = &Origins.back();
  Changed = true;
  return &Origins.back();
}

void ShmProvenance::State::markOutTarget(const Expr *Arg, const Value &V) {
  Arg = ignoreCastsAndParens(Arg);
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Arg); AddrOf && AddrOf->getOpcode() == UO_AddrOf) {
    const Expr *Target = AddrOf->getSubExpr()->IgnoreParens();
    if (const Decl *D = targetDecl(Target)) {
      mark(Holds, D, V, nullptr);
    } else if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(Target)) {
      const Expr *Base = Subscript->getBase()->IgnoreParenImpCasts();
      if (const auto *Ref = dyn_cast<DeclRefExpr>(Base))
        mark(Elements, Ref->getDecl(), V, nullptr);
    }
  } else if (const auto *Ref = dyn_cast<DeclRefExpr>(Arg); Ref && isa<ParmVarDecl>(Ref->getDecl())) {
    // The caller forwards its own out-parameter.
    mark(OutParam, Ref->getDecl(), V, nullptr);
  }
}

const ReturnSummary &ShmProvenance::State::returnSummary(const FunctionDecl *Def) {
  static const ReturnSummary Empty;
  auto It = Returns.find(Def);
  if (It != Returns.end())
    return It->second;
  if (!ReturnsInProgress.insert(Def).second)
    return Empty; // recursion: the outer evaluation provides the answer

  auto Values = ReturnValues.find(Def);
  if (Values == ReturnValues.end()) {
    llvm::SmallVector<const Expr *, 2> Collected;
    collectReturnValues(Def->getBody(), Collected);
    Values = ReturnValues.try_emplace(Def, std::move(Collected)).first;
  }
  ReturnSummary Summary;
  bool ByReference = Def->getReturnType()->isReferenceType();
  QualType ReturnType = Def->getReturnType().getNonReferenceType();
  if (ReturnType->isPointerType() || ReturnType->isIntegerType() || ByReference) {
    Evaluator Eval(*this, Def);
    for (const Expr *Value : Values->second) {
      Summary.Pointer.merge(ByReference ? Eval.object(Value) : Eval.pointee(Value));
      if (!ByReference && ReturnType->isIntegerType())
        Summary.Fd.merge(Eval.fd(Value));
    }
  }
  ReturnsInProgress.erase(Def);
  return Returns.try_emplace(Def, Summary).first->second;
}

bool ShmProvenance::State::mark(llvm::DenseMap<const Decl *, Mark> &Map, const Decl *D, const Value &V,
                                const Expr *Via) {
  if (!V.Origin || !D)
    return false;
  auto Inserted = Map.try_emplace(canonical(D), Mark{V.Origin, Via});
  if (Inserted.second)
    Changed = true;
  return Inserted.second;
}

void ShmProvenance::State::apply(const Edge &E) {
  Evaluator Eval(*this, nullptr);
  switch (E.K) {
  case Edge::Kind::ToDecl:
    mark(Holds, E.Dest, E.SrcIsObject ? Eval.object(E.Src) : Eval.pointee(E.Src), E.Via);
    return;
  case Edge::Kind::ToElements:
    mark(Elements, E.Dest, Eval.pointee(E.Src), E.Via);
    return;
  case Edge::Kind::ToThis:
    mark(This, E.Dest, E.SrcIsObject ? Eval.object(E.Src) : Eval.pointee(E.Src), E.Via);
    return;
  case Edge::Kind::ToOutParam:
    mark(OutParam, E.Dest, Eval.pointee(E.Src), E.Via);
    return;
  case Edge::Kind::OutArgument: {
    auto Out = OutParam.find(E.Dest);
    if (Out == OutParam.end())
      return;
    markOutTarget(E.Src, Value{Out->second.Origin, 0});
    return;
  }
  case Edge::Kind::ExternalOut:
    markOutTarget(E.Src, Value{externalOrigin(cast<CallExpr>(E.Via), ShareKind::Library), 0});
    return;
  }
}

void ShmProvenance::State::collect() {
  EdgeCollector Collector(*this);
  Collector.TraverseDecl(Ctx.getTranslationUnitDecl());
}

void ShmProvenance::State::propagate() {
  for (const auto &[D, Kind] : Seeds) {
    ShmOrigin Origin;
    Origin.Kind = Kind;
    Origin.External = true;
    Origins.push_back(Origin);
    mark(Holds, D, Value{&Origins.back(), 0}, nullptr);
  }
  // Marks only grow, so this terminates; the bound is a safety net against
  // pathological inputs (each round adds at least one mark).
  const size_t MaxRounds = 64;
  for (size_t Round = 0; Round < MaxRounds; ++Round) {
    Changed = false;
    Returns.clear();
    Evaluator Eval(*this, nullptr);
    for (const auto &[Dest, Src] : FdEdges) {
      if (std::optional<ShareKind> Kind = Eval.fd(Src).Kind) {
        if (FdHolds.try_emplace(Dest, *Kind).second)
          Changed = true;
      }
    }
    for (const Edge &E : Edges)
      apply(E);
    if (!Changed)
      break;
  }
  Returns.clear();
}

ShmProvenance::ShmProvenance(ASTContext &Ctx) : S(std::make_unique<State>(Ctx)) {
  S->collect();
  S->propagate();
}

ShmProvenance::~ShmProvenance() = default;

const ShmProvenance &ShmProvenance::of(ASTContext &Ctx) {
  return AnalysisCache<ShmProvenance, bool>::get(
      Ctx, true, [](ASTContext &C, bool) { return std::make_unique<ShmProvenance>(C); });
}

bool ShmProvenance::pointsIntoShm(const Expr *E) const { return Evaluator(*S, nullptr).pointee(E).Origin; }

bool ShmProvenance::designatesShm(const Expr *E) const { return Evaluator(*S, nullptr).object(E).Origin; }

const ShmOrigin *ShmProvenance::originOf(const Expr *E) const {
  if (!E)
    return nullptr;
  Evaluator Eval(*S, nullptr);
  if (E->isGLValue() && !E->getType()->isPointerType()) {
    if (const ShmOrigin *Origin = Eval.object(E).Origin)
      return Origin;
  }
  return Eval.pointee(E).Origin;
}

bool ShmProvenance::holdsShm(const ValueDecl *D) const { return D && S->Holds.count(canonical(D)); }

bool ShmProvenance::elementsHoldShm(const VarDecl *D) const { return D && S->Elements.count(canonical(D)); }

bool ShmProvenance::thisPointsIntoShm(const CXXMethodDecl *M) const { return M && S->This.count(recordOf(M)); }

const ShmOrigin *ShmProvenance::originOf(const ValueDecl *D) const {
  auto It = S->Holds.find(canonical(D));
  return It == S->Holds.end() ? nullptr : It->second.Origin;
}

const Expr *ShmProvenance::callPassingShm(const Decl *ParamOrMethod) const {
  if (const auto *Method = dyn_cast_or_null<CXXMethodDecl>(ParamOrMethod)) {
    auto It = S->This.find(recordOf(Method));
    return It == S->This.end() ? nullptr : It->second.Via;
  }
  auto It = S->Holds.find(canonical(ParamOrMethod));
  return It == S->Holds.end() ? nullptr : It->second.Via;
}

bool ShmProvenance::returnsShm(const FunctionDecl *FD) const {
  const FunctionDecl *Def = definitionWithBody(FD);
  return Def && S->returnSummary(Def).Pointer.Origin;
}

const ShmOrigin *ShmProvenance::returnedOrigin(const FunctionDecl *FD) const {
  const FunctionDecl *Def = definitionWithBody(FD);
  return Def ? S->returnSummary(Def).Pointer.Origin : nullptr;
}

uint64_t ShmProvenance::returnedParameters(const FunctionDecl *FD) const {
  const FunctionDecl *Def = definitionWithBody(FD);
  return Def ? S->returnSummary(Def).Pointer.Deps & ~ThisDep : 0;
}

bool ShmProvenance::fillsOutParameter(const ParmVarDecl *Param) const {
  return Param && S->OutParam.count(canonical(Param));
}

bool ShmProvenance::isShmDescriptor(const Expr *E) const { return Evaluator(*S, nullptr).fd(E).Kind.has_value(); }

bool ShmProvenance::unitSpawnsConcurrency() const { return S->Spawns; }

} // namespace clang::tidy::shm
