#include "ProcessSharedSyncCheck.h"

#include "SourceText.h"
#include "analysis/CalleeName.h"
#include "analysis/ShmProvenance.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <optional>

using namespace clang::ast_matchers;

namespace clang::tidy::shm {
namespace {

constexpr int64_t ProcessShared = 1; // PTHREAD_PROCESS_SHARED on Linux

// The C library's name of a record type, also for `typedef union {...} T`.
StringRef recordName(QualType T) {
  const RecordDecl *RD = T.getCanonicalType()->getAsRecordDecl();
  if (!RD)
    return {};
  if (RD->getIdentifier())
    return RD->getName();
  if (const TypedefNameDecl *Typedef = RD->getTypedefNameForAnonDecl())
    return Typedef->getName();
  return {};
}

bool isPthreadSyncType(QualType T) {
  while (const ArrayType *AT = T->getAsArrayTypeUnsafe())
    T = AT->getElementType();
  return llvm::StringSwitch<bool>(recordName(T))
      .Cases("pthread_mutex_t", "pthread_cond_t", "pthread_rwlock_t",
             "pthread_barrier_t", "sem_t", true)
      .Default(false);
}

bool isAttrType(QualType Pointer) {
  if (!Pointer->isPointerType())
    return false;
  StringRef Name = recordName(Pointer->getPointeeType());
  return Name.starts_with("pthread_") && Name.ends_with("attr_t");
}

// The C++ standard library's synchronisation types use process-private
// futex words and cannot be made process-shared at all.
std::optional<std::string> stdSyncName(QualType T) {
  const auto *RD = T.getCanonicalType()->getAsCXXRecordDecl();
  if (!RD || !RD->getIdentifier() || !RD->isInStdNamespace())
    return std::nullopt;
  bool IsSync = llvm::StringSwitch<bool>(RD->getName())
                    .Cases("mutex", "recursive_mutex", "timed_mutex",
                           "recursive_timed_mutex", true)
                    .Cases("shared_mutex", "shared_timed_mutex", true)
                    .Cases("condition_variable", "condition_variable_any", true)
                    .Default(false);
  if (!IsSync)
    return std::nullopt;
  return "std::" + RD->getName().str();
}

// Fields (at any depth) of a record that are pthread sync objects.
void syncFields(QualType T, llvm::SmallVectorImpl<const FieldDecl *> &Out,
                unsigned Depth = 0) {
  while (const ArrayType *AT = T->getAsArrayTypeUnsafe())
    T = AT->getElementType();
  const RecordDecl *RD = T.getCanonicalType()->getAsRecordDecl();
  if (!RD || Depth > 4 || !RD->getDefinition())
    return;
  for (const FieldDecl *F : RD->getDefinition()->fields()) {
    if (isPthreadSyncType(F->getType()))
      Out.push_back(F);
    else
      syncFields(F->getType(), Out, Depth + 1);
  }
}

// Attribute objects are named by variable, or by field for attributes kept in
// a struct (the struct is usually reached through different pointers in the
// function that sets the attribute and the one that uses it).
std::optional<std::string> attrKey(const Expr *AttrPointer) {
  const Expr *E = ignoreCastsAndParens(AttrPointer);
  const auto *AddrOf = dyn_cast<UnaryOperator>(E);
  if (!AddrOf || AddrOf->getOpcode() != UO_AddrOf)
    return std::nullopt;
  E = AddrOf->getSubExpr()->IgnoreParens();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return "v" + std::to_string(reinterpret_cast<uintptr_t>(
                     Ref->getDecl()->getCanonicalDecl()));
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return "f" + std::to_string(
                     reinterpret_cast<uintptr_t>(Member->getMemberDecl()));
  return std::nullopt;
}

// The declaration an object expression ends in: `&seg->lock` -> field
// `lock`, `&g_lock` -> variable `g_lock`.
const ValueDecl *objectDecl(const Expr *ObjectPointer) {
  const Expr *E = ignoreCastsAndParens(ObjectPointer);
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(E);
      AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    E = AddrOf->getSubExpr()->IgnoreParens();
  while (const auto *AS = dyn_cast<ArraySubscriptExpr>(E))
    E = AS->getBase()->IgnoreParenImpCasts();
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return Member->getMemberDecl();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return Ref->getDecl();
  return nullptr;
}

// The variable or parameter an object expression starts from.
const ValueDecl *rootDecl(const Expr *E) {
  while (true) {
    E = ignoreCastsAndParens(E);
    if (const auto *UO = dyn_cast<UnaryOperator>(E)) {
      E = UO->getSubExpr();
    } else if (const auto *Member = dyn_cast<MemberExpr>(E)) {
      E = Member->getBase();
    } else if (const auto *AS = dyn_cast<ArraySubscriptExpr>(E)) {
      E = AS->getBase();
    } else if (const auto *BO = dyn_cast<BinaryOperator>(E);
               BO && BO->isAdditiveOp()) {
      E = BO->getLHS()->getType()->isPointerType() ? BO->getLHS()
                                                   : BO->getRHS();
    } else {
      const auto *Ref = dyn_cast<DeclRefExpr>(E);
      return Ref ? Ref->getDecl() : nullptr;
    }
  }
}

bool refersToParam(const Expr *Arg, const ParmVarDecl *Param) {
  const Expr *E = ignoreCastsAndParens(Arg);
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(E);
      AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    if (const auto *Deref = dyn_cast<UnaryOperator>(
            AddrOf->getSubExpr()->IgnoreParens());
        Deref && Deref->getOpcode() == UO_Deref)
      E = ignoreCastsAndParens(Deref->getSubExpr());
  const auto *Ref = dyn_cast<DeclRefExpr>(E);
  return Ref && Ref->getDecl() == Param;
}

bool mentionsStaticInitializer(StringRef Text) {
  size_t At = Text.find("PTHREAD_");
  return At != StringRef::npos && Text.substr(At).contains("INITIALIZER");
}

// Sync fields that an initializer list sets from a PTHREAD_*_INITIALIZER.
void fieldsFromStaticInitializers(
    const InitListExpr *List, const SourceManager &SM, const LangOptions &LO,
    llvm::SmallVectorImpl<const ValueDecl *> &Out) {
  if (List->isSyntacticForm() && List->getSemanticForm())
    List = List->getSemanticForm();
  const RecordDecl *RD = List->getType()->getAsRecordDecl();
  if (!RD || RD->isUnion())
    return;
  unsigned I = 0;
  for (const FieldDecl *F : RD->fields()) {
    if (I >= List->getNumInits())
      break;
    const Expr *Init = List->getInit(I++)->IgnoreParenImpCasts();
    if (isa<ImplicitValueInitExpr>(Init))
      continue;
    if (isPthreadSyncType(F->getType())) {
      if (mentionsStaticInitializer(spelledText(Init, SM, LO)))
        Out.push_back(F);
    } else if (const auto *Nested = dyn_cast<InitListExpr>(Init)) {
      fieldsFromStaticInitializers(Nested, SM, LO, Out);
    }
  }
}

// The sync objects inside a struct-typed copy source that get a static
// initializer's value: `(struct s){ .lock = PTHREAD_MUTEX_INITIALIZER }`, or
// a variable initialised like that. Empty when the source spells none.
llvm::SmallVector<const ValueDecl *, 4>
staticallyInitialisedFields(const Expr *Source, QualType Type,
                            const SourceManager &SM, const LangOptions &LO) {
  llvm::SmallVector<const ValueDecl *, 4> Fields;
  const Expr *E = ignoreCastsAndParens(Source);
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(E);
      AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    E = ignoreCastsAndParens(AddrOf->getSubExpr());
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl()))
      if (const Expr *Init = Var->getAnyInitializer())
        E = Init->IgnoreParenImpCasts();
  if (const auto *Literal = dyn_cast<CompoundLiteralExpr>(E))
    E = Literal->getInitializer()->IgnoreParenImpCasts();
  if (const auto *List = dyn_cast<InitListExpr>(E)) {
    fieldsFromStaticInitializers(List, SM, LO, Fields);
    return Fields;
  }
  if (mentionsStaticInitializer(spelledText(E, SM, LO))) {
    llvm::SmallVector<const FieldDecl *, 4> All;
    syncFields(Type, All);
    Fields.append(All.begin(), All.end());
  }
  return Fields;
}

} // namespace

void ProcessSharedSyncCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(callExpr().bind("call"), this);
  Finder->addMatcher(binaryOperator(hasOperatorName("=")).bind("assign"),
                     this);
  Finder->addMatcher(cxxNewExpr().bind("new"), this);
}

void ProcessSharedSyncCheck::check(const MatchFinder::MatchResult &Result) {
  Ctx = Result.Context;
  const SourceManager &SM = *Result.SourceManager;
  auto inSystemHeader = [&SM](const Stmt *S) {
    return SM.isInSystemHeader(SM.getExpansionLoc(S->getBeginLoc()));
  };
  if (const auto *Call = Result.Nodes.getNodeAs<CallExpr>("call")) {
    StringRef Name = cFunctionName(Call);
    bool IsInit = llvm::StringSwitch<bool>(Name)
                      .Cases("pthread_mutex_init", "pthread_cond_init",
                             "pthread_rwlock_init", "pthread_barrier_init",
                             true)
                      .Cases("sem_init", "pthread_spin_init", true)
                      .Default(false);
    if (IsInit) {
      if (!inSystemHeader(Call))
        InitCalls.push_back(Call);
      if (Call->getNumArgs() > 0)
        if (const ValueDecl *D = objectDecl(Call->getArg(0)))
          InitCallsOf[D].push_back(Call);
      return;
    }
    if ((Name == "memcpy" || Name == "memmove") && !inSystemHeader(Call)) {
      MemCopies.push_back(Call);
      return;
    }
    for (const Expr *Arg : Call->arguments())
      if (isAttrType(Arg->getType())) {
        AttrCalls.push_back(Call);
        return;
      }
    return;
  }
  if (const auto *Assign = Result.Nodes.getNodeAs<BinaryOperator>("assign")) {
    llvm::SmallVector<const FieldDecl *, 4> Fields;
    QualType T = Assign->getLHS()->getType();
    if (!inSystemHeader(Assign) && !Assign->isTypeDependent() &&
        (isPthreadSyncType(T) || (syncFields(T, Fields), !Fields.empty())))
      Assignments.push_back(Assign);
    return;
  }
  if (const auto *New = Result.Nodes.getNodeAs<CXXNewExpr>("new"))
    if (New->getNumPlacementArgs() == 1 && !inSystemHeader(New))
      PlacementNews.push_back(New);
}

bool ProcessSharedSyncCheck::paramSetsShared(const FunctionDecl *FD,
                                             unsigned Index, unsigned Depth) {
  if (Depth > 3 || Index >= FD->getNumParams())
    return false;
  const ParmVarDecl *Param = FD->getParamDecl(Index);
  llvm::SmallVector<const Stmt *, 64> Work{FD->getBody()};
  while (!Work.empty()) {
    const Stmt *S = Work.pop_back_val();
    if (!S)
      continue;
    for (const Stmt *Child : S->children())
      Work.push_back(Child);
    const auto *Call = dyn_cast<CallExpr>(S);
    if (!Call)
      continue;
    for (unsigned I = 0, N = Call->getNumArgs(); I < N; ++I) {
      if (!refersToParam(Call->getArg(I), Param))
        continue;
      if (cFunctionName(Call).ends_with("attr_setpshared") && I == 0 &&
          N == 2) {
        // A run-time value (`set_pshared(attr, shared)`) is given the benefit
        // of the doubt.
        std::optional<int64_t> V = integerConstant(Call->getArg(1), *Ctx);
        if (!V || *V == ProcessShared)
          return true;
        continue;
      }
      if (const FunctionDecl *Def =
              definitionWithBody(Call->getDirectCallee()))
        if (paramSetsShared(Def, I, Depth + 1))
          return true;
    }
  }
  return false;
}

void ProcessSharedSyncCheck::collectAttrUses() {
  for (const CallExpr *Call : AttrCalls) {
    StringRef Name = cFunctionName(Call);
    const FunctionDecl *Def = definitionWithBody(Call->getDirectCallee());
    for (unsigned I = 0, N = Call->getNumArgs(); I < N; ++I) {
      if (!isAttrType(Call->getArg(I)->getType()))
        continue;
      std::optional<std::string> Key = attrKey(Call->getArg(I));
      if (!Key)
        continue;
      AttrUses &Uses = Attrs[*Key];
      if (Name.ends_with("attr_setpshared") && I == 0 && N == 2) {
        std::optional<int64_t> V = integerConstant(Call->getArg(1), *Ctx);
        Uses.SetShared |= V && *V == ProcessShared;
        Uses.Unknown |= !V;
      } else if (Name.starts_with("pthread_")) {
        continue; // other attribute setters and getters leave pshared alone
      } else if (Def) {
        Uses.SetShared |= paramSetsShared(Def, I, 0);
      } else {
        Uses.Unknown = true; // a library we cannot see may set it
      }
    }
  }
}

void ProcessSharedSyncCheck::noteWhereShared(const Expr *Object) {
  const SourceManager &SM = Ctx->getSourceManager();
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  if (const auto *Param = dyn_cast_or_null<ParmVarDecl>(rootDecl(Object)))
    if (const Expr *Caller = Shm.callPassingShm(Param))
      diag(SM.getExpansionLoc(Caller->getBeginLoc()),
           "called with shared memory here", DiagnosticIDs::Note);
  if (const ShmOrigin *Origin = Shm.originOf(Object))
    if (Origin->Attach)
      diag(SM.getExpansionLoc(Origin->Attach->getBeginLoc()),
           "shared memory attached here", DiagnosticIDs::Note);
}

void ProcessSharedSyncCheck::checkInitWithAttr(const CallExpr *Call) {
  if (Call->getNumArgs() < 2)
    return;
  const Expr *Object = Call->getArg(0);
  const Expr *Attr = Call->getArg(1);
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  if (!Shm.pointsIntoShm(Object))
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  const VarDecl *AttrVar = nullptr;
  if (!Attr->isNullPointerConstant(*Ctx, Expr::NPC_ValueDependentIsNotNull)) {
    std::optional<std::string> Key = attrKey(Attr);
    if (!Key)
      return; // an attribute pointer we do not follow
    auto It = Attrs.find(*Key);
    if (It != Attrs.end() && (It->second.SetShared || It->second.Unknown))
      return;
    if (const auto *Ref = dyn_cast<DeclRefExpr>(
            ignoreCastsAndParens(Attr)->IgnoreParens()))
      AttrVar = dyn_cast<VarDecl>(Ref->getDecl());
    if (const auto *AddrOf =
            dyn_cast<UnaryOperator>(ignoreCastsAndParens(Attr)))
      if (const auto *Ref =
              dyn_cast<DeclRefExpr>(AddrOf->getSubExpr()->IgnoreParens()))
        AttrVar = dyn_cast<VarDecl>(Ref->getDecl());
  }
  diag(SM.getExpansionLoc(Call->getBeginLoc()),
       "'%0' in shared memory initialised without PTHREAD_PROCESS_SHARED")
      << pointeeName(Object, SM, getLangOpts());
  if (AttrVar)
    diag(AttrVar->getLocation(),
         "'%0' is never set to PTHREAD_PROCESS_SHARED", DiagnosticIDs::Note)
        << AttrVar->getName();
  noteWhereShared(Object);
}

void ProcessSharedSyncCheck::checkInitWithFlag(const CallExpr *Call) {
  if (Call->getNumArgs() < 2)
    return;
  const Expr *Object = Call->getArg(0);
  const Expr *Flag = Call->getArg(1);
  std::optional<int64_t> Value = integerConstant(Flag, *Ctx);
  if (!Value || *Value != 0)
    return;
  if (!ShmProvenance::of(*Ctx).pointsIntoShm(Object))
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  bool IsSemaphore = cFunctionName(Call) == "sem_init";
  {
    auto D = diag(SM.getExpansionLoc(Flag->getBeginLoc()),
                  IsSemaphore ? "'%0' in shared memory initialised with "
                                "pshared 0"
                              : "'%0' in shared memory initialised with "
                                "PTHREAD_PROCESS_PRIVATE")
             << pointeeName(Object, SM, getLangOpts());
    CharSourceRange Range = fileRange(Flag, SM, getLangOpts());
    if (Range.isValid())
      D << FixItHint::CreateReplacement(
          Range, IsSemaphore ? "1" : "PTHREAD_PROCESS_SHARED");
  }
  noteWhereShared(Object);
}

const FunctionDecl *
ProcessSharedSyncCheck::enclosingFunction(const Stmt *S) const {
  DynTypedNodeList Parents = Ctx->getParents(*S);
  while (!Parents.empty()) {
    if (const auto *FD = Parents[0].get<FunctionDecl>())
      return FD;
    if (const auto *P = Parents[0].get<Stmt>())
      Parents = Ctx->getParents(*P);
    else if (const auto *D = Parents[0].get<Decl>())
      Parents = Ctx->getParents(*D);
    else
      break;
  }
  return nullptr;
}

bool ProcessSharedSyncCheck::callsAfter(const FunctionDecl *Caller,
                                        const FunctionDecl *Callee,
                                        const Stmt *After,
                                        const ValueDecl *Object) const {
  const SourceManager &SM = Ctx->getSourceManager();
  llvm::SmallVector<const Stmt *, 64> Work{Caller->getBody()};
  while (!Work.empty()) {
    const Stmt *S = Work.pop_back_val();
    if (!S)
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(S))
      if (const FunctionDecl *Target = Call->getDirectCallee();
          Target && Target->getCanonicalDecl() == Callee->getCanonicalDecl() &&
          SM.isBeforeInTranslationUnit(After->getEndLoc(), Call->getBeginLoc()))
        for (const Expr *Arg : Call->arguments())
          if (rootDecl(Arg) == Object)
            return true;
    for (const Stmt *Child : S->children())
      Work.push_back(Child);
  }
  return false;
}

bool ProcessSharedSyncCheck::reinitialisedAfter(
    llvm::ArrayRef<const ValueDecl *> Objects, const Stmt *Copy,
    const Expr *Target) const {
  const ValueDecl *Root = rootDecl(Target);
  if (!Root)
    return false;
  const SourceManager &SM = Ctx->getSourceManager();
  const FunctionDecl *Where = enclosingFunction(Copy);
  for (const ValueDecl *D : Objects) {
    auto It = InitCallsOf.find(D);
    if (!D || It == InitCallsOf.end())
      return false;
    // The init call follows the copy in the same function, or sits in a
    // helper the function calls after the copy (`*s = tmpl; init(s);`).
    bool Later = llvm::any_of(It->second, [&](const CallExpr *Init) {
      const FunctionDecl *Owner = enclosingFunction(Init);
      if (Owner == Where)
        return rootDecl(Init->getArg(0)) == Root &&
               SM.isBeforeInTranslationUnit(Copy->getEndLoc(),
                                            Init->getBeginLoc());
      return Owner && Where && callsAfter(Where, Owner, Copy, Root);
    });
    if (!Later)
      return false;
  }
  return !Objects.empty();
}

void ProcessSharedSyncCheck::checkAssignment(const BinaryOperator *Assign) {
  const Expr *Target = Assign->getLHS();
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  if (!Shm.designatesShm(Target))
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  // A whole struct copied over the segment is only a problem when it carries
  // a static initializer; a plain sync object copied in always is.
  llvm::SmallVector<const ValueDecl *, 4> Copied;
  if (isPthreadSyncType(Target->getType()))
    Copied.push_back(objectDecl(Target));
  else
    Copied = staticallyInitialisedFields(Assign->getRHS(), Target->getType(),
                                         SM, getLangOpts());
  if (Copied.empty() || reinitialisedAfter(Copied, Assign, Target))
    return;
  diag(SM.getExpansionLoc(Assign->getBeginLoc()),
       "'%0' in shared memory initialised by copying a process-private "
       "object")
      << spelledText(Target, SM, getLangOpts());
  noteWhereShared(Target);
}

void ProcessSharedSyncCheck::checkMemCopy(const CallExpr *Call) {
  if (Call->getNumArgs() < 3)
    return;
  const Expr *Dest = Call->getArg(0);
  const Expr *TypedDest = ignoreCastsAndParens(Dest);
  if (!TypedDest->getType()->isPointerType())
    return;
  QualType Pointee = TypedDest->getType()->getPointeeType();
  llvm::SmallVector<const FieldDecl *, 4> Fields;
  bool IsSync = isPthreadSyncType(Pointee);
  if (!IsSync)
    syncFields(Pointee, Fields);
  if (!IsSync && Fields.empty())
    return;
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  if (!Shm.pointsIntoShm(Dest))
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  llvm::SmallVector<const ValueDecl *, 4> Copied;
  if (IsSync)
    Copied.push_back(objectDecl(TypedDest));
  else
    Copied = staticallyInitialisedFields(Call->getArg(1), Pointee, SM,
                                         getLangOpts());
  if (Copied.empty() || reinitialisedAfter(Copied, Call, Dest))
    return;
  diag(SM.getExpansionLoc(Call->getBeginLoc()),
       "'%0' in shared memory initialised by copying a process-private "
       "object")
      << pointeeName(TypedDest, SM, getLangOpts());
  noteWhereShared(TypedDest);
}

void ProcessSharedSyncCheck::checkPlacementNew(const CXXNewExpr *New) {
  const Expr *Place = New->getPlacementArg(0);
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  if (!Shm.pointsIntoShm(Place))
    return;
  QualType T = New->getAllocatedType();
  const auto *RD = T.getCanonicalType()->getAsCXXRecordDecl();
  if (!RD || !RD->hasDefinition())
    return;
  const SourceManager &SM = Ctx->getSourceManager();
  for (const FieldDecl *F : RD->fields()) {
    QualType FT = F->getType();
    while (const ArrayType *AT = FT->getAsArrayTypeUnsafe())
      FT = AT->getElementType();
    if (std::optional<std::string> Std = stdSyncName(FT)) {
      diag(SM.getExpansionLoc(New->getBeginLoc()),
           "'%0' placed in shared memory contains '%1', which only works "
           "within one process")
          << RD->getName() << *Std;
      diag(F->getLocation(), "'%0' declared here", DiagnosticIDs::Note)
          << F->getName();
      noteWhereShared(Place);
      return;
    }
    if (isPthreadSyncType(FT) && F->hasInClassInitializer() &&
        !InitCallsOf.count(F)) {
      diag(SM.getExpansionLoc(New->getBeginLoc()),
           "'%0' placed in shared memory initialises '%1' without "
           "PTHREAD_PROCESS_SHARED")
          << RD->getName() << F->getName();
      diag(F->getLocation(), "'%0' declared here", DiagnosticIDs::Note)
          << F->getName();
      noteWhereShared(Place);
      return;
    }
  }
}

void ProcessSharedSyncCheck::onEndOfTranslationUnit() {
  if (!Ctx)
    return;
  collectAttrUses();
  for (const CallExpr *Call : InitCalls) {
    StringRef Name = cFunctionName(Call);
    if (Name == "sem_init" || Name == "pthread_spin_init")
      checkInitWithFlag(Call);
    else
      checkInitWithAttr(Call);
  }
  for (const BinaryOperator *Assign : Assignments)
    checkAssignment(Assign);
  for (const CallExpr *Call : MemCopies)
    checkMemCopy(Call);
  for (const CXXNewExpr *New : PlacementNews)
    checkPlacementNew(New);
  InitCalls.clear();
  AttrCalls.clear();
  Assignments.clear();
  MemCopies.clear();
  PlacementNews.clear();
  Attrs.clear();
  InitCallsOf.clear();
  Ctx = nullptr;
}

} // namespace clang::tidy::shm
