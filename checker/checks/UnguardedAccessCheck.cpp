#include "checks/UnguardedAccessCheck.h"

#include "analysis/CalleeName.h"
#include "analysis/LockIdentity.h"
#include "analysis/LockSharing.h"
#include "analysis/ProcessIndices.h"
#include "analysis/ShmAccesses.h"
#include "analysis/ShmProvenance.h"
#include "summary/FreshMappings.h"
#include "summary/ProjectFacts.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

#include <set>
#include <tuple>

namespace clang::tidy::shm {
namespace {

std::vector<std::string> splitNames(llvm::StringRef List) {
  std::vector<std::string> Names;
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  List.split(Parts, ';', -1, false);
  for (llvm::StringRef Part : Parts) {
    for (llvm::StringRef Name : llvm::split(Part, ',')) {
      Name = Name.trim();
      if (!Name.empty())
        Names.push_back(Name.str());
    }
  }
  return Names;
}

llvm::StringRef verb(AccessKind Kind) {
  switch (Kind) {
  case AccessKind::Read:
    return "read of";
  case AccessKind::Write:
    return "write to";
  case AccessKind::ReadModifyWrite:
    return "read-modify-write of";
  }
  return "access to";
}

/// Which memory an access touches, coarsely: the field it ends in, or else
/// the type of the object. Used to tell whether a read can meet a write.
struct Location {
  const FieldDecl *Field = nullptr;
  const Type *ObjectType = nullptr;
  const RecordDecl *WholeRecord = nullptr; ///< the access covers a whole struct
  bool Unknown = false;                    ///< raw bytes: may be anything
  /// `f[3]`: a constant element of the array member Field.
  std::optional<int64_t> Element;
  /// Some subscript on the way is not a constant (`slots[head % N]`).
  bool VariableIndex = false;
};

const Type *canonicalType(QualType T) {
  if (T.isNull())
    return nullptr;
  T = T.getNonReferenceType().getCanonicalType().getUnqualifiedType();
  while (const auto *Array = dyn_cast<ArrayType>(T.getTypePtr()))
    T = Array->getElementType().getCanonicalType().getUnqualifiedType();
  return T.getTypePtr();
}

Location locationOfLValue(const Expr *E, const ASTContext &Ctx) {
  Location L;
  QualType Whole = E->getType();
  std::optional<int64_t> Index;
  for (unsigned Depth = 0; E && Depth < 32; ++Depth) {
    E = E->IgnoreParenImpCasts();
    if (const auto *Member = dyn_cast<MemberExpr>(E)) {
      L.Field = dyn_cast<FieldDecl>(Member->getMemberDecl());
      L.Element = Index;
      break;
    }
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
      const Expr *Base = Subscript->getBase()->IgnoreParenImpCasts();
      if (Base->getType()->isArrayType() || isa<MemberExpr>(Base)) {
        // Only the subscript right on the member tells the element apart.
        Index = isa<MemberExpr>(Base) ? integerConstant(Subscript->getIdx(), Ctx) : std::nullopt;
        if (!integerConstant(Subscript->getIdx(), Ctx))
          L.VariableIndex = true;
        E = Base;
        continue;
      }
      if (!integerConstant(Subscript->getIdx(), Ctx))
        L.VariableIndex = true;
      break;
    }
    break;
  }
  L.ObjectType = canonicalType(Whole);
  if (const auto *Record = Whole->getAsRecordDecl())
    L.WholeRecord = Record;
  return L;
}

Location locationOf(const ShmAccess &Access, const ASTContext &Ctx) {
  if (!Access.ThroughCall)
    return locationOfLValue(Access.Target, Ctx);
  const Expr *Pointer = Access.Target->IgnoreParenImpCasts();
  while (const auto *Cast = dyn_cast<ExplicitCastExpr>(Pointer))
    Pointer = Cast->getSubExpr()->IgnoreParenImpCasts();
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Pointer); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    return locationOfLValue(AddrOf->getSubExpr(), Ctx);
  if (Pointer->getType()->isArrayType())
    return locationOfLValue(Pointer, Ctx);
  Location L;
  QualType Pointee = Pointer->getType()->isPointerType() ? Pointer->getType()->getPointeeType() : QualType();
  if (Pointee.isNull() || Pointee->isVoidType() || Pointee->isCharType()) {
    L.Unknown = true;
    return L;
  }
  L.ObjectType = canonicalType(Pointee);
  L.WholeRecord = Pointee->getAsRecordDecl();
  return L;
}

/// A record type R contains the field F, directly or inside a member.
bool coversField(const RecordDecl *R, const FieldDecl *F, unsigned Depth = 0) {
  if (!R || !F || Depth > 4)
    return false;
  if (F->getParent() == R)
    return true;
  for (const FieldDecl *Member : R->fields()) {
    QualType T = Member->getType();
    while (const auto *Array = T->getAsArrayTypeUnsafe())
      T = Array->getElementType();
    if (const RecordDecl *Inner = T->getAsRecordDecl(); Inner && coversField(Inner, F, Depth + 1))
      return true;
  }
  return false;
}

/// Two accesses may touch the same bytes.
bool mayAlias(const Location &A, const Location &B) {
  if (A.Unknown || B.Unknown)
    return true;
  if ((A.WholeRecord && coversField(A.WholeRecord, B.Field)) || (B.WholeRecord && coversField(B.WholeRecord, A.Field)))
    return true;
  if (A.WholeRecord && A.WholeRecord == B.WholeRecord)
    return true;
  if (A.Field && B.Field)
    return A.Field == B.Field && !(A.Element && B.Element && *A.Element != *B.Element);
  // At least one goes through a plain pointer: compare the object types.
  if (!A.ObjectType || !B.ObjectType)
    return true;
  return A.ObjectType == B.ObjectType;
}

/// A semaphore as every function names it (LockId::Holder); a null Holder
/// stands for one the analysis could not name.
struct SemaphoreRef {
  const Decl *Holder = nullptr;
  int64_t Num = 0;
};

/// The semaphore an access is published by is one the other access waited
/// for. Unknown names on either side are given the benefit of the doubt.
bool sameSemaphore(llvm::ArrayRef<SemaphoreRef> Posted, llvm::ArrayRef<SemaphoreRef> Waited) {
  if (Posted.empty() || Waited.empty())
    return true;
  for (const SemaphoreRef &P : Posted) {
    for (const SemaphoreRef &W : Waited) {
      if (!P.Holder || !W.Holder)
        return true;
      if (P.Holder == W.Holder && (P.Num == W.Num || P.Num < 0 || W.Num < 0))
        return true;
    }
  }
  return false;
}

/// An access that may run while other processes use shared memory.
struct ConcurrentAccess {
  ShmAccess Access;
  Location Where;
  ProcessSet Processes;
  const FunctionDecl *Function = nullptr;
  /// A lock that excludes other processes is held (a write needs it in
  /// exclusive mode).
  bool Exclusive = false;
  /// A write of one fixed place that the code repeats (a loop): a later
  /// round may overwrite it while a reader still relies on the hand-off.
  bool RepeatedScalarWrite = false;
  /// A semaphore that orders but does not exclude was waited for (an event,
  /// a count of items or slots): ordered after what its poster published.
  bool AfterWait = false;
  /// A semaphore release follows: ordered before whoever waits for it.
  bool Published = false;
  llvm::SmallVector<SemaphoreRef, 1> PublishedVia; ///< empty: unknown
  llvm::SmallVector<SemaphoreRef, 1> WaitedFor;
  bool WriteUnderReadLock = false;
  /// An atomic operation (`__atomic_fetch_add(&s->n, 1)`): never reported,
  /// never races another atomic, but races a plain access of the same place.
  bool Atomic = false;
  /// The only locks held do not exclude other processes (LockSharing): one
  /// of them, for the message.
  std::optional<unsigned> PrivateGuard;
  /// The declarations naming the locks that make the access exclusive
  /// (LockSharing::holderOf); HoldersKnown false when one has no name that
  /// holds across functions.
  llvm::SmallVector<std::pair<const Decl *, LockKind>, 2> Holders;
  bool HoldersKnown = true;
  /// The access itself races with the same access in another process (two
  /// processes write the same place): a hand-off that publishes it does not
  /// protect its readers.
  bool SelfRacing = false;

  bool writes() const { return Access.Kind != AccessKind::Read; }
};

/// Cond reads shared memory (`s->readers == 1`).
bool readsSharedMemory(const Expr *Cond, const ShmProvenance &Shm) {
  if (!Cond)
    return false;
  if (const auto *Cast = dyn_cast<ImplicitCastExpr>(Cond);
      Cast && Cast->getCastKind() == CK_LValueToRValue && Shm.designatesShm(Cast->getSubExpr()))
    return true;
  if (const auto *Unary = dyn_cast<UnaryOperator>(Cond);
      Unary && Unary->isIncrementDecrementOp() && Shm.designatesShm(Unary->getSubExpr()))
    return true;
  for (const Stmt *Child : Cond->children())
    if (const auto *E = dyn_cast_or_null<Expr>(Child); E && readsSharedMemory(E, Shm))
      return true;
  return false;
}

/// The lvalues in shared memory an expression reads.
void sharedReads(const Expr *E, const ShmProvenance &Shm, llvm::SmallVectorImpl<const Expr *> &Out) {
  if (!E)
    return;
  if (const auto *Cast = dyn_cast<ImplicitCastExpr>(E);
      Cast && Cast->getCastKind() == CK_LValueToRValue && Shm.designatesShm(Cast->getSubExpr()))
    Out.push_back(Cast->getSubExpr());
  if (const auto *Unary = dyn_cast<UnaryOperator>(E);
      Unary && Unary->isIncrementDecrementOp() && Shm.designatesShm(Unary->getSubExpr()))
    Out.push_back(Unary->getSubExpr());
  for (const Stmt *Child : E->children())
    if (const auto *Sub = dyn_cast_or_null<Expr>(Child))
      sharedReads(Sub, Shm, Out);
}

/// The readers-writers idiom: the first reader, by a count in the segment,
/// takes the writers' lock for all readers (`if (++s->readers == 1)
/// sem_wait(&s->rw)`), so the readers that follow read under it. True when
/// Acquire is the then-branch of such an `if` that ends before the access
/// Read, and Read is not of the count itself.
bool admittedByReaderCount(const Stmt *Acquire, const ConcurrentAccess &Read, const ParentMap &Parents,
                           ASTContext &Ctx, const ShmProvenance &Shm) {
  const Stmt *Child = Acquire;
  for (unsigned Depth = 0; Child && Depth < 4; ++Depth) {
    const Stmt *Parent = Parents.getParent(Child);
    const auto *If = dyn_cast_or_null<IfStmt>(Parent);
    if (!If) {
      Child = Parent;
      continue;
    }
    if (If->getThen() != Child)
      return false;
    const SourceManager &SM = Ctx.getSourceManager();
    if (!SM.isBeforeInTranslationUnit(If->getEndLoc(), Read.Access.Target->getBeginLoc()))
      return false;
    llvm::SmallVector<const Expr *, 2> Counts;
    sharedReads(If->getCond(), Shm, Counts);
    if (Counts.empty())
      return false;
    for (const Expr *Count : Counts)
      if (mayAlias(locationOfLValue(Count, Ctx), Read.Where))
        return false;
    return true;
  }
  return false;
}

/// The subscripts on the way to an lvalue: `m->c[i][j]` -> i, j.
void slotIndices(const Expr *LValue, llvm::SmallVectorImpl<const Expr *> &Out) {
  const Expr *E = LValue->IgnoreParenImpCasts();
  for (unsigned Depth = 0; E && Depth < 16; ++Depth) {
    if (const auto *Member = dyn_cast<MemberExpr>(E)) {
      if (Member->isArrow())
        return;
      E = Member->getBase()->IgnoreParenImpCasts();
      continue;
    }
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
      Out.push_back(Subscript->getIdx());
      E = Subscript->getBase()->IgnoreParenImpCasts();
      continue;
    }
    return;
  }
}

/// An index that differs from process to process: a variable the function
/// never changes (a parameter, a copy made before forking), or a counter
/// started from such a value (`for (i = first; i < last; i++)`, rows of a
/// matrix split between workers).
bool isPerProcessIndex(const Expr *Index, const FunctionDecl *Function, bool Repeats, const ShmProvenance &Shm,
                       const ProcessIndices &Indices) {
  const auto *Ref = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(Index));
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var || Var->hasGlobalStorage() || !Function->getBody())
    return false;
  // Two processes that compute the same index write the same element.
  if (!Indices.injective(Index, Function))
    return false;
  if (!Repeats)
    return true;
  VariableWrites Writes(Var);
  Writes.TraverseStmt(Function->getBody());
  if (Writes.Escapes)
    return false;
  if (!Writes.Stepped && Writes.Values.size() <= 1)
    return true;
  // A counter: partitioned if every starting value is computed (not a
  // constant every process shares) and not read from shared memory.
  if (Writes.Values.empty())
    return false;
  for (const Expr *Value : Writes.Values)
    if (integerConstant(Value, Function->getASTContext()) || readsSharedMemory(Value, Shm))
      return false;
  return true;
}

/// `slots[id]` written by every worker with its own `id`: each process keeps
/// to its own element. Only the self-race of such an access is dismissed.
bool isPerProcessSlot(const ConcurrentAccess &A, const HeldLocks &Locks, const ShmProvenance &Shm,
                      const ProcessIndices &PerProcess) {
  if (A.Access.ThroughCall)
    return false;
  llvm::SmallVector<const Expr *, 2> Indices;
  slotIndices(A.Access.Target, Indices);
  bool Repeats = Locks.mayRepeat(A.Access.At);
  for (const Expr *Index : Indices)
    if (!Index->isValueDependent() && isPerProcessIndex(Index, A.Function, Repeats, Shm, PerProcess))
      return true;
  return false;
}

/// A happens before B or after it whatever the schedule: both under locks,
/// or one published by a semaphore the other waited for.
bool handedOff(const ConcurrentAccess &A, const ConcurrentAccess &B);

bool ordered(const ConcurrentAccess &A, const ConcurrentAccess &B) {
  return (A.Exclusive && B.Exclusive) || handedOff(A, B);
}

/// One of A and B is published by a semaphore (or message, or release
/// store) that the other waited for.
bool handedOff(const ConcurrentAccess &A, const ConcurrentAccess &B) {
  // A hand-off covers one round: a writer that repeats without waiting for
  // the reader (no lock of its own gates the next round) overwrites while
  // the reader may still be reading.
  auto HandsOff = [](const ConcurrentAccess &Writer, const ConcurrentAccess &Reader) {
    return Writer.Published && Reader.AfterWait && sameSemaphore(Writer.PublishedVia, Reader.WaitedFor) &&
           !(Writer.RepeatedScalarWrite && !Writer.Exclusive) && !Writer.SelfRacing && !Reader.SelfRacing;
  };
  return HandsOff(A, B) || HandsOff(B, A);
}

/// `b->alive[i]` in the parent and in the child it forks in the same round
/// of a loop over i: the child keeps its copy of i, the parent moves on, so
/// two such processes never meet on the same element.
bool disjointLoopSlots(const ConcurrentAccess &A, const ConcurrentAccess &B) {
  if (A.Function != B.Function || A.Access.ThroughCall || B.Access.ThroughCall ||
      (A.Processes.Labels & B.Processes.Labels) || !A.Function->getBody())
    return false;
  llvm::SmallVector<const Expr *, 2> IndicesA, IndicesB;
  slotIndices(A.Access.Target, IndicesA);
  slotIndices(B.Access.Target, IndicesB);
  for (const Expr *IndexA : IndicesA) {
    const auto *RefA = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(IndexA));
    const auto *Var = RefA ? dyn_cast<VarDecl>(RefA->getDecl()) : nullptr;
    if (!Var || Var->hasGlobalStorage())
      continue;
    for (const Expr *IndexB : IndicesB) {
      const auto *RefB = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(IndexB));
      if (!RefB || RefB->getDecl() != Var)
        continue;
      VariableWrites Writes(Var);
      Writes.TraverseStmt(A.Function->getBody());
      if (Writes.Stepped && !Writes.Escapes)
        return true;
    }
  }
  return false;
}

/// Some other access (or this one, run by two processes) may overlap A in
/// time, touch the same memory, one of the two writes, and nothing orders
/// them: a race.
bool mayRace(const ConcurrentAccess &A, const std::vector<ConcurrentAccess> &All, bool &OnlyWithRacingWrite) {
  OnlyWithRacingWrite = false;
  if (A.SelfRacing)
    return true;
  for (const ConcurrentAccess &B : All) {
    if (&B == &A || (!A.writes() && !B.writes()) || (A.Atomic && B.Atomic) || ordered(A, B))
      continue;
    // An access published by a semaphore follows the hand-off protocol: when
    // it meets an unordered access, that one is the one missing the wait;
    // unless that one is a write two processes make at once (two producers
    // bumping `head`), which no hand-off orders, or an atomic operation,
    // which is never reported itself.
    if (A.Published && !B.SelfRacing && !B.Atomic)
      continue;
    if (A.Processes.mayOverlap(B.Processes) && mayAlias(A.Where, B.Where) && !disjointLoopSlots(A, B)) {
      OnlyWithRacingWrite = A.Published;
      return true;
    }
  }
  return false;
}

/// The atomic operations of S on shared memory (`__atomic_fetch_add(&s->n,
/// 1)`, `__sync_fetch_and_add`): they race with plain accesses of the same
/// place, not with each other.
void atomicAccessesOf(const Stmt *S, const ShmProvenance &Shm, const ASTContext &Ctx,
                      llvm::SmallVectorImpl<ShmAccess> &Out) {
  const Expr *Pointer = nullptr;
  AccessKind Kind = AccessKind::ReadModifyWrite;
  if (const auto *Atomic = dyn_cast<AtomicExpr>(S)) {
    Pointer = Atomic->getPtr();
    switch (Atomic->getOp()) {
    case AtomicExpr::AO__c11_atomic_load:
    case AtomicExpr::AO__atomic_load:
    case AtomicExpr::AO__atomic_load_n:
      Kind = AccessKind::Read;
      break;
    case AtomicExpr::AO__c11_atomic_store:
    case AtomicExpr::AO__atomic_store:
    case AtomicExpr::AO__atomic_store_n:
      Kind = AccessKind::Write;
      break;
    default:
      break;
    }
  } else if (const auto *Call = dyn_cast<CallExpr>(S)) {
    if (cFunctionName(Call).starts_with("__sync_") && Call->getNumArgs() > 0)
      Pointer = Call->getArg(0);
  }
  if (!Pointer || !Pointer->getType()->isPointerType() || !Shm.pointsIntoShm(Pointer))
    return;
  ShmAccess Access;
  Access.Kind = Kind;
  Access.Target = Pointer;
  Access.At = S;
  Access.Name = spelling(Pointer, Ctx);
  Access.ThroughCall = true;
  Out.push_back(std::move(Access));
}

/// The lock an access holds, as the source spells it.
std::string guardDisplay(const ConcurrentAccess &C, const HeldLocks &Locks) {
  const LockSet *Held = Locks.mustHoldAt(C.Access.At);
  for (const HeldLock &L : Held ? Held->locks() : llvm::ArrayRef<HeldLock>())
    if (!L.Signal && !L.Counting && !L.Event && Locks.lock(L.Id).Key != callerHeldKey())
      return Locks.lock(L.Id).Display;
  return "a lock";
}

/// Eraser's lockset check on top of the must-hold sets: another access to
/// the same place, one of the two a write, that may run at the same time in
/// another process and holds none of the locks A holds (their intersection
/// is empty). Only accesses whose locks are named the same way in every
/// function are compared.
const ConcurrentAccess *disagreeingAccess(const ConcurrentAccess &A, const std::vector<ConcurrentAccess> &All,
                                          bool SeesAllProcesses) {
  if (!A.HoldersKnown || A.Holders.empty())
    return nullptr;
  for (const ConcurrentAccess &B : All) {
    if (&B == &A || B.Atomic || !B.Exclusive || !B.HoldersKnown || B.Holders.empty() ||
        (!A.writes() && !B.writes()))
      continue;
    // No lock in common, but locks of a kind in common: two mutexes, two
    // semaphores. Data passed between protocols of different kinds (a
    // spinlock here, a semaphore there) is left to the other checks.
    bool SameLock = false, SameKind = false;
    for (const auto &[HolderA, KindA] : A.Holders)
      for (const auto &[HolderB, KindB] : B.Holders) {
        SameLock |= HolderA == HolderB;
        SameKind |= KindA == KindB;
      }
    if (SameLock || !SameKind)
      continue;
    if (SeesAllProcesses && !A.Processes.mayOverlap(B.Processes))
      continue;
    if (!mayAlias(A.Where, B.Where) || handedOff(A, B) || disjointLoopSlots(A, B))
      continue;
    return &B;
  }
  return nullptr;
}

} // namespace

UnguardedAccessCheck::UnguardedAccessCheck(llvm::StringRef Name, ClangTidyContext *TidyContext)
    : ClangTidyCheck(Name, TidyContext), LockFunctionsOption(Options.get("LockFunctions", "")),
      UnlockFunctionsOption(Options.get("UnlockFunctions", "")),
      SharedMemoryFunctionsOption(Options.getLocalOrGlobal("SharedMemoryFunctions", "")),
      TryLockFunctionsOption(Options.getLocalOrGlobal("TryLockFunctions", "")) {
  Config.LockFunctions = splitNames(LockFunctionsOption);
  Config.UnlockFunctions = splitNames(UnlockFunctionsOption);
  ProjectFacts::addConfiguredNames(SharedMemoryFunctionsOption, TryLockFunctionsOption);
}

void UnguardedAccessCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "LockFunctions", LockFunctionsOption);
  Options.store(Opts, "UnlockFunctions", UnlockFunctionsOption);
  Options.store(Opts, "SharedMemoryFunctions", SharedMemoryFunctionsOption);
  Options.store(Opts, "TryLockFunctions", TryLockFunctionsOption);
}

void UnguardedAccessCheck::registerMatchers(ast_matchers::MatchFinder *Finder) {
  // The analysis is whole-translation-unit: one match, one run.
  Finder->addMatcher(ast_matchers::translationUnitDecl().bind("unit"), this);
}

void UnguardedAccessCheck::check(const ast_matchers::MatchFinder::MatchResult &Result) {
  ASTContext &Ctx = *Result.Context;
  const ShmProvenance &Shm = ShmProvenance::of(Ctx);
  const HeldLocks &Locks = HeldLocks::of(Ctx, Config);
  LockSharing Sharing(Ctx, Locks, Shm);
  ProcessIndices Indices(Ctx, Shm);

  // 1. Every access to shared memory that may run alongside other processes.
  std::vector<ConcurrentAccess> All;
  llvm::SmallVector<ShmAccess, 4> Found;
  std::unique_ptr<ParentMap> BodyParents;
  const FunctionDecl *BodyParentsOf = nullptr;
  for (const FunctionDecl *Function : Locks.analysedFunctions()) {
    for (const Stmt *S : Locks.statementsOf(Function)) {
      Found.clear();
      accessesOf(S, Shm, Ctx, Found);
      size_t Plain = Found.size();
      atomicAccessesOf(S, Shm, Ctx, Found);
      if (Found.empty() || !Locks.mayRunConcurrently(S))
        continue;
      const LockSet *Held = Locks.mustHoldAt(S);
      // Locks that do not exclude other processes guard nothing here. "A
      // lock every caller holds" is private when the named locks held are.
      std::optional<unsigned> PrivateHeld;
      bool SharedHeld = false;
      for (const HeldLock &L : Held ? Held->locks() : llvm::ArrayRef<HeldLock>()) {
        if (Locks.lock(L.Id).Key == callerHeldKey())
          continue;
        if (Sharing.privateLock(L.Id))
          PrivateHeld = L.Id;
        else
          SharedHeld = true;
      }
      auto ExcludesProcesses = [&](const HeldLock &L) {
        if (Locks.lock(L.Id).Key == callerHeldKey())
          return SharedHeld || !PrivateHeld;
        return !Sharing.privateLock(L.Id);
      };
      for (size_t I = 0; I < Found.size(); ++I) {
        if (isStillPrivateMapping(Shm.originOf(Found[I].Target), S, Function, Locks) ||
            isFreshlyMappedHere(Found[I].Target, S, Function, Locks))
          continue;
        ConcurrentAccess C;
        C.Access = std::move(Found[I]);
        C.Atomic = I >= Plain;
        C.Where = locationOf(C.Access, Ctx);
        C.RepeatedScalarWrite = C.writes() && !C.Where.VariableIndex && Locks.mayRepeat(S);
        C.Processes = Locks.processesAt(S);
        C.Function = Function;
        bool ReadLocked = false;
        for (const HeldLock &L : Held ? Held->locks() : llvm::ArrayRef<HeldLock>()) {
          if (!ExcludesProcesses(L)) {
            C.PrivateGuard = PrivateHeld;
            continue;
          }
          if (L.Signal || L.Counting || L.Event) {
            C.AfterWait = true;
            C.WaitedFor.push_back(SemaphoreRef{Locks.lock(L.Id).Holder, Locks.lock(L.Id).HolderNum});
          } else if (!C.writes() || L.Mode == LockMode::Exclusive) {
            C.Exclusive = true;
            if (const Decl *Holder = Sharing.holderOf(L.Id))
              C.Holders.emplace_back(Holder, Locks.lock(L.Id).Kind);
            else
              C.HoldersKnown = false;
          } else {
            ReadLocked = true;
          }
        }
        // Readers admitted by a shared count (the first reader locks the
        // writers out, the last lets them in: `if (++s->readers == 1)
        // sem_wait(&s->rw)`) read under the lock some reader holds.
        if (!C.Exclusive && !C.writes())
          if (const LockSet *May = Locks.mayHoldAt(S))
            for (const HeldLock &L : May->locks())
              if (!L.Signal && !(Held && Held->contains(L.Id)) && L.AcquiredAt) {
                // Parents within the function body only: cheaper than the
                // whole translation unit's parent map.
                if (!BodyParents || BodyParentsOf != Function) {
                  BodyParents = std::make_unique<ParentMap>(Function->getBody());
                  BodyParentsOf = Function;
                }
                if (admittedByReaderCount(L.AcquiredAt, C, *BodyParents, Ctx, Shm)) {
                  C.Exclusive = true;
                  C.HoldersKnown = false;
                }
              }
        // A semaphore release that follows publishes the access to whoever
        // waits for it (hand-off).
        C.Published = Locks.publishedBySemaphore(S);
        for (unsigned Id : Locks.publishingSemaphores(S))
          C.PublishedVia.push_back(SemaphoreRef{Locks.lock(Id).Holder, Locks.lock(Id).HolderNum});
        C.WriteUnderReadLock = !C.Exclusive && ReadLocked;
        All.push_back(std::move(C));
      }
    }
  }

  // 2. In a program that creates its own processes, an unguarded access is
  //    a race only if another access to the same memory, a write on one
  //    side, may run at the same time in another process: memory nobody
  //    writes after sharing (sizes, configuration) is safe to read, and a
  //    child's result the parent reads after waitpid() is no race. A program
  //    that never forks shares with other programs, whose accesses we
  //    cannot see: every unguarded access counts.
  bool SeesAllProcesses = Shm.unitSpawnsConcurrency();
  if (SeesAllProcesses)
    for (ConcurrentAccess &C : All)
      C.SelfRacing = !C.Atomic && !C.Exclusive && C.writes() && C.Processes.mayRunTwice() &&
                     !isPerProcessSlot(C, Locks, Shm, Indices);
  std::vector<const ConcurrentAccess *> Candidates;
  // For accesses that hold a lock: another access of the same place that
  // holds none of the same locks (the lockset intersection is empty).
  std::vector<const ConcurrentAccess *> Disagreeing;
  // Published accesses that race only because the write they meet races
  // itself (two producers): the write's own warning tells the story on the
  // same line, so they are reported only on lines of their own.
  std::vector<bool> SecondHand;
  for (const ConcurrentAccess &C : All) {
    if (C.Atomic)
      continue;
    if (C.Exclusive) {
      if (const ConcurrentAccess *Other = disagreeingAccess(C, All, SeesAllProcesses)) {
        Candidates.push_back(&C);
        Disagreeing.push_back(Other);
        SecondHand.push_back(false);
      }
      continue;
    }
    bool OnlyWithRacingWrite = false;
    if (SeesAllProcesses ? mayRace(C, All, OnlyWithRacingWrite) : !C.AfterWait && !C.Published) {
      Candidates.push_back(&C);
      Disagreeing.push_back(nullptr);
      SecondHand.push_back(OnlyWithRacingWrite);
    }
  }

  // 3. One warning per access; a read and a write of the same lvalue on one
  //    line (`x = x + 1`) are one read-modify-write.
  const SourceManager &SM = Ctx.getSourceManager();
  auto LineOf = [&](const ConcurrentAccess *C) {
    SourceLocation Loc = SM.getExpansionLoc(C->Access.Target->getBeginLoc());
    return std::make_pair(SM.getFileID(Loc), SM.getExpansionLineNumber(Loc));
  };
  std::vector<bool> Dropped(Candidates.size(), false);
  std::vector<AccessKind> Kinds;
  for (const ConcurrentAccess *C : Candidates)
    Kinds.push_back(C->Access.Kind);
  for (size_t I = 0; I < Candidates.size(); ++I) {
    if (!SecondHand[I])
      continue;
    for (size_t J = 0; J < Candidates.size(); ++J)
      if (J != I && !SecondHand[J] && Kinds[J] != AccessKind::Read && LineOf(Candidates[J]) == LineOf(Candidates[I]))
        Dropped[I] = true;
  }
  for (size_t I = 0; I < Candidates.size(); ++I) {
    if (Kinds[I] != AccessKind::Write || Dropped[I])
      continue;
    for (size_t J = 0; J < Candidates.size(); ++J) {
      if (J == I || Dropped[J] || Kinds[J] != AccessKind::Read ||
          Candidates[J]->Access.Name != Candidates[I]->Access.Name || LineOf(Candidates[J]) != LineOf(Candidates[I]))
        continue;
      Dropped[J] = true;
      Kinds[I] = AccessKind::ReadModifyWrite;
    }
  }

  std::set<std::tuple<unsigned, std::string, int>> Reported;
  for (size_t I = 0; I < Candidates.size(); ++I) {
    if (Dropped[I])
      continue;
    const ConcurrentAccess &C = *Candidates[I];
    const ShmAccess &Access = C.Access;
    SourceLocation Loc = Access.Target->IgnoreParens()->getBeginLoc();
    if (!Reported.emplace(SM.getExpansionLoc(Loc).getRawEncoding(), Access.Name, static_cast<int>(Kinds[I])).second)
      continue;

    if (const ConcurrentAccess *Other = Disagreeing[I]) {
      diag(Loc, "%0 shared memory '%1' holding '%2', which another access to it does not hold")
          << verb(Kinds[I]) << Access.Name << guardDisplay(C, Locks);
      diag(Other->Access.Target->IgnoreParens()->getBeginLoc(), "'%0' is accessed here holding '%1' instead",
           DiagnosticIDs::Note)
          << Other->Access.Name << guardDisplay(*Other, Locks);
    } else if (C.PrivateGuard) {
      const LockId &Guard = Locks.lock(*C.PrivateGuard);
      diag(Loc, "%0 shared memory '%1' guarded only by '%2', which does not exclude other processes")
          << verb(Kinds[I]) << Access.Name << Guard.Display;
      if (std::optional<PrivateLock> Why = Sharing.privateLock(*C.PrivateGuard))
        diag(Why->Where, LockSharing::describe(*Why, Guard.Display), DiagnosticIDs::Note);
    } else {
      diag(Loc, "%0 shared memory '%1' without holding a lock") << verb(Kinds[I]) << Access.Name;
    }

    if (Disagreeing[I] || C.PrivateGuard) {
      // The lock story is told above.
    } else if (C.WriteUnderReadLock) {
      const LockSet *Held = Locks.mustHoldAt(Access.At);
      for (const HeldLock &L : Held ? Held->locks() : llvm::ArrayRef<HeldLock>()) {
        if (L.Signal || L.Mode != LockMode::Shared)
          continue;
        SourceLocation At = L.AcquiredAt ? L.AcquiredAt->getBeginLoc() : Loc;
        diag(At, "'%0' is held for reading only", DiagnosticIDs::Note) << Locks.lock(L.Id).Display;
        break;
      }
    } else if (std::optional<MissingLock> Missing = Locks.whereMissing(Access.At)) {
      diag(Missing->Where->getBeginLoc(),
           Missing->ReleasedThere ? "'%0' is released here" : "'%0' is not held on the path through here",
           DiagnosticIDs::Note)
          << Locks.lock(Missing->Id).Display;
    }

    const Decl *Root = accessRoot(Access.Target);
    const auto *RootValue = dyn_cast_or_null<ValueDecl>(Root);
    if (const auto *Param = dyn_cast_or_null<ParmVarDecl>(Root)) {
      if (const Expr *Via = Shm.callPassingShm(Param)) {
        const auto *Callee = dyn_cast<FunctionDecl>(Param->getDeclContext());
        diag(Via->getBeginLoc(), "shared memory is passed to '%0' here", DiagnosticIDs::Note)
            << (Callee ? Callee->getNameAsString() : std::string("the function"));
      }
    } else if (!Root) {
      if (const auto *Method = dyn_cast<CXXMethodDecl>(C.Function))
        if (const Expr *Via = Shm.callPassingShm(Method))
          diag(Via->getBeginLoc(), "'%0' is called on an object in shared memory here", DiagnosticIDs::Note)
              << Method->getNameAsString();
    }
    const ShmOrigin *Origin = Shm.originOf(Access.Target);
    if (!Origin && RootValue)
      Origin = Shm.originOf(RootValue);
    if (Origin && Origin->Attach) {
      const Expr *Base = accessBase(Access.Target);
      std::string BaseName = Base ? spelling(Base, Ctx) : std::string();
      if (!BaseName.empty() && BaseName.size() <= 40)
        diag(Origin->Attach->getBeginLoc(), "'%0' points into shared memory attached here", DiagnosticIDs::Note)
            << BaseName;
      else
        diag(Origin->Attach->getBeginLoc(), "shared memory attached here", DiagnosticIDs::Note);
    }
  }
}

} // namespace clang::tidy::shm
