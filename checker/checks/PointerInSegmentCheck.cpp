#include "PointerInSegmentCheck.h"

#include "SourceText.h"
#include "analysis/CalleeName.h"
#include "analysis/ShmProvenance.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"

using namespace clang::ast_matchers;

namespace clang::tidy::shm {
namespace {

constexpr int64_t MapFixed = 0x10;
constexpr int64_t MapFixedNoReplace = 0x100000;

// The pointer behind a stored value: the value itself, or the pointer a
// `(uintptr_t)p` cast converts. nullptr when nothing pointer-like is stored.
const Expr *storedPointer(const Expr *Value) {
  if (Value->getType()->isPointerType())
    return Value; // also string literals and functions, after decay
  const Expr *E = Value->IgnoreParenImpCasts();
  if (const auto *Cast = dyn_cast<ExplicitCastExpr>(E);
      Cast && Cast->getType()->isIntegerType()) {
    const Expr *Inner = Cast->getSubExpr()->IgnoreParenImpCasts();
    if (Inner->getType()->isPointerType())
      return Inner;
  }
  return nullptr;
}

bool isNull(const Expr *E, ASTContext &Ctx) {
  if (E->isValueDependent())
    return false;
  if (E->isNullPointerConstant(Ctx, Expr::NPC_ValueDependentIsNotNull) !=
      Expr::NPCK_NotNull)
    return true;
  std::optional<int64_t> V = integerConstant(ignoreCastsAndParens(E), Ctx);
  return V && *V == 0;
}

// Every process maps the region at one agreed address: shmat with a fixed
// address, mmap with MAP_FIXED. (An anonymous mapping inherited through fork
// also keeps its address, but only until a process maps it anew; it is
// reported like any other segment.)
bool mappedAtOneAddress(const ShmOrigin &Origin, ASTContext &Ctx) {
  const CallExpr *Attach = Origin.Attach;
  if (!Attach)
    return false;
  bool IsShmat = cFunctionName(Attach) == "shmat";
  unsigned AddressArg = IsShmat ? 1 : 0;
  if (Attach->getNumArgs() <= AddressArg ||
      isNull(Attach->getArg(AddressArg), Ctx))
    return false;
  if (IsShmat)
    return true; // shmat(id, (void *)0x7f0000000000, 0)
  if (Attach->getNumArgs() < 4)
    return false;
  std::optional<int64_t> Flags = integerConstant(Attach->getArg(3), Ctx);
  return Flags && (*Flags & (MapFixed | MapFixedNoReplace));
}

// The attach call behind the storage an lvalue designates. (ShmProvenance's
// originOf answers for the pointee when the lvalue has pointer type, so the
// object is reached through its base here.)
const ShmOrigin *storageOrigin(const ShmProvenance &Shm, const Expr *LValue) {
  LValue = LValue->IgnoreParens();
  if (const auto *Member = dyn_cast<MemberExpr>(LValue))
    return Member->isArrow() ? Shm.originOf(Member->getBase())
                             : storageOrigin(Shm, Member->getBase());
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(LValue))
    return Shm.originOf(Subscript->getBase());
  if (const auto *Deref = dyn_cast<UnaryOperator>(LValue);
      Deref && Deref->getOpcode() == UO_Deref)
    return Shm.originOf(Deref->getSubExpr());
  return LValue->getType()->isPointerType() ? nullptr : Shm.originOf(LValue);
}

bool isAddressOfCode(const Expr *Pointer) {
  const Expr *E = ignoreCastsAndParens(Pointer);
  if (isa<StringLiteral>(E))
    return true;
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(E);
      AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    E = ignoreCastsAndParens(AddrOf->getSubExpr());
  const auto *Ref = dyn_cast<DeclRefExpr>(E);
  return Ref && isa<FunctionDecl>(Ref->getDecl());
}

} // namespace

void PointerInSegmentCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(binaryOperator(hasOperatorName("=")).bind("assign"),
                     this);
  Finder->addMatcher(
      cxxConstructorDecl(isDefinition(),
                         forEachConstructorInitializer(
                             cxxCtorInitializer(isMemberInitializer())
                                 .bind("member-init")))
          .bind("ctor"),
      this);
}

void PointerInSegmentCheck::check(const MatchFinder::MatchResult &Result) {
  Ctx = Result.Context;
  const SourceManager &SM = *Result.SourceManager;
  if (const auto *Assign = Result.Nodes.getNodeAs<BinaryOperator>("assign")) {
    if (SM.isInSystemHeader(SM.getExpansionLoc(Assign->getBeginLoc())) ||
        Assign->isTypeDependent())
      return;
    const Expr *LHS = Assign->getLHS();
    const Expr *RHS = Assign->getRHS()->IgnoreParenImpCasts();
    if (const auto *Literal = dyn_cast<CompoundLiteralExpr>(RHS))
      RHS = Literal->getInitializer()->IgnoreParenImpCasts();
    if (const auto *List = dyn_cast<InitListExpr>(RHS)) {
      // `*seg = (struct hdr){ .next = p }`: each pointer member stored.
      const RecordDecl *RD = List->getType()->getAsRecordDecl();
      if (!RD || RD->isUnion())
        return;
      unsigned I = 0;
      for (const FieldDecl *F : RD->fields()) {
        if (I >= List->getNumInits())
          break;
        const Expr *Init = List->getInit(I++);
        if (F->getType()->isPointerType() && !isa<ImplicitValueInitExpr>(Init))
          Stores.push_back({nullptr, Init, F, LHS, nullptr, Init->getBeginLoc()});
      }
      return;
    }
    if (LHS->getType()->isPointerType() || LHS->getType()->isIntegerType())
      Stores.push_back({LHS, Assign->getRHS(), nullptr, LHS, nullptr,
                        Assign->getBeginLoc()});
    return;
  }
  const auto *Init = Result.Nodes.getNodeAs<CXXCtorInitializer>("member-init");
  const auto *Ctor = Result.Nodes.getNodeAs<CXXConstructorDecl>("ctor");
  if (Init && Ctor && Init->isWritten() && Init->getMember() &&
      Init->getMember()->getType()->isPointerType() &&
      !SM.isInSystemHeader(SM.getExpansionLoc(Init->getSourceLocation())))
    Stores.push_back({nullptr, Init->getInit(), Init->getMember(), nullptr,
                      Ctor, Init->getSourceLocation()});
}

void PointerInSegmentCheck::judge(const Store &S) {
  const ShmProvenance &Shm = ShmProvenance::of(*Ctx);
  const SourceManager &SM = Ctx->getSourceManager();
  const Expr *Pointer = storedPointer(S.Value);
  if (!Pointer || isNull(S.Value, *Ctx))
    return;
  const ShmOrigin *Origin = nullptr;
  if (S.ShmObject) {
    if (!Shm.designatesShm(S.ShmObject))
      return;
    Origin = storageOrigin(Shm, S.ShmObject);
  } else {
    // A member initializer stores into `this`, in shared memory when the
    // object is constructed there.
    if (!S.Ctor || !Shm.thisPointsIntoShm(S.Ctor))
      return;
  }
  if (Origin && mappedAtOneAddress(*Origin, *Ctx) &&
      (Shm.pointsIntoShm(Pointer) || isAddressOfCode(Pointer)))
    return;

  std::string Where =
      S.Target ? spelledText(S.Target, SM, getLangOpts()).str()
               : cast<NamedDecl>(S.Field)->getName().str();
  diag(SM.getExpansionLoc(S.Loc),
       "pointer stored into shared memory '%0' is only valid in this "
       "process; store an offset instead")
      << Where;
  if (Origin && Origin->Attach)
    diag(SM.getExpansionLoc(Origin->Attach->getBeginLoc()),
         "shared memory attached here", DiagnosticIDs::Note);
}

void PointerInSegmentCheck::onEndOfTranslationUnit() {
  if (!Ctx)
    return;
  for (const Store &S : Stores)
    judge(S);
  Stores.clear();
  Ctx = nullptr;
}

} // namespace clang::tidy::shm
