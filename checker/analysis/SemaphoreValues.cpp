#include "analysis/SemaphoreValues.h"

#include "analysis/CalleeName.h"

#include "clang/AST/RecursiveASTVisitor.h"

namespace clang::tidy::shm {
namespace {

constexpr int64_t SetVal = 16; // <sys/sem.h> on Linux
constexpr int64_t SetAll = 17;

/// The declaration an lvalue is stored in: a variable or the last field;
/// array elements share their array's declaration.
const Decl *storageDecl(const Expr *LValue) {
  const Expr *E = LValue->IgnoreParenImpCasts();
  while (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E))
    E = Subscript->getBase()->IgnoreParenImpCasts();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return Ref->getDecl()->getCanonicalDecl();
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return Member->getMemberDecl()->getCanonicalDecl();
  return nullptr;
}

} // namespace

const Decl *semaphoreHolder(const Expr *E, bool IsPointer) {
  const Expr *Stripped = ignoreCastsAndParens(E);
  if (IsPointer) {
    if (const auto *AddrOf = dyn_cast<UnaryOperator>(Stripped); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
      return storageDecl(AddrOf->getSubExpr());
    // An array of sem_t decays to a pointer to its first element.
    if (Stripped->getType()->isArrayType())
      return storageDecl(Stripped);
    // Pointer arithmetic within an array of semaphores: `sems + i`.
    if (const auto *Add = dyn_cast<BinaryOperator>(Stripped); Add && Add->isAdditiveOp())
      return semaphoreHolder(Add->getLHS()->getType()->isPointerType() ? Add->getLHS() : Add->getRHS(), true);
  }
  return storageDecl(Stripped);
}

/// Finds the calls that give semaphores their first value.
class SemaphoreInitFinder : public RecursiveASTVisitor<SemaphoreInitFinder> {
public:
  SemaphoreInitFinder(SemaphoreValues &Out, ASTContext &Context) : Values(Out), Ctx(Context) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitCallExpr(CallExpr *Call) {
    llvm::StringRef Name = cFunctionName(Call);
    if (Name == "sem_init" && Call->getNumArgs() == 3) {
      std::optional<int64_t> Value = integerConstant(Call->getArg(2), Ctx);
      if (const Decl *D = semaphoreHolder(Call->getArg(0), true); D && Value)
        Values.record(D, 0, *Value);
      return true;
    }
    if (Name == "semctl" && Call->getNumArgs() >= 3) {
      sysvSet(Call);
      return true;
    }
    unsigned FdsArg = Name == "socketpair" ? 3 : 0;
    if ((Name == "pipe" || Name == "pipe2" || Name == "socketpair") && Call->getNumArgs() > FdsArg) {
      if (const Decl *D = semaphoreHolder(Call->getArg(FdsArg), true))
        Values.recordChannel(D);
      return true;
    }
    return true;
  }

  bool VisitVarDecl(VarDecl *Var) {
    if (const Expr *Init = Var->getInit())
      namedOpen(Var, Init);
    return true;
  }

  bool VisitBinaryOperator(BinaryOperator *Assign) {
    if (Assign->getOpcode() != BO_Assign)
      return true;
    if (const Decl *D = storageDecl(Assign->getLHS()))
      namedOpen(D, Assign->getRHS());
    return true;
  }

private:
  /// `s = sem_open(name, O_CREAT, mode, value)`.
  void namedOpen(const Decl *Holder, const Expr *Value) {
    const auto *Call = dyn_cast<CallExpr>(ignoreCastsAndParens(Value));
    if (!Call || cFunctionName(Call) != "sem_open" || Call->getNumArgs() != 4)
      return;
    if (std::optional<int64_t> Initial = integerConstant(Call->getArg(3), Ctx))
      Values.record(Holder->getCanonicalDecl(), 0, *Initial);
  }

  /// The `val` (or `array`) a `union semun` argument carries.
  const Expr *unionField(const Expr *Arg, llvm::StringRef Field) {
    const Expr *E = ignoreCastsAndParens(Arg);
    const InitListExpr *List = nullptr;
    if (const auto *Literal = dyn_cast<CompoundLiteralExpr>(E))
      List = dyn_cast<InitListExpr>(Literal->getInitializer());
    if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
      const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
      if (!Var)
        return nullptr;
      if (const Expr *Assigned = assignedField(Var, Field))
        return Assigned;
      if (Var->getInit())
        List = dyn_cast<InitListExpr>(Var->getInit()->IgnoreParenImpCasts());
    }
    if (!List)
      return nullptr;
    if (List->isSyntacticForm() && List->getSemanticForm())
      List = List->getSemanticForm();
    const FieldDecl *Initialised = List->getInitializedFieldInUnion();
    if (Initialised && Initialised->getIdentifier() && Initialised->getName() == Field && List->getNumInits() == 1)
      return List->getInit(0);
    return nullptr;
  }

  /// The value assigned to `Var.Field` in the current function, if any.
  const Expr *assignedField(const VarDecl *Var, llvm::StringRef Field) {
    const auto *Fn = dyn_cast<FunctionDecl>(Var->getDeclContext());
    if (!Fn || !Fn->getBody())
      return nullptr;
    struct Finder : RecursiveASTVisitor<Finder> {
      const VarDecl *Var;
      llvm::StringRef Field;
      const Expr *Found = nullptr;
      bool VisitBinaryOperator(BinaryOperator *Assign) {
        const auto *Member = dyn_cast<MemberExpr>(Assign->getLHS()->IgnoreParenImpCasts());
        if (Assign->getOpcode() != BO_Assign || !Member || !Member->getMemberDecl()->getIdentifier() ||
            Member->getMemberDecl()->getName() != Field)
          return true;
        const auto *Base = dyn_cast<DeclRefExpr>(Member->getBase()->IgnoreParenImpCasts());
        if (Base && Base->getDecl() == Var)
          Found = Assign->getRHS();
        return true;
      }
    } Walk;
    Walk.Var = Var;
    Walk.Field = Field;
    Walk.TraverseStmt(Fn->getBody());
    return Walk.Found;
  }

  void sysvSet(const CallExpr *Call) {
    std::optional<int64_t> Command = integerConstant(Call->getArg(2), Ctx);
    const Decl *Set = semaphoreHolder(Call->getArg(0), false);
    if (!Command || !Set || Call->getNumArgs() < 4)
      return;
    const Expr *Arg = Call->getArg(3);
    if (*Command == SetVal) {
      std::optional<int64_t> Num = integerConstant(Call->getArg(1), Ctx);
      const Expr *Value = Arg->getType()->isIntegerType() ? Arg : unionField(Arg, "val");
      std::optional<int64_t> Initial = Value ? integerConstant(Value, Ctx) : std::nullopt;
      if (Num && Initial)
        Values.record(Set, *Num, *Initial);
      return;
    }
    if (*Command == SetAll) {
      const Expr *Array = unionField(Arg, "array");
      const auto *Ref = Array ? dyn_cast<DeclRefExpr>(ignoreCastsAndParens(Array)) : nullptr;
      const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
      const auto *List = Var && Var->getInit() ? dyn_cast<InitListExpr>(Var->getInit()->IgnoreParenImpCasts())
                                               : nullptr;
      if (!List)
        return;
      for (unsigned I = 0; I < List->getNumInits(); ++I)
        if (std::optional<int64_t> Initial = integerConstant(List->getInit(I), Ctx))
          Values.record(Set, I, *Initial);
    }
  }

  SemaphoreValues &Values;
  ASTContext &Ctx;
};

SemaphoreValues::SemaphoreValues(ASTContext &Ctx) { scan(Ctx); }

void SemaphoreValues::scan(ASTContext &Ctx) {
  SemaphoreInitFinder Finder(*this, Ctx);
  Finder.TraverseDecl(Ctx.getTranslationUnitDecl());
}

void SemaphoreValues::record(const Decl *D, int64_t Num, int64_t Value) {
  auto [It, Inserted] = Values.try_emplace({D->getCanonicalDecl(), Num}, Value);
  if (!Inserted && It->second != Value)
    It->second = Conflict;
}

std::optional<int64_t> SemaphoreValues::posixInitial(const Expr *SemPointer) const {
  const Decl *D = semaphoreHolder(SemPointer, true);
  if (!D)
    return std::nullopt;
  auto It = Values.find({D->getCanonicalDecl(), 0});
  if (It == Values.end() || It->second == Conflict)
    return std::nullopt;
  return It->second;
}

bool SemaphoreValues::isChannelEnd(const Expr *Fd) const {
  const Decl *D = semaphoreHolder(Fd, false);
  return D && Channels.contains(D->getCanonicalDecl());
}

std::optional<int64_t> SemaphoreValues::sysvInitial(const Expr *SetId, int64_t Num) const {
  const Decl *D = semaphoreHolder(SetId, false);
  if (!D)
    return std::nullopt;
  auto It = Values.find({D->getCanonicalDecl(), Num});
  if (It == Values.end() || It->second == Conflict)
    return std::nullopt;
  return It->second;
}

} // namespace clang::tidy::shm
