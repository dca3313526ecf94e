// shm-pointer-in-segment: pointer values stored into shared memory.
#pragma once

#include "clang-tidy/ClangTidyCheck.h"

#include "clang/AST/DeclCXX.h"

#include <vector>

namespace clang::tidy::shm {

/// Flags stores of a pointer (or of a pointer cast to an integer) into an
/// object in shared memory: `seg->next = &seg->nodes[1]`,
/// `seg->buf = malloc(n)`. Each process maps the segment at its own address,
/// so the value is only meaningful in the process that wrote it; an offset
/// from the segment base is meaningful in all of them.
///
/// Not flagged: null pointers, and pointers into the same region (or to code
/// and string literals) when every process attaches it at one fixed address.
class PointerInSegmentCheck : public ClangTidyCheck {
public:
  PointerInSegmentCheck(StringRef Name, ClangTidyContext *TidyContext)
      : ClangTidyCheck(Name, TidyContext) {}
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;

private:
  struct Store {
    const Expr *Target;    ///< the lvalue written (nullptr for initializers)
    const Expr *Value;     ///< the value stored
    const Decl *Field;     ///< the field initialised, for initializers
    const Expr *ShmObject; ///< designates the object written, if an expression
    const CXXConstructorDecl *Ctor; ///< for constructor member initializers
    SourceLocation Loc;
  };
  void judge(const Store &S);

  ASTContext *Ctx = nullptr;
  // Judged at the end of the translation unit, when the provenance analysis
  // has seen every assignment.
  std::vector<Store> Stores;
};

} // namespace clang::tidy::shm
