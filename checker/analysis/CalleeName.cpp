#include "analysis/CalleeName.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"

namespace clang::tidy::shm {

llvm::StringRef cFunctionName(const FunctionDecl *FD) {
  if (!FD || isa<CXXMethodDecl>(FD) || !FD->getIdentifier())
    return {};
  // Free functions at file scope, in `extern "C"` blocks or in namespace std
  // (<cstring> re-declares the C functions there).
  const DeclContext *DC = FD->getDeclContext()->getRedeclContext();
  if (DC->isTranslationUnit() || DC->isExternCContext() || DC->isStdNamespace())
    return FD->getName();
  return {};
}

llvm::StringRef cFunctionName(const CallExpr *Call) {
  if (!Call || isa<CXXMemberCallExpr>(Call) || isa<CXXOperatorCallExpr>(Call))
    return {};
  return cFunctionName(Call->getDirectCallee());
}

const FunctionDecl *definitionWithBody(const FunctionDecl *FD) {
  if (!FD)
    return nullptr;
  const FunctionDecl *Def = nullptr;
  if (FD->hasBody(Def) && Def && !Def->isDependentContext() && Def->getBody())
    return Def;
  return nullptr;
}

bool isInSystemHeader(const Decl *D) {
  if (!D)
    return false;
  const SourceManager &SM = D->getASTContext().getSourceManager();
  SourceLocation Loc = D->getLocation();
  if (Loc.isInvalid())
    return false;
  return SM.isInSystemHeader(SM.getExpansionLoc(Loc));
}

const Expr *ignoreCastsAndParens(const Expr *E) {
  while (E) {
    const Expr *Next = E->IgnoreParens();
    if (const auto *Cast = dyn_cast<CastExpr>(Next))
      Next = Cast->getSubExpr();
    else if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(Next))
      Next = Cleanups->getSubExpr();
    if (Next == E)
      return E;
    E = Next;
  }
  return E;
}

std::optional<int64_t> integerConstant(const Expr *E, const ASTContext &Ctx) {
  if (!E || E->isValueDependent() || E->isTypeDependent())
    return std::nullopt;
  Expr::EvalResult Result;
  if (!E->EvaluateAsInt(Result, Ctx))
    return std::nullopt;
  return Result.Val.getInt().getExtValue();
}

} // namespace clang::tidy::shm
