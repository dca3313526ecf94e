// The per-function analysis behind shm-shmat-result: which attach results
// are tested against NULL, used unchecked, returned or stored unchecked.
#pragma once

#include "ShmatResultCheck.h"

#include "clang/AST/Expr.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseSet.h"

#include <utility>
#include <vector>

namespace clang::tidy::shm {

/// What the analysis of one function found.
struct ShmatResultCheck::Findings {
  struct NullTest {
    const Expr *Test;   // the comparison, `!p`, or the bare `p` tested
    const Expr *Tested; // the attach result as written
    const Expr *Null;   // the NULL operand of a comparison, else nullptr
    bool Negated;       // `!p`: failure branch is the true branch
    const Expr *Origin;
  };
  struct Use {
    const Expr *Pointer;
    const Expr *Origin;
  };
  struct Return {
    const ReturnStmt *Stmt;
    const Expr *Origin;
  };
  std::vector<NullTest> NullTests;
  std::vector<Use> Uses;
  std::vector<Return> Returns;
  /// Globals and fields given an attach result, and the attach call.
  std::vector<std::pair<const ValueDecl *, const Expr *>> Stores;
  /// Attach calls whose result the function compared with something.
  llvm::DenseSet<const Expr *> Checked;
};

/// A (void *)-1 or MAP_FAILED bit pattern: -1 in any integer width, with or
/// without casts around it.
bool isAttachFailureValue(const Expr *E, const ASTContext &Ctx);

/// Forward "may be unchecked" dataflow over FD's CFG (built with every
/// subexpression as an element): which variables, fields and members of
/// `this` may hold an attach result that no path has compared with the
/// failure value yet. A comparison with the failure value, or with NULL
/// (reported), or passing it to a function that compares its parameter with
/// -1, checks every alias of that result. Check answers which calls attach.
void findUncheckedAttachResults(ShmatResultCheck &Check,
                                const FunctionDecl &FD, const CFG &Graph,
                                ASTContext &Ctx,
                                ShmatResultCheck::Findings &Found);

} // namespace clang::tidy::shm
