#include "analysis/LockOperations.h"

#include "analysis/AttachCalls.h"
#include "analysis/CalleeName.h"
#include "analysis/LockIdentity.h"
#include "analysis/RecordLockValues.h"
#include "analysis/SembufValues.h"
#include "summary/PortableLockKeys.h"
#include "summary/ProjectFacts.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

namespace clang::tidy::shm {

bool EffectSummary::operator==(const EffectSummary &O) const {
  auto SameKeys = [](const std::vector<LockEffect> &A, const std::vector<LockEffect> &B) {
    if (A.size() != B.size())
      return false;
    for (size_t I = 0; I < A.size(); ++I)
      if (A[I].Key != B[I].Key || A[I].Act != B[I].Act || A[I].Mode != B[I].Mode)
        return false;
    return true;
  };
  return SameKeys(Acquires, O.Acquires) && SameKeys(Releases, O.Releases) && SameKeys(Signed, O.Signed) &&
         Try.has_value() == O.Try.has_value() && (!Try || Try->Key == O.Try->Key) && MayFork == O.MayFork &&
         Joins == O.Joins && ExitLabels == O.ExitLabels && ExitMany == O.ExitMany && ExitLive == O.ExitLive;
}

namespace {

using Action = LockOp::Action;

struct PrimitiveOp {
  Action Act;
  LockKind Kind;
  LockMode Mode;
  unsigned LockArg; ///< which argument names the lock
};

std::optional<PrimitiveOp> primitive(llvm::StringRef Name) {
  const auto X = LockMode::Exclusive;
  const auto Sh = LockMode::Shared;
  return llvm::StringSwitch<std::optional<PrimitiveOp>>(Name)
      .Cases("pthread_mutex_lock", "pthread_mutex_timedlock", "pthread_mutex_clocklock",
             PrimitiveOp{Action::Acquire, LockKind::Mutex, X, 0})
      .Case("pthread_mutex_trylock", PrimitiveOp{Action::TryAcquire, LockKind::Mutex, X, 0})
      .Case("pthread_mutex_unlock", PrimitiveOp{Action::Release, LockKind::Mutex, X, 0})
      .Cases("pthread_rwlock_rdlock", "pthread_rwlock_timedrdlock", "pthread_rwlock_clockrdlock",
             PrimitiveOp{Action::Acquire, LockKind::RwLock, Sh, 0})
      .Cases("pthread_rwlock_wrlock", "pthread_rwlock_timedwrlock", "pthread_rwlock_clockwrlock",
             PrimitiveOp{Action::Acquire, LockKind::RwLock, X, 0})
      .Case("pthread_rwlock_tryrdlock", PrimitiveOp{Action::TryAcquire, LockKind::RwLock, Sh, 0})
      .Case("pthread_rwlock_trywrlock", PrimitiveOp{Action::TryAcquire, LockKind::RwLock, X, 0})
      .Case("pthread_rwlock_unlock", PrimitiveOp{Action::Release, LockKind::RwLock, X, 0})
      .Case("pthread_spin_lock", PrimitiveOp{Action::Acquire, LockKind::SpinLock, X, 0})
      .Case("pthread_spin_trylock", PrimitiveOp{Action::TryAcquire, LockKind::SpinLock, X, 0})
      .Case("pthread_spin_unlock", PrimitiveOp{Action::Release, LockKind::SpinLock, X, 0})
      // A condition wait returns with the mutex held again.
      .Cases("pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait",
             PrimitiveOp{Action::Acquire, LockKind::Mutex, X, 1})
      .Cases("sem_wait", "sem_timedwait", "sem_clockwait",
             PrimitiveOp{Action::Acquire, LockKind::PosixSemaphore, X, 0})
      .Case("sem_trywait", PrimitiveOp{Action::TryAcquire, LockKind::PosixSemaphore, X, 0})
      .Case("sem_post", PrimitiveOp{Action::Release, LockKind::PosixSemaphore, X, 0})
      .Default(std::nullopt);
}

// <sys/file.h> and <unistd.h> values on Linux.
constexpr int64_t LockShared = 1, LockExclusive = 2, LockNonBlocking = 4, LockUnlock = 8;
constexpr int64_t FUnlock = 0, FLock = 1, FTryLock = 2;
// <fcntl.h>: commands and struct flock l_type values.
constexpr int64_t FSetLk = 6, FSetLkW = 7, FOfdSetLk = 37, FOfdSetLkW = 38;
constexpr int64_t FReadLock = 0, FWriteLock = 1, FUnlockType = 2;

bool isStdRecord(const CXXRecordDecl *Record, std::initializer_list<llvm::StringRef> Names) {
  if (!Record || !Record->isInStdNamespace() || !Record->getIdentifier())
    return false;
  for (llvm::StringRef Name : Names)
    if (Record->getName() == Name)
      return true;
  return false;
}

bool hasMethodNamed(const CXXRecordDecl *Record, llvm::StringRef Name) {
  if (!Record || !Record->hasDefinition())
    return false;
  for (const CXXMethodDecl *Method : Record->getDefinition()->methods())
    if (Method->getIdentifier() && Method->getName() == Name)
      return true;
  bool Found = false;
  Record->getDefinition()->forallBases([&](const CXXRecordDecl *Base) {
    for (const CXXMethodDecl *Method : Base->methods())
      if (Method->getIdentifier() && Method->getName() == Name)
        Found = true;
    return true;
  });
  return Found;
}

bool isGuardRecord(const CXXRecordDecl *Record) {
  return isStdRecord(Record, {"lock_guard", "unique_lock", "scoped_lock", "shared_lock"}) ||
         (Record && Record->hasAttr<ScopedLockableAttr>());
}

/// The type name of a tag argument (std::defer_lock_t, std::adopt_lock_t...).
llvm::StringRef tagName(const Expr *Arg) {
  const CXXRecordDecl *Record = Arg->getType()->getAsCXXRecordDecl();
  if (Record && Record->isInStdNamespace() && Record->getIdentifier())
    return Record->getName();
  return {};
}

/// A library model (or a check option) says what Callee does.
bool isModelled(const FunctionDecl *Callee) {
  const ProjectFacts *Facts = ProjectFacts::current();
  const FunctionFacts *F = Facts ? Facts->function(Callee) : nullptr;
  return F && F->Model && !F->Locks.empty();
}

/// Keys of the arguments of a call, for translating a callee's keys.
struct CallArguments {
  const Expr *const *Args = nullptr;
  unsigned NumArgs = 0;
  const Expr *Object = nullptr;          ///< implicit object of a member call
  const VarDecl *ConstructedVar = nullptr; ///< object of a constructor call
  const FunctionDecl *Scope = nullptr;

  std::optional<std::string> key(int Index) const {
    if (Index < 0) {
      if (Object) {
        std::string K = valueKey(Object, Scope);
        return Object->getType()->isPointerType() ? K : appendPath(K, "&");
      }
      if (ConstructedVar)
        return appendPath(variableKey(ConstructedVar), "&");
      return std::nullopt;
    }
    if (static_cast<unsigned>(Index) >= NumArgs)
      return std::nullopt;
    return valueKey(Args[Index], Scope);
  }

  std::string display(llvm::StringRef CalleeKey, llvm::StringRef CalleeDisplay, const ASTContext &Ctx) const {
    // A key rooted at parameter I reads best as the caller's argument I.
    if (CalleeKey.starts_with("{P:")) {
      size_t Colon = CalleeKey.find(':', 3);
      size_t Close = CalleeKey.find('}');
      unsigned Index = 0;
      if (Colon != llvm::StringRef::npos && Close != llvm::StringRef::npos &&
          !CalleeKey.slice(Colon + 1, Close).getAsInteger(10, Index) && Index < NumArgs)
        return spelling(Args[Index], Ctx);
    }
    if (CalleeKey.starts_with("{T:") && Object)
      return spelling(Object, Ctx);
    return CalleeDisplay.str();
  }
};

CallArguments argumentsOf(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                          const VarDecl *ConstructedVar) {
  CallArguments Args;
  Args.Scope = Scope;
  Args.ConstructedVar = ConstructedVar;
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) {
    Args.Args = Construct->getArgs();
    Args.NumArgs = Construct->getNumArgs();
    return Args;
  }
  const auto *Call = cast<CallExpr>(S);
  Args.Args = Call->getArgs();
  Args.NumArgs = Call->getNumArgs();
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
    Args.Object = Member->getImplicitObjectArgument();
  } else if (isa<CXXOperatorCallExpr>(Call) && isa<CXXMethodDecl>(Callee) && Call->getNumArgs() > 0) {
    Args.Object = Call->getArg(0);
    Args.Args = Call->getArgs() + 1;
    Args.NumArgs = Call->getNumArgs() - 1;
  }
  return Args;
}

/// Translates an effect from Callee's terms into the caller's.
std::optional<LockEffect> translate(const LockEffect &Effect, const FunctionDecl *Callee, const CallArguments &Args,
                                    const ASTContext &Ctx) {
  std::optional<std::string> Key =
      substituteParameters(Effect.Key, Callee, [&](int Index) { return Args.key(Index); });
  if (!Key)
    return std::nullopt;
  LockEffect Out = Effect;
  Out.Key = *Key;
  Out.Display = Args.display(Effect.Key, Effect.Display, Ctx);
  Out.Guard = nullptr;
  Out.WholeGuard = false;
  return Out;
}

template <typename AttrT>
void capabilityEffects(const FunctionDecl *Callee, Action Act, const CallArguments &Args, const ASTContext &Ctx,
                       llvm::SmallVectorImpl<LockEffect> &Out) {
  for (const AttrT *A : Callee->specific_attrs<AttrT>()) {
    LockMode Mode = LockMode::Exclusive;
    if constexpr (!std::is_same_v<AttrT, ReleaseCapabilityAttr>)
      Mode = A->isShared() ? LockMode::Shared : LockMode::Exclusive;
    auto Add = [&](std::string CalleeKey, std::string CalleeDisplay) {
      LockEffect Effect;
      Effect.Act = Act;
      Effect.Kind = LockKind::Capability;
      Effect.Mode = Mode;
      Effect.Key = std::move(CalleeKey);
      Effect.Display = std::move(CalleeDisplay);
      if constexpr (std::is_same_v<AttrT, TryAcquireCapabilityAttr>) {
        std::optional<int64_t> Success = integerConstant(A->getSuccessValue(), Ctx);
        Effect.SuccessIsZero = Success && *Success == 0;
      }
      if (std::optional<LockEffect> Translated = translate(Effect, Callee, Args, Ctx))
        Out.push_back(std::move(*Translated));
    };
    if (A->args_size() == 0) {
      // No argument: the object the method is called on.
      if (isa<CXXMethodDecl>(Callee))
        Add(appendPath(thisKey(Callee), "^"), "*this");
      continue;
    }
    for (const Expr *Arg : A->args()) {
      if (isa<StringLiteral>(Arg->IgnoreParenImpCasts()))
        continue;
      Add(lockObjectKey(Arg, Callee), spelling(Arg, Ctx));
    }
  }
}

} // namespace

bool callsOneOf(const FunctionDecl *Callee, const std::vector<std::string> &Names) {
  if (!Callee || Names.empty())
    return false;
  std::string Qualified = Callee->getQualifiedNameAsString();
  llvm::StringRef Plain = Callee->getIdentifier() ? Callee->getName() : llvm::StringRef();
  for (const std::string &Name : Names) {
    llvm::StringRef N = llvm::StringRef(Name).trim();
    N.consume_front("::"); // "::lock" names the global one: compare it plainly
    if (N == Qualified || (!Plain.empty() && N == Plain))
      return true;
  }
  return false;
}

LockOperations::LockOperations(ASTContext &Context, const LockConfig &Cfg, SummaryLookup Lookup,
                               const SemaphoreValues *Initial)
    : Ctx(Context), Config(Cfg), Summaries(std::move(Lookup)), Semaphores(Initial) {}

void LockOperations::classifySemaphore(LockEffect &Effect, const Expr *SemaphoreExpr,
                                       std::optional<int64_t> SetNum) const {
  if (!SemaphoreExpr)
    return;
  bool Posix = Effect.Kind == LockKind::PosixSemaphore;
  Effect.Holder = semaphoreHolder(SemaphoreExpr, Posix);
  Effect.HolderNum = Posix ? 0 : SetNum.value_or(-1);
  if (!Semaphores || Effect.Act == Action::Release)
    return;
  std::optional<int64_t> Initial;
  if (Effect.Kind == LockKind::PosixSemaphore)
    Initial = Semaphores->posixInitial(SemaphoreExpr);
  else if (Effect.Kind == LockKind::SysVSemaphore && SetNum)
    Initial = Semaphores->sysvInitial(SemaphoreExpr, *SetNum);
  Effect.Counting = Initial && *Initial != 1;
  Effect.Event = Initial && *Initial == 0;
}

bool LockOperations::attributeEffects(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                                      const VarDecl *ConstructedVar, llvm::SmallVectorImpl<LockEffect> &Out) const {
  if (!Callee->hasAttr<AcquireCapabilityAttr>() && !Callee->hasAttr<ReleaseCapabilityAttr>() &&
      !Callee->hasAttr<TryAcquireCapabilityAttr>())
    return false;
  CallArguments Args = argumentsOf(S, Callee, Scope, ConstructedVar);
  size_t Before = Out.size();
  capabilityEffects<AcquireCapabilityAttr>(Callee, Action::Acquire, Args, Ctx, Out);
  capabilityEffects<TryAcquireCapabilityAttr>(Callee, Action::TryAcquire, Args, Ctx, Out);
  capabilityEffects<ReleaseCapabilityAttr>(Callee, Action::Release, Args, Ctx, Out);
  // A SCOPED_CAPABILITY constructor or destructor: the guard owns the locks.
  const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
  if (Method && Method->getParent()->hasAttr<ScopedLockableAttr>()) {
    for (size_t I = Before; I < Out.size(); ++I)
      Out[I].Guard = ConstructedVar;
  }
  return true;
}

bool LockOperations::configuredEffects(const CallExpr *Call, const FunctionDecl *Scope,
                                       llvm::SmallVectorImpl<LockEffect> &Out) const {
  const FunctionDecl *Callee = Call->getDirectCallee();
  bool Locks = callsOneOf(Callee, Config.LockFunctions);
  bool Unlocks = !Locks && callsOneOf(Callee, Config.UnlockFunctions);
  if (!Locks && !Unlocks)
    return false;
  LockEffect Effect;
  Effect.Act = Locks ? Action::Acquire : Action::Release;
  Effect.Kind = LockKind::Configured;
  if (Call->getNumArgs() > 0) {
    Effect.Key = lockObjectKey(Call->getArg(0), Scope);
    Effect.Display = spelling(Call->getArg(0), Ctx);
  } else {
    // No argument: the function guards one lock of its own.
    std::string Name = Callee->getQualifiedNameAsString();
    Effect.Key = "{N:" + Name + "}";
    Effect.Display = Name;
  }
  Out.push_back(std::move(Effect));
  return true;
}

bool LockOperations::libraryEffects(const CallExpr *Call, const FunctionDecl *Scope,
                                    llvm::SmallVectorImpl<LockEffect> &Out) const {
  llvm::StringRef Name = cFunctionName(Call);
  if (Name.empty())
    return false;
  if (std::optional<PrimitiveOp> Op = primitive(Name)) {
    if (Call->getNumArgs() <= Op->LockArg)
      return true;
    const Expr *Lock = Call->getArg(Op->LockArg);
    LockEffect Effect;
    Effect.Act = Op->Act;
    Effect.Kind = Op->Kind;
    Effect.Mode = Op->Mode;
    Effect.Key = lockObjectKey(Lock, Scope);
    Effect.Display = spelling(Lock, Ctx);
    if (Effect.Kind == LockKind::PosixSemaphore) {
      Effect.Semaphore = Lock;
      classifySemaphore(Effect, Lock, std::nullopt);
    }
    Out.push_back(std::move(Effect));
    return true;
  }
  if ((Name == "semop" || Name == "semtimedop") && Call->getNumArgs() >= 3) {
    const Expr *SetId = Call->getArg(0);
    std::string SetKey = valueKey(SetId, Scope);
    std::string SetDisplay = spelling(SetId, Ctx);
    for (const SembufOp &Op : sembufOps(Call, Scope, Ctx)) {
      LockEffect Effect;
      Effect.Kind = LockKind::SysVSemaphore;
      std::string NumKey = Op.SemNum ? valueKey(Op.SemNum, Scope) : "{N:?}";
      Effect.Key = SetKey + "#" + NumKey;
      Effect.Display = SetDisplay;
      if (Op.SemNum) {
        std::optional<int64_t> Num = integerConstant(Op.SemNum, Ctx);
        if (!Num || *Num != 0)
          Effect.Display += "[" + spelling(Op.SemNum, Ctx) + "]";
      }
      if (Op.SemOp) {
        if (*Op.SemOp == 0)
          continue; // wait-for-zero neither takes nor gives
        bool Takes = *Op.SemOp < 0;
        Effect.Act = Takes ? (Op.NoWait ? Action::TryAcquire : Action::Acquire) : Action::Release;
      } else if (Op.SemOpParam >= 0) {
        Effect.SignParam = Op.SemOpParam;
        Effect.SignNegated = Op.SemOpNegated;
      } else {
        continue;
      }
      Effect.Semaphore = SetId;
      Effect.Num = Op.SemNum ? integerConstant(Op.SemNum, Ctx) : std::optional<int64_t>(0);
      if (Op.SemNum && !Effect.Num) {
        const auto *Ref = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(Op.SemNum));
        const auto *Param = Ref ? dyn_cast<ParmVarDecl>(Ref->getDecl()) : nullptr;
        if (Param && Param->getDeclContext() == Scope)
          Effect.NumParam = static_cast<int>(Param->getFunctionScopeIndex());
      }
      classifySemaphore(Effect, SetId, Effect.Num);
      Out.push_back(std::move(Effect));
    }
    return true;
  }
  if (Name == "flock" && Call->getNumArgs() == 2) {
    std::optional<int64_t> Op = integerConstant(Call->getArg(1), Ctx);
    if (!Op)
      return true;
    LockEffect Effect;
    Effect.Kind = LockKind::FileLock;
    Effect.Key = flockKeyPrefix().str() + valueKey(Call->getArg(0), Scope);
    Effect.Display = spelling(Call->getArg(0), Ctx);
    if (*Op & LockUnlock)
      Effect.Act = Action::Release;
    else if (*Op & (LockShared | LockExclusive))
      Effect.Act = (*Op & LockNonBlocking) ? Action::TryAcquire : Action::Acquire;
    else
      return true;
    Effect.Mode = (*Op & LockShared) ? LockMode::Shared : LockMode::Exclusive;
    Out.push_back(std::move(Effect));
    return true;
  }
  if (Name == "lockf" && Call->getNumArgs() == 3) {
    std::optional<int64_t> Cmd = integerConstant(Call->getArg(1), Ctx);
    if (!Cmd || (*Cmd != FUnlock && *Cmd != FLock && *Cmd != FTryLock))
      return true;
    LockEffect Effect;
    Effect.Kind = LockKind::FileLock;
    Effect.Key = "{F}" + valueKey(Call->getArg(0), Scope);
    Effect.Display = spelling(Call->getArg(0), Ctx);
    Effect.Act = *Cmd == FUnlock ? Action::Release : *Cmd == FLock ? Action::Acquire : Action::TryAcquire;
    Out.push_back(std::move(Effect));
    return true;
  }
  if (Name == "fcntl" && Call->getNumArgs() == 3) {
    // Record locks: F_SETLKW waits, F_SETLK tries; the l_type of the struct
    // flock says which. F_OFD_* locks belong to the open file description,
    // like flock; the others to the process.
    std::optional<int64_t> Cmd = integerConstant(Call->getArg(1), Ctx);
    if (!Cmd || (*Cmd != FSetLk && *Cmd != FSetLkW && *Cmd != FOfdSetLk && *Cmd != FOfdSetLkW))
      return true;
    std::optional<int64_t> Type = recordLockType(Call, Scope, Ctx);
    if (!Type || (*Type != FReadLock && *Type != FWriteLock && *Type != FUnlockType))
      return true;
    bool PerDescription = *Cmd == FOfdSetLk || *Cmd == FOfdSetLkW;
    LockEffect Effect;
    Effect.Kind = LockKind::FileLock;
    Effect.Key = (PerDescription ? flockKeyPrefix().str() : std::string("{F}")) + valueKey(Call->getArg(0), Scope);
    Effect.Display = spelling(Call->getArg(0), Ctx);
    Effect.Mode = *Type == FReadLock ? LockMode::Shared : LockMode::Exclusive;
    if (*Type == FUnlockType)
      Effect.Act = Action::Release;
    else
      Effect.Act = (*Cmd == FSetLkW || *Cmd == FOfdSetLkW) ? Action::Acquire : Action::TryAcquire;
    Out.push_back(std::move(Effect));
    return true;
  }
  if (Name == "lock" && Call->getDirectCallee()->isInStdNamespace()) {
    // std::lock(a, b, ...) acquires all of them.
    for (const Expr *Arg : Call->arguments()) {
      LockEffect Effect;
      Effect.Kind = LockKind::Mutex;
      Effect.Key = lockObjectKey(Arg, Scope);
      Effect.Display = spelling(Arg, Ctx);
      Out.push_back(std::move(Effect));
    }
    return true;
  }
  return false;
}

bool LockOperations::atomicFlagEffects(const Stmt *S, const FunctionDecl *Scope,
                                       llvm::SmallVectorImpl<LockEffect> &Out) const {
  // A word in memory used as a spinlock: test-and-set, exchange(1) and
  // compare-and-swap(0 -> non-zero) try to take it, a store of 0 gives it back.
  const Expr *Word = nullptr;
  std::optional<Action> Act;
  bool SuccessIsZero = true;
  auto NonZero = [&](const Expr *E) {
    std::optional<int64_t> V = E ? integerConstant(E, Ctx) : std::nullopt;
    return V && *V != 0;
  };
  auto Zero = [&](const Expr *E) {
    std::optional<int64_t> V = E ? integerConstant(E, Ctx) : std::nullopt;
    return V && *V == 0;
  };
  if (const auto *Atomic = dyn_cast<AtomicExpr>(S)) {
    Word = Atomic->getPtr();
    switch (Atomic->getOp()) {
    case AtomicExpr::AO__c11_atomic_exchange:
    case AtomicExpr::AO__atomic_exchange_n:
      if (NonZero(Atomic->getVal1()))
        Act = Action::TryAcquire;
      break;
    case AtomicExpr::AO__c11_atomic_compare_exchange_strong:
    case AtomicExpr::AO__c11_atomic_compare_exchange_weak:
    case AtomicExpr::AO__atomic_compare_exchange_n:
      if (NonZero(Atomic->getVal2())) {
        Act = Action::TryAcquire;
        SuccessIsZero = false;
      }
      break;
    case AtomicExpr::AO__c11_atomic_store:
    case AtomicExpr::AO__atomic_store_n:
      if (Zero(Atomic->getVal1()))
        Act = Action::Release;
      break;
    default:
      break;
    }
  } else if (const auto *Member = dyn_cast<CXXMemberCallExpr>(S)) {
    const CXXMethodDecl *Method = Member->getMethodDecl();
    const Expr *Object = Member->getImplicitObjectArgument();
    if (!Method || !Method->getIdentifier() || !Object ||
        !isStdRecord(Method->getParent(), {"atomic", "atomic_flag", "__atomic_base", "__atomic_flag_base"}))
      return false;
    llvm::StringRef Name = Method->getName();
    const Expr *First = Member->getNumArgs() > 0 ? Member->getArg(0) : nullptr;
    if (Name == "test_and_set" || (Name == "exchange" && NonZero(First))) {
      Act = Action::TryAcquire;
    } else if (Name.starts_with("compare_exchange") && Member->getNumArgs() >= 2 && NonZero(Member->getArg(1))) {
      Act = Action::TryAcquire;
      SuccessIsZero = false;
    } else if (Name == "clear" || (Name == "store" && Zero(First))) {
      Act = Action::Release;
    }
    if (!Act)
      return false;
    LockEffect Effect;
    Effect.Act = *Act;
    Effect.Kind = LockKind::AtomicFlag;
    Effect.Key = lockObjectKey(Object, Scope);
    Effect.Display = spelling(Object, Ctx);
    Effect.SuccessIsZero = SuccessIsZero;
    Out.push_back(std::move(Effect));
    return true;
  } else if (const auto *Call = dyn_cast<CallExpr>(S)) {
    llvm::StringRef Name = cFunctionName(Call);
    if (Name.empty() || Call->getNumArgs() == 0)
      return false;
    Word = Call->getArg(0);
    if (Name == "__atomic_test_and_set" ||
        (Name.starts_with("__sync_lock_test_and_set") && Call->getNumArgs() >= 2 && NonZero(Call->getArg(1)))) {
      Act = Action::TryAcquire;
    } else if (Name.starts_with("__sync_val_compare_and_swap") && Call->getNumArgs() >= 3 &&
               Zero(Call->getArg(1)) && NonZero(Call->getArg(2))) {
      Act = Action::TryAcquire;
    } else if (Name.starts_with("__sync_bool_compare_and_swap") && Call->getNumArgs() >= 3 &&
               Zero(Call->getArg(1)) && NonZero(Call->getArg(2))) {
      Act = Action::TryAcquire;
      SuccessIsZero = false;
    } else if (Name == "__atomic_clear" || Name.starts_with("__sync_lock_release")) {
      Act = Action::Release;
    }
  }
  if (!Act || !Word)
    return false;
  LockEffect Effect;
  Effect.Act = *Act;
  Effect.Kind = LockKind::AtomicFlag;
  Effect.Key = pointeeKey(Word, Scope);
  Effect.Display = spelling(Word, Ctx);
  Effect.SuccessIsZero = SuccessIsZero;
  Out.push_back(std::move(Effect));
  return true;
}

bool LockOperations::channelEffects(const CallExpr *Call, const FunctionDecl *Scope,
                                    llvm::SmallVectorImpl<LockEffect> &Out) const {
  // Message passing orders like an event semaphore that starts at 0: what
  // the sender did before sending happens before what the receiver does
  // after receiving. A barrier is both at once.
  llvm::StringRef Name = cFunctionName(Call);
  bool Receives = false, Sends = false;
  const Expr *Channel = nullptr;
  bool IsPointer = false;
  if (Name == "pthread_barrier_wait" && Call->getNumArgs() == 1) {
    Receives = Sends = true;
    Channel = Call->getArg(0);
    IsPointer = true;
  } else if ((Name == "read" || Name == "write" || Name == "recv" || Name == "send") && Call->getNumArgs() >= 3) {
    if (!Semaphores || !Semaphores->isChannelEnd(Call->getArg(0)))
      return false;
    Channel = Call->getArg(0);
    (Name == "read" || Name == "recv" ? Receives : Sends) = true;
  } else if ((Name == "msgrcv" || Name == "mq_receive" || Name == "mq_timedreceive") && Call->getNumArgs() >= 3) {
    Channel = Call->getArg(0);
    Receives = true;
  } else if ((Name == "msgsnd" || Name == "mq_send" || Name == "mq_timedsend") && Call->getNumArgs() >= 3) {
    Channel = Call->getArg(0);
    Sends = true;
  }
  if (!Channel)
    return false;
  const Decl *Holder = semaphoreHolder(Channel, IsPointer);
  LockEffect Effect;
  Effect.Kind = LockKind::PosixSemaphore;
  Effect.Holder = Holder;
  Effect.Display = spelling(Channel, Ctx);
  // One name per channel, whichever end or spelling is used.
  std::string Key;
  llvm::raw_string_ostream OS(Key);
  OS << "{E:" << static_cast<const void *>(Holder ? Holder : static_cast<const void *>(Call)) << '}';
  Effect.Key = OS.str();
  if (Sends) {
    LockEffect Send = Effect;
    Send.Act = Action::Release;
    Send.PublishOnly = true;
    Out.push_back(std::move(Send));
  }
  if (Receives) {
    Effect.Act = Action::Acquire;
    Effect.Counting = true;
    Effect.Event = true;
    Out.push_back(std::move(Effect));
  }
  return true;
}

namespace {

enum class Publication { None, Release, Acquire, Both };

/// C11 memory orders: 1 consume, 2 acquire, 3 release, 4 acq_rel, 5 seq_cst;
/// a missing order is seq_cst.
Publication storeSide(std::optional<int64_t> Order) {
  return !Order || *Order == 3 || *Order == 5 ? Publication::Release : Publication::None;
}
Publication loadSide(std::optional<int64_t> Order) {
  return !Order || *Order == 1 || *Order == 2 || *Order == 5 ? Publication::Acquire : Publication::None;
}
Publication fenceSide(std::optional<int64_t> Order) {
  if (!Order || *Order >= 4)
    return Publication::Both;
  if (*Order == 3)
    return Publication::Release;
  return *Order >= 1 ? Publication::Acquire : Publication::None;
}

bool isStdAtomic(const CXXRecordDecl *Record) {
  return isStdRecord(Record, {"atomic", "atomic_ref", "__atomic_base", "__atomic_float", "__atomic_ref"});
}

} // namespace

bool LockOperations::publicationEffects(const Stmt *S, llvm::SmallVectorImpl<LockEffect> &Out) const {
  Publication Side = Publication::None;
  const Expr *Flag = nullptr; // the flag's lvalue (IsPointer false) or address
  bool IsPointer = true;
  auto Order = [&](const Expr *E) -> std::optional<int64_t> {
    if (!E || isa<CXXDefaultArgExpr>(E))
      return std::nullopt;
    return integerConstant(E, Ctx);
  };
  if (const auto *Atomic = dyn_cast<AtomicExpr>(S)) {
    switch (Atomic->getOp()) {
    case AtomicExpr::AO__c11_atomic_store:
    case AtomicExpr::AO__atomic_store:
    case AtomicExpr::AO__atomic_store_n:
      Side = storeSide(Order(Atomic->getOrder()));
      break;
    case AtomicExpr::AO__c11_atomic_load:
    case AtomicExpr::AO__atomic_load:
    case AtomicExpr::AO__atomic_load_n:
      Side = loadSide(Order(Atomic->getOrder()));
      break;
    default:
      break;
    }
    Flag = Atomic->getPtr();
  } else if (const auto *Member = dyn_cast<CXXMemberCallExpr>(S)) {
    const CXXMethodDecl *Method = Member->getMethodDecl();
    if (!Method || !isStdAtomic(Method->getParent()))
      return false;
    Flag = Member->getImplicitObjectArgument();
    IsPointer = Flag && Flag->getType()->isPointerType();
    if (isa<CXXConversionDecl>(Method))
      Side = Publication::Acquire;
    else if (Method->getIdentifier() && Method->getName() == "store")
      Side = storeSide(Order(Member->getNumArgs() > 1 ? Member->getArg(1) : nullptr));
    else if (Method->getIdentifier() && Method->getName() == "load")
      Side = loadSide(Order(Member->getNumArgs() > 0 ? Member->getArg(0) : nullptr));
  } else if (const auto *Operator = dyn_cast<CXXOperatorCallExpr>(S)) {
    const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Operator->getDirectCallee());
    if (Operator->getOperator() != OO_Equal || !Method || !isStdAtomic(Method->getParent()) ||
        Operator->getNumArgs() < 1)
      return false;
    Side = Publication::Release;
    Flag = Operator->getArg(0);
    IsPointer = false;
  } else if (const auto *Call = dyn_cast<CallExpr>(S)) {
    llvm::StringRef Name = cFunctionName(Call);
    if ((Name == "__atomic_thread_fence" || Name == "__c11_atomic_thread_fence" || Name == "atomic_thread_fence") &&
        Call->getNumArgs() == 1)
      Side = fenceSide(Order(Call->getArg(0)));
    // A fence orders around any flag: no flag named.
  } else if (const auto *Cast = dyn_cast<ImplicitCastExpr>(S)) {
    if (Cast->getCastKind() != CK_LValueToRValue || !Cast->getSubExpr()->getType()->isAtomicType())
      return false;
    Side = Publication::Acquire;
    Flag = Cast->getSubExpr();
    IsPointer = false;
  } else if (const auto *Assign = dyn_cast<BinaryOperator>(S)) {
    if (Assign->getOpcode() != BO_Assign || !Assign->getLHS()->getType()->isAtomicType())
      return false;
    Side = Publication::Release;
    Flag = Assign->getLHS();
    IsPointer = false;
  }
  if (Side == Publication::None)
    return false;
  // One name per flag, whichever spelling; fences name no flag and pair
  // with any (Holder nullptr).
  const Decl *Holder = Flag ? semaphoreHolder(Flag, IsPointer) : nullptr;
  LockEffect Effect;
  Effect.Kind = LockKind::PosixSemaphore;
  Effect.Holder = Holder;
  Effect.Display = Flag ? spelling(Flag, Ctx) : std::string("fence");
  std::string Key;
  llvm::raw_string_ostream OS(Key);
  OS << "{E:" << static_cast<const void *>(Holder) << '}';
  Effect.Key = OS.str();
  if (Side == Publication::Release || Side == Publication::Both) {
    LockEffect Release = Effect;
    Release.Act = Action::Release;
    Release.PublishOnly = true;
    Out.push_back(std::move(Release));
  }
  if (Side == Publication::Acquire || Side == Publication::Both) {
    Effect.Act = Action::Acquire;
    Effect.Counting = true;
    Effect.Event = true;
    Out.push_back(std::move(Effect));
  }
  return true;
}

bool LockOperations::summaryEffects(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                                    const VarDecl *ConstructedVar, llvm::SmallVectorImpl<LockEffect> &Out) const {
  const FunctionDecl *Def = definitionWithBody(Callee);
  if (!Def || isModelled(Callee))
    return factsEffects(S, Callee, Scope, ConstructedVar, Out);
  if (!Summaries)
    return false;
  const EffectSummary *Summary = Summaries(Def);
  if (!Summary || !Summary->hasLockEffects())
    return false;
  CallArguments Args = argumentsOf(S, Def, Scope, ConstructedVar);
  // A wrapper's semaphore is the caller's argument: its initial value is
  // known here, not inside the wrapper.
  auto Reclassify = [&](LockEffect &Translated, const LockEffect &Original) {
    if (!Original.Semaphore)
      return;
    const Expr *Semaphore = Original.Semaphore;
    const auto *Ref = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(Semaphore));
    if (const auto *Param = Ref ? dyn_cast<ParmVarDecl>(Ref->getDecl()) : nullptr) {
      unsigned Index = Param->getFunctionScopeIndex();
      if (Param->getDeclContext() != Def || Index >= Args.NumArgs)
        return;
      Semaphore = Args.Args[Index];
    }
    std::optional<int64_t> Num = Original.Num;
    if (Original.NumParam >= 0 && static_cast<unsigned>(Original.NumParam) < Args.NumArgs)
      Num = integerConstant(Args.Args[Original.NumParam], Ctx);
    Translated.Semaphore = nullptr; // in the caller's terms now; not reused
    Translated.Counting = false;
    Translated.Event = false;
    classifySemaphore(Translated, Semaphore, Num);
  };
  for (const LockEffect &Effect : Summary->Releases)
    if (std::optional<LockEffect> T = translate(Effect, Def, Args, Ctx)) {
      Reclassify(*T, Effect);
      Out.push_back(std::move(*T));
    }
  for (const LockEffect &Effect : Summary->Acquires)
    if (std::optional<LockEffect> T = translate(Effect, Def, Args, Ctx)) {
      Reclassify(*T, Effect);
      Out.push_back(std::move(*T));
    }
  if (Summary->Try)
    if (std::optional<LockEffect> T = translate(*Summary->Try, Def, Args, Ctx)) {
      Reclassify(*T, *Summary->Try);
      Out.push_back(std::move(*T));
    }
  for (const LockEffect &Effect : Summary->Signed) {
    std::optional<LockEffect> T = translate(Effect, Def, Args, Ctx);
    if (!T || static_cast<unsigned>(Effect.SignParam) >= Args.NumArgs)
      continue;
    const Expr *SignArg = Args.Args[Effect.SignParam];
    if (std::optional<int64_t> Sign = integerConstant(SignArg, Ctx)) {
      int64_t Op = Effect.SignNegated ? -*Sign : *Sign;
      if (Op == 0)
        continue;
      T->Act = Op < 0 ? Action::Acquire : Action::Release;
      T->SignParam = -1;
      Reclassify(*T, Effect);
      Out.push_back(std::move(*T));
      continue;
    }
    // The sign is in turn a parameter of the caller: keep it pending.
    const auto *Ref = dyn_cast<DeclRefExpr>(SignArg->IgnoreParenImpCasts());
    const auto *Param = Ref ? dyn_cast<ParmVarDecl>(Ref->getDecl()) : nullptr;
    if (Param && Param->getDeclContext() == Scope) {
      T->SignParam = static_cast<int>(Param->getFunctionScopeIndex());
      Out.push_back(std::move(*T));
    }
  }
  return true;
}

bool LockOperations::factsEffects(const Stmt *S, const FunctionDecl *Callee, const FunctionDecl *Scope,
                                  const VarDecl *ConstructedVar, llvm::SmallVectorImpl<LockEffect> &Out) const {
  // A wrapper defined in another file or modelled for a library
  // (ProjectFacts.h), its locks named through its parameters.
  const ProjectFacts *Facts = ProjectFacts::current();
  const FunctionFacts *F = Facts && Callee ? Facts->function(Callee) : nullptr;
  if (!F || F->Locks.empty())
    return false;
  CallArguments Args = argumentsOf(S, Callee, Scope, ConstructedVar);
  for (const PortableLockEffect &Portable : F->Locks) {
    LockEffect Effect;
    Effect.Act = Portable.Act == PortableLockEffect::Action::Acquire   ? Action::Acquire
                 : Portable.Act == PortableLockEffect::Action::Release ? Action::Release
                                                                       : Action::TryAcquire;
    Effect.Kind = lockKindFromName(Portable.Kind);
    Effect.Mode = Portable.Shared ? LockMode::Shared : LockMode::Exclusive;
    Effect.Key = toNativeKey(Portable.Key, Callee, Ctx);
    Effect.Display = Portable.Display.empty() ? Portable.Key : Portable.Display;
    Effect.SuccessIsZero = Portable.SuccessIsZero;
    if (std::optional<LockEffect> T = translate(Effect, Callee, Args, Ctx))
      Out.push_back(std::move(*T));
  }
  return true;
}

bool LockOperations::macroStoreEffects(const Stmt *S, const FunctionDecl *Scope,
                                       llvm::SmallVectorImpl<LockEffect> &Out) const {
  // `*lock = 0` written by a library macro modelled as a release
  // (PostgreSQL's S_UNLOCK): it gives back the lock `lock` points to.
  const auto *Assign = dyn_cast<BinaryOperator>(S);
  const ProjectFacts *Facts = ProjectFacts::current();
  if (!Assign || Assign->getOpcode() != BO_Assign || !Facts || Facts->Macros.empty() ||
      !Assign->getBeginLoc().isMacroID())
    return false;
  std::optional<int64_t> Value = integerConstant(Assign->getRHS(), Ctx);
  const auto *Deref = dyn_cast<UnaryOperator>(ignoreCastsAndParens(Assign->getLHS()));
  if (!Value || *Value != 0 || !Deref || Deref->getOpcode() != UO_Deref)
    return false;
  const SourceManager &SM = Ctx.getSourceManager();
  for (SourceLocation Loc = Assign->getBeginLoc(); Loc.isMacroID(); Loc = SM.getImmediateMacroCallerLoc(Loc)) {
    auto It = Facts->Macros.find(Lexer::getImmediateMacroName(Loc, SM, Ctx.getLangOpts()));
    if (It == Facts->Macros.end() || It->getValue().Locks.empty() ||
        It->getValue().Locks.front().Act != PortableLockEffect::Action::Release)
      continue;
    const Expr *Pointer = Deref->getSubExpr();
    LockEffect Effect;
    Effect.Act = Action::Release;
    Effect.Kind = lockKindFromName(It->getValue().Locks.front().Kind);
    Effect.Key = lockObjectKey(Pointer, Scope);
    Effect.Display = spelling(Pointer, Ctx);
    Out.push_back(std::move(Effect));
    return true;
  }
  return false;
}

bool LockOperations::guardEffects(const CXXConstructExpr *Construct, const FunctionDecl *Scope, const VarDecl *Guard,
                                  llvm::SmallVectorImpl<LockEffect> &Out) const {
  const CXXRecordDecl *Record = Construct->getConstructor()->getParent();
  if (!isStdRecord(Record, {"lock_guard", "unique_lock", "scoped_lock", "shared_lock"}))
    return false;
  bool Shared = Record->getName() == "shared_lock";
  bool Deferred = false;
  llvm::SmallVector<const Expr *, 2> Mutexes;
  for (const Expr *Arg : Construct->arguments()) {
    llvm::StringRef Tag = tagName(Arg);
    if (Tag == "defer_lock_t")
      Deferred = true;
    if (!Tag.empty() && Tag.ends_with("_t"))
      continue; // adopt_lock_t / try_to_lock_t: the lock is (taken to be) held
    if (isa<CXXDefaultArgExpr>(Arg))
      continue;
    // A moved-from guard (`unique_lock(std::move(other))`) names no mutex.
    if (Arg->getType()->getAsCXXRecordDecl() && isGuardRecord(Arg->getType()->getAsCXXRecordDecl()))
      continue;
    Mutexes.push_back(Arg);
  }
  if (Deferred)
    return true;
  for (const Expr *Mutex : Mutexes) {
    LockEffect Effect;
    Effect.Kind = LockKind::Mutex;
    Effect.Mode = Shared ? LockMode::Shared : LockMode::Exclusive;
    Effect.Key = lockObjectKey(Mutex, Scope);
    Effect.Display = spelling(Mutex, Ctx);
    Effect.Guard = Guard;
    Out.push_back(std::move(Effect));
  }
  return true;
}

bool LockOperations::memberEffects(const CXXMemberCallExpr *Call, const FunctionDecl *Scope,
                                   llvm::SmallVectorImpl<LockEffect> &Out) const {
  const CXXMethodDecl *Method = Call->getMethodDecl();
  if (!Method || !Method->getIdentifier())
    return false;
  llvm::StringRef Name = Method->getName();
  bool Acquires = Name == "lock" || Name == "lock_shared";
  bool Tries = Name.starts_with("try_lock");
  bool Releases = Name == "unlock" || Name == "unlock_shared";
  if (!Acquires && !Tries && !Releases)
    return false;
  const Expr *Object = Call->getImplicitObjectArgument();
  if (!Object)
    return false;
  const CXXRecordDecl *Record = Object->getType()->getPointeeCXXRecordDecl();
  if (!Record)
    Record = Object->getType()->getAsCXXRecordDecl();
  bool SharedMode = Name.ends_with("_shared");

  // A guard variable: `lk.unlock()` gives up what the guard holds,
  // `lk.lock()` takes it again.
  if (isGuardRecord(Record)) {
    const auto *Ref = dyn_cast<DeclRefExpr>(Object->IgnoreParenImpCasts());
    const auto *Guard = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
    if (!Guard)
      return true;
    if (Releases) {
      LockEffect Effect;
      Effect.Act = Action::Release;
      Effect.Guard = Guard;
      Effect.WholeGuard = true;
      Out.push_back(std::move(Effect));
      return true;
    }
    const Expr *Init = Guard->getInit();
    const auto *Construct = Init ? dyn_cast<CXXConstructExpr>(Init->IgnoreImplicit()) : nullptr;
    llvm::SmallVector<LockEffect, 2> Held;
    if (Construct) {
      // Re-derive the guard's mutexes, ignoring any defer_lock tag.
      for (const Expr *Arg : Construct->arguments()) {
        if (tagName(Arg).ends_with("_t") || isa<CXXDefaultArgExpr>(Arg))
          continue;
        LockEffect Effect;
        Effect.Kind = LockKind::Mutex;
        Effect.Mode = isStdRecord(Record, {"shared_lock"}) ? LockMode::Shared : LockMode::Exclusive;
        Effect.Key = lockObjectKey(Arg, Scope);
        Effect.Display = spelling(Arg, Ctx);
        Effect.Guard = Guard;
        Effect.Act = Tries ? Action::TryAcquire : Action::Acquire;
        Effect.SuccessIsZero = false;
        Held.push_back(std::move(Effect));
      }
    }
    Out.append(Held.begin(), Held.end());
    return true;
  }

  // A BasicLockable object (std::mutex, a user class with lock/unlock).
  if (!hasMethodNamed(Record, SharedMode ? "unlock_shared" : "unlock"))
    return false;
  LockEffect Effect;
  Effect.Act = Releases ? Action::Release : Tries ? Action::TryAcquire : Action::Acquire;
  Effect.Kind = hasMethodNamed(Record, "lock_shared") ? LockKind::RwLock : LockKind::Mutex;
  Effect.Mode = SharedMode ? LockMode::Shared : LockMode::Exclusive;
  Effect.Key = lockObjectKey(Object, Scope);
  Effect.Display = spelling(Object, Ctx);
  Effect.SuccessIsZero = false;
  Out.push_back(std::move(Effect));
  return true;
}

void LockOperations::effectsOf(const Stmt *S, const FunctionDecl *Scope, const VarDecl *ConstructedVar,
                               llvm::SmallVectorImpl<LockEffect> &Out) const {
  if (isa<AtomicExpr>(S)) {
    if (!atomicFlagEffects(S, Scope, Out))
      publicationEffects(S, Out);
    return;
  }
  if (isa<ImplicitCastExpr>(S) || isa<BinaryOperator>(S)) {
    publicationEffects(S, Out);
    return;
  }
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) {
    const CXXConstructorDecl *Ctor = Construct->getConstructor();
    if (!Ctor)
      return;
    if (attributeEffects(S, Ctor, Scope, ConstructedVar, Out))
      return;
    if (guardEffects(Construct, Scope, ConstructedVar, Out))
      return;
    summaryEffects(S, Ctor, Scope, ConstructedVar, Out);
    return;
  }
  const auto *Call = dyn_cast<CallExpr>(S);
  if (!Call) {
    macroStoreEffects(S, Scope, Out);
    return;
  }
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee)
    return;
  if (attributeEffects(S, Callee, Scope, nullptr, Out))
    return;
  if (configuredEffects(Call, Scope, Out))
    return;
  if (libraryEffects(Call, Scope, Out))
    return;
  if (channelEffects(Call, Scope, Out) || atomicFlagEffects(Call, Scope, Out))
    return;
  if (publicationEffects(Call, Out))
    return;
  if (summaryEffects(S, Callee, Scope, nullptr, Out))
    return;
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call))
    if (!atomicFlagEffects(Member, Scope, Out))
      memberEffects(Member, Scope, Out);
}

void LockOperations::destructorEffects(const VarDecl *Var, const FunctionDecl *Scope,
                                       llvm::SmallVectorImpl<LockEffect> &Out) const {
  const CXXRecordDecl *Record = Var->getType()->getAsCXXRecordDecl();
  const CXXDestructorDecl *Dtor = Record && Record->hasDefinition() ? Record->getDestructor() : nullptr;
  const FunctionDecl *Def = definitionWithBody(Dtor);
  if (!Def || !Summaries || Record->hasAttr<ScopedLockableAttr>())
    return;
  const EffectSummary *Summary = Summaries(Def);
  if (!Summary)
    return;
  CallArguments Args;
  Args.Scope = Scope;
  Args.ConstructedVar = Var;
  for (const LockEffect &Effect : Summary->Releases)
    if (std::optional<LockEffect> T = translate(Effect, Def, Args, Ctx))
      Out.push_back(std::move(*T));
  for (const LockEffect &Effect : Summary->Acquires)
    if (std::optional<LockEffect> T = translate(Effect, Def, Args, Ctx))
      Out.push_back(std::move(*T));
}

ConcurrencyEffect LockOperations::concurrencyOf(const Stmt *S) const {
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) {
    const CXXConstructorDecl *Ctor = Construct->getConstructor();
    if (Ctor && isStdRecord(Ctor->getParent(), {"thread", "jthread"}) && Construct->getNumArgs() > 0 &&
        !Ctor->isCopyOrMoveConstructor())
      return ConcurrencyEffect::Spawn;
    return ConcurrencyEffect::None;
  }
  const auto *Call = dyn_cast<CallExpr>(S);
  if (!Call)
    return ConcurrencyEffect::None;
  if (forksProcess(Call))
    return ConcurrencyEffect::Fork;
  if (spawnsConcurrency(Call))
    return ConcurrencyEffect::Spawn;
  if (joinsConcurrency(Call))
    return ConcurrencyEffect::Join;
  // A function of another file that forks or waits (ProjectFacts.h).
  if (const ProjectFacts *Facts = ProjectFacts::current(); Facts && !definitionWithBody(Call->getDirectCallee())) {
    if (const FunctionFacts *F = Facts->function(Call->getDirectCallee())) {
      if (F->Forks)
        return ConcurrencyEffect::Fork;
      if (F->Joins)
        return ConcurrencyEffect::Join;
    }
  }
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
    const CXXMethodDecl *Method = Member->getMethodDecl();
    if (Method && Method->getIdentifier() && Method->getName() == "join" &&
        isStdRecord(Method->getParent(), {"thread", "jthread"}))
      return ConcurrencyEffect::Join;
  }
  return ConcurrencyEffect::None;
}

const EffectSummary *LockOperations::calleeSummary(const Stmt *S) const {
  const FunctionDecl *Callee = nullptr;
  if (const auto *Call = dyn_cast<CallExpr>(S))
    Callee = Call->getDirectCallee();
  else if (const auto *Construct = dyn_cast<CXXConstructExpr>(S))
    Callee = Construct->getConstructor();
  const FunctionDecl *Def = definitionWithBody(Callee);
  return Def && Summaries ? Summaries(Def) : nullptr;
}

void LockOperations::requiredOnEntry(const FunctionDecl *FD, llvm::SmallVectorImpl<LockEffect> &Out) const {
  for (const RequiresCapabilityAttr *A : FD->specific_attrs<RequiresCapabilityAttr>()) {
    auto Add = [&](std::string Key, std::string Display) {
      LockEffect Effect;
      Effect.Kind = LockKind::Capability;
      Effect.Mode = A->isShared() ? LockMode::Shared : LockMode::Exclusive;
      Effect.Key = std::move(Key);
      Effect.Display = std::move(Display);
      Out.push_back(std::move(Effect));
    };
    if (A->args_size() == 0 && isa<CXXMethodDecl>(FD)) {
      Add(appendPath(thisKey(FD), "^"), "*this");
      continue;
    }
    for (const Expr *Arg : A->args())
      if (!isa<StringLiteral>(Arg->IgnoreParenImpCasts()))
        Add(lockObjectKey(Arg, FD), spelling(Arg, Ctx));
  }
}

bool LockOperations::mayAffectLocks(const Stmt *S) const {
  if (isa<CXXConstructExpr>(S))
    return true;
  const auto *Call = dyn_cast<CallExpr>(S);
  return Call && Call->getDirectCallee();
}

} // namespace clang::tidy::shm
