#include "ShmatResultCheck.h"

#include "BoolOption.h"
#include "SourceText.h"
#include "UncheckedAttachFlow.h"
#include "analysis/CalleeName.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ParentMap.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSwitch.h"

using namespace clang::ast_matchers;

namespace clang::tidy::shm {
namespace {

using Origin = ShmatResultCheck::Origin;
using SourceKind = ShmatResultCheck::SourceKind;
using Findings = ShmatResultCheck::Findings;

StringRef failureText(SourceKind Kind) {
  return Kind == SourceKind::Shmat ? "(void *)-1" : "MAP_FAILED";
}

// `!p` becomes `p == X`; parentheses are needed only where the result is an
// operand of something binding tighter than `==`.
bool needsParentheses(const Expr *Replaced, const ParentMap &Parents) {
  const Stmt *P = Parents.getParent(Replaced);
  while (P && isa<ImplicitCastExpr>(P))
    P = Parents.getParent(P);
  if (!P || !isa<Expr>(P) || isa<ParenExpr>(P) ||
      isa<ConditionalOperator>(P) || isa<CallExpr>(P) || isa<InitListExpr>(P))
    return false;
  if (const auto *BO = dyn_cast<BinaryOperator>(P))
    return BO->getOpcode() <= BO_NE;
  return true;
}

// `p == NULL` -> `p == X`, `!p` -> `p == X`, `if (p)` -> `if (p != X)`.
std::optional<FixItHint> nullTestFix(const Findings::NullTest &T,
                                     StringRef Failure,
                                     const ParentMap &Parents,
                                     const SourceManager &SM,
                                     const LangOptions &LO) {
  if (T.Null) {
    CharSourceRange Range = fileRange(T.Null, SM, LO);
    if (Range.isInvalid())
      return std::nullopt;
    return FixItHint::CreateReplacement(Range, Failure);
  }
  StringRef Tested = spelledText(T.Tested, SM, LO);
  CharSourceRange Range = fileRange(T.Test, SM, LO);
  if (Tested.empty() || Range.isInvalid())
    return std::nullopt;
  std::string Text =
      (Tested + (T.Negated ? " == " : " != ") + Failure).str();
  if (T.Negated && needsParentheses(T.Test, Parents))
    Text = "(" + Text + ")";
  return FixItHint::CreateReplacement(Range, Text);
}

bool isSharedMmapFlags(const Expr *Flags, const ASTContext &Ctx) {
  std::optional<int64_t> Value = integerConstant(Flags, Ctx);
  // Unknown flags: assume the common shared case. MAP_SHARED (1) and
  // MAP_SHARED_VALIDATE (3) both carry bit 0.
  return !Value || (*Value & 1) != 0;
}

} // namespace

ShmatResultCheck::ShmatResultCheck(StringRef Name, ClangTidyContext *TidyContext)
    : ClangTidyCheck(Name, TidyContext), CheckMmap(parseBoolOption(Options.get("CheckMmap", "true"), true)),
      CheckUncheckedUse(parseBoolOption(Options.get("CheckUncheckedUse", "true"), true)) {}

void ShmatResultCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "CheckMmap", boolOptionText(CheckMmap));
  Options.store(Opts, "CheckUncheckedUse", boolOptionText(CheckUncheckedUse));
}

void ShmatResultCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(functionDecl(isDefinition(), unless(isImplicit()))
                         .bind("function"),
                     this);
}

void ShmatResultCheck::check(const MatchFinder::MatchResult &Result) {
  Ctx = Result.Context;
  const auto *FD = Result.Nodes.getNodeAs<FunctionDecl>("function");
  if (FD && FD->hasBody() && !FD->isDependentContext() &&
      !Result.SourceManager->isInSystemHeader(FD->getLocation()))
    Functions.push_back(FD);
}

std::optional<ShmatResultCheck::Origin>
ShmatResultCheck::classifyCall(const CallExpr *Call) const {
  const FunctionDecl *FD = Call->getDirectCallee();
  if (!FD)
    return std::nullopt;
  StringRef Name = cFunctionName(Call);
  if (Name == "shmat")
    return Origin{Call, SourceKind::Shmat, Name.str(), nullptr};
  if (CheckMmap && (Name == "mmap" || Name == "mmap64") &&
      Call->getNumArgs() >= 4 &&
      isSharedMmapFlags(Call->getArg(3), *Ctx))
    return Origin{Call, SourceKind::Mmap, Name.str(), nullptr};
  auto It = Returners.find(FD->getCanonicalDecl());
  if (It != Returners.end())
    return Origin{Call, It->second.Kind, FD->getNameAsString(), FD};
  return std::nullopt;
}

bool ShmatResultCheck::calleeComparesParam(const FunctionDecl *Callee,
                                           unsigned Index) {
  const FunctionDecl *Def = Callee->getDefinition();
  if (!Def || !Def->hasBody() || Index >= Def->getNumParams())
    return false;
  auto [It, Inserted] = ParamCompareCache.try_emplace(Def);
  if (Inserted) {
    It->second.assign(Def->getNumParams(), false);
    llvm::SmallVector<const Stmt *, 64> Work{Def->getBody()};
    while (!Work.empty()) {
      const Stmt *S = Work.pop_back_val();
      if (!S)
        continue;
      for (const Stmt *Child : S->children())
        Work.push_back(Child);
      const auto *BO = dyn_cast<BinaryOperator>(S);
      if (!BO || !BO->isEqualityOp())
        continue;
      for (auto [Side, Other] : {std::pair(BO->getLHS(), BO->getRHS()),
                                 std::pair(BO->getRHS(), BO->getLHS())}) {
        const auto *Ref = dyn_cast<DeclRefExpr>(Side->IgnoreParenCasts());
        const auto *Param =
            Ref ? dyn_cast<ParmVarDecl>(Ref->getDecl()) : nullptr;
        if (Param && isAttachFailureValue(Other, *Ctx) &&
            Param->getFunctionScopeIndex() < It->second.size())
          It->second[Param->getFunctionScopeIndex()] = true;
      }
    }
  }
  auto Found = ParamCompareCache.find(Def);
  return Found->second[Index];
}

bool ShmatResultCheck::mentionsSource(const FunctionDecl *FD) const {
  llvm::SmallVector<const Stmt *, 64> Work{FD->getBody()};
  while (!Work.empty()) {
    const Stmt *S = Work.pop_back_val();
    if (!S)
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(S))
      if (const FunctionDecl *Callee = Call->getDirectCallee()) {
        StringRef Name = cFunctionName(Call);
        if (Name == "shmat" || Name == "mmap" || Name == "mmap64" ||
            Returners.count(Callee->getCanonicalDecl()))
          return true;
      }
    if (const auto *Ref = dyn_cast<DeclRefExpr>(S))
      if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
          Var && UncheckedHolders.count(Var->getCanonicalDecl()))
        return true;
    if (const auto *Member = dyn_cast<MemberExpr>(S))
      if (UncheckedHolders.count(Member->getMemberDecl()))
        return true;
    for (const Stmt *Child : S->children())
      Work.push_back(Child);
  }
  return false;
}

bool ShmatResultCheck::analyze(const FunctionDecl *FD, Findings &Found) {
  CFG::BuildOptions Opts;
  Opts.setAllAlwaysAdd();
  std::unique_ptr<CFG> Graph =
      CFG::buildCFG(FD, FD->getBody(), Ctx, Opts);
  if (!Graph)
    return false;
  findUncheckedAttachResults(*this, *FD, *Graph, *Ctx, Found);
  return true;
}

void ShmatResultCheck::learn(const FunctionDecl *FD, const Findings &Found) {
  for (const auto &[Holder, Source] : Found.Stores)
    if (!Found.Checked.count(Source))
      UncheckedHolders.try_emplace(
          Holder, HolderStore{Source, FD->getCanonicalDecl()});
  for (const Findings::Return &R : Found.Returns) {
    std::optional<Origin> O = classifyCall(cast<CallExpr>(R.Origin));
    if (!O)
      continue;
    std::string Underlying =
        O->Helper ? Returners.find(O->Helper->getCanonicalDecl())
                        ->second.Underlying
                  : O->Callee;
    Returners.try_emplace(FD->getCanonicalDecl(),
                          UncheckedReturner{O->Kind, Underlying, R.Stmt});
    break;
  }
}

void ShmatResultCheck::report(const FunctionDecl *FD, const Findings &Found) {
  const SourceManager &SM = Ctx->getSourceManager();
  const LangOptions &LO = getLangOpts();
  ParentMap Parents(FD->getBody());

  auto originNote = [&](const Origin &O) {
    diag(SM.getExpansionLoc(O.Call->getBeginLoc()), "'%0' called here", DiagnosticIDs::Note)
        << O.Callee;
    if (O.Helper) {
      const UncheckedReturner &R =
          Returners.find(O.Helper->getCanonicalDecl())->second;
      diag(R.Return->getBeginLoc(),
           "'%0' returns the result of '%1' without checking it",
           DiagnosticIDs::Note)
          << O.Callee << R.Underlying;
    }
  };

  llvm::DenseSet<const Expr *> Reported;
  for (const Findings::NullTest &T : Found.NullTests) {
    if (!Reported.insert(T.Test).second)
      continue;
    std::optional<Origin> O = classifyCall(cast<CallExpr>(T.Origin));
    if (!O)
      continue;
    StringRef Failure = failureText(O->Kind);
    const Expr *Bare = T.Tested->IgnoreParenCasts();
    if (const auto *Assign = dyn_cast<BinaryOperator>(Bare);
        Assign && Assign->getOpcode() == BO_Assign)
      Bare = Assign->getLHS()->IgnoreParenCasts();
    bool IsCall = Bare == T.Origin;
    {
      SourceLocation Loc = SM.getExpansionLoc(T.Test->getBeginLoc());
      auto D = IsCall ? diag(Loc,
                             "result of '%0' compared with NULL, but it "
                             "returns %1 on failure")
                            << O->Callee << Failure
                      : diag(Loc,
                             "'%0' compared with NULL, but '%1' returns %2 "
                             "on failure")
                            << spelledText(Bare, SM, LO) << O->Callee
                            << Failure;
      if (std::optional<FixItHint> Fix = nullTestFix(T, Failure, Parents, SM, LO))
        D << *Fix;
    }
    if (!IsCall)
      originNote(*O);
  }

  if (!CheckUncheckedUse)
    return;
  // One report per attach result: its first unchecked use.
  llvm::DenseMap<const Expr *, const Expr *> FirstUse;
  for (const Findings::Use &U : Found.Uses) {
    auto [It, Inserted] = FirstUse.try_emplace(U.Origin, U.Pointer);
    if (!Inserted && SM.isBeforeInTranslationUnit(U.Pointer->getBeginLoc(),
                                                  It->second->getBeginLoc()))
      It->second = U.Pointer;
  }
  for (const auto &[OriginCall, Pointer] : FirstUse) {
    std::optional<Origin> O = classifyCall(cast<CallExpr>(OriginCall));
    if (!O)
      continue;
    const Expr *Bare = Pointer->IgnoreParenCasts();
    StringRef Failure = failureText(O->Kind);
    if (Bare == OriginCall) {
      diag(SM.getExpansionLoc(Pointer->getBeginLoc()),
           "result of '%0' used without checking it for %1")
          << O->Callee << Failure;
      continue;
    }
    StringRef Text = spelledText(Bare, SM, LO);
    {
      diag(SM.getExpansionLoc(Pointer->getBeginLoc()),
           "'%0' used without checking the result of '%1' for %2")
          << (Text.empty() ? StringRef("pointer") : Text) << O->Callee
          << Failure;
    }
    originNote(*O);
  }
}

void ShmatResultCheck::onEndOfTranslationUnit() {
  if (!Ctx)
    return;
  // Helpers returning an unchecked attach result (and helpers of helpers),
  // globals and fields holding one: iterate until nothing new is learnt. The
  // findings of the last, stable round are final and get reported.
  llvm::DenseMap<const FunctionDecl *, Findings> Latest;
  bool Stable = false;
  for (unsigned Round = 0; Round < 4 && !Stable; ++Round) {
    size_t Before = Returners.size() + UncheckedHolders.size();
    Latest.clear();
    for (const FunctionDecl *FD : Functions) {
      if (Returners.count(FD->getCanonicalDecl()) || !mentionsSource(FD))
        continue;
      Findings Found;
      if (!analyze(FD, Found))
        continue;
      learn(FD, Found);
      Latest[FD] = std::move(Found);
    }
    Stable = Returners.size() + UncheckedHolders.size() == Before;
  }
  for (const FunctionDecl *FD : Functions) {
    if (!mentionsSource(FD))
      continue;
    auto It = Latest.find(FD);
    if (Stable && It != Latest.end()) {
      report(FD, It->second);
      continue;
    }
    Findings Found;
    if (analyze(FD, Found))
      report(FD, Found);
  }
  Functions.clear();
  Returners.clear();
  UncheckedHolders.clear();
  ParamCompareCache.clear();
  Ctx = nullptr;
}

} // namespace clang::tidy::shm
