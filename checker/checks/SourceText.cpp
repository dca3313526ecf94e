#include "SourceText.h"

#include "clang/Lex/Lexer.h"

namespace clang::tidy::shm {

CharSourceRange fileRange(const Expr *E, const SourceManager &SM,
                          const LangOptions &LO) {
  return Lexer::makeFileCharRange(
      CharSourceRange::getTokenRange(E->getSourceRange()), SM, LO);
}

llvm::StringRef spelledText(const Expr *E, const SourceManager &SM,
                            const LangOptions &LO) {
  CharSourceRange Range = fileRange(E, SM, LO);
  if (Range.isInvalid())
    return {};
  return Lexer::getSourceText(Range, SM, LO);
}

std::string pointeeName(const Expr *Pointer, const SourceManager &SM,
                        const LangOptions &LO) {
  const Expr *Bare = Pointer->IgnoreParenImpCasts();
  if (const auto *UO = dyn_cast<UnaryOperator>(Bare);
      UO && UO->getOpcode() == UO_AddrOf)
    return spelledText(UO->getSubExpr(), SM, LO).str();
  llvm::StringRef Text = spelledText(Bare, SM, LO);
  if (Text.empty())
    return "";
  if (isa<DeclRefExpr>(Bare) || isa<MemberExpr>(Bare) || isa<ParenExpr>(Bare))
    return ("*" + Text).str();
  return ("*(" + Text + ")").str();
}

} // namespace clang::tidy::shm
