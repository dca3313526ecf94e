#include "analysis/RecordLockValues.h"

#include "analysis/CalleeName.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

namespace clang::tidy::shm {
namespace {

/// `fl.l_type` for the variable Var.
bool isTypeField(const Expr *E, const VarDecl *Var) {
  const auto *Member = dyn_cast<MemberExpr>(E->IgnoreParenImpCasts());
  if (!Member || Member->isArrow() || !Member->getMemberDecl()->getIdentifier() ||
      Member->getMemberDecl()->getName() != "l_type")
    return false;
  const auto *Ref = dyn_cast<DeclRefExpr>(Member->getBase()->IgnoreParenImpCasts());
  return Ref && Ref->getDecl() == Var;
}

/// The last assignment to Var.l_type that starts before Limit.
class TypeAssignments : public RecursiveASTVisitor<TypeAssignments> {
public:
  TypeAssignments(const VarDecl *Target, SourceLocation Limit, const ASTContext &Context)
      : Var(Target), Before(Limit), Ctx(Context) {}

  bool VisitBinaryOperator(BinaryOperator *Assign) {
    if (Assign->getOpcode() != BO_Assign || !isTypeField(Assign->getLHS(), Var))
      return true;
    const SourceManager &SM = Ctx.getSourceManager();
    if (!SM.isBeforeInTranslationUnit(Assign->getBeginLoc(), Before))
      return true;
    if (!Last || SM.isBeforeInTranslationUnit(Last->getBeginLoc(), Assign->getBeginLoc()))
      Last = Assign;
    return true;
  }

  const BinaryOperator *Last = nullptr;

private:
  const VarDecl *Var;
  SourceLocation Before;
  const ASTContext &Ctx;
};

std::optional<int64_t> initialType(const VarDecl *Var, const ASTContext &Ctx) {
  const auto *Init = dyn_cast_or_null<InitListExpr>(Var->getInit() ? Var->getInit()->IgnoreImplicit() : nullptr);
  const RecordDecl *Record = Var->getType()->getAsRecordDecl();
  if (!Init || !Record)
    return std::nullopt;
  if (Init->isSyntacticForm() && Init->getSemanticForm())
    Init = Init->getSemanticForm();
  unsigned Index = 0;
  for (const FieldDecl *Field : Record->fields()) {
    if (Field->getIdentifier() && Field->getName() == "l_type") {
      if (Index < Init->getNumInits())
        return integerConstant(Init->getInit(Index), Ctx);
      return 0;
    }
    ++Index;
  }
  return std::nullopt;
}

} // namespace

std::optional<int64_t> recordLockType(const CallExpr *Call, const FunctionDecl *Fn, const ASTContext &Ctx) {
  if (Call->getNumArgs() < 3 || !Fn || !Fn->getBody())
    return std::nullopt;
  const auto *AddrOf = dyn_cast<UnaryOperator>(ignoreCastsAndParens(Call->getArg(2)));
  if (!AddrOf || AddrOf->getOpcode() != UO_AddrOf)
    return std::nullopt;
  const auto *Ref = dyn_cast<DeclRefExpr>(AddrOf->getSubExpr()->IgnoreParenImpCasts());
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var || Var->hasGlobalStorage())
    return std::nullopt;
  TypeAssignments Finder(Var, Call->getBeginLoc(), Ctx);
  Finder.TraverseStmt(Fn->getBody());
  if (Finder.Last)
    return integerConstant(Finder.Last->getRHS(), Ctx);
  return initialType(Var, Ctx);
}

} // namespace clang::tidy::shm
