// Whether an index takes a different value in every process that uses it.
//
// Workers that each write their own element (`slots[id]`) do not race, but
// only if no two processes compute the same index: the counter of the loop
// that forks them, a rank passed as an argument, `base + id` or `id * 4`
// are one-to-one; `k / 2`, `getpid() % N`, `id & 3` map several processes to
// one element, and so does a value read from shared memory (`h = r->head`:
// two processes may read the same one).
#pragma once

#include "analysis/ShmProvenance.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>

namespace clang::tidy::shm {

/// How a function changes a local variable: the values it sets it to
/// (initialiser included) and whether it also steps it (++, +=) or lets its
/// address escape.
class VariableWrites : public RecursiveASTVisitor<VariableWrites> {
public:
  explicit VariableWrites(const VarDecl *Watched);
  llvm::SmallVector<const Expr *, 2> Values;
  bool Stepped = false;
  bool Escapes = false;

  bool VisitBinaryOperator(BinaryOperator *Op);
  bool VisitUnaryOperator(UnaryOperator *Op);

private:
  bool names(const Expr *E) const;
  const VarDecl *Var;
};

class ProcessIndices {
public:
  ProcessIndices(ASTContext &Ctx, const ShmProvenance &Shm);
  ~ProcessIndices();

  /// Index (evaluated in Function) maps distinct processes to distinct
  /// values, as far as the analysis can tell: false only when some value it
  /// may take comes from a many-to-one operation.
  bool injective(const Expr *Index, const FunctionDecl *Function) const;

  struct Calls;

private:
  bool injective(const Expr *Index, const FunctionDecl *Function, unsigned Depth) const;
  ASTContext &Ctx;
  const ShmProvenance &Shm;
  std::unique_ptr<Calls> Sites;
};

} // namespace clang::tidy::shm
