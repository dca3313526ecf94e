#include "analysis/ShmAccesses.h"

#include "analysis/CalleeName.h"
#include "analysis/LibraryAccesses.h"
#include "analysis/LockIdentity.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/StringSwitch.h"

namespace clang::tidy::shm {
namespace {

bool isStdNamed(const CXXRecordDecl *Record, llvm::function_ref<bool(llvm::StringRef)> Pred) {
  return Record && Record->isInStdNamespace() && Record->getIdentifier() && Pred(Record->getName());
}

bool isSyncTypedefName(llvm::StringRef Name) {
  return llvm::StringSwitch<bool>(Name)
      .Cases("pthread_mutex_t", "pthread_rwlock_t", "pthread_spinlock_t", "pthread_cond_t", true)
      .Cases("pthread_barrier_t", "pthread_once_t", "sem_t", true)
      .Cases("pthread_mutexattr_t", "pthread_rwlockattr_t", "pthread_condattr_t", "pthread_barrierattr_t", true)
      .Default(false);
}

/// Does the expression name a place we should not report at all?
bool excludedType(QualType T) { return isAtomicType(T) || isSynchronizationType(T); }

std::string pointerName(const Expr *Pointer, const ASTContext &Ctx) {
  // Through the casts: an array that decays is named as the array.
  const Expr *E = Pointer->IgnoreParens();
  while (const auto *Cast = dyn_cast<CastExpr>(E)) {
    if (Cast->getCastKind() == CK_ArrayToPointerDecay)
      return spelling(Cast->getSubExpr(), Ctx);
    E = Cast->getSubExpr()->IgnoreParens();
  }
  const Expr *Stripped = E;
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Stripped); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    return spelling(AddrOf->getSubExpr(), Ctx);
  std::string Name = spelling(Stripped, Ctx);
  if (isa<DeclRefExpr>(Stripped) || isa<MemberExpr>(Stripped))
    return "*" + Name;
  return "*(" + Name + ")";
}

/// The type of memory a pointer argument points to, seen through casts.
QualType pointedType(const Expr *Pointer) {
  const Expr *Inner = Pointer->IgnoreParenImpCasts();
  while (const auto *Cast = dyn_cast<ExplicitCastExpr>(Inner))
    Inner = Cast->getSubExpr()->IgnoreParenImpCasts();
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Inner); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    return AddrOf->getSubExpr()->getType();
  if (Inner->getType()->isPointerType())
    return Inner->getType()->getPointeeType();
  if (Inner->getType()->isArrayType())
    return Inner->getType();
  return QualType();
}

void addLValue(AccessKind Kind, const Expr *LValue, const Stmt *At, const ShmProvenance &Shm,
               const ASTContext &Ctx, llvm::SmallVectorImpl<ShmAccess> &Out) {
  if (excludedType(LValue->getType()) || !Shm.designatesShm(LValue))
    return;
  ShmAccess Access;
  Access.Kind = Kind;
  Access.Target = LValue;
  Access.At = At;
  Access.Name = spelling(LValue, Ctx);
  Out.push_back(std::move(Access));
}

void addPointer(MemoryUse Use, const Expr *Pointer, const Stmt *At, const ShmProvenance &Shm,
                const ASTContext &Ctx, llvm::SmallVectorImpl<ShmAccess> &Out) {
  if (Use == MemoryUse::None || !Shm.pointsIntoShm(Pointer))
    return;
  QualType Pointee = pointedType(Pointer);
  if (!Pointee.isNull() && excludedType(Pointee))
    return;
  ShmAccess Access;
  Access.Kind = Use == MemoryUse::Read    ? AccessKind::Read
                : Use == MemoryUse::Write ? AccessKind::Write
                                          : AccessKind::ReadModifyWrite;
  Access.Target = Pointer;
  Access.At = At;
  Access.Name = pointerName(Pointer, Ctx);
  Access.ThroughCall = true;
  Out.push_back(std::move(Access));
}

/// Code whose accesses we cannot see in the analysis: the standard library
/// and compiler-generated special members.
bool isOpaqueCallee(const FunctionDecl *FD) {
  if (!FD)
    return false;
  if (FD->isImplicit() || FD->isDefaulted())
    return true;
  return isInSystemHeader(FD);
}

void opaqueCallAccesses(const FunctionDecl *Callee, const Expr *Object, llvm::ArrayRef<const Expr *> Args,
                        const Stmt *At, const ShmProvenance &Shm, const ASTContext &Ctx,
                        llvm::SmallVectorImpl<ShmAccess> &Out) {
  const auto *Assignment = dyn_cast<CXXMethodDecl>(Callee);
  if (Assignment && Object && (Assignment->isCopyAssignmentOperator() || Assignment->isMoveAssignmentOperator())) {
    if (!isStdNamed(Assignment->getParent(), [](llvm::StringRef N) { return N.starts_with("atomic"); })) {
      addLValue(AccessKind::Write, Object, At, Shm, Ctx, Out);
      for (const Expr *Arg : Args)
        addLValue(AccessKind::Read, Arg, At, Shm, Ctx, Out);
    }
    return;
  }
  // Accessors hand out a reference or pointer: the access happens later, at
  // the use of the result, which the analysis sees.
  QualType Result = Callee->getReturnType();
  if (Result->isReferenceType() || Result->isPointerType())
    return;
  const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
  if (Method && Object) {
    const CXXRecordDecl *Record = Method->getParent();
    QualType ObjectType = Object->getType();
    if (ObjectType->isPointerType())
      ObjectType = ObjectType->getPointeeType();
    if (!excludedType(ObjectType) && !isStdNamed(Record, [](llvm::StringRef N) {
          return N.contains("atomic") || N.contains("mutex") || N.contains("lock");
        })) {
      bool Writes = !Method->isConst() && !isa<CXXConstructorDecl>(Method);
      if (Object->getType()->isPointerType())
        addPointer(Writes ? MemoryUse::Write : MemoryUse::Read, Object, At, Shm, Ctx, Out);
      else
        addLValue(Writes ? AccessKind::Write : AccessKind::Read, Object, At, Shm, Ctx, Out);
    }
  }
  for (unsigned I = 0; I < Args.size() && I < Callee->getNumParams(); ++I) {
    QualType Param = Callee->getParamDecl(I)->getType();
    const Expr *Arg = Args[I];
    if (Param->isReferenceType()) {
      bool Writes = !Param->getPointeeType().isConstQualified();
      addLValue(Writes ? AccessKind::Write : AccessKind::Read, Arg, At, Shm, Ctx, Out);
    }
  }
}

} // namespace

bool isAtomicType(QualType T) {
  if (T.isNull())
    return false;
  T = T.getNonReferenceType();
  while (const auto *Array = T->getAsArrayTypeUnsafe())
    T = Array->getElementType();
  if (T->isAtomicType())
    return true;
  return isStdNamed(T->getAsCXXRecordDecl(), [](llvm::StringRef N) { return N.starts_with("atomic"); });
}

bool isSynchronizationType(QualType T) {
  if (T.isNull())
    return false;
  T = T.getNonReferenceType();
  while (const auto *Array = T->getAsArrayTypeUnsafe())
    T = Array->getElementType();
  // Walk the typedef chain: glibc's types are typedefs of anonymous unions.
  for (QualType Current = T;;) {
    if (const auto *Typedef = Current->getAs<TypedefType>()) {
      if (isSyncTypedefName(Typedef->getDecl()->getName()))
        return true;
      QualType Next = Typedef->getDecl()->getUnderlyingType();
      if (Next == Current)
        break;
      Current = Next;
      continue;
    }
    break;
  }
  if (const auto *Record = T->getAsRecordDecl()) {
    if (Record->getIdentifier() && isSyncTypedefName(Record->getName()))
      return true;
    if (const auto *Typedef = Record->getTypedefNameForAnonDecl())
      if (isSyncTypedefName(Typedef->getName()))
        return true;
  }
  return isStdNamed(T->getAsCXXRecordDecl(), [](llvm::StringRef N) {
    return N.contains("mutex") || N == "condition_variable" || N == "condition_variable_any" ||
           N.ends_with("semaphore") || N == "barrier" || N == "latch" || N == "once_flag";
  });
}

const Expr *accessBase(const Expr *Target) {
  const Expr *E = Target;
  for (unsigned Depth = 0; E && Depth < 32; ++Depth) {
    E = E->IgnoreParens();
    if (const auto *Cast = dyn_cast<CastExpr>(E)) {
      E = Cast->getSubExpr();
      continue;
    }
    if (const auto *Member = dyn_cast<MemberExpr>(E)) {
      if (Member->isArrow())
        return isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts()) ? nullptr : Member->getBase();
      E = Member->getBase();
      continue;
    }
    if (const auto *Operator = dyn_cast<CXXOperatorCallExpr>(E);
        Operator && Operator->getNumArgs() > 0 && isa_and_nonnull<CXXMethodDecl>(Operator->getDirectCallee())) {
      E = Operator->getArg(0); // `b->cells[i]` on a std::array goes through b
      continue;
    }
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
      const Expr *Base = Subscript->getBase();
      // `p[i]` goes through the pointer p; `arr[i]` through arr's base.
      const auto *Decay = dyn_cast<ImplicitCastExpr>(Base->IgnoreParens());
      if (Decay && Decay->getCastKind() == CK_ArrayToPointerDecay) {
        E = Decay->getSubExpr();
        continue;
      }
      return Base;
    }
    if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
      if (Unary->getOpcode() == UO_Deref)
        return Unary->getSubExpr();
      E = Unary->getSubExpr();
      continue;
    }
    if (E->getType()->isPointerType())
      return E;
    if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
      return Ref->getDecl()->getType()->isReferenceType() ? Ref : nullptr;
    return nullptr;
  }
  return nullptr;
}

const Decl *accessRoot(const Expr *Target) {
  const Expr *E = Target;
  for (unsigned Depth = 0; E && Depth < 32; ++Depth) {
    E = E->IgnoreParens();
    if (const auto *Cast = dyn_cast<CastExpr>(E)) {
      E = Cast->getSubExpr();
      continue;
    }
    if (const auto *Member = dyn_cast<MemberExpr>(E)) {
      const Expr *Base = Member->getBase()->IgnoreParenImpCasts();
      if (Member->isArrow()) {
        // The pointer's own name: a variable, a field, `this`.
        if (const auto *Ref = dyn_cast<DeclRefExpr>(Base))
          return Ref->getDecl();
        if (const auto *Field = dyn_cast<MemberExpr>(Base))
          return Field->getMemberDecl();
        if (isa<CXXThisExpr>(Base))
          return nullptr;
      }
      E = Base;
      continue;
    }
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
      E = Subscript->getBase();
      continue;
    }
    if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
      E = Unary->getSubExpr();
      continue;
    }
    if (const auto *Binary = dyn_cast<BinaryOperator>(E)) {
      E = Binary->getLHS()->getType()->isPointerType() ? Binary->getLHS() : Binary->getRHS();
      continue;
    }
    if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
      return Ref->getDecl();
    return nullptr;
  }
  return nullptr;
}

void accessesOf(const Stmt *S, const ShmProvenance &Shm, const ASTContext &Ctx,
                llvm::SmallVectorImpl<ShmAccess> &Out) {
  if (const auto *Cast = dyn_cast<ImplicitCastExpr>(S)) {
    if (Cast->getCastKind() == CK_LValueToRValue)
      addLValue(AccessKind::Read, Cast->getSubExpr(), S, Shm, Ctx, Out);
    return;
  }
  if (const auto *Binary = dyn_cast<BinaryOperator>(S)) {
    if (Binary->getOpcode() == BO_Assign)
      addLValue(AccessKind::Write, Binary->getLHS(), S, Shm, Ctx, Out);
    else if (Binary->isCompoundAssignmentOp())
      addLValue(AccessKind::ReadModifyWrite, Binary->getLHS(), S, Shm, Ctx, Out);
    return;
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(S)) {
    if (Unary->isIncrementDecrementOp())
      addLValue(AccessKind::ReadModifyWrite, Unary->getSubExpr(), S, Shm, Ctx, Out);
    return;
  }
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) {
    const CXXConstructorDecl *Ctor = Construct->getConstructor();
    if (Ctor && isOpaqueCallee(Ctor) && (Ctor->isCopyOrMoveConstructor()))
      for (const Expr *Arg : Construct->arguments())
        addLValue(AccessKind::Read, Arg, S, Shm, Ctx, Out);
    return;
  }
  const auto *Call = dyn_cast<CallExpr>(S);
  if (!Call)
    return;
  llvm::StringRef Name = cFunctionName(Call);
  if (!Name.empty() && isDescribedLibraryFunction(Name)) {
    for (unsigned I = 0; I < Call->getNumArgs(); ++I)
      addPointer(libraryArgumentUse(Call, Name, I), Call->getArg(I), S, Shm, Ctx, Out);
    return;
  }
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee || !isOpaqueCallee(Callee) || !Ctx.getLangOpts().CPlusPlus)
    return;
  if (!isa<CXXMethodDecl>(Callee) && cFunctionName(Callee).size() && !Callee->isInStdNamespace())
    return; // C functions we do not describe: no guess
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
    llvm::SmallVector<const Expr *, 4> Args(Call->arguments());
    opaqueCallAccesses(Callee, Member->getImplicitObjectArgument(), Args, S, Shm, Ctx, Out);
    return;
  }
  if (const auto *Operator = dyn_cast<CXXOperatorCallExpr>(Call); Operator && isa<CXXMethodDecl>(Callee)) {
    if (Call->getNumArgs() == 0)
      return;
    llvm::SmallVector<const Expr *, 4> Args(Call->arguments());
    const Expr *Object = Args.front();
    Args.erase(Args.begin());
    opaqueCallAccesses(Callee, Object, Args, S, Shm, Ctx, Out);
    return;
  }
  llvm::SmallVector<const Expr *, 4> Args(Call->arguments());
  opaqueCallAccesses(Callee, nullptr, Args, S, Shm, Ctx, Out);
}

} // namespace clang::tidy::shm
