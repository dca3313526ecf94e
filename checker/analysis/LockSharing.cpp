#include "analysis/LockSharing.h"

#include "analysis/CalleeName.h"
#include "analysis/LockIdentity.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSwitch.h"

namespace clang::tidy::shm {
namespace {

/// The declaration an lvalue is stored in: a variable or the last field;
/// array elements share their array's declaration.
const Decl *storedIn(const Expr *LValue) {
  const Expr *E = ignoreCastsAndParens(LValue);
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(E); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    E = ignoreCastsAndParens(AddrOf->getSubExpr());
  while (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E))
    E = ignoreCastsAndParens(Subscript->getBase());
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return Ref->getDecl()->getCanonicalDecl();
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return Member->getMemberDecl()->getCanonicalDecl();
  return nullptr;
}

bool isAllocator(llvm::StringRef Name) {
  return llvm::StringSwitch<bool>(Name)
      .Cases("malloc", "calloc", "realloc", "reallocarray", "aligned_alloc", true)
      .Cases("memalign", "valloc", "pvalloc", "strdup", true)
      .Default(false);
}

bool opensDescription(llvm::StringRef Name) {
  return llvm::StringSwitch<bool>(Name)
      .Cases("open", "open64", "openat", "openat64", "creat", "creat64", true)
      .Cases("shm_open", "memfd_create", "socket", "accept", "accept4", true)
      .Default(false);
}

/// What the translation unit stores where, who calls whom, and how its
/// synchronisation objects are initialised.
class SharingIndex : public RecursiveASTVisitor<SharingIndex> {
public:
  explicit SharingIndex(ASTContext &Context) : Ctx(Context) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && isInSystemHeader(D))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitVarDecl(VarDecl *Var) {
    if (const Expr *Init = Var->getInit())
      Values[Var->getCanonicalDecl()].push_back(Init);
    return true;
  }
  bool VisitBinaryOperator(BinaryOperator *Op) {
    if (Op->getOpcode() == BO_Assign)
      if (const Decl *D = storedIn(Op->getLHS()))
        Values[D].push_back(Op->getRHS());
    return true;
  }
  bool VisitCallExpr(CallExpr *Call) {
    if (const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee()))
      Calls[Def->getCanonicalDecl()].push_back(Call);
    llvm::StringRef Name = cFunctionName(Call);
    if (Name.empty())
      return true;
    if ((Name == "pthread_mutex_init" || Name == "pthread_rwlock_init" || Name == "pthread_spin_init" ||
         Name == "sem_init") &&
        Call->getNumArgs() >= 2) {
      if (const Decl *D = storedIn(Call->getArg(0)))
        Inits[D].push_back(Call);
      return true;
    }
    bool SetsAttr = Name == "pthread_mutexattr_setpshared" || Name == "pthread_rwlockattr_setpshared";
    if (SetsAttr && Call->getNumArgs() == 2) {
      std::optional<int64_t> Value = integerConstant(Call->getArg(1), Ctx);
      if (const Decl *D = storedIn(Call->getArg(0)); D && (!Value || *Value != 0))
        SharedAttrs.insert(D);
      return true;
    }
    // An attribute handed to code that may make it shared.
    if (!Name.starts_with("pthread_mutexattr_") && !Name.starts_with("pthread_rwlockattr_"))
      for (const Expr *Arg : Call->arguments())
        if (const auto *AddrOf = dyn_cast<UnaryOperator>(ignoreCastsAndParens(Arg));
            AddrOf && AddrOf->getOpcode() == UO_AddrOf)
          if (const Decl *D = storedIn(AddrOf); D && !Name.ends_with("_init"))
            SharedAttrs.insert(D);
    return true;
  }

  ASTContext &Ctx;
  llvm::DenseMap<const Decl *, llvm::SmallVector<const Expr *, 2>> Values;
  llvm::DenseMap<const Decl *, llvm::SmallVector<const CallExpr *, 2>> Calls;
  llvm::DenseMap<const Decl *, llvm::SmallVector<const CallExpr *, 1>> Inits;
  llvm::DenseSet<const Decl *> SharedAttrs;
};

/// The verdict on one value: shared between processes, private, or unknown.
struct Verdict {
  enum Kind { Shared, Unknown, Private } K = Unknown;
  PrivateLock Lock;

  static Verdict shared() { return Verdict{Shared, {}}; }
  static Verdict unknown() { return Verdict{Unknown, {}}; }
  static Verdict privately(PrivateReason Reason, SourceLocation Where) {
    return Verdict{Private, PrivateLock{Reason, Where}};
  }
};

/// Private only if every value is: one that may be shared decides.
class Combined {
public:
  void add(const Verdict &V) {
    if (!First) {
      Result = V;
      First = true;
      return;
    }
    if (V.K == Verdict::Shared || Result.K == Verdict::Shared)
      Result = Verdict::shared();
    else if (V.K == Verdict::Unknown)
      Result = Verdict::unknown();
  }
  Verdict result() const { return First ? Result : Verdict::unknown(); }

private:
  bool First = false;
  Verdict Result;
};

constexpr unsigned MaxDepth = 5;

} // namespace

struct LockSharing::State {
  State(ASTContext &Context, const HeldLocks &L, const ShmProvenance &P)
      : Ctx(Context), Locks(L), Shm(P), Index(Context) {
    Index.TraverseDecl(Ctx.getTranslationUnitDecl());
  }

  ASTContext &Ctx;
  const HeldLocks &Locks;
  const ShmProvenance &Shm;
  SharingIndex Index;
  mutable llvm::DenseMap<unsigned, std::optional<PrivateLock>> Cache;

  Verdict pointerDecl(const Decl *D, unsigned Depth) const;
  Verdict pointerExpr(const Expr *E, unsigned Depth) const;
  Verdict objectExpr(const Expr *E, unsigned Depth) const;
  Verdict descriptorDecl(const Decl *D, unsigned Depth) const;
  Verdict descriptorExpr(const Expr *E, unsigned Depth) const;
  template <typename Classify> Verdict callersPass(const ParmVarDecl *Param, unsigned Depth, Classify C) const;
  std::optional<PrivateLock> initialisedPrivate(const Decl *Holder) const;
  std::optional<PrivateLock> classify(unsigned Id) const;
  /// The declarations along Key's path: the last field before a pointer is
  /// followed for the last time (whose value points to the lock), and the
  /// last field overall (the lock's holder).
  struct Walk {
    bool Ok = false;
    int LastDeref = -1; ///< index of the last `^`
    const Decl *PointerHolder = nullptr;
    const Decl *Holder = nullptr;
  };
  Walk walk(const KeyRoot &Root) const;
};

template <typename Classify>
Verdict LockSharing::State::callersPass(const ParmVarDecl *Param, unsigned Depth, Classify C) const {
  const auto *Owner = dyn_cast<FunctionDecl>(Param->getDeclContext());
  if (!Owner)
    return Verdict::unknown();
  auto It = Index.Calls.find(Owner->getCanonicalDecl());
  if (It == Index.Calls.end())
    return Verdict::unknown();
  unsigned I = Param->getFunctionScopeIndex();
  Combined All;
  for (const CallExpr *Call : It->second) {
    unsigned Offset = isa<CXXOperatorCallExpr>(Call) && isa<CXXMethodDecl>(Owner) ? 1 : 0;
    if (I + Offset >= Call->getNumArgs())
      return Verdict::unknown();
    All.add(C(Call->getArg(I + Offset), Depth + 1));
  }
  return All.result();
}

Verdict LockSharing::State::pointerDecl(const Decl *D, unsigned Depth) const {
  if (!D || Depth > MaxDepth)
    return Verdict::unknown();
  if (const auto *Value = dyn_cast<ValueDecl>(D); Value && Shm.holdsShm(Value))
    return Verdict::shared();
  if (const auto *Param = dyn_cast<ParmVarDecl>(D))
    return callersPass(Param, Depth, [this](const Expr *Arg, unsigned Next) { return pointerExpr(Arg, Next); });
  auto It = Index.Values.find(D->getCanonicalDecl());
  if (It == Index.Values.end())
    return Verdict::unknown();
  Combined All;
  for (const Expr *Value : It->second)
    All.add(pointerExpr(Value, Depth + 1));
  return All.result();
}

Verdict LockSharing::State::pointerExpr(const Expr *E, unsigned Depth) const {
  if (!E || Depth > MaxDepth)
    return Verdict::unknown();
  if (Shm.pointsIntoShm(E))
    return Verdict::shared();
  E = ignoreCastsAndParens(E);
  if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(E))
    E = ignoreCastsAndParens(Cleanups->getSubExpr());
  if (const auto *Call = dyn_cast<CallExpr>(E)) {
    llvm::StringRef Name = cFunctionName(Call);
    if (isAllocator(Name))
      return Verdict::privately(PrivateReason::NotInSharedMemory, Call->getBeginLoc());
    if (Name == "sem_open")
      return Verdict::shared(); // a named semaphore
    return Verdict::unknown();
  }
  if (const auto *New = dyn_cast<CXXNewExpr>(E)) {
    if (New->getNumPlacementArgs() > 0)
      return pointerExpr(New->getPlacementArg(0), Depth + 1);
    return Verdict::privately(PrivateReason::NotInSharedMemory, New->getBeginLoc());
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E); Unary && Unary->getOpcode() == UO_AddrOf)
    return objectExpr(Unary->getSubExpr(), Depth + 1);
  if (E->getType()->isArrayType())
    return objectExpr(E, Depth + 1);
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return pointerDecl(Ref->getDecl(), Depth + 1);
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return pointerDecl(Member->getMemberDecl(), Depth + 1);
  if (const auto *Binary = dyn_cast<BinaryOperator>(E); Binary && Binary->isAdditiveOp())
    return pointerExpr(Binary->getLHS()->getType()->isPointerType() ? Binary->getLHS() : Binary->getRHS(), Depth + 1);
  if (const auto *Conditional = dyn_cast<ConditionalOperator>(E)) {
    Combined Both;
    Both.add(pointerExpr(Conditional->getTrueExpr(), Depth + 1));
    Both.add(pointerExpr(Conditional->getFalseExpr(), Depth + 1));
    return Both.result();
  }
  return Verdict::unknown();
}

Verdict LockSharing::State::objectExpr(const Expr *E, unsigned Depth) const {
  if (!E || Depth > MaxDepth)
    return Verdict::unknown();
  if (Shm.designatesShm(E))
    return Verdict::shared();
  E = E->IgnoreParenImpCasts();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
    if (!Var || Var->getType()->isReferenceType() || isa<ParmVarDecl>(Var))
      return Verdict::unknown();
    return Verdict::privately(PrivateReason::NotInSharedMemory, Var->getLocation());
  }
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return Member->isArrow() ? pointerExpr(Member->getBase(), Depth + 1) : objectExpr(Member->getBase(), Depth + 1);
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
    const Expr *Base = Subscript->getBase()->IgnoreParenImpCasts();
    return Base->getType()->isArrayType() ? objectExpr(Base, Depth + 1) : pointerExpr(Base, Depth + 1);
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E); Unary && Unary->getOpcode() == UO_Deref)
    return pointerExpr(Unary->getSubExpr(), Depth + 1);
  return Verdict::unknown();
}

Verdict LockSharing::State::descriptorDecl(const Decl *D, unsigned Depth) const {
  if (!D || Depth > MaxDepth)
    return Verdict::unknown();
  if (const auto *Param = dyn_cast<ParmVarDecl>(D))
    return callersPass(Param, Depth, [this](const Expr *Arg, unsigned Next) { return descriptorExpr(Arg, Next); });
  auto It = Index.Values.find(D->getCanonicalDecl());
  if (It == Index.Values.end())
    return Verdict::unknown();
  Combined All;
  for (const Expr *Value : It->second)
    All.add(descriptorExpr(Value, Depth + 1));
  return All.result();
}

Verdict LockSharing::State::descriptorExpr(const Expr *E, unsigned Depth) const {
  if (!E || Depth > MaxDepth)
    return Verdict::unknown();
  E = ignoreCastsAndParens(E);
  if (const auto *Call = dyn_cast<CallExpr>(E)) {
    if (!opensDescription(cFunctionName(Call)))
      return Verdict::unknown();
    // Opened while the process is alone, in a program that then forks: every
    // process of the tree holds the same open file description.
    bool Analysed = Locks.mustHoldAt(Call) != nullptr;
    if (Analysed && Shm.unitSpawnsConcurrency() && !Locks.mayRunConcurrently(Call))
      return Verdict::privately(PrivateReason::InheritedDescription, Call->getBeginLoc());
    return Verdict::shared();
  }
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return descriptorDecl(Ref->getDecl(), Depth + 1);
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return descriptorDecl(Member->getMemberDecl(), Depth + 1);
  return Verdict::unknown();
}

std::optional<PrivateLock> LockSharing::State::initialisedPrivate(const Decl *Holder) const {
  if (!Holder)
    return std::nullopt;
  auto It = Index.Inits.find(Holder->getCanonicalDecl());
  if (It == Index.Inits.end())
    return std::nullopt;
  std::optional<PrivateLock> Private;
  for (const CallExpr *Call : It->second) {
    llvm::StringRef Name = cFunctionName(Call);
    const Expr *Flag = Call->getArg(1);
    bool IsPrivate = false;
    if (Name == "pthread_spin_init" || Name == "sem_init") {
      std::optional<int64_t> Value = integerConstant(Flag, Ctx);
      IsPrivate = Value && *Value == 0;
    } else if (Flag->IgnoreParenImpCasts()->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull)) {
      IsPrivate = true; // default attributes: PTHREAD_PROCESS_PRIVATE
    } else if (const auto *AddrOf = dyn_cast<UnaryOperator>(ignoreCastsAndParens(Flag));
               AddrOf && AddrOf->getOpcode() == UO_AddrOf) {
      const Decl *Attr = storedIn(AddrOf);
      IsPrivate = Attr && !isa<ParmVarDecl>(Attr) && !Index.SharedAttrs.contains(Attr);
    }
    if (!IsPrivate)
      return std::nullopt; // one shared initialisation: take it as the one that counts
    if (!Private)
      Private = PrivateLock{PrivateReason::NotProcessShared, Call->getBeginLoc()};
  }
  return Private;
}

LockSharing::State::Walk LockSharing::State::walk(const KeyRoot &Root) const {
  Walk W;
  QualType T;
  if (Root.Kind == 'G' || Root.Kind == 'V') {
    const auto *Value = dyn_cast_or_null<ValueDecl>(Root.D);
    if (!Value)
      return W;
    T = Value->getType();
    W.PointerHolder = Value;
    W.Holder = Value;
  } else if (Root.Kind == 'P') {
    const auto *Function = dyn_cast_or_null<FunctionDecl>(Root.D);
    if (!Function || Root.Param >= Function->getNumParams())
      return W;
    const ParmVarDecl *Param = Function->getParamDecl(Root.Param);
    T = Param->getType();
    W.PointerHolder = Param;
    W.Holder = Param;
  } else if (Root.Kind == 'T') {
    const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Root.D);
    if (!Method)
      return W;
    T = Method->getThisType();
    W.PointerHolder = nullptr; // `this`: see thisPointsIntoShm
    W.Holder = nullptr;
  } else {
    return W;
  }
  const Decl *Last = W.Holder;
  llvm::SmallVector<PathStep, 4> Steps = pathSteps(Root.Path);
  for (unsigned I = 0; I < Steps.size(); ++I) {
    const PathStep &Step = Steps[I];
    T = T.getNonReferenceType();
    switch (Step.Op) {
    case '^':
      W.LastDeref = static_cast<int>(I);
      W.PointerHolder = Last;
      if (T->isPointerType())
        T = T->getPointeeType();
      else if (const ArrayType *Array = T->getAsArrayTypeUnsafe())
        T = Array->getElementType();
      else
        return W;
      break;
    case '[':
      if (T->isPointerType()) {
        W.LastDeref = static_cast<int>(I);
        W.PointerHolder = Last;
        T = T->getPointeeType();
      } else if (const ArrayType *Array = T->getAsArrayTypeUnsafe()) {
        T = Array->getElementType();
      } else {
        return W;
      }
      break;
    case '.': {
      const RecordDecl *Record = T->getAsRecordDecl();
      if (!Record || !Record->getDefinition())
        return W;
      const FieldDecl *Found = nullptr;
      for (const FieldDecl *Field : Record->getDefinition()->fields())
        if (Field->getName() == Step.Text)
          Found = Field;
      if (!Found)
        return W;
      if (Found->getType()->isReferenceType()) {
        // A reference member leads elsewhere, like a pointer.
        W.LastDeref = static_cast<int>(I);
        W.PointerHolder = Found;
      }
      Last = Found;
      T = Found->getType();
      break;
    }
    default:
      return W; // `&` left over, or a System V set number
    }
  }
  W.Holder = Last;
  W.Ok = true;
  return W;
}

std::optional<PrivateLock> LockSharing::State::classify(unsigned Id) const {
  const LockId &Lock = Locks.lock(Id);
  llvm::StringRef Key = Lock.Key;
  if (Lock.Kind == LockKind::SysVSemaphore || Lock.Kind == LockKind::Configured)
    return std::nullopt;
  if (Lock.Kind == LockKind::FileLock) {
    // Record locks (lockf, fcntl) belong to the process; a flock belongs to
    // the open file description.
    if (!Key.consume_front(flockKeyPrefix()))
      return std::nullopt;
    KeyRoot Root = splitKey(Key);
    Walk W = walk(Root);
    if (!W.Ok || W.LastDeref >= 0)
      return std::nullopt;
    Verdict V = descriptorDecl(W.Holder, 0);
    if (V.K == Verdict::Private)
      return V.Lock;
    return std::nullopt;
  }
  KeyRoot Root = splitKey(Key);
  Walk W = walk(Root);
  if (!W.Ok)
    return std::nullopt;
  Verdict Place;
  if (W.LastDeref < 0) {
    // The lock object is (inside) a variable of the program itself.
    const auto *Var = dyn_cast_or_null<VarDecl>(Root.D);
    if (Var && !isa<ParmVarDecl>(Var) && !Var->getType()->isReferenceType())
      Place = Verdict::privately(PrivateReason::NotInSharedMemory, Var->getLocation());
  } else if (Root.Kind == 'T' && !W.PointerHolder) {
    const auto *Method = dyn_cast<CXXMethodDecl>(Root.D);
    Place = Method && Shm.thisPointsIntoShm(Method) ? Verdict::shared() : Verdict::unknown();
  } else {
    Place = pointerDecl(W.PointerHolder, 0);
  }
  if (Place.K == Verdict::Private)
    return Place.Lock;
  if (Lock.Kind == LockKind::Mutex || Lock.Kind == LockKind::RwLock || Lock.Kind == LockKind::SpinLock ||
      Lock.Kind == LockKind::PosixSemaphore)
    return initialisedPrivate(Lock.Holder ? Lock.Holder : W.Holder);
  return std::nullopt;
}

LockSharing::LockSharing(ASTContext &Ctx, const HeldLocks &Locks, const ShmProvenance &Shm)
    : S(std::make_unique<State>(Ctx, Locks, Shm)) {}

LockSharing::~LockSharing() = default;

std::optional<PrivateLock> LockSharing::privateLock(unsigned Id) const {
  auto It = S->Cache.find(Id);
  if (It != S->Cache.end())
    return It->second;
  std::optional<PrivateLock> Result = S->classify(Id);
  S->Cache[Id] = Result;
  return Result;
}

const Decl *LockSharing::holderOf(unsigned Id) const {
  const LockId &Lock = S->Locks.lock(Id);
  if (Lock.Holder)
    // A parameter names whatever each caller passes: not one lock.
    return isa<ParmVarDecl>(Lock.Holder) ? nullptr : Lock.Holder->getCanonicalDecl();
  llvm::StringRef Key = Lock.Key;
  Key.consume_front(flockKeyPrefix());
  Key.consume_front("{F}");
  State::Walk W = S->walk(splitKey(Key));
  if (!W.Ok || !W.Holder || isa<ParmVarDecl>(W.Holder))
    return nullptr;
  return W.Holder->getCanonicalDecl();
}

std::string LockSharing::describe(const PrivateLock &Lock, llvm::StringRef Display) {
  switch (Lock.Reason) {
  case PrivateReason::NotInSharedMemory:
    return "'" + Display.str() + "' is private to each process: it is not in shared memory";
  case PrivateReason::NotProcessShared:
    return "'" + Display.str() + "' is private to each process: it is not process-shared";
  case PrivateReason::InheritedDescription:
    return "'" + Display.str() +
           "' is one open file description that every process forked after this shares: flock on it excludes "
           "nothing between them";
  }
  return {};
}

} // namespace clang::tidy::shm
